import { applyFact, type ApplyContext } from './case.engine';
import type { CaseState } from './case.model';
import type { ScheduleFact } from './fact';

const ctx: ApplyContext = { newCaseId: 'case-1', receivedAt: '2026-11-20T11:00:05.000Z' };

function booking(overrides: Partial<ScheduleFact> = {}): ScheduleFact {
  return {
    kind: 'schedule',
    action: 'booked',
    at: '2026-11-20T11:00:00.000Z',
    source: { kind: 'hl7', id: '10', label: 'SIU^S12 A1' },
    identifiers: { placerAppointmentId: 'P1', fillerAppointmentId: 'F1' },
    patient: { mrn: 'M1', familyName: 'Everyman', givenName: 'Adam' },
    procedure: { code: '47562', text: 'Laparoscopic cholecystectomy' },
    room: { id: 'or-1', name: 'OR 1' },
    scheduledStart: '2026-11-23T07:30:00.000Z',
    scheduledEnd: '2026-11-23T09:00:00.000Z',
    surgeon: { id: 'S1', name: 'Gregory House' },
    ...overrides,
  };
}

function created(): CaseState {
  const result = applyFact(undefined, booking(), ctx);
  if (!result.state) throw new Error('no case');
  return result.state;
}

describe('applyFact: schedule facts', () => {
  it('creates a case at version 1 from a booking, with one provenance event', () => {
    const result = applyFact(undefined, booking(), ctx);
    expect(result.state).toMatchObject({
      id: 'case-1',
      version: 1,
      status: 'scheduled',
      roomId: 'or-1',
      scheduledStart: '2026-11-23T07:30:00.000Z',
      identifiers: { placerAppointmentId: 'P1', fillerAppointmentId: 'F1' },
      scheduleAt: '2026-11-20T11:00:00.000Z',
    });
    expect(result.events).toEqual([
      expect.objectContaining({
        caseId: 'case-1',
        version: 1,
        kind: 'case-created',
        at: '2026-11-20T11:00:00.000Z',
        receivedAt: '2026-11-20T11:00:05.000Z',
        source: { kind: 'hl7', id: '10', label: 'SIU^S12 A1' },
      }),
    ]);
  });

  it('assumes a one-hour case when the booking gives no end', () => {
    const result = applyFact(undefined, booking({ scheduledEnd: undefined }), ctx);
    expect(result.state?.scheduledEnd).toBe('2026-11-23T08:30:00.000Z');
  });

  it('creates nothing, with a warning, from a booking that lacks a room, a start or a patient', () => {
    for (const missing of [{ room: undefined }, { scheduledStart: undefined }, { patient: undefined }]) {
      const result = applyFact(undefined, booking(missing), ctx);
      expect(result.state).toBeUndefined();
      expect(result.events).toEqual([]);
      expect(result.warnings.map((w) => w.code)).toEqual(['incomplete-booking']);
    }
  });

  it('warns about a cancellation of an appointment never seen', () => {
    const result = applyFact(undefined, booking({ action: 'cancelled', room: undefined }), ctx);
    expect(result.state).toBeUndefined();
    expect(result.warnings.map((w) => w.code)).toEqual(['unknown-appointment']);
  });

  it('moves a rescheduled case and records what changed', () => {
    const result = applyFact(
      created(),
      booking({
        action: 'rescheduled',
        at: '2026-11-20T12:00:00.000Z',
        room: { id: 'or-2', name: 'OR 2' },
        scheduledStart: '2026-11-23T10:00:00.000Z',
        scheduledEnd: '2026-11-23T11:30:00.000Z',
      }),
      ctx,
    );
    expect(result.state).toMatchObject({ version: 2, roomId: 'or-2', roomName: 'OR 2', status: 'scheduled' });
    expect(result.events).toHaveLength(1);
    expect(result.events[0]).toMatchObject({
      version: 2,
      kind: 'schedule-changed',
      change: {
        action: 'rescheduled',
        roomId: { from: 'or-1', to: 'or-2' },
        scheduledStart: { from: '2026-11-23T07:30:00.000Z', to: '2026-11-23T10:00:00.000Z' },
      },
    });
  });

  it.each([
    ['cancelled', 'cancelled'],
    ['deleted', 'cancelled'],
    ['no-show', 'no-show'],
  ] as const)('a %s message makes the case %s', (action, status) => {
    const result = applyFact(created(), booking({ action, at: '2026-11-20T12:00:00.000Z' }), ctx);
    expect(result.state?.status).toBe(status);
    expect(result.state?.version).toBe(2);
    expect(result.events[0]).toMatchObject({
      kind: 'status-changed',
      change: { status: { from: 'scheduled', to: status } },
    });
  });

  it('does not revive a cancelled case on a modification, but does on a reschedule', () => {
    const cancelled = applyFact(
      created(),
      booking({ action: 'cancelled', at: '2026-11-20T12:00:00.000Z' }),
      ctx,
    ).state!;
    const modified = applyFact(
      cancelled,
      booking({ action: 'modified', at: '2026-11-20T13:00:00.000Z', procedure: { text: 'Other' } }),
      ctx,
    );
    expect(modified.state?.status).toBe('cancelled');
    const rescheduled = applyFact(cancelled, booking({ action: 'rescheduled', at: '2026-11-20T13:00:00.000Z' }), ctx);
    expect(rescheduled.state?.status).toBe('scheduled');
  });

  it('never moves a case under way back to scheduled', () => {
    const inRoom: CaseState = { ...created(), status: 'in-room' };
    const result = applyFact(
      inRoom,
      booking({ action: 'modified', at: '2026-11-20T12:00:00.000Z', procedure: { text: 'Revised' } }),
      ctx,
    );
    expect(result.state?.status).toBe('in-room');
    expect(result.state?.procedure.text).toBe('Revised');
  });

  it('applies the same fact twice without a second change', () => {
    const once = created();
    const twice = applyFact(once, booking(), ctx);
    expect(twice.events).toEqual([]);
    expect(twice.state?.version).toBe(1);
  });

  it('does not let an older fact overwrite a newer one (late, out-of-order delivery)', () => {
    const moved = applyFact(
      created(),
      booking({ action: 'rescheduled', at: '2026-11-20T12:00:00.000Z', scheduledStart: '2026-11-23T10:00:00.000Z' }),
      ctx,
    ).state!;
    const late = applyFact(
      moved,
      booking({ action: 'modified', at: '2026-11-20T11:30:00.000Z', scheduledStart: '2026-11-23T08:00:00.000Z' }),
      ctx,
    );
    expect(late.state).toBe(moved);
    expect(late.events).toEqual([]);
    expect(late.warnings.map((w) => w.code)).toEqual(['stale-fact']);
  });

  it('orders facts with the same source time by arrival (HL7 times have one-second precision)', () => {
    const at = '2026-11-20T12:00:00.000Z';
    const source = (sequence: number) => ({ kind: 'hl7' as const, id: String(sequence), sequence });
    const later = applyFact(
      created(),
      booking({ action: 'rescheduled', at, source: source(20), scheduledStart: '2026-11-23T10:00:00.000Z' }),
      ctx,
    ).state!;
    expect(later.scheduleSeq).toBe(20);
    // The message that arrived first (sequence 15) is applied after it, e.g. after a retry.
    const earlier = applyFact(
      later,
      booking({ action: 'modified', at, source: source(15), scheduledStart: '2026-11-23T08:00:00.000Z' }),
      ctx,
    );
    expect(earlier.warnings.map((w) => w.code)).toEqual(['stale-fact']);
    expect(earlier.state?.scheduledStart).toBe('2026-11-23T10:00:00.000Z');
    // One that arrived after it applies.
    const next = applyFact(
      later,
      booking({ action: 'modified', at, source: source(21), scheduledStart: '2026-11-23T11:00:00.000Z' }),
      ctx,
    );
    expect(next.state?.scheduledStart).toBe('2026-11-23T11:00:00.000Z');
  });

  it('keeps what a partial fact does not mention', () => {
    const partial = booking({
      action: 'modified',
      at: '2026-11-20T12:00:00.000Z',
      patient: { mrn: 'M1', birthDate: '1960-02-14' },
      surgeon: undefined,
      identifiers: { visitNumber: 'V9' },
    });
    const result = applyFact(created(), partial, ctx);
    expect(result.state?.patient).toEqual({
      mrn: 'M1',
      familyName: 'Everyman',
      givenName: 'Adam',
      birthDate: '1960-02-14',
    });
    expect(result.state?.surgeon).toEqual({ id: 'S1', name: 'Gregory House' });
    expect(result.state?.identifiers).toEqual({
      placerAppointmentId: 'P1',
      fillerAppointmentId: 'F1',
      visitNumber: 'V9',
    });
  });

  it('does not change the state it was given', () => {
    const before = created();
    const frozen = JSON.stringify(before);
    applyFact(before, booking({ action: 'cancelled', at: '2026-11-20T12:00:00.000Z' }), ctx);
    expect(JSON.stringify(before)).toBe(frozen);
  });
});

describe('applyFact: schedule facts, value by value', () => {
  it('stores the equipment a case needs and records its change', () => {
    const robot = [{ code: 'ROBOT', text: 'da Vinci Xi' }];
    const withRobot = applyFact(undefined, booking({ equipment: robot }), ctx).state!;
    expect(withRobot.equipment).toEqual(robot);
    const carm = applyFact(
      withRobot,
      booking({ action: 'modified', at: '2026-11-20T12:00:00.000Z', equipment: [{ text: 'C-arm' }] }),
      ctx,
    );
    expect(carm.events[0]).toMatchObject({
      kind: 'schedule-changed',
      change: { equipment: { from: robot, to: [{ text: 'C-arm' }] } },
    });
    // A fact that says nothing about equipment keeps it.
    const silent = applyFact(carm.state, booking({ action: 'modified', at: '2026-11-20T13:00:00.000Z' }), ctx);
    expect(silent.state?.equipment).toEqual([{ text: 'C-arm' }]);
  });

  it('a cancellation older than a modification that arrived first still cancels (each value has its own time)', () => {
    const modified = applyFact(
      created(),
      booking({ action: 'modified', at: '2026-11-20T13:00:00.000Z', procedure: { text: 'Revised' } }),
      ctx,
    ).state!;
    const cancelled = applyFact(modified, booking({ action: 'cancelled', at: '2026-11-20T12:00:00.000Z' }), ctx);
    expect(cancelled.state?.status).toBe('cancelled');
    expect(cancelled.state?.procedure.text).toBe('Revised');
    expect(cancelled.warnings.map((w) => w.code)).toEqual(['stale-fact']);
  });

  it('an older fact still sets what no newer fact has said (here: the anesthesiologist)', () => {
    const moved = applyFact(
      created(),
      booking({ action: 'rescheduled', at: '2026-11-20T12:00:00.000Z', scheduledStart: '2026-11-23T10:00:00.000Z' }),
      ctx,
    ).state!;
    const late = applyFact(
      moved,
      booking({
        action: 'modified',
        at: '2026-11-20T11:30:00.000Z',
        scheduledStart: '2026-11-23T08:00:00.000Z',
        anesthesiologist: { name: 'Lisa Cuddy' },
      }),
      ctx,
    );
    expect(late.state?.scheduledStart).toBe('2026-11-23T10:00:00.000Z');
    expect(late.state?.anesthesiologist).toEqual({ name: 'Lisa Cuddy' });
  });

  it('a no-show is made live again by a reschedule', () => {
    const noShow = applyFact(created(), booking({ action: 'no-show', at: '2026-11-20T12:00:00.000Z' }), ctx).state!;
    const back = applyFact(noShow, booking({ action: 'rescheduled', at: '2026-11-20T13:00:00.000Z' }), ctx);
    expect(back.state?.status).toBe('scheduled');
  });

  it('never creates a case from a cancellation, even a complete one', () => {
    const result = applyFact(undefined, booking({ action: 'cancelled' }), ctx);
    expect(result.state).toBeUndefined();
    expect(result.warnings.map((w) => w.code)).toEqual(['unknown-appointment']);
  });

  it('keeps a derived one-hour end in step with a moved start until an end is given', () => {
    const open = applyFact(undefined, booking({ scheduledEnd: undefined }), ctx).state!;
    const moved = applyFact(
      open,
      booking({
        action: 'rescheduled',
        at: '2026-11-20T12:00:00.000Z',
        scheduledStart: '2026-11-23T10:00:00.000Z',
        scheduledEnd: undefined,
      }),
      ctx,
    );
    expect(moved.state?.scheduledEnd).toBe('2026-11-23T11:00:00.000Z');
  });

  it('a newer fact that changes nothing visible keeps its time for later comparisons, without an event', () => {
    const newer = applyFact(created(), booking({ action: 'modified', at: '2026-11-20T12:00:00.000Z' }), ctx);
    expect(newer.events).toEqual([]);
    expect(newer.state).not.toBe(created());
    expect(newer.state?.version).toBe(1);
    expect(newer.state?.scheduleAt).toBe('2026-11-20T12:00:00.000Z');
  });

  it('rejects a fact whose time is no time', () => {
    const result = applyFact(created(), booking({ action: 'modified', at: 'not a time' }), ctx);
    expect(result.warnings.map((w) => w.code)).toEqual(['invalid-fact']);
    expect(result.events).toEqual([]);
  });

  it('adopts a case stored before the engine kept bookkeeping: every value stamped with the schedule time', () => {
    const { track: _track, ...legacy } = created();
    const late = applyFact(
      legacy,
      booking({ action: 'modified', at: '2026-11-20T10:00:00.000Z', scheduledStart: '2026-11-23T08:00:00.000Z' }),
      ctx,
    );
    expect(late.state?.scheduledStart).toBe('2026-11-23T07:30:00.000Z');
    expect(late.events).toEqual([]);
    expect(late.state?.track).toBeDefined();
    const cancelled = applyFact(legacy, booking({ action: 'cancelled', at: '2026-11-20T12:00:00.000Z' }), ctx);
    expect(cancelled.state?.status).toBe('cancelled');
  });

  it('keeps a status a person set (completed) when a schedule fact arrives', () => {
    const completed: CaseState = { ...created(), status: 'completed' };
    const result = applyFact(
      completed,
      booking({ action: 'modified', at: '2026-11-20T12:00:00.000Z', procedure: { text: 'Revised' } }),
      ctx,
    );
    expect(result.state?.status).toBe('completed');
  });
});
