import { expectValidFhir } from '../../../../test/support/fhir-validator';
import { caseView } from '../testing/case-view.fixture';
import { encounterFromCase, encounterStatus, stayPeriod } from './encounter.mapper';
import { CIRCULATOR_SYSTEMS } from './fhir.systems';

describe('encounterFromCase', () => {
  it('a planned case: subject, appointment, planned room, no period, the visit as partOf', () => {
    const e = encounterFromCase(caseView());
    expectValidFhir(e);
    expect(e).toMatchObject({
      resourceType: 'Encounter',
      id: '1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
      status: 'planned',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', code: 'UNK' },
      subject: { type: 'Patient', identifier: expect.objectContaining({ value: 'M-1001' }) },
      appointment: [{ reference: 'Appointment/1b4e28ba-2fa1-4d2b-883f-0016d3cca427' }],
      location: [{ location: { reference: 'Location/or7-genhosp', display: 'OR 7' }, status: 'planned' }],
      partOf: { type: 'Encounter', identifier: { system: CIRCULATOR_SYSTEMS.visitNumber, value: 'VM-1001' } },
    });
    expect(e).not.toHaveProperty('period');
    expect(e.participant?.map((p) => p.type?.[0]?.coding?.[0]?.code)).toEqual(['PPRF', 'SPRF']);
  });

  it('the course so far: in the room since in-room, the encounter open', () => {
    const e = encounterFromCase(
      caseView({
        status: 'in-procedure',
        milestones: { inRoom: '2026-11-23T08:35:00Z', procedureStart: '2026-11-23T09:00:00Z' },
      }),
    );
    expectValidFhir(e);
    expect(e.status).toBe('in-progress');
    expect(e.period).toEqual({ start: '2026-11-23T08:35:00Z' });
    expect(e.location).toEqual([
      {
        location: { reference: 'Location/or7-genhosp', display: 'OR 7' },
        status: 'active',
        period: { start: '2026-11-23T08:35:00Z' },
      },
    ]);
  });

  it('the whole course: operating room, then PACU; the period ends at PACU out', () => {
    const view = caseView({
      status: 'completed',
      milestones: {
        inRoom: '2026-11-23T08:35:00Z',
        outOfRoom: '2026-11-23T10:05:00Z',
        pacuIn: '2026-11-23T10:10:00Z',
        pacuOut: '2026-11-23T11:40:00Z',
      },
    });
    const e = encounterFromCase(view);
    expectValidFhir(e);
    expect(e.status).toBe('finished');
    expect(e.period).toEqual({ start: '2026-11-23T08:35:00Z', end: '2026-11-23T11:40:00Z' });
    expect(e.location).toEqual([
      expect.objectContaining({
        status: 'completed',
        period: { start: '2026-11-23T08:35:00Z', end: '2026-11-23T10:05:00Z' },
      }),
      {
        location: { display: 'PACU' },
        status: 'completed',
        period: { start: '2026-11-23T10:10:00Z', end: '2026-11-23T11:40:00Z' },
      },
    ]);
  });

  it('a completed case without PACU ends when it left the room; one in recovery is still open', () => {
    const milestones = { inRoom: '2026-11-23T08:35:00Z', outOfRoom: '2026-11-23T10:05:00Z' };
    expect(stayPeriod(caseView({ status: 'completed', milestones }))).toEqual({
      start: '2026-11-23T08:35:00Z',
      end: '2026-11-23T10:05:00Z',
    });
    expect(stayPeriod(caseView({ status: 'recovery', milestones }))).toEqual({ start: '2026-11-23T08:35:00Z' });
  });

  it('leaves out an end before its start (per-1) rather than answer an invalid period', () => {
    const e = encounterFromCase(
      caseView({
        status: 'recovery',
        milestones: { inRoom: '2026-11-23T10:00:00Z', outOfRoom: '2026-11-23T09:00:00Z' },
      }),
    );
    expectValidFhir(e);
    expect(e.location?.[0]?.period).toEqual({ start: '2026-11-23T10:00:00Z' });
  });

  it.each([
    ['scheduled', 'planned'],
    ['pre-op', 'arrived'],
    ['in-room', 'in-progress'],
    ['in-procedure', 'in-progress'],
    ['recovery', 'in-progress'],
    ['completed', 'finished'],
    ['cancelled', 'cancelled'],
    ['no-show', 'cancelled'],
  ] as const)('a %s case is %s', (status, expected) => {
    expect(encounterStatus(status)).toBe(expected);
    expectValidFhir(encounterFromCase(caseView({ status })));
  });

  it('without a visit number or people: no partOf, no participant', () => {
    const e = encounterFromCase(caseView({ identifiers: {}, surgeon: undefined, anesthesiologist: undefined }));
    expectValidFhir(e);
    expect(e).not.toHaveProperty('partOf');
    expect(e).not.toHaveProperty('participant');
  });
});
