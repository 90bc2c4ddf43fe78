import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { CaseStatus } from '@circulator/contracts';
import {
  applyFact,
  casePhase,
  changesAlerts,
  conditionsWorthWriting,
  evaluateConditions,
  evaluateDeviceConditions,
  localDate,
  localDayBounds,
  type CaseEvent,
  type CaseState,
  type Clock,
  type ConditionsFact,
  type DeviceConditionsFact,
  type DeviceStatus,
  type EnvironmentReading,
  type Fact,
  type UpcomingCase,
} from '@circulator/domain';
import {
  DeviceRepository,
  CaseRepository,
  type DeviceRecord,
  type RoomEnvironmentRecord,
} from '@circulator/persistence';
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

/** How often the watchdog looks (a device's heartbeat is at least 5 s). */
const TICK_MS = 5_000;

/** A registry row as the rules see it. */
export function deviceStatusOf(d: DeviceRecord): DeviceStatus {
  const status: DeviceStatus = {
    id: d.id,
    type: d.type,
    state: d.connectivity === 'online' || d.connectivity === 'error' ? d.connectivity : 'offline',
    since: d.connectivitySince ?? d.createdAt,
    usesSinceService: d.usesSinceService,
  };
  if (d.label) status.label = d.label;
  if (d.roomId) status.roomId = d.roomId;
  if (d.lifecycle === 'maintenance') status.maintenanceDue = true;
  if (d.serviceIntervalUses !== null) status.serviceIntervalUses = d.serviceIntervalUses;
  if (d.lastServiceAt && d.serviceIntervalDays !== null) {
    status.nextServiceDue = new Date(Date.parse(d.lastServiceAt) + d.serviceIntervalDays * 86_400_000).toISOString();
  }
  return status;
}

/** Statuses in which a case is live for the tick's rules (its equipment is still needed). */
const LIVE: ReadonlySet<CaseStatus> = new Set(['scheduled', 'pre-op', 'in-room', 'in-procedure']);

/** Alert kinds the conditions rules own: a case showing one is looked at until it clears. */
const CONDITION_KINDS: ReadonlySet<string> = new Set([
  'stale-data',
  'environment',
  'maintenance-due',
  'equipment-conflict',
]);
/** The equipment rules' kinds (`evaluateEquipment`): the tick owns both. */
const EQUIPMENT_KINDS: ReadonlySet<string> = new Set(['maintenance-due', 'equipment-conflict']);

/**
 * The device watchdog and rule tick (worker role): every few seconds,
 *
 * 1. a device silent for longer than its heartbeat goes offline (with an event in its history);
 * 2. the device-offline rule is evaluated for every case in a room today, and where its alerts
 *    change (a device in the room went offline during the case, its backup changed, it came back,
 *    the case left), a `device-conditions` fact with the registry's view is applied to the case, so
 *    the alert names the backup and the case's log says why;
 * 3. (`RULE_TICK=on`) the tick's rules — stale data, room environment, maintenance due on needed
 *    equipment, equipment conflicts — are
 *    evaluated for today's live cases (and those still showing such an alert), and where their
 *    alerts change a `conditions` fact with what the tick saw (the room's newest environment
 *    reading, the registry's devices of the needed types, the overlapping cases) is applied.
 *
 * Each case's phase and rules are worked out once per tick; only changed cases are written, in one
 * transaction, and their alert changes are published on the `alerts` topic.
 */
@Injectable()
export class DeviceWatchdog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeviceWatchdog.name);
  private timer?: NodeJS.Timeout;
  /** The tick in progress: ticks never overlap (the timer's and a caller's). */
  private running: Promise<unknown> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly devices: DeviceRepository,
    private readonly cases: CaseRepository,
    private readonly bus: ChangeBus,
    @Inject(REALTIME_SETTINGS) private readonly settings: RealtimeSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(PIPELINE_SETTINGS) private readonly pipeline?: PipelineSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.tick().catch((err: unknown) => this.logger.warn(`device watchdog tick failed: ${(err as Error).message}`));
    }, TICK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running.catch(() => undefined);
  }

  /** One look: silent devices offline, then device alerts on today's cases (after any tick in progress). */
  tick(): Promise<{ offline: string[]; changedCases: string[] }> {
    const next = this.running.catch(() => undefined).then(() => this.look());
    this.running = next;
    return next;
  }

  private async look(): Promise<{ offline: string[]; changedCases: string[] }> {
    this.busy = true;
    try {
      return await this.lookNow();
    } finally {
      this.busy = false;
    }
  }

  private async lookNow(): Promise<{ offline: string[]; changedCases: string[] }> {
    const now = this.clock.now();
    const offline = await this.markSilent(now);
    const changedCases = await this.evaluateCases(now);
    return { offline, changedCases };
  }

  private async markSilent(now: Date): Promise<string[]> {
    const silent = await this.devices.markSilentOffline(now);
    if (silent.length) {
      await this.devices.addEvents(
        silent.map((d) => ({
          deviceId: d.id,
          at: now,
          kind: 'connectivity',
          priority: 'medium',
          message: `offline: silent since ${d.lastSeenAt} (heartbeat ${d.heartbeatSeconds} s)`,
        })),
      );
      this.logger.warn(`devices offline (silent): ${silent.map((d) => d.id).join(', ')}`);
    }
    return silent.map((d) => d.id);
  }

  private async evaluateCases(now: Date): Promise<string[]> {
    const zone = this.settings.facilityTz;
    const nowIso = now.toISOString();
    const today = localDate(nowIso, zone);
    const { start, end } = localDayBounds(today, zone);
    const everyDevice = (await this.devices.list()).filter((d) => d.lifecycle !== 'retired');
    // A device never heard from is neither failed (it may not be plugged in yet) nor a backup.
    const statuses = everyDevice.filter((d) => d.connectivity !== 'unknown').map(deviceStatusOf);
    const todays = await this.cases.listBetween(start, end);
    const activeCaseIds = todays.filter((c) => casePhase(c.milestones, nowIso) !== 'none').map((c) => c.id);
    const active = new Set(activeCaseIds);

    /** Per case, the facts worth writing this tick (in the order they are applied). */
    const due = new Map<string, Omit<Fact, 'source'>[]>();
    const add = (id: string, fact: Omit<Fact, 'source'>): void => {
      const list = due.get(id) ?? [];
      list.push(fact);
      due.set(id, list);
    };
    // In the room now, or still showing a device alert to clear.
    for (const c of todays) {
      if (!active.has(c.id) && !c.alerts.some((a) => a.kind === 'device-offline')) continue;
      const fact = this.factFor(c, statuses, activeCaseIds, nowIso);
      if (changesAlerts(evaluateDeviceConditions(c, c.track?.rules, fact, this.pipeline?.policy))) add(c.id, fact);
    }
    if (this.pipeline?.ruleTick) {
      const conditions = await this.conditionsFor(todays, everyDevice, nowIso);
      for (const c of todays) {
        const fact = conditions.get(c.id);
        if (!fact) continue;
        const outcome = evaluateConditions(c, c.track?.rules, fact, this.pipeline.policy);
        if (conditionsWorthWriting(c.track?.rules, outcome)) add(c.id, fact);
      }
    }
    if (!due.size) return [];

    const changed: { before: CaseState; state: CaseState; events: CaseEvent[] }[] = [];
    await this.cases.transaction(async (manager) => {
      const rooms = [...new Set(todays.filter((c) => due.has(c.id)).map((c) => c.roomId))];
      const locked = (await this.cases.loadInRooms(manager, rooms, start, end)).filter((c) => due.has(c.id));
      for (const before of locked) {
        let state = before;
        const events: CaseEvent[] = [];
        for (const draft of due.get(before.id)!) {
          // The locked case may have moved on since the look: its own fact is made again from it.
          const fact = this.refresh(draft, state, statuses, activeCaseIds, nowIso);
          const result = applyFact(state, fact, {
            newCaseId: state.id,
            receivedAt: nowIso,
            ...(this.pipeline?.policy ? { policy: this.pipeline.policy } : {}),
          });
          if (result.state) state = result.state;
          events.push(...result.events);
        }
        // A conditions fact may change only the rules' state (an excursion started): saved, not published.
        if (state !== before) changed.push({ before, state, events });
      }
      await this.cases.saveMany(
        manager,
        changed.map((c) => ({ state: c.state, events: c.events, expectedVersion: c.before.version, loaded: c.before })),
        now,
      );
    });
    for (const c of changed) {
      if (!c.events.length) continue;
      const placement = placementOf(c.state, zone);
      const alerts = alertChanges(c.before.alerts, c.state.alerts);
      await this.bus.publish(c.state.id, c.state, topicsForChange(c.state.id, placement, placement, today, alerts));
    }
    return changed.filter((c) => c.events.length).map((c) => c.state.id);
  }

  /** A fact of the look with its source; a device fact is made again from the locked case. */
  private refresh(
    draft: Omit<Fact, 'source'>,
    state: CaseState,
    statuses: readonly DeviceStatus[],
    activeCaseIds: string[],
    at: string,
  ): Fact {
    if (draft.kind === 'device-conditions') {
      return {
        ...this.factFor(state, statuses, activeCaseIds, at),
        source: { kind: 'engine', id: `watchdog:${state.roomId}`, label: 'device watchdog' },
      };
    }
    return { ...draft, source: { kind: 'engine', id: `rules:${state.roomId}`, label: 'rule tick' } } as Fact;
  }

  /**
   * The `conditions` fact of each of today's cases the tick's rules look at: live ones, and those
   * still showing a conditions alert (so that it clears). Environment: the room's newest reading.
   * Equipment: the types the registry tracks, its devices of the types the case needs with their
   * maintenance counters and dates (never heard from included: a C-arm in storage is powered off),
   * and the other live cases that need them.
   */
  private async conditionsFor(
    todays: readonly CaseState[],
    registry: readonly DeviceRecord[],
    at: string,
  ): Promise<Map<string, Omit<ConditionsFact, 'source'>>> {
    const looked = todays.filter((c) => LIVE.has(c.status) || c.alerts.some((a) => CONDITION_KINDS.has(a.kind)));
    const out = new Map<string, Omit<ConditionsFact, 'source'>>();
    if (!looked.length) return out;
    const environments = new Map(
      (await this.devices.environments([...new Set(looked.map((c) => c.roomId))])).map((e) => [e.roomId, e]),
    );
    const devices = registry.map(deviceStatusOf);
    const tracked = [...new Set(devices.map((d) => normalType(d.type)))].sort();
    const needing: UpcomingCase[] = todays
      .filter((c) => LIVE.has(c.status) && c.equipment?.length)
      .map((c) => ({
        id: c.id,
        roomId: c.roomId,
        scheduledStart: c.scheduledStart,
        scheduledEnd: c.scheduledEnd,
        equipment: c.equipment!,
      }));
    for (const c of looked) {
      const fact: Omit<ConditionsFact, 'source'> = { kind: 'conditions', at, target: { caseId: c.id } };
      const environment = environments.get(c.roomId);
      if (environment) fact.environment = readingsOf(environment);
      const types = new Set((c.equipment ?? []).map((n) => normalType(n.code ?? n.text)));
      if (types.size && [...types].some((t) => tracked.includes(t))) {
        fact.equipment = {
          tracked,
          devices: devices.filter((d) => types.has(normalType(d.type))),
          cases: needing.filter(
            (o) => o.id !== c.id && (o.equipment ?? []).some((n) => types.has(normalType(n.code ?? n.text))),
          ),
        };
      } else if (c.alerts.some((a) => EQUIPMENT_KINDS.has(a.kind))) {
        // The case no longer needs a tracked type (or the registry dropped it): the rules clear.
        fact.equipment = { tracked, devices: [], cases: [] };
      }
      out.set(c.id, fact);
    }
    return out;
  }

  /** The registry's view for one case: its room's devices and every device of the same types (backups). */
  private factFor(
    c: CaseState,
    statuses: readonly DeviceStatus[],
    activeCaseIds: string[],
    at: string,
  ): Omit<DeviceConditionsFact, 'source'> {
    const types = new Set(statuses.filter((d) => d.roomId === c.roomId).map((d) => d.type));
    return {
      kind: 'device-conditions',
      at,
      target: { caseId: c.id },
      devices: statuses.filter((d) => d.roomId === c.roomId || types.has(d.type)),
      activeCaseIds,
    };
  }
}

function normalType(type: string): string {
  return type.trim().toLowerCase();
}

/** A room's stored environment as rule readings, at the time it was taken. */
function readingsOf(e: RoomEnvironmentRecord): EnvironmentReading[] {
  const out: EnvironmentReading[] = [];
  if (e.temperatureC !== null) out.push({ parameter: 'temp', value: e.temperatureC, unit: '°C', at: e.at });
  if (e.humidityPct !== null) out.push({ parameter: 'humidity', value: e.humidityPct, unit: '%', at: e.at });
  if (e.pressurePa !== null) out.push({ parameter: 'pressure', value: e.pressurePa, unit: 'Pa', at: e.at });
  return out;
}
