/**
 * Acceptance scenario of the live case model: a full day in four rooms (a late first case, a long
 * case, a cancellation, an add-on, a device failure), played fact by fact through the engine, with
 * predictions, alerts, KPIs and the event log checked at chosen moments.
 *
 * The day and its story are in `testing/or-day.fixture.ts`. Every expected number below is worked
 * out by hand from docs/predictions.md, docs/kpis.md and docs/alert-rules.md (the arithmetic is in
 * the comments); none is computed with the code under test. Defaults throughout: turnover 30 min,
 * overrun allowance 10 min, closing 15 min, late above 30 min, room alert above 30 min past
 * closing; first-case grace 5 min, turnover maximum 120 min; SpO2 low 90 % sustained 15 s, margin
 * 1 %; stale after 60 s; device offline after 30 s.
 */
import type { AlertView } from '@circulator/contracts';
import {
  type CaseEvent,
  type CasePrediction,
  type CaseState,
  type DurationStats,
  type DurationTable,
  type MilestoneChange,
  type PredictionAnchor,
  type PredictionMethod,
  caseRecordOf,
  casePhase,
  computeKpis,
  durationHistoryOf,
  evaluateDeviceOffline,
  evaluateStale,
  predictCases,
  replayEvents,
  roomOverruns,
  scheduleConflicts,
  suggestRooms,
} from './index';
import type { ConditionsFact, DeviceStatus, Fact, ScheduleFact } from './index';
import { applyFact } from './index';
import {
  ADD_ON,
  BOOKINGS,
  DAY,
  DAY_FACTS,
  DEVICES,
  PAST_CASES,
  ROOM_DAYS,
  STAFFED_HOURS,
  type DayPlay,
  at,
  distance,
  fillerOf,
  playDay,
} from './testing/or-day.fixture';

const HISTORY = durationHistoryOf(PAST_CASES);
const SPM = 'surgeon-procedure-median';

/** One prediction as a row: case, predicted start and end, method, anchor, delay, late. */
type Row = [string, string, string, PredictionMethod, PredictionAnchor, number, boolean];

function rows(predictions: readonly CasePrediction[]): Row[] {
  return predictions.map((p) => [
    p.caseId,
    p.predictedStart,
    p.predictedEnd,
    p.basis.method,
    p.basis.anchor,
    p.delayMinutes,
    p.late,
  ]);
}

function predictionOf(predictions: readonly CasePrediction[], caseId: string): CasePrediction {
  const p = predictions.find((x) => x.caseId === caseId);
  if (!p) throw new Error(`no prediction for ${caseId}`);
  return p;
}

function caseOf(day: DayPlay, caseId: string): CaseState {
  const c = day.cases.get(caseId);
  if (!c) throw new Error(`no case ${caseId}`);
  return c;
}

function logOf(day: DayPlay, caseId: string): CaseEvent[] {
  return day.events.get(caseId) ?? [];
}

function predictAt(day: DayPlay, now: string): CasePrediction[] {
  return predictCases([...day.cases.values()], { now, history: HISTORY });
}

function kpisAt(day: DayPlay, now: string) {
  return computeKpis({ date: DAY, cases: [...day.cases.values()], staffedHours: STAFFED_HOURS, now });
}

type KpiView = ReturnType<typeof kpisAt>;

function roomKpis(view: KpiView, roomId: string): KpiView['rooms'][number] {
  const room = view.rooms.find((r) => r.roomId === roomId);
  if (!room) throw new Error(`no KPIs for ${roomId}`);
  return room;
}

/** The alerts every case shows, for the cases that show any. */
function alertsOf(day: DayPlay): Record<string, AlertView[]> {
  const out: Record<string, AlertView[]> = {};
  for (const c of day.cases.values()) if (c.alerts.length) out[c.id] = c.alerts;
  return out;
}

/** Cases in the room (in progress) at the time the day was played to: the device rule's `activeCaseIds`. */
function activeCaseIds(day: DayPlay): string[] {
  return [...day.cases.values()]
    .filter((c) => c.status === 'in-room' || c.status === 'in-procedure')
    .map((c) => c.id)
    .sort();
}

/** A duration table (a Map from `durationHistoryOf`, or a record) as a plain record. */
function table(t: DurationTable): Record<string, DurationStats> {
  if (t instanceof Map) return Object.fromEntries([...(t as ReadonlyMap<string, DurationStats>)]);
  return { ...(t as Readonly<Record<string, DurationStats>>) };
}

describe('a full day in four rooms (acceptance scenario of the live case model)', () => {
  it('the history gives the medians the predictions use (docs/predictions.md §1)', () => {
    expect(table(HISTORY.bySurgeonProcedure)).toEqual({
      // House: 85, 90, 100 → 90 over 3 (h-4 never left the room: no duration).
      '["id:S1","code:47562"]': { medianMinutes: 90, count: 3 },
      // Foreman: one case of 120.
      '["id:S5","code:47562"]': { medianMinutes: 120, count: 1 },
      // Cuddy: 110, 120, 130 → 120 over 3 (the cancelled 300 min case never counts).
      '["id:S3","code:27447"]': { medianMinutes: 120, count: 3 },
      // Chase: 50, 60, 70 → 60 over 3.
      '["id:S4","code:44970"]': { medianMinutes: 60, count: 3 },
      // Wilson: 55, 60, 75 → 60 over 3.
      '["id:S2","code:49505"]': { medianMinutes: 60, count: 3 },
    });
    expect(table(HISTORY.byProcedure)).toEqual({
      // All cholecystectomies: 85, 90, 100, 120 → (90 + 100) / 2 = 95 over 4.
      'code:47562': { medianMinutes: 95, count: 4 },
      'code:27447': { medianMinutes: 120, count: 3 },
      'code:44970': { medianMinutes: 60, count: 3 },
      'code:49505': { medianMinutes: 60, count: 3 },
    });
  });

  describe('08:00 — first cases in; OR 1 came in 20 min late', () => {
    const now = at('08:00');
    const day = playDay(now);

    it('every case of the day is known and none is off the schedule yet', () => {
      expect(day.warnings).toEqual([]);
      expect(Object.fromEntries([...day.cases.values()].map((c) => [c.id, c.status]))).toEqual({
        'or1-1': 'in-room', // ADT into OR 1 at 07:50, induction 08:00
        'or1-2': 'scheduled',
        'or1-3': 'scheduled',
        'or2-1': 'in-room', // ADT into OR 2 at 07:30; the incision comes at 08:05
        'or2-2': 'scheduled',
        'or2-3': 'scheduled',
        'or3-1': 'in-room',
        'or3-2': 'scheduled',
        'or3-3': 'scheduled',
        'or4-1': 'in-procedure', // incision 07:50
        'or4-2': 'scheduled',
      });
    });

    it('predictions: each room chained from its first case, by the medians', () => {
      expect(rows(predictAt(day, now))).toEqual<Row[]>([
        // In 07:50 + House's median 90 = 09:20; 07:50 − 07:30 = 20 min, not more than 30: not late.
        ['or1-1', at('07:50'), at('09:20'), SPM, 'inRoom', 20, false],
        // 09:20 + 30 turnover = 09:50, after its 09:30; + 90 = 11:20.
        ['or1-2', at('09:50'), at('11:20'), SPM, 'previousCase', 20, false],
        // 11:20 + 30 = 11:50, after 11:30; Foreman has 1 case (< 3): all cholecystectomies, 95 → 13:25.
        ['or1-3', at('11:50'), at('13:25'), 'procedure-median', 'previousCase', 20, false],
        // 07:30 + Cuddy's 120 = 09:30.
        ['or2-1', at('07:30'), at('09:30'), SPM, 'inRoom', 0, false],
        // 09:30 + 30 = 10:00 is not after its scheduled 10:00: it keeps 10:00; + 120.
        ['or2-2', at('10:00'), at('12:00'), SPM, 'scheduledStart', 0, false],
        // 12:00 + 30 = 12:30 = scheduled; no hip revision on record: scheduled 12:30–16:30 = 240 min.
        ['or2-3', at('12:30'), at('16:30'), 'schedule', 'scheduledStart', 0, false],
        // 07:32 + Chase's 60.
        ['or3-1', at('07:32'), at('08:32'), SPM, 'inRoom', 2, false],
        ['or3-2', at('10:30'), at('11:30'), SPM, 'scheduledStart', 0, false],
        ['or3-3', at('13:00'), at('14:00'), SPM, 'scheduledStart', 0, false],
        // In 07:25 (5 min early: −5) + Wilson's 60.
        ['or4-1', at('07:25'), at('08:25'), SPM, 'inRoom', -5, false],
        // 08:25 + 30 = 08:55, before its 09:00.
        ['or4-2', at('09:00'), at('10:00'), SPM, 'scheduledStart', 0, false],
      ]);
    });

    it('the basis of a fallback to the procedure median says why (docs/predictions.md §3)', () => {
      expect(predictionOf(predictAt(day, now), 'or1-3').basis).toEqual({
        method: 'procedure-median',
        expectedMinutes: 95,
        medianMinutes: 95,
        count: 4,
        anchor: 'previousCase',
        anchorAt: at('11:20'),
        explanation:
          'procedure median 95 min over 4 cases (surgeon+procedure: 1 case, fewer than 3); ' +
          `starts 30 min turnover after case or1-2 ends at ${at('11:20')}`,
      });
    });

    it('no room is predicted past closing yet (latest ends: OR 2 16:30, OR 3 14:00, OR 1 13:25)', () => {
      expect(roomOverruns(predictAt(day, now), ROOM_DAYS)).toEqual([]);
    });

    it('alerts: OR 4 incision without a Time Out (high); OR 3 SpO2 88 % for 20 s (medium), acknowledged', () => {
      expect(alertsOf(day)).toEqual({
        'or3-1': [
          {
            id: 'rule:vital:spo2:low',
            kind: 'vital-limit',
            priority: 'medium',
            // 89 % at 07:50:00 starts the run; 88 % at 07:50:20 is 20 s ≥ 15 s later: raised.
            message: 'SpO2 low: 88 % < 90 %',
            raisedAt: at('07:50', 20),
            acknowledgedAt: at('07:52'),
          },
        ],
        'or4-1': [
          {
            id: 'checklist:timeOut',
            kind: 'checklist',
            priority: 'high',
            message: 'Time Out not recorded before incision',
            raisedAt: at('07:50'), // the incision
          },
        ],
      });
    });

    it('KPIs: OR 1 first case 20 min late, the other three on time; utilisation of the first hour', () => {
      const kpis = kpisAt(day, now);
      expect(kpis.rooms.map((r) => r.firstCase)).toEqual([
        // 07:50 > 07:30 + 5 grace: late, by 07:50 − 07:30 = 20 min (counted from the scheduled start).
        {
          caseId: 'or1-1',
          scheduledStart: at('07:30'),
          actualStart: at('07:50'),
          status: 'started',
          onTime: false,
          minutesLate: 20,
        },
        {
          caseId: 'or2-1',
          scheduledStart: at('07:30'),
          actualStart: at('07:30'),
          status: 'started',
          onTime: true,
          minutesLate: 0,
        },
        // 07:32 ≤ 07:35: on time, 2 min after the start.
        {
          caseId: 'or3-1',
          scheduledStart: at('07:30'),
          actualStart: at('07:32'),
          status: 'started',
          onTime: true,
          minutesLate: 2,
        },
        {
          caseId: 'or4-1',
          scheduledStart: at('07:30'),
          actualStart: at('07:25'),
          status: 'started',
          onTime: true,
          minutesLate: 0,
        },
      ]);
      expect(kpis.facility.firstCase).toEqual({ rooms: 4, onTime: 3, late: 1, pending: 0, onTimeFraction: 0.75 });
      // Staffed so far: 07:00–08:00 = 60 min per room. In the room up to now: OR 1 07:50–08:00 = 10,
      // OR 2 07:30– = 30, OR 3 07:32– = 28, OR 4 07:25– = 35.
      expect(kpis.rooms.map((r) => [r.roomId, r.utilisation.inRoomMinutes, r.utilisation.fraction])).toEqual([
        ['or-1', 10, 0.1667], // 10 / 60
        ['or-2', 30, 0.5], // 30 / 60
        ['or-3', 28, 0.4667], // 28 / 60
        ['or-4', 35, 0.5833], // 35 / 60
      ]);
      expect(kpis.facility.utilisation).toEqual({
        inRoomMinutes: 103, // 10 + 30 + 28 + 35
        staffedMinutes: 240, // 4 × 60
        staffedMinutesDay: 2400, // 4 × 600
        outsideHoursMinutes: 0,
        fraction: 0.4292, // 103 / 240 = 0.42916…
      });
    });
  });

  describe('09:40–11:00 — OR 2 monitor drops off during the long knee', () => {
    /** The case, the day and the device rule's input at a tick. */
    function tick(now: string) {
      const day = playDay(now);
      const c = caseOf(day, 'or2-1');
      const input = {
        case: { id: c.id, roomId: c.roomId },
        devices: DEVICES,
        activeCaseIds: activeCaseIds(day),
        distance,
      };
      return { day, c, input, phase: casePhase(c.milestones, now) };
    }

    it('29 s after it failed: nothing yet; at 30 s: medium alert naming OR 3 monitor as the backup', () => {
      const early = tick(at('09:40', 29));
      // OR 1's first case left at 09:20 and its second is in at 09:45: in progress are OR 2's and OR 4's.
      expect(early.input.activeCaseIds).toEqual(['or2-1', 'or4-2']);
      // In room 07:30, incision 08:05, no induction recorded: maintenance.
      expect(early.phase).toBe('maintenance');
      const quiet = evaluateDeviceOffline(undefined, early.input, { now: at('09:40', 29), phase: early.phase });
      expect([quiet.raised, quiet.updated, quiet.cleared]).toEqual([[], [], []]);

      const due = tick(at('09:40', 30));
      const raised = evaluateDeviceOffline(quiet.state, due.input, { now: at('09:40', 30), phase: due.phase });
      // Backup: the spare in the store is nearest (0.5) but due for service; OR 4's monitor is in use
      // by or4-2 (in progress); of the free ones OR 3's (1) is nearer than OR 1's (2).
      expect(raised.raised).toEqual([
        {
          id: 'rule:device-offline:mon-or2',
          kind: 'device-offline',
          priority: 'medium',
          message: 'monitor mon-or2 offline; backup: monitor mon-or3 (or-3)',
          raisedAt: at('09:40', 30),
          ruleId: 'device-offline',
          parameter: 'monitor',
          since: at('09:40'),
          roomId: 'or-2',
          deviceId: 'mon-or2',
          backupDeviceId: 'mon-or3',
        },
      ]);

      // 10:30: OR 4's monitor is free again (or4-2 left at 10:05), but at 3 it is further than OR 3's:
      // the same backup, nothing to write.
      const later = tick(at('10:30'));
      expect(later.input.activeCaseIds).toEqual(['or1-2', 'or2-1']);
      const same = evaluateDeviceOffline(raised.state, later.input, { now: at('10:30'), phase: later.phase });
      expect(same.state).toBe(raised.state);
      expect([same.raised, same.updated, same.cleared]).toEqual([[], [], []]);

      // The patient is out of OR 2 at 11:00: phase none clears it.
      const out = tick(at('11:00', 30));
      expect(out.phase).toBe('none');
      const cleared = evaluateDeviceOffline(same.state, out.input, { now: at('11:00', 30), phase: out.phase });
      expect(cleared.cleared).toEqual(['rule:device-offline:mon-or2']);
      expect(cleared.state.active).toEqual({});
    });

    it('the monitor readings stop: stale SpO2 and HR after more than 60 s (low)', () => {
      const atLimit = tick(at('09:41'));
      // Last readings at 09:40:00; 60 s is not *more than* 60 s.
      const none = evaluateStale(atLimit.c.track?.rules, { now: at('09:41'), phase: atLimit.phase });
      expect(none.raised).toEqual([]);

      const over = tick(at('09:41', 1));
      const stale = evaluateStale(over.c.track?.rules, { now: at('09:41', 1), phase: over.phase });
      expect(stale.raised).toEqual([
        {
          id: 'rule:stale:hr',
          kind: 'stale-data',
          priority: 'low',
          message: 'No HR reading for over 60 s',
          raisedAt: at('09:41', 1),
          ruleId: 'stale:hr',
          parameter: 'hr',
          unit: 's',
          limit: 60,
          since: at('09:40'),
        },
        {
          id: 'rule:stale:spo2',
          kind: 'stale-data',
          priority: 'low',
          message: 'No SpO2 reading for over 60 s',
          raisedAt: at('09:41', 1),
          ruleId: 'stale:spo2',
          parameter: 'spo2',
          unit: 's',
          limit: 60,
          since: at('09:40'),
        },
      ]);
    });
  });

  describe("the worker's tick through the engine (conditions facts at chosen moments)", () => {
    const TICK = { kind: 'engine' as const, id: 'rules:tick', label: 'rule tick' };
    function tickFact(caseId: string, now: string, more: Partial<ConditionsFact> = {}): ConditionsFact {
      return { kind: 'conditions', at: now, source: TICK, target: { caseId }, ...more };
    }
    /** Applies tick facts in order to a case of the day played to the first tick. */
    function ticks(day: ReturnType<typeof playDay>, caseId: string, facts: readonly ConditionsFact[]) {
      let state = caseOf(day, caseId);
      const log: CaseEvent[] = [];
      for (const fact of facts) {
        const out = applyFact(state, fact, { newCaseId: caseId, receivedAt: fact.at });
        state = out.state!;
        log.push(...out.events);
      }
      return { state, log };
    }

    it('09:41:01 — the monitor is silent: stale HR and SpO2 on or2-1, one alert-raised event from the engine', () => {
      const day = playDay(at('09:41', 1));
      const { state, log } = ticks(day, 'or2-1', [tickFact('or2-1', at('09:41')), tickFact('or2-1', at('09:41', 1))]);
      // 09:41:00 is exactly 60 s after the last readings (09:40:00): nothing; 09:41:01 is over.
      expect(log.map((e) => [e.kind, e.at, e.source.kind])).toEqual([['alert-raised', at('09:41', 1), 'engine']]);
      expect(state.alerts.filter((a) => a.kind === 'stale-data').map((a) => [a.id, a.priority, a.message])).toEqual([
        ['rule:stale:hr', 'low', 'No HR reading for over 60 s'],
        ['rule:stale:spo2', 'low', 'No SpO2 reading for over 60 s'],
      ]);
    });

    it('10:00–11:00 — OR 2 at 24.8 °C from 10:00: low alert at the 10:05 reading (5 min); cleared when the patient leaves', () => {
      const temp = (t: string) => [{ parameter: 'temp' as const, value: 24.8, unit: '°C', at: t }];
      const day = playDay(at('10:00', 5));
      const first = ticks(day, 'or2-1', [tickFact('or2-1', at('10:00', 5), { environment: temp(at('10:00')) })]);
      // The first reading out of range starts the sustain time: kept in the rules' state, nothing shown
      // (this first tick of the block raises only the stale data of the silent monitor).
      expect(first.state.alerts.some((a) => a.kind === 'environment')).toBe(false);
      expect(first.state.track?.rules?.excursions['env:or-2:temp:high']).toEqual({
        limit: { since: at('10:00'), value: 24.8 },
      });
      const raised = applyFact(first.state, tickFact('or2-1', at('10:05', 5), { environment: temp(at('10:05')) }), {
        newCaseId: 'or2-1',
        receivedAt: at('10:05', 5),
      });
      // 24.8 > 24 (ASHRAE 170) for 10:00 → 10:05 = 300 s ≥ 5 min: raised at the reading's time.
      expect(raised.state?.alerts.find((a) => a.kind === 'environment')).toEqual({
        id: 'rule:env:or-2:temp:high',
        kind: 'environment',
        priority: 'low',
        message: 'Room temperature high: 24.8 °C > 24 °C',
        raisedAt: at('10:05'),
      });
      expect(raised.events.map((e) => e.kind)).toEqual(['alert-raised']);
      // The patient is out of OR 2 at 11:00: the next tick clears it (phase none).
      const out = playDay(at('11:00', 30));
      const left = { ...caseOf(out, 'or2-1') };
      const cleared = applyFact(
        { ...left, alerts: raised.state!.alerts, track: { ...left.track!, rules: raised.state!.track!.rules! } },
        tickFact('or2-1', at('11:00', 30), { environment: temp(at('10:05')) }),
        { newCaseId: 'or2-1', receivedAt: at('11:00', 30) },
      );
      expect(cleared.state?.alerts.some((a) => a.kind === 'environment')).toBe(false);
      expect(cleared.events.map((e) => [e.kind, (e.change.alerts as { cleared?: string[] }).cleared])).toEqual([
        ['alert-cleared', expect.arrayContaining(['rule:env:or-2:temp:high'])],
      ]);
    });

    it('11:10 — the hip revision (OR 2, 12:30–16:30) and the add-on (OR 4, 13:00–14:00) both need the one C-arm', () => {
      // The EHR adds the C-arm (registry type `imaging`) to both at 11:05 (SIU^S14).
      const carm = [{ code: 'imaging', text: 'C-arm' }];
      const needs: ScheduleFact[] = ['or2-3', ADD_ON.caseId].map((caseId, i) => ({
        kind: 'schedule',
        action: 'modified',
        at: at('11:05'),
        source: { kind: 'hl7', id: `S14-${i}`, label: 'SIU^S14', sequence: 10_000 + i },
        identifiers: { fillerAppointmentId: fillerOf(caseId) },
        equipment: carm,
      }));
      const day = playDay(at('11:10'), [...DAY_FACTS, ...needs] as Fact[]);
      const c1: DeviceStatus = {
        id: 'carm-1',
        type: 'imaging',
        label: 'C-arm #1',
        roomId: 'or-3',
        state: 'online',
        since: at('06:00'),
      };
      const upcoming = (id: string) => {
        const c = caseOf(day, id);
        return {
          id,
          roomId: c.roomId,
          scheduledStart: c.scheduledStart,
          scheduledEnd: c.scheduledEnd,
          equipment: c.equipment!,
        };
      };
      const equipment = (other: string) => ({
        tracked: ['imaging', 'monitor'],
        devices: [c1],
        cases: [upcoming(other)],
      });
      const hip = ticks(day, 'or2-3', [tickFact('or2-3', at('11:10'), { equipment: equipment(ADD_ON.caseId) })]);
      const addOn = ticks(day, ADD_ON.caseId, [
        tickFact(ADD_ON.caseId, at('11:10'), { equipment: equipment('or2-3') }),
      ]);
      // At 13:00 both windows are open: demand 2 > 1 C-arm fit for use, on each case (low).
      const conflict = {
        id: 'rule:equipment-conflict:imaging',
        kind: 'equipment-conflict',
        priority: 'low',
        message: 'C-arm: 2 overlapping cases need one, 1 fit for use',
        raisedAt: at('11:10'),
      };
      expect(hip.state.alerts).toEqual([conflict]);
      expect(addOn.state.alerts).toEqual([conflict]);
      expect(hip.log.map((e) => e.kind)).toEqual(['alert-raised']);
      // A second C-arm back from service: the next tick clears both.
      const c2: DeviceStatus = { ...c1, id: 'carm-2', label: 'C-arm #2', roomId: 'or-1' };
      const solved = applyFact(
        hip.state,
        tickFact('or2-3', at('11:15'), { equipment: { ...equipment(ADD_ON.caseId), devices: [c1, c2] } }),
        { newCaseId: 'or2-3', receivedAt: at('11:15') },
      );
      expect(solved.state?.alerts).toEqual([]);
      expect(solved.events.map((e) => e.kind)).toEqual(['alert-cleared']);
      // The bookings of the rest of the day need nothing: no other case is touched.
      expect(BOOKINGS.length).toBe(11);
    });
  });

  describe('10:30 — OR 2 knee still running; its day now ends past closing', () => {
    const now = at('10:30');
    const day = playDay(now);

    it('predictions: the overrun of or2-1 pushes the rest of OR 2 by 70 min; OR 3 without its cancelled case', () => {
      expect(rows(predictAt(day, now))).toEqual<Row[]>([
        ['or1-1', at('07:50'), at('09:20'), 'actual', 'outOfRoom', 20, false],
        // In 09:45 (15 min after 09:30) + 90 = 11:15.
        ['or1-2', at('09:45'), at('11:15'), SPM, 'inRoom', 15, false],
        // 11:15 + 30 = 11:45; + 95 = 13:20.
        ['or1-3', at('11:45'), at('13:20'), 'procedure-median', 'previousCase', 15, false],
        // 07:30 + 120 = 09:30 has passed: 10:30 + 10 min allowance = 10:40.
        ['or2-1', at('07:30'), at('10:40'), SPM, 'now', 0, false],
        // 10:40 + 30 = 11:10, 70 min after its 10:00 (> 30: late); + 120 = 13:10.
        ['or2-2', at('11:10'), at('13:10'), SPM, 'previousCase', 70, true],
        // 13:10 + 30 = 13:40, 70 min after 12:30; + 240 = 17:40.
        ['or2-3', at('13:40'), at('17:40'), 'schedule', 'previousCase', 70, true],
        ['or3-1', at('07:32'), at('08:40'), 'actual', 'outOfRoom', 2, false],
        // or3-2 was cancelled at 09:45: it occupies nothing.
        ['or3-3', at('13:00'), at('14:00'), SPM, 'scheduledStart', 0, false],
        ['or4-1', at('07:25'), at('08:35'), 'actual', 'outOfRoom', -5, false],
        ['or4-2', at('09:00'), at('10:05'), 'actual', 'outOfRoom', 0, false],
      ]);
      const predictions = predictAt(day, now);
      expect(predictionOf(predictions, 'or2-1').basis).toMatchObject({
        method: SPM,
        expectedMinutes: 120,
        medianMinutes: 120,
        count: 3,
        anchor: 'now',
        anchorAt: at('10:30'),
      });
      // The explanation the event log is to carry (docs/predictions.md §3, same wording).
      expect(predictionOf(predictions, 'or2-2').basis.explanation).toBe(
        `surgeon+procedure median 120 min over 3 cases; starts 30 min turnover after case or2-1 ends at ${at('10:40')}`,
      );
    });

    it('the desk is told OR 2 will run 40 min past 17:00 (medium)', () => {
      // or2-3 ends 17:40: 40 min after 17:00, more than 30 and less than 120.
      expect(roomOverruns(predictAt(day, now), ROOM_DAYS)).toEqual([
        {
          roomId: 'or-2',
          overrunMinutes: 40,
          lastCaseId: 'or2-3',
          priority: 'medium',
          closesAt: at('17:00'),
          predictedEnd: at('17:40'),
        },
      ]);
    });

    it('alerts: the Time Out was recorded (late) and the SpO2 came back: nothing left on any case', () => {
      expect(alertsOf(day)).toEqual({});
      expect(caseOf(day, 'or4-1').checklist).toEqual({ timeOut: { at: at('08:10'), by: 'Nina Nurse' } });
      expect(caseOf(day, 'or3-2').status).toBe('cancelled');
    });

    it('KPIs: turnovers so far, utilisation of 210 staffed minutes, the cancellation counted', () => {
      const kpis = kpisAt(day, now);
      expect(roomKpis(kpis, 'or-1').turnovers).toEqual({
        count: 1,
        meanMinutes: 25,
        medianMinutes: 25,
        excludedCount: 0,
        // or1-1 out 09:20 → or1-2 in 09:45.
        turnovers: [
          { fromCaseId: 'or1-1', toCaseId: 'or1-2', outOfRoom: at('09:20'), inRoom: at('09:45'), minutes: 25 },
        ],
        excluded: [],
      });
      expect(roomKpis(kpis, 'or-2').durations.cases[0]).toEqual({
        caseId: 'or2-1',
        scheduledStart: at('07:30'),
        scheduledEnd: at('09:30'),
        scheduledMinutes: 120,
        inRoom: at('07:30'),
        outOfRoom: null,
        phase: 'in-room',
        actualMinutes: 180, // 07:30 → 10:30 so far
        differenceMinutes: null,
      });
      expect(roomKpis(kpis, 'or-3').cases).toEqual({ total: 3, counted: 2, cancelled: 1, noShow: 0 });
      // Staffed so far 07:00–10:30 = 210 min.
      expect(kpis.rooms.map((r) => [r.roomId, r.utilisation.inRoomMinutes, r.utilisation.fraction])).toEqual([
        ['or-1', 135, 0.6429], // 07:50–09:20 (90) + 09:45–10:30 (45) = 135; 135 / 210 = 0.642857…
        ['or-2', 180, 0.8571], // 07:30–10:30 = 180; 180 / 210 = 0.857142…
        ['or-3', 68, 0.3238], // 07:32–08:40 = 68; 68 / 210 = 0.323809…
        ['or-4', 135, 0.6429], // 07:25–08:35 (70) + 09:00–10:05 (65) = 135
      ]);
      expect(kpis.facility).toMatchObject({
        cases: { total: 11, counted: 10, cancelled: 1, noShow: 0 },
        // OR 1's 25 and OR 4's 25 (08:35 → 09:00).
        turnovers: { count: 2, meanMinutes: 25, medianMinutes: 25, excludedCount: 0 },
        // 135 + 180 + 68 + 135 = 518 over 4 × 210 = 840: 0.616666…
        utilisation: {
          inRoomMinutes: 518,
          staffedMinutes: 840,
          staffedMinutesDay: 2400,
          outsideHoursMinutes: 0,
          fraction: 0.6167,
        },
        // Out so far: or1-1 90/90, or3-1 68/60, or4-1 70/60, or4-2 65/60.
        durations: { cases: 4, scheduledMinutes: 270, actualMinutes: 293, differenceMinutes: 23 },
      });
    });
  });

  describe('11:00 — an add-on booked for 13:00 in OR 4', () => {
    const now = at('11:00');
    const day = playDay(now);
    const addOn = caseOf(day, 'or4-add');

    it('the add-on is a new case of the day, created by its booking', () => {
      expect(addOn).toMatchObject({
        status: 'scheduled',
        roomId: 'or-4',
        scheduledStart: at('13:00'),
        scheduledEnd: at('14:00'),
        version: 1,
      });
      expect(logOf(day, 'or4-add').map((e) => [e.kind, e.at])).toEqual([['case-created', at('11:00')]]);
    });

    it('the patient ready now: OR 3, freed by the cancellation, can take it at once; OR 1 after its day', () => {
      // Chase's appendectomy: 60 min; it needs 60 + 30 turnover before the next case of a room.
      // OR 3: or3-1 ended 08:40 (+ 30 = 09:10 < 11:00); 11:00 + 60 + 30 = 12:30 ≤ or3-3 at 13:00: 11:00–12:00.
      // OR 1: or1-2 to 11:15 and or1-3 11:45–13:20 (predicted): no 90 min gap before 13:20 + 30 = 13:50.
      // OR 2: or2-2 11:30–13:30, or2-3 14:00–18:00: only after 18:30, past closing.
      expect(
        suggestRooms(addOn, [...day.cases.values()], ROOM_DAYS, { now, history: HISTORY, notBefore: now }),
      ).toEqual([
        { roomId: 'or-3', start: at('11:00'), end: at('12:00'), expectedMinutes: 60, closesAt: at('17:00') },
        { roomId: 'or-1', start: at('13:50'), end: at('14:50'), expectedMinutes: 60, closesAt: at('17:00') },
      ]);
      // Not before its own 13:00: OR 1 at 13:50; OR 3 only after or3-3 (14:00 + 30 = 14:30).
      expect(suggestRooms(addOn, [...day.cases.values()], ROOM_DAYS, { now, history: HISTORY })).toEqual([
        { roomId: 'or-1', start: at('13:50'), end: at('14:50'), expectedMinutes: 60, closesAt: at('17:00') },
        { roomId: 'or-3', start: at('14:30'), end: at('15:30'), expectedMinutes: 60, closesAt: at('17:00') },
      ]);
    });

    it('moving it to OR 3 11:00–12:00 meets no conflict (the cancelled 10:30 case holds nothing)', () => {
      const cases = [...day.cases.values()];
      expect(
        scheduleConflicts(addOn, { roomId: 'or-3', scheduledStart: at('11:00'), scheduledEnd: at('12:00') }, cases),
      ).toEqual([]);
      // 12:30–13:30 would overlap or3-3 (13:00–14:00) from 13:00 to 13:30.
      expect(
        scheduleConflicts(addOn, { roomId: 'or-3', scheduledStart: at('12:30'), scheduledEnd: at('13:30') }, cases),
      ).toEqual([
        {
          kind: 'overlap',
          caseId: 'or3-3',
          from: at('13:00'),
          to: at('13:30'),
          message: `overlaps case or3-3 from ${at('13:00')} to ${at('13:30')}`,
        },
      ]);
    });
  });

  describe('13:00 — afternoon: the add-on waits for its slot, OR 2 now 60 min over', () => {
    const now = at('13:00');
    const day = playDay(now);

    it('predictions', () => {
      expect(rows(predictAt(day, now))).toEqual<Row[]>([
        ['or1-1', at('07:50'), at('09:20'), 'actual', 'outOfRoom', 20, false],
        ['or1-2', at('09:45'), at('11:20'), 'actual', 'outOfRoom', 15, false],
        // In 11:55 (25 min after 11:30) + 95 = 13:30.
        ['or1-3', at('11:55'), at('13:30'), 'procedure-median', 'inRoom', 25, false],
        ['or2-1', at('07:30'), at('11:00'), 'actual', 'outOfRoom', 0, false],
        // In 11:30: 90 min after its 10:00 (the actual in room decides); + 120 = 13:30.
        ['or2-2', at('11:30'), at('13:30'), SPM, 'inRoom', 90, true],
        // 13:30 + 30 = 14:00, 90 min after 12:30; + 240 = 18:00.
        ['or2-3', at('14:00'), at('18:00'), 'schedule', 'previousCase', 90, true],
        ['or3-1', at('07:32'), at('08:40'), 'actual', 'outOfRoom', 2, false],
        // Due at 13:00 and now is 13:00: not later than its start, so it keeps its scheduled start.
        ['or3-3', at('13:00'), at('14:00'), SPM, 'scheduledStart', 0, false],
        ['or4-1', at('07:25'), at('08:35'), 'actual', 'outOfRoom', -5, false],
        ['or4-2', at('09:00'), at('10:05'), 'actual', 'outOfRoom', 0, false],
        // 10:05 + 30 = 10:35, before its 13:00; Chase's 60.
        ['or4-add', at('13:00'), at('14:00'), SPM, 'scheduledStart', 0, false],
      ]);
    });

    it('OR 2 overrun grows to 60 min (18:00 − 17:00), still medium (< 120)', () => {
      expect(roomOverruns(predictAt(day, now), ROOM_DAYS)).toEqual([
        {
          roomId: 'or-2',
          overrunMinutes: 60,
          lastCaseId: 'or2-3',
          priority: 'medium',
          closesAt: at('17:00'),
          predictedEnd: at('18:00'),
        },
      ]);
    });
  });

  describe('17:30 — the end of the day, OR 2 still closing', () => {
    const now = at('17:30');
    const day = playDay(now);

    it('predictions: all out but or2-3, whose procedure ended at 17:20', () => {
      expect(rows(predictAt(day, now))).toEqual<Row[]>([
        ['or1-1', at('07:50'), at('09:20'), 'actual', 'outOfRoom', 20, false],
        ['or1-2', at('09:45'), at('11:20'), 'actual', 'outOfRoom', 15, false],
        ['or1-3', at('11:55'), at('13:35'), 'actual', 'outOfRoom', 25, false],
        ['or2-1', at('07:30'), at('11:00'), 'actual', 'outOfRoom', 0, false],
        ['or2-2', at('11:30'), at('13:40'), 'actual', 'outOfRoom', 90, true],
        // Procedure end 17:20 + 15 closing = 17:35 (the method still names the expectation it had);
        // in 14:10 = 100 min after 12:30.
        ['or2-3', at('14:10'), at('17:35'), 'schedule', 'procedureEnd', 100, true],
        ['or3-1', at('07:32'), at('08:40'), 'actual', 'outOfRoom', 2, false],
        ['or3-3', at('13:02'), at('14:05'), 'actual', 'outOfRoom', 2, false],
        ['or4-1', at('07:25'), at('08:35'), 'actual', 'outOfRoom', -5, false],
        ['or4-2', at('09:00'), at('10:05'), 'actual', 'outOfRoom', 0, false],
        ['or4-add', at('13:10'), at('14:15'), 'actual', 'outOfRoom', 10, false],
      ]);
    });

    it('OR 2 overrun: 35 min (17:35 − 17:00)', () => {
      expect(roomOverruns(predictAt(day, now), ROOM_DAYS)).toEqual([
        {
          roomId: 'or-2',
          overrunMinutes: 35,
          lastCaseId: 'or2-3',
          priority: 'medium',
          closesAt: at('17:00'),
          predictedEnd: at('17:35'),
        },
      ]);
    });

    it('KPIs of OR 1, in full: late first case, two turnovers, 285 of 600 staffed minutes', () => {
      expect(roomKpis(kpisAt(day, now), 'or-1')).toEqual({
        roomId: 'or-1',
        roomName: 'OR 1',
        cases: { total: 3, counted: 3, cancelled: 0, noShow: 0 },
        firstCase: {
          caseId: 'or1-1',
          scheduledStart: at('07:30'),
          actualStart: at('07:50'),
          status: 'started',
          onTime: false,
          minutesLate: 20, // 07:50 − 07:30
        },
        turnovers: {
          count: 2,
          meanMinutes: 30, // (25 + 35) / 2
          medianMinutes: 30,
          excludedCount: 0,
          turnovers: [
            { fromCaseId: 'or1-1', toCaseId: 'or1-2', outOfRoom: at('09:20'), inRoom: at('09:45'), minutes: 25 },
            { fromCaseId: 'or1-2', toCaseId: 'or1-3', outOfRoom: at('11:20'), inRoom: at('11:55'), minutes: 35 },
          ],
          excluded: [],
        },
        utilisation: {
          staffedHours: [{ open: at('07:00'), close: at('17:00') }],
          inRoomMinutes: 285, // 90 + 95 + 100
          staffedMinutes: 600, // 07:00–17:00, all of it passed by 17:30
          staffedMinutesDay: 600,
          outsideHoursMinutes: 0,
          fraction: 0.475, // 285 / 600
        },
        durations: {
          cases: [
            {
              caseId: 'or1-1',
              scheduledStart: at('07:30'),
              scheduledEnd: at('09:00'),
              scheduledMinutes: 90,
              inRoom: at('07:50'),
              outOfRoom: at('09:20'),
              phase: 'out',
              actualMinutes: 90,
              differenceMinutes: 0,
            },
            {
              caseId: 'or1-2',
              scheduledStart: at('09:30'),
              scheduledEnd: at('11:00'),
              scheduledMinutes: 90,
              inRoom: at('09:45'),
              outOfRoom: at('11:20'),
              phase: 'out',
              actualMinutes: 95,
              differenceMinutes: 5,
            },
            {
              caseId: 'or1-3',
              scheduledStart: at('11:30'),
              scheduledEnd: at('13:00'),
              scheduledMinutes: 90,
              inRoom: at('11:55'),
              outOfRoom: at('13:35'),
              phase: 'out',
              actualMinutes: 100,
              differenceMinutes: 10,
            },
          ],
          totals: { cases: 3, scheduledMinutes: 270, actualMinutes: 285, differenceMinutes: 15 },
        },
      });
    });

    it('KPIs of OR 2, 3 and 4: overtime, an idle gap after the cancellation, the add-on', () => {
      const kpis = kpisAt(day, now);
      expect(roomKpis(kpis, 'or-2')).toMatchObject({
        turnovers: {
          count: 2,
          meanMinutes: 30,
          medianMinutes: 30,
          excludedCount: 0,
          turnovers: [
            { fromCaseId: 'or2-1', toCaseId: 'or2-2', outOfRoom: at('11:00'), inRoom: at('11:30'), minutes: 30 },
            { fromCaseId: 'or2-2', toCaseId: 'or2-3', outOfRoom: at('13:40'), inRoom: at('14:10'), minutes: 30 },
          ],
        },
        utilisation: {
          inRoomMinutes: 510, // 07:30–11:00 (210) + 11:30–13:40 (130) + 14:10–17:00 (170)
          staffedMinutes: 600,
          outsideHoursMinutes: 30, // or2-3 still in, 17:00–17:30
          fraction: 0.85, // 510 / 600
        },
        durations: {
          // or2-1 210 vs 120 (+90), or2-2 130 vs 120 (+10); or2-3 is not out, so not in the totals.
          totals: { cases: 2, scheduledMinutes: 240, actualMinutes: 340, differenceMinutes: 100 },
        },
      });
      expect(roomKpis(kpis, 'or-2').durations.cases[2]).toMatchObject({
        caseId: 'or2-3',
        scheduledMinutes: 240,
        phase: 'in-room',
        actualMinutes: 200, // 14:10 → 17:30
        differenceMinutes: null,
      });
      expect(roomKpis(kpis, 'or-3')).toMatchObject({
        cases: { total: 3, counted: 2, cancelled: 1, noShow: 0 },
        firstCase: { caseId: 'or3-1', onTime: true, minutesLate: 2 },
        // 08:40 → 13:02 = 262 min > 120: idle time around the cancelled slot, not a turnover.
        turnovers: {
          count: 0,
          meanMinutes: null,
          medianMinutes: null,
          excludedCount: 1,
          turnovers: [],
          excluded: [
            {
              fromCaseId: 'or3-1',
              toCaseId: 'or3-3',
              outOfRoom: at('08:40'),
              inRoom: at('13:02'),
              minutes: 262,
              reason: 'over-max',
            },
          ],
        },
        utilisation: { inRoomMinutes: 131, fraction: 0.2183 }, // 68 + 63 = 131; 131 / 600 = 0.21833…
        durations: { totals: { cases: 2, scheduledMinutes: 120, actualMinutes: 131, differenceMinutes: 11 } },
      });
      expect(roomKpis(kpis, 'or-3').durations.cases.map((c) => c.caseId)).toEqual(['or3-1', 'or3-3']);
      expect(roomKpis(kpis, 'or-4')).toMatchObject({
        cases: { total: 3, counted: 3, cancelled: 0, noShow: 0 },
        turnovers: {
          count: 1,
          meanMinutes: 25,
          medianMinutes: 25,
          excludedCount: 1,
          turnovers: [
            { fromCaseId: 'or4-1', toCaseId: 'or4-2', outOfRoom: at('08:35'), inRoom: at('09:00'), minutes: 25 },
          ],
          // 10:05 → 13:10 = 185 min > 120.
          excluded: [
            {
              fromCaseId: 'or4-2',
              toCaseId: 'or4-add',
              outOfRoom: at('10:05'),
              inRoom: at('13:10'),
              minutes: 185,
              reason: 'over-max',
            },
          ],
        },
        utilisation: { inRoomMinutes: 200, fraction: 0.3333 }, // 70 + 65 + 65 = 200; 200 / 600
        durations: { totals: { cases: 3, scheduledMinutes: 180, actualMinutes: 200, differenceMinutes: 20 } },
      });
    });

    it('KPIs of the facility', () => {
      expect(kpisAt(day, now).facility).toEqual({
        cases: { total: 12, counted: 11, cancelled: 1, noShow: 0 },
        firstCase: { rooms: 4, onTime: 3, late: 1, pending: 0, onTimeFraction: 0.75 },
        // 25, 35 (OR 1), 30, 30 (OR 2), 25 (OR 4): mean 145 / 5 = 29; sorted 25 25 30 30 35: median 30.
        turnovers: { count: 5, meanMinutes: 29, medianMinutes: 30, excludedCount: 2 },
        utilisation: {
          inRoomMinutes: 1126, // 285 + 510 + 131 + 200
          staffedMinutes: 2400,
          staffedMinutesDay: 2400,
          outsideHoursMinutes: 30,
          fraction: 0.4692, // 1126 / 2400 = 0.469166…
        },
        // Scheduled 270 + 240 + 120 + 180 = 810; actual 285 + 340 + 131 + 200 = 956.
        durations: { cases: 10, scheduledMinutes: 810, actualMinutes: 956, differenceMinutes: 146 },
      });
    });
  });

  describe('the event log', () => {
    const end = playDay(at('23:59'));

    it('the whole day raises no integration warning', () => {
      expect(end.warnings).toEqual([]);
    });

    it.each([at('08:00'), at('09:41', 1), at('10:30'), at('11:00'), at('13:00'), at('17:30'), at('23:59')])(
      'at %s every case rebuilds from its log (replayEvents = caseRecordOf), one event per version',
      (now) => {
        const day = playDay(now);
        for (const c of day.cases.values()) {
          const log = logOf(day, c.id);
          expect(log.map((e) => e.version)).toEqual(Array.from({ length: c.version }, (_, i) => i + 1));
          expect(replayEvents(log)).toEqual(caseRecordOf(c));
        }
      },
    );

    it('the late case: schedule, ADT in, the nurse’s checklist and milestones, ADT out', () => {
      const log = logOf(end, 'or1-1');
      // The 07:05 transfer to pre-op holding (no room of ours) changed nothing a client sees: no event.
      expect(log.map((e) => [e.version, e.kind, e.at, e.source.kind])).toEqual([
        [1, 'case-created', '2026-11-20T10:00:00.000Z', 'hl7'],
        [2, 'milestone-recorded', at('07:50'), 'hl7'],
        [3, 'checklist-recorded', at('07:55'), 'manual'],
        [4, 'milestone-recorded', at('08:00'), 'manual'],
        [5, 'checklist-recorded', at('08:15'), 'manual'],
        [6, 'milestone-recorded', at('08:20'), 'manual'],
        [7, 'milestone-recorded', at('09:05'), 'manual'],
        [8, 'milestone-recorded', at('09:20'), 'hl7'],
      ]);
      const milestones = log.flatMap((e) => (e.change.milestones as MilestoneChange[] | undefined) ?? []);
      expect(milestones.map((m) => [m.milestone, m.from, m.value, m.via, m.confidence])).toEqual([
        ['inRoom', null, at('07:50'), 'adt', 'reported'],
        ['induction', null, at('08:00'), 'manual', undefined],
        ['procedureStart', null, at('08:20'), 'manual', undefined],
        ['procedureEnd', null, at('09:05'), 'manual', undefined],
        // A02 to PACU with OR 1 as the prior location: reported, not inferred.
        ['outOfRoom', null, at('09:20'), 'adt', 'reported'],
      ]);
      expect(milestones[0]?.source?.label).toMatch(/^ADT\^A02 /);
      expect(log.map((e) => e.change.status)).toEqual([
        'scheduled', // case-created carries the values themselves
        { from: 'scheduled', to: 'in-room' },
        undefined,
        undefined,
        undefined,
        { from: 'in-room', to: 'in-procedure' },
        undefined,
        { from: 'in-procedure', to: 'recovery' },
      ]);
      // Sign In before induction, Time Out before incision: no checklist alert at any point.
      expect(log.filter((e) => e.change.alerts !== undefined)).toEqual([]);
      expect(caseOf(end, 'or1-1').checklist).toEqual({
        signIn: { at: at('07:55'), by: 'Nina Nurse' },
        timeOut: { at: at('08:15'), by: 'Nina Nurse' },
      });
    });

    it('the SpO2 case: raised by the second low reading, acknowledged, cleared by the recovery', () => {
      const log = logOf(end, 'or3-1');
      expect(log.map((e) => [e.kind, e.at])).toEqual([
        ['case-created', '2026-11-20T10:06:00.000Z'],
        ['milestone-recorded', at('07:32')],
        ['observations-recorded', at('07:45')],
        ['observations-recorded', at('07:50')], // 89 %: the run starts, nothing raised yet
        ['alert-raised', at('07:50', 20)],
        ['alert-acknowledged', at('07:52')],
        // 97 % ≥ 90 + 1: cleared at once. The reading that clears an alert is named for the clear, as the
        // one that raised it is for the raise (docs/alert-rules.md, the event log).
        ['alert-cleared', at('08:05')],
        ['milestone-recorded', at('08:40')],
      ]);
      const alert = {
        id: 'rule:vital:spo2:low',
        kind: 'vital-limit',
        priority: 'medium',
        message: 'SpO2 low: 88 % < 90 %',
        raisedAt: at('07:50', 20),
      };
      expect(log.map((e) => e.change.alerts).filter((a) => a !== undefined)).toEqual([
        { raised: [alert] },
        { updated: [{ ...alert, acknowledgedAt: at('07:52') }] },
        { cleared: ['rule:vital:spo2:low'] },
      ]);
    });

    it('the case without a Time Out: the alert is raised with the incision and cleared by the late record', () => {
      const log = logOf(end, 'or4-1');
      expect(log.map((e) => [e.kind, e.at, e.change.alerts])).toEqual([
        ['case-created', '2026-11-20T10:09:00.000Z', undefined],
        ['milestone-recorded', at('07:25'), undefined],
        [
          'milestone-recorded',
          at('07:50'),
          {
            raised: [
              {
                id: 'checklist:timeOut',
                kind: 'checklist',
                priority: 'high',
                message: 'Time Out not recorded before incision',
                raisedAt: at('07:50'),
              },
            ],
          },
        ],
        ['checklist-recorded', at('08:10'), { cleared: ['checklist:timeOut'] }],
        ['milestone-recorded', at('08:35'), undefined],
      ]);
    });

    it('the cancellation: one status change, from the SIU^S15', () => {
      expect(logOf(end, 'or3-2').map((e) => [e.kind, e.at, e.source.label, e.change.status])).toEqual([
        ['case-created', '2026-11-20T10:07:00.000Z', expect.stringMatching(/^SIU\^S12 /), 'scheduled'],
        ['status-changed', at('09:45'), expect.stringMatching(/^SIU\^S15 /), { from: 'scheduled', to: 'cancelled' }],
      ]);
    });
  });
});
