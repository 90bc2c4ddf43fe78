import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  applyFact,
  casePhase,
  changesAlerts,
  evaluateDeviceConditions,
  localDate,
  localDayBounds,
  type CaseEvent,
  type CaseState,
  type Clock,
  type DeviceConditionsFact,
  type DeviceStatus,
} from '@circulator/domain';
import { DeviceRepository, CaseRepository, type DeviceRecord } from '@circulator/persistence';
import {
  CLOCK,
  ChangeBus,
  REALTIME_SETTINGS,
  placementOf,
  alertChanges,
  topicsForChange,
  type RealtimeSettings,
} from '@circulator/realtime';

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

/**
 * The device watchdog (worker role, issue 5): every few seconds, a device silent for longer than
 * its heartbeat goes offline (with an event in its history); then the device-offline rule is
 * evaluated for every case in a room today, and where its alerts change (a device in the room went
 * offline during the case, its backup changed, it came back, the case left), a `device-conditions`
 * fact with the registry's view is applied to the case, so the alert names the backup and the
 * case's log says why.
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
    // A device never heard from is neither failed (it may not be plugged in yet) nor a backup.
    const registry = (await this.devices.list()).filter(
      (d) => d.lifecycle !== 'retired' && d.connectivity !== 'unknown',
    );
    const statuses = registry.map(deviceStatusOf);
    const todays = await this.cases.listBetween(start, end);
    const activeCaseIds = todays.filter((c) => casePhase(c.milestones, nowIso) !== 'none').map((c) => c.id);
    const active = new Set(activeCaseIds);
    // In the room now, or still showing a device alert to clear.
    const candidates = todays.filter((c) => active.has(c.id) || c.alerts.some((a) => a.kind === 'device-offline'));
    const due = candidates.filter((c) =>
      changesAlerts(evaluateDeviceConditions(c, c.track?.rules, this.factFor(c, statuses, activeCaseIds, nowIso))),
    );
    if (!due.length) return [];

    const changed: { before: CaseState; state: CaseState; events: CaseEvent[] }[] = [];
    await this.cases.transaction(async (manager) => {
      const ids = new Set(due.map((c) => c.id));
      const rooms = [...new Set(due.map((c) => c.roomId))];
      const locked = (await this.cases.loadInRooms(manager, rooms, start, end)).filter((c) => ids.has(c.id));
      for (const before of locked) {
        const fact: DeviceConditionsFact = {
          ...this.factFor(before, statuses, activeCaseIds, nowIso),
          source: { kind: 'engine', id: `watchdog:${before.roomId}`, label: 'device watchdog' },
        };
        const result = applyFact(before, fact, { newCaseId: before.id, receivedAt: nowIso });
        if (result.state && result.events.length) changed.push({ before, state: result.state, events: result.events });
      }
      await this.cases.saveMany(
        manager,
        changed.map((c) => ({ state: c.state, events: c.events, expectedVersion: c.before.version, loaded: c.before })),
        now,
      );
    });
    for (const c of changed) {
      const placement = placementOf(c.state, zone);
      const alerts = alertChanges(c.before.alerts, c.state.alerts);
      await this.bus.publish(c.state.id, c.state, topicsForChange(c.state.id, placement, placement, today, alerts));
    }
    return changed.map((c) => c.state.id);
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
