import { caseLookupFor, pickCaseAt, pickRecoveryCase } from './case.lookup';
import type { CaseState } from './case.model';
import { adt, alarm, booking, bookedCase, merge, observations, order, t } from './testing/facts.fixture';

describe('caseLookupFor', () => {
  it('schedule: by identifiers; only booked, rescheduled and modified may create', () => {
    expect(caseLookupFor(booking())).toEqual({
      by: 'identifiers',
      identifiers: booking().identifiers,
      mayCreate: true,
    });
    for (const action of ['rescheduled', 'modified'] as const) {
      expect(caseLookupFor(booking({ action }))).toMatchObject({ mayCreate: true });
    }
    for (const action of ['cancelled', 'deleted', 'no-show'] as const) {
      expect(caseLookupFor(booking({ action }))).toMatchObject({ mayCreate: false });
    }
  });

  it('order: by its order number only, never creating', () => {
    expect(
      caseLookupFor(order({ identifiers: { orderNumber: 'ORD1', visitNumber: 'V1', fillerOrderNumber: 'F' } })),
    ).toEqual({
      by: 'identifiers',
      identifiers: { orderNumber: 'ORD1' },
      mayCreate: false,
    });
  });

  it("patient: the patient's cases near the event's time (any status), with the visit number when given", () => {
    const fact = adt('transferred', {
      patient: { mrn: 'M1', assigningAuthority: 'GEN', familyName: 'X' },
      visitNumber: 'V1',
    });
    expect(caseLookupFor(fact)).toEqual({
      by: 'patient',
      patient: { mrn: 'M1', assigningAuthority: 'GEN' },
      visitNumber: 'V1',
      scope: 'near',
      at: fact.at,
    });
  });

  it('merge: every case of the merged patient', () => {
    expect(caseLookupFor(merge())).toEqual({ by: 'patient', patient: { mrn: 'M1' }, scope: 'all' });
  });

  it("observations and alarms: the subject at the fact's time", () => {
    const o = observations();
    expect(caseLookupFor(o)).toEqual({ by: 'subject', subject: o.subject, at: o.at });
    const a = alarm();
    expect(caseLookupFor(a)).toEqual({ by: 'subject', subject: a.subject, at: a.at });
  });
});

describe('pickRecoveryCase (PACU in and out)', () => {
  const first = caseAt('c1', '07:30', '09:00');
  const second = caseAt('c2', '09:30', '11:00');

  it("a recovery milestone looks for the patient's case by the patient's last room exit", () => {
    const pacu = {
      kind: 'milestone' as const,
      at: t('09:05'),
      source: { kind: 'device' as const, id: '1' },
      target: { subject: { patient: { mrn: 'M1' }, room: { id: 'PACU-1', name: 'PACU-1' } } },
      milestone: 'pacuIn' as const,
      value: t('09:05'),
      via: 'rtls' as const,
    };
    expect(caseLookupFor(pacu)).toMatchObject({ by: 'subject', at: t('09:05'), recovery: true });
    expect(caseLookupFor({ ...pacu, milestone: 'inRoom' })).not.toHaveProperty('recovery');
  });

  it('the case left last at or before the time, within 12 h; else the case the patient is in', () => {
    const left = { ...first, milestones: { inRoom: t('07:35'), outOfRoom: t('08:55') } };
    // pickCaseAt finds nothing after the exit: the patient is in no room's window any more.
    expect(pickCaseAt([left, second], t('09:05'))).toBeUndefined();
    expect(pickRecoveryCase([second, left], t('09:05'))?.id).toBe('c1');
    expect(pickRecoveryCase([left, second], t('08:55'))?.id).toBe('c1');
    // Leaving the second case's room later: its PACU stay is the second's.
    const leftAgain = { ...second, milestones: { inRoom: t('09:40'), outOfRoom: t('10:50') } };
    expect(pickRecoveryCase([left, leftAgain], t('11:00'))?.id).toBe('c2');
    // The exit not known yet (the tag reached PACU first): the case the patient is in.
    const inside = { ...first, milestones: { inRoom: t('07:35') } };
    expect(pickRecoveryCase([inside], t('08:58'))?.id).toBe('c1');
    // More than 12 h after the exit: none.
    expect(pickRecoveryCase([left], '2030-01-01T00:00:00.000Z')).toBeUndefined();
  });
});

describe('pickCaseAt', () => {
  const first = caseAt('c1', '07:30', '09:00');
  const second = caseAt('c2', '09:30', '11:00');

  it('rule 1: the case whose in-room window [inRoom, outOfRoom) holds the time', () => {
    // The first case overran: at 09:40 its patient is still in the room, though the second's slot began.
    const overran = { ...first, milestones: { inRoom: t('07:35'), outOfRoom: t('09:50') } };
    expect(pickCaseAt([second, overran], t('09:40'))?.id).toBe('c1');
    expect(pickCaseAt([second, overran], t('09:50'))?.id).toBe('c2');
  });

  it('rule 1: of two open windows, the one entered last', () => {
    const a = { ...first, status: 'in-room' as const, milestones: { inRoom: t('07:35') } };
    const b = { ...second, status: 'in-room' as const, milestones: { inRoom: t('09:20') } };
    expect(pickCaseAt([b, a], t('09:25'))?.id).toBe('c2');
    expect(pickCaseAt([a, b], t('09:25'))?.id).toBe('c2');
  });

  it('rule 2: else the scheduled window, whatever the status (arrival order must not matter), skipping cases already out of the room', () => {
    expect(pickCaseAt([first, second], t('08:00'))?.id).toBe('c1');
    // A reading taken at 08:00 belongs to the case booked then, whether its cancellation came first or not.
    expect(pickCaseAt([{ ...first, status: 'cancelled' }, second], t('08:00'))?.id).toBe('c1');
    // Its patient left the room at 07:50: a reading at 08:00 in its slot is no longer its.
    const left = { ...first, milestones: { inRoom: t('07:31'), outOfRoom: t('07:50') } };
    expect(pickCaseAt([left, second], t('08:00'))).toBeUndefined();
    expect(pickCaseAt([left, second], t('09:40'))?.id).toBe('c2');
  });

  it('on a tie, an open case before a cancelled one, then the smaller id', () => {
    const replacement = caseAt('c0', '07:30', '09:00');
    expect(pickCaseAt([{ ...replacement, status: 'cancelled' }, first], t('08:00'))?.id).toBe('c1');
    expect(pickCaseAt([first, replacement], t('08:00'))?.id).toBe('c0');
  });

  it('else none: a reading between cases belongs to no case (never to a guessed nearest one)', () => {
    expect(pickCaseAt([first, second], t('09:10'))).toBeUndefined();
    expect(pickCaseAt([first, second], '2026-11-23T23:30:00.000Z')).toBeUndefined();
  });

  it('no candidates, or a time that is no time: none', () => {
    expect(pickCaseAt([], t('08:00'))).toBeUndefined();
    expect(pickCaseAt([first], 'yesterday')).toBeUndefined();
  });
});

function caseAt(id: string, start: string, end: string): CaseState {
  return { ...bookedCase({ scheduledStart: t(start), scheduledEnd: t(end) }), id };
}
