import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  applyFact,
  durationHistoryOf,
  localDate,
  localDayBounds,
  localInstant,
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
import { PIPELINE_SETTINGS, type PipelineSettings } from './pipeline.tokens';

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
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const item of due) {
      try {
        await this.refresh(item.roomId, item.date);
      } catch (err) {
        // A concurrent writer won the case rows: the next batch or tick predicts again.
        this.logger.warn(`predictions for ${item.roomId} on ${item.date} not written: ${(err as Error).message}`);
      }
    }
  }

  /** Predicts one room's day and writes what changed, in one transaction. */
  async refresh(roomId: string, date: string): Promise<void> {
    const zone = this.settings.facilityTz;
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const history = await this.durationHistory(now);
    const { start, end } = localDayBounds(date, zone);
    const hours = this.pipeline.orHours ?? DEFAULT_HOURS;
    const closesAt = localInstant(date, hours.close, zone);
    const changed: { before: CaseState; state: CaseState; events: CaseEvent[] }[] = [];
    await this.cases.transaction(async (manager) => {
      const day = await this.cases.loadInRooms(manager, [roomId], start, end);
      if (!day.length) return;
      const predictions = predictCases(day, { now: nowIso, history });
      const overruns = roomOverruns(predictions, [{ roomId, closesAt }]);
      for (const p of predictions) {
        const before = day.find((c) => c.id === p.caseId);
        if (!before) continue;
        const overrun = overruns.find((o) => o.lastCaseId === p.caseId);
        if (sameAsShown(before, p, overrun)) continue;
        const result = applyFact(before, predictionFact(p, overrun, nowIso, date), {
          newCaseId: before.id,
          receivedAt: nowIso,
        });
        if (result.state && result.events.length) {
          changed.push({ before, state: result.state, events: result.events });
        }
      }
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

  private async durationHistory(now: Date): Promise<DurationHistory> {
    if (this.history && now.getTime() - this.history.at < HISTORY_TTL_MS) return this.history.value;
    const since = new Date(now.getTime() - HISTORY_DAYS * 24 * 3_600_000).toISOString();
    const value = durationHistoryOf(await this.cases.finishedSince(since));
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
