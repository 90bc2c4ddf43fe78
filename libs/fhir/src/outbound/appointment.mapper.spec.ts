import { CASE_STATUSES } from '@circulator/contracts';
import { expectValidFhir } from '../../../../test/support/fhir-validator';
import { caseView } from '../testing/case-view.fixture';
import { appointmentFromCase, appointmentStatus, caseStatusesForAppointment } from './appointment.mapper';
import { CIRCULATOR_SYSTEMS } from './fhir.systems';

describe('appointmentFromCase', () => {
  it('maps a booked case: ids, times, participants, identifiers', () => {
    const a = appointmentFromCase(
      caseView({ identifiers: { placerAppointmentId: 'PL-1', fillerAppointmentId: 'FL-1', orderNumber: 'ORD-9' } }),
      {
        updatedAt: '2026-11-20T12:00:00.000Z',
      },
    );
    expectValidFhir(a);
    expect(a).toMatchObject({
      resourceType: 'Appointment',
      id: '1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
      meta: { versionId: '3', lastUpdated: '2026-11-20T12:00:00Z' },
      status: 'booked',
      description: 'Laparoscopic cholecystectomy',
      start: '2026-11-23T08:30:00Z',
      end: '2026-11-23T10:00:00Z',
      minutesDuration: 90,
      basedOn: [{ type: 'ServiceRequest', identifier: { system: CIRCULATOR_SYSTEMS.orderNumber, value: 'ORD-9' } }],
    });
    expect(a.identifier?.map((i) => [i.type?.coding?.[0]?.code, i.system, i.value])).toEqual([
      ['PLAC', CIRCULATOR_SYSTEMS.placerAppointmentId, 'PL-1'],
      ['FILL', CIRCULATOR_SYSTEMS.fillerAppointmentId, 'FL-1'],
    ]);
    expect(a.participant).toEqual([
      {
        actor: {
          reference: 'Patient/M-1001',
          type: 'Patient',
          identifier: expect.objectContaining({ system: CIRCULATOR_SYSTEMS.mrn, value: 'M-1001' }),
          display: 'EVERYMAN, Adam',
        },
        required: 'required',
        status: 'accepted',
      },
      expect.objectContaining({
        type: [expect.objectContaining({ coding: [expect.objectContaining({ code: 'PPRF' })] })],
        actor: {
          reference: 'Practitioner/1001',
          type: 'Practitioner',
          identifier: { system: CIRCULATOR_SYSTEMS.practitioner, value: '1001' },
          display: 'House, Gregory',
        },
      }),
      expect.objectContaining({
        type: [expect.objectContaining({ coding: [expect.objectContaining({ code: 'SPRF' })] })],
        actor: expect.objectContaining({ display: 'Quinn, Michaela' }),
      }),
      { actor: { reference: 'Location/or7-genhosp', display: 'OR 7' }, required: 'required', status: 'accepted' },
    ]);
  });

  it.each([
    ['scheduled', 'booked'],
    ['pre-op', 'arrived'],
    ['in-room', 'arrived'],
    ['in-procedure', 'arrived'],
    ['recovery', 'fulfilled'],
    ['completed', 'fulfilled'],
    ['cancelled', 'cancelled'],
    ['no-show', 'noshow'],
  ] as const)('a %s case is %s', (status, expected) => {
    expect(appointmentStatus(status)).toBe(expected);
    const a = appointmentFromCase(caseView({ status }));
    expect(a.status).toBe(expected);
    expectValidFhir(a);
  });

  it('searches by status the other way round, every case status exactly once', () => {
    const found = ['booked', 'arrived', 'fulfilled', 'cancelled', 'noshow'].flatMap((s) =>
      caseStatusesForAppointment(s as 'booked'),
    );
    expect([...found].sort()).toEqual([...CASE_STATUSES].sort());
    expect(caseStatusesForAppointment('waitlist')).toEqual([]);
  });

  it('leaves out what the case does not have, and keeps the offset a source gave', () => {
    const a = appointmentFromCase(
      caseView({
        surgeon: undefined,
        anesthesiologist: undefined,
        identifiers: {},
        procedure: { text: '' },
        scheduledStart: '2026-11-23T09:30:00+01:00',
        scheduledEnd: '2026-11-23T09:30:00+01:00',
      }),
    );
    expectValidFhir(a);
    expect(a.participant.map((p) => p.actor?.type ?? p.actor?.reference)).toEqual(['Patient', 'Location/or7-genhosp']);
    expect(a).not.toHaveProperty('identifier');
    expect(a).not.toHaveProperty('description');
    expect(a).not.toHaveProperty('minutesDuration'); // zero minutes: positiveInt cannot say it
    expect(a.start).toBe('2026-11-23T09:30:00+01:00');
  });

  it('gives an initials-only view a patient reference without the MRN', () => {
    const a = appointmentFromCase(caseView({ patient: { mrn: '', name: 'A.E.' } }));
    expectValidFhir(a);
    expect(a.participant[0]?.actor).toEqual({ type: 'Patient', display: 'A.E.' });
  });
});
