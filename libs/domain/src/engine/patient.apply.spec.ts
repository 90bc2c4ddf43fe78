import { applyFact } from '../case.engine';
import type { CaseState } from '../case.model';
import { OR1, OR2, adt, applyAll, bookedCase, ctx, source, t } from '../testing/facts.fixture';

const WARD = { code: 'W4^12^1^GENHOSP', name: 'Ward 4 bed 12' };

describe('ADT: demographics are last-writer-wins per field, by source time', () => {
  it('an A08 updates the patient and makes a patient-updated event', () => {
    const result = applyFact(
      bookedCase(),
      adt('updated', { patient: { mrn: 'M1', familyName: 'Everyperson', sex: 'M' } }),
      ctx,
    );
    expect(result.state?.patient).toEqual({
      mrn: 'M1',
      familyName: 'Everyperson',
      givenName: 'Adam',
      birthDate: '1960-02-14',
      sex: 'M',
    });
    expect(result.events).toEqual([
      expect.objectContaining({
        version: 2,
        kind: 'patient-updated',
        change: expect.objectContaining({
          action: 'updated',
          patient: {
            from: expect.objectContaining({ familyName: 'Everyman' }),
            to: expect.objectContaining({ familyName: 'Everyperson' }),
          },
        }),
      }),
    ]);
  });

  it('a late, older A08 never rolls back a newer one', () => {
    const newer = applyFact(
      bookedCase(),
      adt('updated', { at: t('07:10'), source: source(102), patient: { mrn: 'M1', birthDate: '1960-02-15' } }),
      ctx,
    ).state!;
    const late = applyFact(
      newer,
      adt('updated', {
        at: t('07:05'),
        source: source(101),
        patient: { mrn: 'M1', birthDate: '1960-02-14', sex: 'M' },
      }),
      ctx,
    );
    // The birth date stays the newer one; the sex, which no newer fact gave, is taken.
    expect(late.state?.patient.birthDate).toBe('1960-02-15');
    expect(late.state?.patient.sex).toBe('M');
  });

  it('a fact that gives only a family name keeps the given name (each part is its own value)', () => {
    const result = applyFact(bookedCase(), adt('updated', { patient: { mrn: 'M1', familyName: 'Smith' } }), ctx);
    expect(result.state?.patient).toMatchObject({ familyName: 'Smith', givenName: 'Adam' });
  });

  it('the same demographics again change nothing and make no event', () => {
    const once = applyFact(bookedCase(), adt('updated', { patient: { mrn: 'M1', sex: 'M' } }), ctx).state!;
    const twice = applyFact(once, adt('updated', { patient: { mrn: 'M1', sex: 'M' } }), ctx);
    expect(twice.events).toEqual([]);
    expect(twice.state).toBe(once);
  });

  it('a fact about no case returns no case and a no-case warning', () => {
    const result = applyFact(undefined, adt('updated'), ctx);
    expect(result.state).toBeUndefined();
    expect(result.warnings.map((w) => w.code)).toEqual(['no-case']);
  });
});

describe('ADT: admission, registration and discharge do not move the case', () => {
  it.each(['admitted', 'registered', 'discharged', 'admit-cancelled', 'discharge-cancelled'] as const)(
    'an %s keeps a scheduled case scheduled (admission is not pre-op; the stay is not the case)',
    (action) => {
      const before = bookedCase();
      const result = applyFact(before, adt(action), ctx);
      expect(result.state?.status).toBe('scheduled');
      expect(result.events).toEqual([]);
      expect(result.state).toBe(before);
    },
  );
});

describe('ADT transfers: movement milestones', () => {
  const intoRoom = adt('transferred', {
    at: t('07:32'),
    source: source(110, 'ADT^A02 in'),
    location: { code: 'OR^OR1^^GENHOSP', name: 'OR 1' },
    room: OR1,
    priorLocation: { code: 'PREOP^3', name: 'Pre-op 3' },
  });

  it('rule "in room": an A02 into the case\'s room sets inRoom (reported) and the status in-room', () => {
    const result = applyFact(bookedCase(), intoRoom, ctx);
    expect(result.state).toMatchObject({ status: 'in-room', milestones: { inRoom: t('07:32') }, version: 2 });
    expect(result.events).toEqual([
      expect.objectContaining({
        kind: 'milestone-recorded',
        change: expect.objectContaining({
          action: 'transferred',
          status: { from: 'scheduled', to: 'in-room' },
          milestones: [
            {
              milestone: 'inRoom',
              from: null,
              value: t('07:32'),
              source: { kind: 'hl7', id: '110', label: 'ADT^A02 in' },
              via: 'adt',
              confidence: 'reported',
            },
          ],
        }),
      }),
    ]);
  });

  it('rule "in room, first one": a second A02 into the room does not move inRoom later', () => {
    const inRoom = applyFact(bookedCase(), intoRoom, ctx).state!;
    const again = applyFact(inRoom, { ...intoRoom, at: t('07:50'), source: source(111) }, ctx);
    expect(again.state?.milestones.inRoom).toBe(t('07:32'));
    expect(again.events).toEqual([]);
  });

  it('rule "out of room, reported": an A02 whose prior location is the case\'s room sets outOfRoom and recovery', () => {
    const inRoom = applyFact(bookedCase(), intoRoom, ctx).state!;
    const out = applyFact(
      inRoom,
      adt('transferred', {
        at: t('09:05'),
        source: source(120, 'ADT^A02 out'),
        location: { code: 'PACU^2', name: 'PACU 2' },
        priorRoom: OR1,
      }),
      ctx,
    );
    expect(out.state).toMatchObject({ status: 'recovery', milestones: { inRoom: t('07:32'), outOfRoom: t('09:05') } });
    expect(out.events[0]?.change.milestones).toEqual([
      expect.objectContaining({ milestone: 'outOfRoom', value: t('09:05'), confidence: 'reported' }),
    ]);
  });

  it('rule "out of room, inferred": an A02 to another room, or to no room of ours, after inRoom', () => {
    const inRoom = applyFact(bookedCase(), intoRoom, ctx).state!;
    for (const to of [{ room: OR2 }, { location: WARD }]) {
      const out = applyFact(inRoom, adt('transferred', { at: t('09:05'), source: source(121), ...to }), ctx);
      expect(out.state?.milestones.outOfRoom).toBe(t('09:05'));
      expect(out.state?.status).toBe('recovery');
      expect(out.events[0]?.change.milestones).toEqual([expect.objectContaining({ confidence: 'inferred' })]);
    }
  });

  it('an A02 elsewhere before the patient is in the room is no out-of-room (ward to pre-op holding)', () => {
    const result = applyFact(
      bookedCase(),
      adt('transferred', { at: t('06:45'), location: { code: 'PREOP^3', name: 'Pre-op 3' } }),
      ctx,
    );
    expect(result.state?.milestones).toEqual({});
    expect(result.events).toEqual([]);
  });

  it('an out-of-room that arrives before its in-room lands right once the in-room arrives', () => {
    const out = adt('transferred', { at: t('09:05'), source: source(120), priorRoom: OR1 });
    const state = applyAll(bookedCase(), [out, intoRoom]);
    expect(state.milestones).toEqual({ inRoom: t('07:32'), outOfRoom: t('09:05') });
    expect(state.status).toBe('recovery');
  });

  it("an A02 into the room far from the case's day is not its in-room (next month's case of the same patient)", () => {
    const later = bookedCase({ scheduledStart: '2026-12-21T07:30:00.000Z', scheduledEnd: '2026-12-21T09:00:00.000Z' });
    const result = applyFact(later, intoRoom, ctx);
    expect(result.state?.milestones).toEqual({});
    expect(result.state?.status).toBe('scheduled');
  });

  it('a case moved to the room the patient was taken to gets its in-room when the move arrives late', () => {
    const intoOr2 = { ...intoRoom, room: OR2 };
    const taken = applyFact(bookedCase(), intoOr2, ctx).state!;
    expect(taken.status).toBe('scheduled');
    const moved = applyFact(taken, moveTo(OR2), ctx);
    expect(moved.state).toMatchObject({ roomId: 'or-2', status: 'in-room', milestones: { inRoom: t('07:32') } });
  });

  it('a cancelled case keeps its status when the patient is taken into its room (the milestone is kept)', () => {
    const cancelled = applyFact(bookedCase(), { ...moveTo(OR1), action: 'cancelled' }, ctx).state!;
    const result = applyFact(cancelled, intoRoom, ctx);
    expect(result.state?.status).toBe('cancelled');
    expect(result.state?.milestones.inRoom).toBe(t('07:32'));
  });

  it('an in-room a person entered wins over ADT, and ADT does not erase it', () => {
    const manual: CaseState = { ...bookedCase(), milestones: { inRoom: t('07:29') }, status: 'in-room' };
    const result = applyFact(manual, intoRoom, ctx);
    expect(result.state?.milestones.inRoom).toBe(t('07:29'));
    expect(result.state?.status).toBe('in-room');
  });
});

function moveTo(room: { id: string; name: string }) {
  return {
    kind: 'schedule' as const,
    action: 'rescheduled' as const,
    at: '2026-11-23T06:00:00.000Z',
    source: source(50, 'SIU^S13'),
    identifiers: { placerAppointmentId: 'P1' },
    room,
  };
}
