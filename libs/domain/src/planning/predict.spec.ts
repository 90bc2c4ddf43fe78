import fc from 'fast-check';
import type { CaseStatus } from '@circulator/contracts';
import {
  type CasePrediction,
  DEFAULT_PLANNING_CONFIG,
  type DurationHistory,
  type PlanCase,
  type RoomDay,
  caseDurationMinutes,
  durationHistoryOf,
  durationStats,
  expectedDuration,
  historyKey,
  planInputsChanged,
  predictCases,
  procedureKey,
  resolvePlanningConfig,
  roomOverruns,
  roomPhase,
  sameEquipment,
  suggestRooms,
  surgeonKey,
} from './predict';
import { applyFact } from '../case.engine';
import { adt, bookedCase, ctx, OR1, observations, t as dayTime } from '../testing/facts.fixture';

/** The surgical day's instant `hh:mm` (UTC), 23 Nov 2026. */
function t(hhmm: string): string {
  return `2026-11-23T${hhmm}:00.000Z`;
}

const HOUSE = { id: 'S1', name: 'Gregory House' };
const WILSON = { id: 'S2', name: 'James Wilson' };
const CHOLE = { code: '47562', text: 'Laparoscopic cholecystectomy' };
const HERNIA = { text: 'Hernia repair' };

function planCase(id: string, overrides: Partial<PlanCase> = {}): PlanCase {
  return {
    id,
    roomId: 'or-1',
    status: 'scheduled',
    scheduledStart: t('08:00'),
    scheduledEnd: t('09:30'),
    milestones: {},
    procedure: CHOLE,
    surgeon: HOUSE,
    ...overrides,
  };
}

function history(entries: {
  surgeonProcedure?: [PlanCase['surgeon'], PlanCase['procedure'], number, number][];
  procedure?: [PlanCase['procedure'], number, number][];
}): DurationHistory {
  const bySurgeonProcedure: Record<string, { medianMinutes: number; count: number }> = {};
  const byProcedure: Record<string, { medianMinutes: number; count: number }> = {};
  for (const [s, p, medianMinutes, count] of entries.surgeonProcedure ?? []) {
    bySurgeonProcedure[historyKey(s, p) ?? 'none'] = { medianMinutes, count };
  }
  for (const [p, medianMinutes, count] of entries.procedure ?? []) {
    byProcedure[procedureKey(p) ?? 'none'] = { medianMinutes, count };
  }
  return { bySurgeonProcedure, byProcedure };
}

const NO_HISTORY: DurationHistory = { bySurgeonProcedure: {}, byProcedure: {} };
/** House's cholecystectomies: median 95 min over 5 cases; all cholecystectomies: 80 over 12. */
const HISTORY = history({ surgeonProcedure: [[HOUSE, CHOLE, 95, 5]], procedure: [[CHOLE, 80, 12]] });

function byId(predictions: CasePrediction[], id: string): CasePrediction {
  const p = predictions.find((x) => x.caseId === id);
  if (!p) throw new Error(`no prediction for ${id}`);
  return p;
}

function span(p: CasePrediction): [string, string] {
  return [p.predictedStart, p.predictedEnd];
}

describe('durationStats', () => {
  it('median of 5 samples (80, 90, 95, 100, 120 min, in any order) is 95 over 5', () => {
    expect(durationStats([120, 90, 95, 80, 100])).toEqual({ medianMinutes: 95, count: 5 });
  });

  it('median of an even count is the mean of the middle two: 60, 70, 80, 90 → 75', () => {
    expect(durationStats([90, 60, 80, 70])).toEqual({ medianMinutes: 75, count: 4 });
  });

  it('ignores samples that are not positive finite numbers: 0, −5, NaN, ∞ and 40, 50 → 45 over 2', () => {
    expect(durationStats([0, -5, Number.NaN, Number.POSITIVE_INFINITY, 50, 40])).toEqual({
      medianMinutes: 45,
      count: 2,
    });
  });

  it('no samples: count 0', () => {
    expect(durationStats([])).toEqual({ medianMinutes: 0, count: 0 });
  });

  it('property: the median lies between the smallest and largest sample, whatever their order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 30 }), (samples) => {
        const stats = durationStats(samples);
        expect(stats.count).toBe(samples.length);
        expect(stats.medianMinutes).toBeGreaterThanOrEqual(Math.min(...samples));
        expect(stats.medianMinutes).toBeLessThanOrEqual(Math.max(...samples));
        expect(durationStats([...samples].reverse())).toEqual(stats);
        const below = samples.filter((m) => m < stats.medianMinutes).length;
        const above = samples.filter((m) => m > stats.medianMinutes).length;
        expect(below).toBeLessThanOrEqual(samples.length / 2);
        expect(above).toBeLessThanOrEqual(samples.length / 2);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe('caseDurationMinutes', () => {
  const done = { inRoom: t('08:00'), outOfRoom: t('09:35') };

  it('a completed case in room 08:00, out 09:35 took 95 min', () => {
    expect(caseDurationMinutes({ status: 'completed', milestones: done })).toBe(95);
  });

  it('a case in recovery (out of room, PACU out not sent) counts too: 95 min', () => {
    expect(caseDurationMinutes({ status: 'recovery', milestones: done })).toBe(95);
  });

  it.each<CaseStatus>(['scheduled', 'pre-op', 'in-room', 'in-procedure', 'cancelled', 'no-show'])(
    'a %s case gives no duration',
    (status) => {
      expect(caseDurationMinutes({ status, milestones: done })).toBeUndefined();
    },
  );

  it('no duration without both milestones, or with out of room not after in room', () => {
    expect(caseDurationMinutes({ status: 'completed', milestones: { inRoom: t('08:00') } })).toBeUndefined();
    expect(caseDurationMinutes({ status: 'completed', milestones: { outOfRoom: t('09:00') } })).toBeUndefined();
    expect(
      caseDurationMinutes({ status: 'completed', milestones: { inRoom: t('09:00'), outOfRoom: t('09:00') } }),
    ).toBeUndefined();
  });
});

describe('history keys', () => {
  it('a surgeon is keyed by id when there is one, else by the name normalised', () => {
    expect(surgeonKey(HOUSE)).toBe('id:S1');
    expect(surgeonKey({ name: '  Gregory   HOUSE ' })).toBe('name:gregory house');
    expect(surgeonKey({ name: ' ' })).toBeUndefined();
    expect(surgeonKey(undefined)).toBeUndefined();
  });

  it('a procedure is keyed by code when coded, else by its text normalised; "Unspecified procedure" has no key', () => {
    expect(procedureKey(CHOLE)).toBe('code:47562');
    expect(procedureKey({ text: ' Hernia  Repair' })).toBe('text:hernia repair');
    expect(procedureKey({ text: 'Unspecified procedure' })).toBeUndefined();
    expect(procedureKey({ text: '' })).toBeUndefined();
  });

  it('historyKey(House, cholecystectomy) is ["id:S1","code:47562"]; no name can forge another pair', () => {
    expect(historyKey(HOUSE, CHOLE)).toBe('["id:S1","code:47562"]');
    expect(historyKey(undefined, CHOLE)).toBeUndefined();
    expect(historyKey({ name: 'a","text:b' }, { text: 'c' })).not.toBe(
      historyKey({ name: 'a' }, { text: 'b","text:c' }),
    );
  });

  it('durationHistoryOf groups past cases by surgeon+procedure and by procedure (95, 100, 110 → 100)', () => {
    const past = [
      planCase('p1', { status: 'completed', milestones: { inRoom: t('08:00'), outOfRoom: t('09:35') } }),
      planCase('p2', { status: 'recovery', milestones: { inRoom: t('08:00'), outOfRoom: t('09:40') } }),
      planCase('p3', {
        surgeon: WILSON,
        status: 'completed',
        milestones: { inRoom: t('08:00'), outOfRoom: t('09:50') },
      }),
      planCase('p4', { status: 'cancelled', milestones: { inRoom: t('08:00'), outOfRoom: t('12:00') } }),
      planCase('p5', { status: 'in-room', milestones: { inRoom: t('08:00') } }),
    ];
    const h = durationHistoryOf(past);
    expect(h.bySurgeonProcedure).toEqual(
      new Map([
        [historyKey(HOUSE, CHOLE), { medianMinutes: 97.5, count: 2 }],
        [historyKey(WILSON, CHOLE), { medianMinutes: 110, count: 1 }],
      ]),
    );
    expect(h.byProcedure).toEqual(new Map([['code:47562', { medianMinutes: 100, count: 3 }]]));
  });
});

describe('expectedDuration', () => {
  it('surgeon+procedure median of 5 cases: 95 min', () => {
    expect(expectedDuration(planCase('c'), HISTORY)).toEqual({
      minutes: 95,
      method: 'surgeon-procedure-median',
      medianMinutes: 95,
      count: 5,
      explanation: 'surgeon+procedure median 95 min over 5 cases',
    });
  });

  it('surgeon+procedure over 2 cases (< 3) falls back to the procedure median of 12 cases: 80 min', () => {
    const h = history({ surgeonProcedure: [[HOUSE, CHOLE, 200, 2]], procedure: [[CHOLE, 80, 12]] });
    expect(expectedDuration(planCase('c'), h)).toEqual({
      minutes: 80,
      method: 'procedure-median',
      medianMinutes: 80,
      count: 12,
      explanation: 'procedure median 80 min over 12 cases (surgeon+procedure: 2 cases, fewer than 3)',
    });
  });

  it('with minHistoryCount 2 the 2 cases of the surgeon are enough: 200 min', () => {
    const h = history({ surgeonProcedure: [[HOUSE, CHOLE, 200, 2]], procedure: [[CHOLE, 80, 12]] });
    expect(expectedDuration(planCase('c'), h, { minHistoryCount: 2 })).toMatchObject({
      minutes: 200,
      method: 'surgeon-procedure-median',
    });
  });

  it('too little history at both levels falls back to the schedule: 08:00–09:30 is 90 min', () => {
    const h = history({ procedure: [[CHOLE, 80, 2]] });
    expect(expectedDuration(planCase('c'), h)).toEqual({
      minutes: 90,
      method: 'schedule',
      explanation:
        'scheduled duration 90 min (surgeon+procedure: 0 cases, fewer than 3; procedure: 2 cases, fewer than 3)',
    });
  });

  it('no surgeon: the procedure median (the surgeon+procedure level has no key)', () => {
    expect(expectedDuration(planCase('c', { surgeon: undefined }), HISTORY)).toMatchObject({
      minutes: 80,
      method: 'procedure-median',
      explanation: 'procedure median 80 min over 12 cases (surgeon+procedure: unknown)',
    });
  });

  it('an uncoded procedure is matched by its text; a Map works as well as a record', () => {
    const h: DurationHistory = {
      bySurgeonProcedure: new Map([
        [historyKey({ name: 'Gregory House' }, HERNIA) ?? '', { medianMinutes: 50, count: 3 }],
      ]),
      byProcedure: new Map(),
    };
    const c = planCase('c', { surgeon: { name: 'GREGORY HOUSE' }, procedure: { text: 'hernia repair' } });
    expect(expectedDuration(c, h)).toMatchObject({ minutes: 50, method: 'surgeon-procedure-median' });
  });

  it('a median that is no positive number is not used', () => {
    const h = history({ surgeonProcedure: [[HOUSE, CHOLE, Number.NaN, 9]], procedure: [[CHOLE, 0, 9]] });
    expect(expectedDuration(planCase('c'), h)).toMatchObject({ minutes: 90, method: 'schedule' });
  });

  it('a record key inherited from Object.prototype is not history', () => {
    const c = planCase('c', { surgeon: undefined, procedure: { code: 'constructor', text: 'x' } });
    const h: DurationHistory = { bySurgeonProcedure: {}, byProcedure: {} };
    expect(expectedDuration(c, h)).toMatchObject({ method: 'schedule' });
  });
});

describe('resolvePlanningConfig', () => {
  it('defaults: 3 cases, 30 min turnover, 15 min closing, 10 min allowance, 30 min late and overrun, high from 120', () => {
    expect(resolvePlanningConfig()).toEqual({
      minHistoryCount: 3,
      turnoverMinutes: 30,
      closingMinutes: 15,
      overrunAllowanceMinutes: 10,
      lateThresholdMinutes: 30,
      overrunThresholdMinutes: 30,
      overrunHighMinutes: 120,
    });
    expect(resolvePlanningConfig({ turnoverMinutes: 20 }).turnoverMinutes).toBe(20);
  });

  it('refuses negative or non-finite settings and a history count below 1 or fractional', () => {
    expect(() => resolvePlanningConfig({ turnoverMinutes: -1 })).toThrow(RangeError);
    expect(() => resolvePlanningConfig({ closingMinutes: Number.NaN })).toThrow(RangeError);
    expect(() => resolvePlanningConfig({ minHistoryCount: 0 })).toThrow(RangeError);
    expect(() => resolvePlanningConfig({ minHistoryCount: 2.5 })).toThrow(RangeError);
  });
});

describe('predictCases: before the case starts', () => {
  it('surgeon+procedure median of 5 cases (95 min) predicts 08:00→09:35', () => {
    const [p] = predictCases([planCase('c1')], { now: t('06:00'), history: HISTORY });
    expect(p).toEqual({
      caseId: 'c1',
      roomId: 'or-1',
      predictedStart: t('08:00'),
      predictedEnd: t('09:35'),
      delayMinutes: 0,
      late: false,
      basis: {
        method: 'surgeon-procedure-median',
        expectedMinutes: 95,
        medianMinutes: 95,
        count: 5,
        anchor: 'scheduledStart',
        anchorAt: t('08:00'),
        explanation:
          'surgeon+procedure median 95 min over 5 cases; starts at its scheduled start 2026-11-23T08:00:00.000Z',
      },
    });
  });

  it('no history: the schedule 08:00–09:30 predicts 08:00→09:30', () => {
    const [p] = predictCases([planCase('c1')], { now: t('06:00'), history: NO_HISTORY });
    expect(p && span(p)).toEqual([t('08:00'), t('09:30')]);
    expect(p?.basis).toMatchObject({ method: 'schedule', expectedMinutes: 90 });
    expect(p?.basis.medianMinutes).toBeUndefined();
  });

  it('knock-on: 08:00 case ends 09:35, so the 09:30 case starts 10:05 (30 min turnover) and ends 11:40', () => {
    const predictions = predictCases(
      [planCase('c2', { scheduledStart: t('09:30'), scheduledEnd: t('11:00') }), planCase('c1')],
      { now: t('06:00'), history: HISTORY },
    );
    expect(span(byId(predictions, 'c2'))).toEqual([t('10:05'), t('11:40')]);
    expect(byId(predictions, 'c2')).toMatchObject({ delayMinutes: 35, late: true });
    expect(byId(predictions, 'c2').basis).toMatchObject({ anchor: 'previousCase', anchorAt: t('09:35') });
    expect(byId(predictions, 'c2').basis.explanation).toContain('starts 30 min turnover after case c1 ends at');
  });

  it('a case delayed by exactly the threshold (30 min) is not late; by 31 min it is', () => {
    const second = planCase('c2', { scheduledStart: t('09:35'), scheduledEnd: t('11:00') });
    const exactly = predictCases([planCase('c1'), second], { now: t('06:00'), history: HISTORY });
    expect(byId(exactly, 'c2')).toMatchObject({ predictedStart: t('10:05'), delayMinutes: 30, late: false });
    const over = predictCases([planCase('c1'), { ...second, scheduledStart: t('09:34') }], {
      now: t('06:00'),
      history: HISTORY,
    });
    expect(byId(over, 'c2')).toMatchObject({ predictedStart: t('10:05'), delayMinutes: 31, late: true });
  });

  it('a case scheduled long after the previous one ends keeps its scheduled start (13:00), never earlier', () => {
    const predictions = predictCases(
      [planCase('c1'), planCase('c2', { scheduledStart: t('13:00'), scheduledEnd: t('14:00') })],
      {
        now: t('06:00'),
        history: HISTORY,
      },
    );
    expect(byId(predictions, 'c2').predictedStart).toBe(t('13:00'));
  });

  it('a case not in the room at 08:20 although due at 08:00 starts at now: 08:20→09:55, 20 min late', () => {
    const [p] = predictCases([planCase('c1', { status: 'pre-op' })], { now: t('08:20'), history: HISTORY });
    expect(p).toMatchObject({ predictedStart: t('08:20'), predictedEnd: t('09:55'), delayMinutes: 20, late: false });
    expect(p?.basis).toMatchObject({ anchor: 'now', anchorAt: t('08:20') });
  });

  it('cancelled and no-show cases do not occupy the room: the 10:00 case is not pushed', () => {
    const predictions = predictCases(
      [
        planCase('c1', { status: 'cancelled' }),
        planCase('c2', { status: 'no-show', scheduledStart: t('09:00') }),
        planCase('c3', { scheduledStart: t('10:00'), scheduledEnd: t('11:00') }),
      ],
      { now: t('06:00'), history: HISTORY },
    );
    expect(predictions.map((p) => p.caseId)).toEqual(['c3']);
    expect(byId(predictions, 'c3').predictedStart).toBe(t('10:00'));
  });

  it('rooms are predicted apart; the result is sorted by room, predicted start, then id', () => {
    const predictions = predictCases(
      [
        planCase('b', { roomId: 'or-2' }),
        planCase('z', { scheduledStart: t('07:00'), scheduledEnd: t('07:30'), surgeon: undefined, procedure: HERNIA }),
        planCase('a', { roomId: 'or-2' }),
        planCase('y', { scheduledStart: t('07:45'), scheduledEnd: t('08:00'), procedure: HERNIA }),
      ],
      { now: t('06:00'), history: HISTORY },
    );
    expect(predictions.map((p) => [p.roomId, p.caseId, p.predictedStart])).toEqual([
      ['or-1', 'z', t('07:00')],
      ['or-1', 'y', t('08:00')],
      ['or-2', 'a', t('08:00')],
      ['or-2', 'b', t('10:05')],
    ]);
  });
});

describe('predictCases: live milestones', () => {
  it('in room at 08:10 with a 95 min median predicts out at 09:45 (now 09:00)', () => {
    const c = planCase('c1', { status: 'in-room', milestones: { inRoom: t('08:10') } });
    const [p] = predictCases([c], { now: t('09:00'), history: HISTORY });
    expect(p).toMatchObject({ predictedStart: t('08:10'), predictedEnd: t('09:45'), delayMinutes: 10 });
    expect(p?.basis).toMatchObject({ method: 'surgeon-procedure-median', anchor: 'inRoom', anchorAt: t('08:10') });
  });

  it('a case in room since 07:40 that is early keeps its actual start: delay −20 min', () => {
    const c = planCase('c1', { status: 'in-room', milestones: { inRoom: t('07:40') } });
    const [p] = predictCases([c], { now: t('08:00'), history: HISTORY });
    expect(p).toMatchObject({ predictedStart: t('07:40'), predictedEnd: t('09:15'), delayMinutes: -20, late: false });
  });

  it('overrun: in room 08:00, expected 09:35, still in at 10:00 → predicted 10:10 (10 min allowance); next case 10:40→12:15', () => {
    const running = planCase('c1', {
      status: 'in-procedure',
      milestones: { inRoom: t('08:00'), procedureStart: t('08:30') },
    });
    const next = planCase('c2', { scheduledStart: t('10:00'), scheduledEnd: t('11:00') });
    const predictions = predictCases([running, next], { now: t('10:00'), history: HISTORY });
    expect(byId(predictions, 'c1').predictedEnd).toBe(t('10:10'));
    expect(byId(predictions, 'c1').basis).toMatchObject({ anchor: 'now', anchorAt: t('10:00') });
    expect(byId(predictions, 'c1').basis.explanation).toBe(
      'surgeon+procedure median 95 min over 5 cases; in room 2026-11-23T08:00:00.000Z + 95 min = ' +
        '2026-11-23T09:35:00.000Z has passed: 2026-11-23T10:00:00.000Z + 10 min allowance',
    );
    expect(span(byId(predictions, 'c2'))).toEqual([t('10:40'), t('12:15')]);
  });

  it('the allowance is configurable: 25 min → predicted 10:25', () => {
    const running = planCase('c1', { status: 'in-room', milestones: { inRoom: t('08:00') } });
    const [p] = predictCases([running], { now: t('10:00'), history: HISTORY, config: { overrunAllowanceMinutes: 25 } });
    expect(p?.predictedEnd).toBe(t('10:25'));
  });

  it('exactly at the predicted end (09:35) the prediction still stands', () => {
    const running = planCase('c1', { status: 'in-room', milestones: { inRoom: t('08:00') } });
    const [p] = predictCases([running], { now: t('09:35'), history: HISTORY });
    expect(p?.predictedEnd).toBe(t('09:35'));
  });

  it('procedure ended at 09:20: out of room predicted 09:35 (15 min closing), whatever the median', () => {
    const c = planCase('c1', {
      status: 'in-procedure',
      milestones: { inRoom: t('08:00'), procedureStart: t('08:20'), procedureEnd: t('09:20') },
    });
    const [p] = predictCases([c], {
      now: t('09:25'),
      history: history({ surgeonProcedure: [[HOUSE, CHOLE, 300, 9]] }),
    });
    expect(p && span(p)).toEqual([t('08:00'), t('09:35')]);
    expect(p?.basis).toMatchObject({
      method: 'surgeon-procedure-median',
      anchor: 'procedureEnd',
      anchorAt: t('09:20'),
    });
    expect(p?.basis.explanation).toContain('procedure ended at 2026-11-23T09:20:00.000Z + 15 min closing');
  });

  it('procedure ended at 09:20, closing configured to 25 min → 09:45', () => {
    const c = planCase('c1', { status: 'in-procedure', milestones: { inRoom: t('08:00'), procedureEnd: t('09:20') } });
    const [p] = predictCases([c], { now: t('09:25'), history: HISTORY, config: { closingMinutes: 25 } });
    expect(p?.predictedEnd).toBe(t('09:45'));
  });

  it('procedure ended at 09:20 and still not out at 09:50 → 10:00 (now + allowance)', () => {
    const c = planCase('c1', { status: 'in-procedure', milestones: { inRoom: t('08:00'), procedureEnd: t('09:20') } });
    const [p] = predictCases([c], { now: t('09:50'), history: HISTORY });
    expect(p?.predictedEnd).toBe(t('10:00'));
    expect(p?.basis.anchor).toBe('now');
  });

  it('out of room at 09:40: the end is actual (09:40) and the next case starts at 10:10', () => {
    const done = planCase('c1', { status: 'recovery', milestones: { inRoom: t('08:00'), outOfRoom: t('09:40') } });
    const next = planCase('c2', { scheduledStart: t('09:30'), scheduledEnd: t('11:00') });
    const predictions = predictCases([next, done], { now: t('09:45'), history: HISTORY });
    expect(byId(predictions, 'c1')).toMatchObject({ predictedStart: t('08:00'), predictedEnd: t('09:40') });
    expect(byId(predictions, 'c1').basis).toEqual({
      method: 'actual',
      anchor: 'outOfRoom',
      anchorAt: t('09:40'),
      explanation: 'out of room at 2026-11-23T09:40:00.000Z',
    });
    expect(span(byId(predictions, 'c2'))).toEqual([t('10:10'), t('11:45')]);
  });

  it('a case taken in out of order goes first: c2 in room 08:00 pushes c1 (due 07:30, not in) to 10:05', () => {
    const predictions = predictCases(
      [
        planCase('c1', { scheduledStart: t('07:30'), scheduledEnd: t('09:00') }),
        planCase('c2', {
          status: 'in-room',
          scheduledStart: t('09:30'),
          scheduledEnd: t('11:00'),
          milestones: { inRoom: t('08:00') },
        }),
      ],
      { now: t('08:30'), history: HISTORY },
    );
    expect(span(byId(predictions, 'c2'))).toEqual([t('08:00'), t('09:35')]);
    expect(span(byId(predictions, 'c1'))).toEqual([t('10:05'), t('11:40')]);
    expect(predictions.map((p) => p.caseId)).toEqual(['c2', 'c1']);
  });

  it('missed out of room: c1 (in 07:30) is out by the time c2 came in (09:00); c3 is not pushed by c1', () => {
    const predictions = predictCases(
      [
        planCase('c1', { status: 'in-room', scheduledStart: t('07:30'), milestones: { inRoom: t('07:30') } }),
        planCase('c2', { status: 'in-room', scheduledStart: t('09:00'), milestones: { inRoom: t('09:00') } }),
        planCase('c3', { scheduledStart: t('11:30'), scheduledEnd: t('12:30') }),
      ],
      { now: t('10:00'), history: HISTORY },
    );
    expect(byId(predictions, 'c1')).toMatchObject({ predictedEnd: t('09:00') });
    expect(byId(predictions, 'c1').basis).toMatchObject({ anchor: 'nextCaseInRoom', anchorAt: t('09:00') });
    expect(byId(predictions, 'c2').predictedEnd).toBe(t('10:35'));
    expect(byId(predictions, 'c3').predictedStart).toBe(t('11:30'));
  });

  it('two cases recorded in the room at the same minute (bad data) are taken in id order, in any input order', () => {
    const a = planCase('a', { status: 'in-room', milestones: { inRoom: t('08:00') } });
    const b = planCase('b', { status: 'in-room', milestones: { inRoom: t('08:00') } });
    const predictions = predictCases([b, a], { now: t('08:30'), history: HISTORY });
    expect(predictions).toEqual(predictCases([a, b], { now: t('08:30'), history: HISTORY }));
    expect(predictions.map((p) => [p.caseId, p.predictedEnd, p.basis.anchor])).toEqual([
      ['a', t('08:00'), 'nextCaseInRoom'],
      ['b', t('09:35'), 'inRoom'],
    ]);
  });

  it('in the room by its status only (no in-room milestone): taken in at its scheduled start 08:00', () => {
    const [p] = predictCases([planCase('c1', { status: 'in-procedure' })], { now: t('08:30'), history: HISTORY });
    expect(p && span(p)).toEqual([t('08:00'), t('09:35')]);
    expect(p?.basis.anchor).toBe('scheduledStart');
  });

  it('in recovery by its status only (no out-of-room milestone): out by now at the latest', () => {
    const c = planCase('c1', { status: 'recovery', milestones: { inRoom: t('08:00') } });
    expect(predictCases([c], { now: t('09:00'), history: HISTORY })[0]?.predictedEnd).toBe(t('09:00'));
    expect(predictCases([c], { now: t('11:00'), history: HISTORY })[0]?.predictedEnd).toBe(t('09:35'));
  });
});

describe('predictCases: input', () => {
  it('leaves out a case whose scheduled times are not instants', () => {
    expect(predictCases([planCase('c1', { scheduledEnd: 'soon' })], { now: t('06:00'), history: HISTORY })).toEqual([]);
  });

  it('refuses a `now` that is no instant and a case id given twice', () => {
    expect(() => predictCases([], { now: 'now', history: HISTORY })).toThrow(RangeError);
    expect(() => predictCases([planCase('c1'), planCase('c1')], { now: t('06:00'), history: HISTORY })).toThrow(
      /c1 is given twice/,
    );
  });

  it('accepts times with offsets and answers in UTC: 09:00+01:00 is 08:00Z', () => {
    const c = planCase('c1', {
      scheduledStart: '2026-11-23T09:00:00+01:00',
      scheduledEnd: '2026-11-23T10:30:00+01:00',
    });
    const [p] = predictCases([c], { now: t('06:00'), history: NO_HISTORY });
    expect(p && span(p)).toEqual([t('08:00'), t('09:30')]);
  });

  it('roomPhase: by milestones first, status second', () => {
    expect(roomPhase({ status: 'scheduled', milestones: {} })).toBe('planned');
    expect(roomPhase({ status: 'pre-op', milestones: { inRoom: t('08:00') } })).toBe('in-room');
    expect(roomPhase({ status: 'in-procedure', milestones: {} })).toBe('in-room');
    expect(roomPhase({ status: 'in-room', milestones: { outOfRoom: t('09:00') } })).toBe('left');
    expect(roomPhase({ status: 'completed', milestones: {} })).toBe('left');
  });
});

describe('roomOverruns', () => {
  const room: RoomDay = { roomId: 'or-1', closesAt: t('17:00') };
  /** A day in OR 1 whose last case, c2, ends at `end` (c1 08:00–09:30 by the schedule). */
  function dayEndingAt(end: string): CasePrediction[] {
    return predictCases(
      [
        planCase('c1', { surgeon: undefined, procedure: HERNIA }),
        planCase('c2', { surgeon: undefined, procedure: HERNIA, scheduledStart: t('15:00'), scheduledEnd: end }),
      ],
      { now: t('06:00'), history: NO_HISTORY },
    );
  }

  it('OR 1 closes 17:00, last case predicted out 17:45: 45 min over, medium priority', () => {
    expect(roomOverruns(dayEndingAt(t('17:45')), [room])).toEqual([
      {
        roomId: 'or-1',
        overrunMinutes: 45,
        lastCaseId: 'c2',
        priority: 'medium',
        closesAt: t('17:00'),
        predictedEnd: t('17:45'),
      },
    ]);
  });

  it('17:30 is exactly 30 min over: no alert; 17:31 is', () => {
    expect(roomOverruns(dayEndingAt(t('17:30')), [room])).toEqual([]);
    expect(roomOverruns(dayEndingAt(t('17:31')), [room])).toMatchObject([{ overrunMinutes: 31 }]);
  });

  it('19:00 is 120 min over: high priority; the thresholds are configurable', () => {
    expect(roomOverruns(dayEndingAt(t('19:00')), [room])).toMatchObject([{ overrunMinutes: 120, priority: 'high' }]);
    expect(
      roomOverruns(dayEndingAt(t('17:20')), [room], { overrunThresholdMinutes: 10, overrunHighMinutes: 15 }),
    ).toMatchObject([{ overrunMinutes: 20, priority: 'high' }]);
  });

  it('30 min 20 s over rounds up to 31 minutes and alerts', () => {
    expect(roomOverruns(dayEndingAt('2026-11-23T17:30:20.000Z'), [room])).toMatchObject([{ overrunMinutes: 31 }]);
  });

  it('the largest overrun first; rooms without cases or closing time raise nothing; a repeated room closes earliest', () => {
    const predictions = [
      ...dayEndingAt(t('18:00')),
      ...predictCases([planCase('d1', { roomId: 'or-2', scheduledStart: t('16:00'), scheduledEnd: t('19:00') })], {
        now: t('06:00'),
        history: NO_HISTORY,
      }),
    ];
    const rooms: RoomDay[] = [
      { roomId: 'or-1', closesAt: t('17:00') },
      { roomId: 'or-2', closesAt: t('18:00') },
      { roomId: 'or-2', closesAt: t('17:00') },
      { roomId: 'or-3', closesAt: t('08:00') },
      { roomId: 'or-4', closesAt: 'late' },
    ];
    expect(roomOverruns(predictions, rooms).map((o) => [o.roomId, o.overrunMinutes])).toEqual([
      ['or-2', 120],
      ['or-1', 60],
    ]);
    expect(roomOverruns(predictions, [...rooms].reverse())).toEqual(roomOverruns(predictions, rooms));
  });
});

describe('suggestRooms', () => {
  const ROBOT = { code: 'ROBOT', text: 'da Vinci Xi' };
  /** c1 in OR 1 at 10:00, 95 min (House's median), needs the robot. */
  const moving = planCase('m', { scheduledStart: t('10:00'), scheduledEnd: t('11:30'), equipment: [ROBOT] });
  const otherDay = [
    // OR 2: 08:00–09:30, then 13:00–14:00 (schedule): gap 09:30–13:00.
    planCase('a1', { roomId: 'or-2', surgeon: undefined, procedure: HERNIA }),
    planCase('a2', {
      roomId: 'or-2',
      surgeon: undefined,
      procedure: HERNIA,
      scheduledStart: t('13:00'),
      scheduledEnd: t('14:00'),
    }),
    // OR 3: 08:00–12:00: free from 12:30.
    planCase('b1', { roomId: 'or-3', surgeon: undefined, procedure: HERNIA, scheduledEnd: t('12:00') }),
  ];
  const rooms: RoomDay[] = [
    { roomId: 'or-1', closesAt: t('17:00'), availableEquipment: [ROBOT] },
    { roomId: 'or-2', closesAt: t('17:00'), availableEquipment: [{ code: 'ROBOT', text: 'Robot' }] },
    { roomId: 'or-3', closesAt: t('17:00'), availableEquipment: [{ text: 'DA VINCI  XI' }] },
    { roomId: 'or-4', closesAt: t('17:00'), availableEquipment: [{ code: 'ROBOT-2', text: 'da Vinci Xi' }] },
    { roomId: 'or-5', closesAt: t('13:00'), availableEquipment: [ROBOT] },
  ];
  const input = { now: t('07:00'), history: HISTORY };

  it('a 95 min case due 10:00: OR 2 at 10:00 (gap 09:30–13:00 fits 95 + 30), OR 5 at 10:00, OR 3 at 12:30', () => {
    expect(suggestRooms(moving, [...otherDay, moving], rooms, input)).toEqual([
      { roomId: 'or-2', start: t('10:00'), end: t('11:35'), expectedMinutes: 95, closesAt: t('17:00') },
      { roomId: 'or-5', start: t('10:00'), end: t('11:35'), expectedMinutes: 95, closesAt: t('13:00') },
      { roomId: 'or-3', start: t('12:30'), end: t('14:05'), expectedMinutes: 95, closesAt: t('17:00') },
    ]);
  });

  it('OR 4 holds a robot of another code (ROBOT-2): not the same item, never suggested', () => {
    const ids = suggestRooms(moving, otherDay, rooms, input).map((s) => s.roomId);
    expect(ids).not.toContain('or-4');
    expect(ids).not.toContain('or-1');
  });

  it('without equipment needs OR 4 qualifies too', () => {
    const ids = suggestRooms({ ...moving, equipment: [] }, otherDay, rooms, input).map((s) => s.roomId);
    expect(ids).toEqual(['or-2', 'or-4', 'or-5', 'or-3']);
  });

  it('a gap must leave a turnover before the next case: due 11:30, OR 2 cannot fit before 13:00 and offers 14:30', () => {
    const later = { ...moving, scheduledStart: t('11:30'), scheduledEnd: t('13:00') };
    expect(suggestRooms(later, otherDay, rooms, input).find((s) => s.roomId === 'or-2')?.start).toBe(t('14:30'));
  });

  it('must end by closing: OR 5 (closes 13:00) cannot take the case from 11:30', () => {
    const later = { ...moving, scheduledStart: t('11:30'), scheduledEnd: t('13:00') };
    expect(suggestRooms(later, otherDay, rooms, input).map((s) => s.roomId)).not.toContain('or-5');
  });

  it('no earlier than now, notBefore or the room opening', () => {
    expect(suggestRooms(moving, otherDay, rooms, { ...input, now: t('10:20') })[0]).toMatchObject({
      start: t('10:20'),
    });
    // From 09:30: OR 5 is free at once; OR 2's first case ends 09:30, so 10:00 after the turnover.
    expect(
      suggestRooms(moving, otherDay, rooms, { ...input, notBefore: t('09:30') }).map((s) => [s.roomId, s.start]),
    ).toEqual([
      ['or-5', t('09:30')],
      ['or-2', t('10:00')],
      ['or-3', t('12:30')],
    ]);
    const opening = rooms.map((r) => ({ ...r, opensAt: t('10:45') }));
    expect(suggestRooms(moving, otherDay, opening, input)[0]).toMatchObject({ start: t('10:45') });
  });

  it('nothing for a case already in the room, or cancelled', () => {
    expect(suggestRooms({ ...moving, milestones: { inRoom: t('10:00') } }, otherDay, rooms, input)).toEqual([]);
    expect(suggestRooms({ ...moving, status: 'cancelled' }, otherDay, rooms, input)).toEqual([]);
  });

  it('sameEquipment: by code when both have one, else by text regardless of case and spacing', () => {
    expect(sameEquipment({ code: 'CARM', text: 'C-arm' }, { code: 'CARM', text: 'Fluoroscope' })).toBe(true);
    expect(sameEquipment({ code: 'CARM-1', text: 'C-arm' }, { code: 'CARM-2', text: 'C-arm' })).toBe(false);
    expect(sameEquipment({ code: 'CARM', text: 'C-arm' }, { text: ' c-ARM ' })).toBe(true);
    expect(sameEquipment({ text: 'C-arm' }, { text: 'C arm' })).toBe(false);
  });
});

// ── Properties ───────────────────────────────────────────────────────────────────────────────

const SETTINGS = { seed: 42, numRuns: 200 };
const DAY = Date.parse(t('06:00'));
const at = (minutes: number) => new Date(DAY + minutes * 60_000).toISOString();

/**
 * A generated room day: cases at 5-minute steps between 06:00 and 18:00, some of them started
 * before `now` with consistent milestones (each room's started cases one after the other), some
 * cancelled. Unique ids; statuses follow the milestones as the engine derives them.
 */
const genDay = fc
  .record({
    nowMinutes: fc.integer({ min: 0, max: 144 }).map((n) => n * 5),
    rooms: fc.array(
      fc.array(
        fc.record({
          startStep: fc.integer({ min: 0, max: 144 }),
          lengthSteps: fc.integer({ min: 1, max: 48 }),
          kind: fc.constantFrom('planned', 'planned', 'started', 'cancelled'),
          surgeon: fc.constantFrom(HOUSE, WILSON, undefined),
          procedure: fc.constantFrom(CHOLE, HERNIA),
          progress: fc.constantFrom('in-room', 'procedure-end', 'out'),
          actualSteps: fc.integer({ min: 1, max: 48 }),
        }),
        { maxLength: 6 },
      ),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ nowMinutes, rooms }) => {
    const cases: PlanCase[] = [];
    rooms.forEach((specs, r) => {
      let free = 0; // the room's started cases follow one another, before now
      specs.forEach((s, i) => {
        const id = `r${r}c${i}`;
        const base = planCase(id, {
          roomId: `or-${r}`,
          scheduledStart: at(s.startStep * 5),
          scheduledEnd: at((s.startStep + s.lengthSteps) * 5),
          surgeon: s.surgeon,
          procedure: s.procedure,
        });
        if (s.kind === 'cancelled') {
          cases.push({ ...base, status: 'cancelled' });
          return;
        }
        const inRoom = Math.max(free, s.startStep * 5);
        if (s.kind === 'planned' || inRoom >= nowMinutes) {
          cases.push(base);
          return;
        }
        const end = Math.min(inRoom + s.actualSteps * 5, nowMinutes);
        if (s.progress === 'out' && end > inRoom) {
          cases.push({ ...base, status: 'recovery', milestones: { inRoom: at(inRoom), outOfRoom: at(end) } });
          free = end;
        } else if (s.progress === 'procedure-end' && end > inRoom) {
          cases.push({ ...base, status: 'in-procedure', milestones: { inRoom: at(inRoom), procedureEnd: at(end) } });
          free = Infinity;
        } else {
          cases.push({ ...base, status: 'in-room', milestones: { inRoom: at(inRoom) } });
          free = Infinity;
        }
      });
    });
    return { now: at(nowMinutes), cases };
  });

/** Past durations for some pairs, with counts around the threshold. */
const genHistory: fc.Arbitrary<DurationHistory> = fc
  .record({
    house: fc.record({ medianMinutes: fc.integer({ min: 20, max: 240 }), count: fc.integer({ min: 0, max: 6 }) }),
    wilson: fc.record({ medianMinutes: fc.integer({ min: 20, max: 240 }), count: fc.integer({ min: 0, max: 6 }) }),
    chole: fc.record({ medianMinutes: fc.integer({ min: 20, max: 240 }), count: fc.integer({ min: 0, max: 6 }) }),
  })
  .map(({ house, wilson, chole }) => ({
    bySurgeonProcedure: { [historyKey(HOUSE, CHOLE) ?? '']: house, [historyKey(WILSON, CHOLE) ?? '']: wilson },
    byProcedure: { [procedureKey(CHOLE) ?? '']: chole },
  }));

describe('predictCases: properties', () => {
  it('any order of the same cases gives the same predictions', () => {
    fc.assert(
      fc.property(genDay, genHistory, fc.infiniteStream(fc.nat()), ({ now, cases }, h, keys) => {
        const shuffled = cases
          .map((c) => ({ c, key: keys.next().value as number }))
          .sort((a, b) => a.key - b.key)
          .map((x) => x.c);
        expect(predictCases(shuffled, { now, history: h })).toEqual(predictCases(cases, { now, history: h }));
      }),
      SETTINGS,
    );
  });

  it('a case not yet in the room is predicted no earlier than its scheduled start, nor than now', () => {
    fc.assert(
      fc.property(genDay, genHistory, ({ now, cases }, h) => {
        for (const p of predictCases(cases, { now, history: h })) {
          const c = cases.find((x) => x.id === p.caseId);
          if (!c || roomPhase(c) !== 'planned') continue;
          expect(Date.parse(p.predictedStart)).toBeGreaterThanOrEqual(Date.parse(c.scheduledStart));
          expect(Date.parse(p.predictedStart)).toBeGreaterThanOrEqual(Date.parse(now));
          expect(p.delayMinutes).toBeGreaterThanOrEqual(0);
        }
      }),
      SETTINGS,
    );
  });

  it("a room's cases never overlap, and a case not yet in the room starts a turnover after every case before it", () => {
    fc.assert(
      fc.property(genDay, genHistory, ({ now, cases }, h) => {
        const predictions = predictCases(cases, { now, history: h });
        const turnover = DEFAULT_PLANNING_CONFIG.turnoverMinutes * 60_000;
        for (const p of predictions) {
          expect(Date.parse(p.predictedEnd)).toBeGreaterThanOrEqual(Date.parse(p.predictedStart));
          for (const q of predictions) {
            if (q === p || q.roomId !== p.roomId) continue;
            const [ps, pe, qs, qe] = [p, q].flatMap((x) => [
              Date.parse(x.predictedStart),
              Date.parse(x.predictedEnd),
            ]) as [number, number, number, number];
            expect(ps < qe && qs < pe).toBe(false);
            const pc = cases.find((x) => x.id === p.caseId);
            if (pc && roomPhase(pc) === 'planned' && qs <= ps) expect(ps).toBeGreaterThanOrEqual(qe + turnover);
          }
        }
      }),
      SETTINGS,
    );
  });

  it('a case still in the room is predicted to end no earlier than now; one out of it at its out of room', () => {
    fc.assert(
      fc.property(genDay, genHistory, ({ now, cases }, h) => {
        for (const p of predictCases(cases, { now, history: h })) {
          const c = cases.find((x) => x.id === p.caseId);
          if (c && roomPhase(c) === 'in-room')
            expect(Date.parse(p.predictedEnd)).toBeGreaterThanOrEqual(Date.parse(now));
          if (c?.milestones.outOfRoom) {
            expect(p.predictedEnd).toBe(c.milestones.outOfRoom);
            expect(p.basis.method).toBe('actual');
          }
        }
      }),
      SETTINGS,
    );
  });

  it('every suggested slot ends by closing and keeps a turnover from each case of its room', () => {
    fc.assert(
      fc.property(genDay, genHistory, fc.integer({ min: 0, max: 144 }), ({ now, cases }, h, step) => {
        const moving = planCase('moving', {
          roomId: 'elsewhere',
          scheduledStart: at(step * 5),
          scheduledEnd: at(step * 5 + 60),
        });
        const rooms = [0, 1, 2].map((r) => ({ roomId: `or-${r}`, closesAt: at(12 * 60 + 30 * r) }));
        const suggestions = suggestRooms(moving, cases, rooms, { now, history: h });
        const predictions = predictCases(cases, { now, history: h });
        const turnover = DEFAULT_PLANNING_CONFIG.turnoverMinutes * 60_000;
        for (const s of suggestions) {
          const [ss, se] = [Date.parse(s.start), Date.parse(s.end)];
          expect(se).toBeLessThanOrEqual(Date.parse(s.closesAt));
          expect(ss).toBeGreaterThanOrEqual(Math.max(Date.parse(now), Date.parse(moving.scheduledStart)));
          for (const p of predictions.filter((x) => x.roomId === s.roomId)) {
            const [ps, pe] = [Date.parse(p.predictedStart), Date.parse(p.predictedEnd)];
            expect(se + turnover <= ps || pe + turnover <= ss).toBe(true);
          }
        }
        expect(suggestRooms(moving, [...cases].reverse(), [...rooms].reverse(), { now, history: h })).toEqual(
          suggestions,
        );
      }),
      SETTINGS,
    );
  });
});

describe('the worked example of docs/predictions.md', () => {
  // OR 1 at 10:00. History: House's cholecystectomies 95 min over 5; Wilson's 2 (too few);
  // all cholecystectomies 80 min over 12; no hernia repairs.
  const h = history({
    surgeonProcedure: [
      [HOUSE, CHOLE, 95, 5],
      [WILSON, CHOLE, 70, 2],
    ],
    procedure: [[CHOLE, 80, 12]],
  });
  const CARM_NEED = { text: 'C-arm' };
  const c2 = planCase('c2', {
    surgeon: WILSON,
    scheduledStart: t('10:00'),
    scheduledEnd: t('11:30'),
    equipment: [CARM_NEED],
  });
  const day = [
    planCase('c1', { status: 'in-procedure', milestones: { inRoom: t('08:00'), procedureStart: t('08:25') } }),
    c2,
    planCase('c3', { status: 'cancelled', scheduledStart: t('11:30'), scheduledEnd: t('12:30') }),
    planCase('c4', { surgeon: WILSON, procedure: HERNIA, scheduledStart: t('13:00'), scheduledEnd: t('14:00') }),
    // OR 2: d1 08:00–09:00 (done), d2 11:30–12:30 with the C-arm.
    planCase('d1', {
      roomId: 'or-2',
      procedure: HERNIA,
      scheduledEnd: t('09:00'),
      status: 'recovery',
      milestones: { inRoom: t('08:00'), outOfRoom: t('08:50') },
    }),
    planCase('d2', {
      roomId: 'or-2',
      procedure: HERNIA,
      scheduledStart: t('11:30'),
      scheduledEnd: t('12:30'),
      equipment: [{ code: 'CARM', text: 'C-arm' }],
    }),
  ];
  const rooms: RoomDay[] = [
    { roomId: 'or-1', closesAt: t('13:15'), availableEquipment: [{ code: 'CARM', text: 'C-arm' }] },
    { roomId: 'or-2', closesAt: t('17:00'), availableEquipment: [{ code: 'CARM', text: 'C-arm' }] },
    { roomId: 'or-3', closesAt: t('17:00'), availableEquipment: [{ code: 'CARM', text: 'C-Arm' }] },
    { roomId: 'or-4', closesAt: t('17:00') },
  ];
  const now = t('10:00');
  const predictions = predictCases(day, { now, history: h });

  it('predicts c1 08:00→10:10, c2 10:40→12:00 (40 min late), c4 13:00→14:00; c3 is cancelled', () => {
    expect(
      predictions
        .filter((p) => p.roomId === 'or-1')
        .map((p) => [
          p.caseId,
          p.predictedStart,
          p.predictedEnd,
          p.delayMinutes,
          p.late,
          p.basis.method,
          p.basis.anchor,
        ]),
    ).toEqual([
      ['c1', t('08:00'), t('10:10'), 0, false, 'surgeon-procedure-median', 'now'],
      ['c2', t('10:40'), t('12:00'), 40, true, 'procedure-median', 'previousCase'],
      ['c4', t('13:00'), t('14:00'), 0, false, 'schedule', 'scheduledStart'],
    ]);
    expect(byId(predictions, 'c2').basis).toEqual({
      method: 'procedure-median',
      expectedMinutes: 80,
      medianMinutes: 80,
      count: 12,
      anchor: 'previousCase',
      anchorAt: t('10:10'),
      explanation:
        'procedure median 80 min over 12 cases (surgeon+procedure: 2 cases, fewer than 3); ' +
        'starts 30 min turnover after case c1 ends at 2026-11-23T10:10:00.000Z',
    });
  });

  it('OR 1 closes 13:15 and its last case c4 ends 14:00: 45 min over, medium', () => {
    expect(roomOverruns(predictions, rooms)).toEqual([
      {
        roomId: 'or-1',
        overrunMinutes: 45,
        lastCaseId: 'c4',
        priority: 'medium',
        closesAt: t('13:15'),
        predictedEnd: t('14:00'),
      },
    ]);
  });

  it('c2 could go to OR 3 at 10:00 or OR 2 at 13:00; OR 4 has no C-arm', () => {
    expect(suggestRooms(c2, day, rooms, { now, history: h })).toEqual([
      { roomId: 'or-3', start: t('10:00'), end: t('11:20'), expectedMinutes: 80, closesAt: t('17:00') },
      { roomId: 'or-2', start: t('13:00'), end: t('14:20'), expectedMinutes: 80, closesAt: t('17:00') },
    ]);
  });
});

describe('planInputsChanged', () => {
  it('is true for a new case and for a change of any field planning reads', () => {
    const before = planCase('c1');
    expect(planInputsChanged(undefined, before)).toBe(true);
    expect(planInputsChanged(before, before)).toBe(false);
    expect(planInputsChanged(before, { ...before })).toBe(false);
    for (const change of [
      { roomId: 'or-2' },
      { status: 'in-room' as CaseStatus },
      { scheduledStart: t('08:30') },
      { scheduledEnd: t('10:00') },
      { milestones: { inRoom: t('07:55') } },
      { procedure: HERNIA },
      { surgeon: WILSON },
      { equipment: [{ text: 'C-arm' }] },
    ]) {
      expect(planInputsChanged(before, { ...before, ...change })).toBe(true);
    }
  });

  it('is false after readings alone (the engine keeps what a fact did not touch), true after a movement', () => {
    const booked = bookedCase();
    const reading = observations({
      at: dayTime('08:00'),
      vitals: [{ name: 'hr', value: 72, unit: '/min', at: dayTime('08:00') }],
    });
    const read = applyFact(booked, reading, ctx).state!;
    expect(read.vitals.hr?.value).toBe(72);
    expect(planInputsChanged(booked, read)).toBe(false);
    const inRoom = applyFact(read, adt('transferred', { at: dayTime('07:32'), room: OR1 }), ctx).state!;
    expect(planInputsChanged(read, inRoom)).toBe(true);
  });
});
