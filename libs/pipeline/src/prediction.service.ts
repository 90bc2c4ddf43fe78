import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  applyFact,
  durationHistoryOf,
  localDate,
  localDayBounds,
  localInstant,
  planInputsChanged,
  predictCases,
  roomOverruns,
  type CaseEvent,
  type CasePrediction,
  type CaseState,
  type Clock,
  type DurationHistory,
  type PredictionFact,
  type RoomOverrun,
} from '@circulator/domain';
import { CaseRepository } from '@circulator/persistence';
import {
  CLOCK,
  ChangeBus,
  REALTIME_SETTINGS,
  placementOf,
  alertChanges,
  topicsForChange,
  type RealtimeSettings,
} from '@circulator/realtime';
import type { EntityManager } from 'typeorm';
import type { CaseWorkingSet, WorkingCase } from './case.working-set';
import { PIPELINE_SETTINGS, type PipelineSettings } from './pipeline.tokens';

/** A case whose prediction changed: as it was, as it is, and the events that say why. */
interface DayChange {
  before: CaseState;
  state: CaseState;
  events: CaseEvent[];
}

/** How far back the duration history reaches. */
const HISTORY_DAYS = 180;
/** How long the history is reused before it is read again. */
const HISTORY_TTL_MS = 10 * 60_000;
/** Predictions closer than this to the shown ones are not written again (no event per second). */
const SAME_MS = 60_000;
/** How often the days in progress are predicted again (a running case pushes the rest). */
const TICK_MS = 60_000;

const DEFAULT_HOURS = { open: '07:00', close: '17:00' };

/**
 * Keeps every case's predicted start and end (planning/predict.ts) up to date: after each batch
 * that changed cases, the rooms' days they are in are predicted again; days in progress also once a
 * minute. A changed prediction is a `prediction` fact from the engine, with its basis, so the case's
 * event log says why a display shows 11:40. The room's last case carries a delay alert for the desk
 * when the room is predicted to run past `OR_HOURS` by more than 30 minutes.
 */
@Injectable()
export class PredictionService implements OnApplicationShutdown {
  private readonly logger = new Logger(PredictionService.name);
  private readonly pending = new Map<string, { roomId: string; date: string }>();
  private running: Promise<void> | undefined;
  private history: { at: number; value: DurationHistory } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly cases: CaseRepository,
    private readonly bus: ChangeBus,
    @Inject(REALTIME_SETTINGS) private readonly settings: RealtimeSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PIPELINE_SETTINGS) private readonly pipeline: PipelineSettings,
  ) {}

  /** Cases a batch changed (as they are now, and as they were): their rooms' days are due again. */
  touched(states: readonly (CaseState | undefined)[]): void {
    if (this.pipeline.predictions === false) return;
    for (const s of states) {
      if (!s?.roomId || !s.scheduledStart) continue;
      const date = localDate(s.scheduledStart, this.settings.facilityTz);
      this.pending.set(`${s.roomId}\u0000${date}`, { roomId: s.roomId, date });
    }
    this.kick();
    this.timer ??= setInterval(() => this.tick(), TICK_MS).unref();
  }

  /** Resolves when every room-day due so far has been predicted (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.settled();
  }

  private tick(): void {
    // Today's rooms again: a case running over pushes the rest of its room's day.
    const today = localDate(this.clock.now().toISOString(), this.settings.facilityTz);
    const { start, end } = localDayBounds(today, this.settings.facilityTz);
    void this.cases
      .listBetween(start, end)
      .then((states) => this.touched(states))
      .catch((err: unknown) => this.logger.warn(`prediction tick failed: ${(err as Error).message}`));
  }

  private kick(): void {
    if (this.running || this.closed || !this.pending.size) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    // One transaction per day for all its rooms due: a batch touches many rooms of one day.
    const byDate = new Map<string, string[]>();
    for (const { roomId, date } of this.pending.values()) byDate.set(date, [...(byDate.get(date) ?? []), roomId]);
    this.pending.clear();
    for (const [date, roomIds] of byDate) {
      try {
        await this.refresh(roomIds, date);
      } catch (err) {
        // A concurrent writer won the case rows: the next batch or tick predicts again.
        this.logger.warn(`predictions for ${roomIds.join(', ')} on ${date} not written: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Predicts, inside a batch's own transaction, the room-days of the cases the batch changed in a
   * way planning reads (new, moved, rescheduled, status, milestones), and records each changed
   * prediction in the batch's working set. So a booking is written and published once, with its
   * prediction, instead of once by the batch and again by a prediction transaction after it; and
   * no display ever sees the case without its prediction. The other cases of those room-days are
   * read (and locked) into the set. The minute tick still moves the days in progress. Predictions
   * off (`PREDICTIONS=off`): nothing.
   */
  async predictWithin(manager: EntityManager, set: CaseWorkingSet, changed: readonly WorkingCase[]): Promise<void> {
    if (this.pipeline.predictions === false) return;
    const zone = this.settings.facilityTz;
    const byDate = new Map<string, Set<string>>();
    for (const c of changed) {
      if (!planInputsChanged(c.loaded, c.state)) continue;
      for (const s of [c.state, c.loaded]) {
        if (!s?.roomId || !s.scheduledStart) continue;
        const date = localDate(s.scheduledStart, zone);
        byDate.set(date, (byDate.get(date) ?? new Set()).add(s.roomId));
      }
    }
    if (!byDate.size) return;
    const now = this.clock.now();
    // On the batch's connection: the embedded database has only one, which the batch holds.
    const history = await this.durationHistory(now, manager);
    for (const [date, rooms] of byDate) {
      const roomIds = [...rooms];
      const { start, end } = localDayBounds(date, zone);
      for (const state of await this.cases.loadInRooms(manager, roomIds, start, end)) set.addLoaded(state);
      const from = Date.parse(start);
      const to = Date.parse(end);
      const day = roomIds.flatMap((roomId) =>
        set.inRoom(roomId).filter((c) => {
          const at = c.scheduledStart ? Date.parse(c.scheduledStart) : NaN;
          return at >= from && at < to;
        }),
      );
      for (const { before, state, events } of this.predictDay(day, roomIds, date, now, history)) {
        set.record(before, state, events);
      }
    }
  }

  /** Predicts these rooms' day and writes what changed, in one transaction. */
  async refresh(roomIds: readonly string[], date: string): Promise<void> {
    const zone = this.settings.facilityTz;
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const history = await this.durationHistory(now);
    const { start, end } = localDayBounds(date, zone);
    let changed: DayChange[] = [];
    await this.cases.transaction(async (manager) => {
      const day = await this.cases.loadInRooms(manager, roomIds, start, end);
      changed = this.predictDay(day, roomIds, date, now, history);
      await this.cases.saveMany(
        manager,
        changed.map((c) => ({ state: c.state, events: c.events, expectedVersion: c.before.version, loaded: c.before })),
        now,
      );
    });
    const today = localDate(nowIso, zone);
    for (const c of changed) {
      const placement = placementOf(c.state, zone);
      const alerts = alertChanges(c.before.alerts, c.state.alerts);
      await this.bus.publish(c.state.id, c.state, topicsForChange(c.state.id, placement, placement, today, alerts));
    }
  }

  /** The cases of these rooms' day whose shown prediction (or overrun alert) changes, as changed. */
  private predictDay(
    day: readonly CaseState[],
    roomIds: readonly string[],
    date: string,
    now: Date,
    history: DurationHistory,
  ): DayChange[] {
    if (!day.length) return [];
    const zone = this.settings.facilityTz;
    const nowIso = now.toISOString();
    const closesAt = localInstant(date, (this.pipeline.orHours ?? DEFAULT_HOURS).close, zone);
    const byId = new Map(day.map((c) => [c.id, c]));
    const predictions = predictCases(day, { now: nowIso, history });
    const overruns = new Map(
      roomOverruns(
        predictions,
        roomIds.map((roomId) => ({ roomId, closesAt })),
      ).map((o) => [o.lastCaseId, o]),
    );
    const changed: DayChange[] = [];
    for (const p of predictions) {
      const before = byId.get(p.caseId);
      if (!before) continue;
      const overrun = overruns.get(p.caseId);
      if (sameAsShown(before, p, overrun)) continue;
      const result = applyFact(before, predictionFact(p, overrun, nowIso, date), {
        newCaseId: before.id,
        receivedAt: nowIso,
      });
      if (result.state && result.events.length) changed.push({ before, state: result.state, events: result.events });
    }
    return changed;
  }

  private async durationHistory(now: Date, manager?: EntityManager): Promise<DurationHistory> {
    if (this.history && now.getTime() - this.history.at < HISTORY_TTL_MS) return this.history.value;
    const since = new Date(now.getTime() - HISTORY_DAYS * 24 * 3_600_000).toISOString();
    const value = durationHistoryOf(await this.cases.finishedSince(since, undefined, manager));
    this.history = { at: now.getTime(), value };
    return value;
  }
}

function predictionFact(p: CasePrediction, overrun: RoomOverrun | undefined, at: string, date: string): PredictionFact {
  const basis: PredictionFact['basis'] = { method: p.basis.method, explanation: p.basis.explanation };
  if (p.basis.medianMinutes !== undefined) basis.medianMinutes = p.basis.medianMinutes;
  if (p.basis.count !== undefined) basis.count = p.basis.count;
  const fact: PredictionFact = {
    kind: 'prediction',
    at,
    source: { kind: 'engine', id: `prediction:${p.roomId}:${date}`, label: 'prediction' },
    target: { caseId: p.caseId },
    predictedStart: p.predictedStart,
    predictedEnd: p.predictedEnd,
    basis,
  };
  if (overrun)
    fact.overrun = { minutes: overrun.overrunMinutes, closesAt: overrun.closesAt, priority: overrun.priority };
  return fact;
}

/** Whether the case already shows this prediction (within a minute, same method, same overrun). */
function sameAsShown(c: CaseState, p: CasePrediction, overrun: RoomOverrun | undefined): boolean {
  const near = (a: string | undefined, b: string) =>
    a !== undefined && Math.abs(Date.parse(a) - Date.parse(b)) < SAME_MS;
  const shownOverrun = c.track?.overrun;
  const sameOverrun = overrun
    ? shownOverrun !== undefined &&
      Math.abs(shownOverrun.minutes - overrun.overrunMinutes) < 5 &&
      shownOverrun.priority === overrun.priority
    : shownOverrun === undefined;
  return (
    near(c.predictedStart, p.predictedStart) &&
    near(c.predictedEnd, p.predictedEnd) &&
    c.prediction?.method === p.basis.method &&
    sameOverrun
  );
}
