import { applyFact } from './case.engine';
import { matchByPatientDayRoom } from './case.identity';
import type { ScheduleFact } from './fact';
import { OR2, booking, bookedCase, ctx, source, t } from './testing/facts.fixture';

const ZONE = 'Europe/Paris';

/** Case C: S12 with SCH-1 P1 only, patient M1, OR 1, 23 Nov 07:30–09:00 UTC (08:30 Paris). */
const C = bookedCase({ identifiers: { placerAppointmentId: 'P1' } });

/** An S14 about C that carries only the filler id the EHR assigned later. */
function s14(overrides: Partial<ScheduleFact> = {}): ScheduleFact {
  return booking({
    action: 'modified',
    at: '2026-11-21T09:00:00.000Z',
    source: source(20, 'SIU^S14 F9'),
    identifiers: { fillerAppointmentId: 'F9' },
    scheduledStart: t('07:45'),
    scheduledEnd: t('09:15'),
    ...overrides,
  });
}

describe('identity fallback: patient + day + room (matchByPatientDayRoom)', () => {
  it('worked example: same patient, OR 1, 15 min later, same procedure code → matched, confidence high', () => {
    expect(matchByPatientDayRoom([C], s14(), ZONE)).toEqual({
      outcome: 'matched',
      state: C,
      match: {
        caseId: C.id,
        by: 'patient-day-room',
        confidence: 'high',
        reasons: [
          'same patient M1',
          'same room OR 1',
          'same day 2026-11-23',
          'starts 15 min apart',
          'same procedure 47562',
        ],
      },
    });
  });

  it('the start moved to 10:30 UTC (3 h later), or another procedure code: medium', () => {
    const later = matchByPatientDayRoom([C], s14({ scheduledStart: t('10:30'), scheduledEnd: t('12:00') }), ZONE);
    expect(later.outcome === 'matched' && [later.match.confidence, later.match.reasons[3]]).toEqual([
      'medium',
      'starts 180 min apart',
    ]);
    const other = matchByPatientDayRoom([C], s14({ procedure: { code: '44970', text: 'Appendectomy' } }), ZONE);
    expect(other.outcome === 'matched' && [other.match.confidence, other.match.reasons[4]]).toEqual([
      'medium',
      'procedure 47562 vs 44970',
    ]);
  });

  it('another room, another local day, another patient: none', () => {
    expect(matchByPatientDayRoom([C], s14({ room: OR2 }), ZONE).outcome).toBe('none');
    // 23:30 UTC on the 23rd is 00:30 on the 24th in Paris: another facility day.
    expect(matchByPatientDayRoom([C], s14({ scheduledStart: t('23:30') }), ZONE).outcome).toBe('none');
    expect(matchByPatientDayRoom([C], s14({ patient: { mrn: 'M9' } }), ZONE).outcome).toBe('none');
  });

  it('a different value of an identifier of the same kind is another appointment: none', () => {
    expect(matchByPatientDayRoom([C], s14({ identifiers: { placerAppointmentId: 'P2' } }), ZONE).outcome).toBe('none');
  });

  it('without a patient, a room or a start the fallback finds nothing', () => {
    expect(matchByPatientDayRoom([C], s14({ patient: undefined }), ZONE).outcome).toBe('none');
    expect(matchByPatientDayRoom([C], s14({ room: undefined }), ZONE).outcome).toBe('none');
    expect(matchByPatientDayRoom([C], s14({ scheduledStart: undefined }), ZONE).outcome).toBe('none');
  });

  it('two cases of the patient that day in that room: ambiguous, none chosen', () => {
    const second = applyFact(
      undefined,
      booking({ identifiers: { fillerAppointmentId: 'F2' }, scheduledStart: t('13:00'), scheduledEnd: t('14:00') }),
      {
        ...ctx,
        newCaseId: 'case-2',
      },
    ).state!;
    expect(matchByPatientDayRoom([second, C], s14({ identifiers: { fhirAppointmentId: 'A7' } }), ZONE)).toEqual({
      outcome: 'ambiguous',
      caseIds: ['case-1', 'case-2'],
    });
  });

  it('a merged MRN finds the survivor’s case', () => {
    const merged = { ...C, patient: { ...C.patient, mrn: 'M2', mergedFrom: ['M1'] } };
    expect(matchByPatientDayRoom([merged], s14(), ZONE).outcome).toBe('matched');
  });

  it('applied with the match: the event carries identity and the new identifier, with an identity-fallback warning', () => {
    const found = matchByPatientDayRoom([C], s14(), ZONE);
    if (found.outcome !== 'matched') throw new Error('no match');
    const out = applyFact(C, s14(), { ...ctx, identity: found.match });
    expect(out.state?.identifiers).toEqual({ placerAppointmentId: 'P1', fillerAppointmentId: 'F9' });
    expect(out.events).toEqual([
      expect.objectContaining({
        kind: 'schedule-changed',
        change: expect.objectContaining({
          action: 'modified',
          identity: found.match,
          identifiers: {
            from: { placerAppointmentId: 'P1' },
            to: { placerAppointmentId: 'P1', fillerAppointmentId: 'F9' },
          },
          scheduledStart: { from: t('07:30'), to: t('07:45') },
        }),
      }),
    ]);
    expect(out.warnings).toEqual([
      {
        code: 'identity-fallback',
        message:
          'no identifier of modified matched; case case-1 found by patient + day + room (confidence high: ' +
          'same patient M1, same room OR 1, same day 2026-11-23, starts 15 min apart, same procedure 47562); ' +
          "its identifiers now include the fact's",
        source: s14().source,
      },
    ]);
  });
});
