import type { Fact, FactSource } from '@circulator/domain';
import {
  decodeFeedBatch,
  emptyFeedAnomalyState,
  evaluateAddress,
  evaluateFirmware,
  evaluateRate,
  evaluateRoom,
  mapFeedMessage,
  parseFeedTopic,
  type ApprovedUpdate,
  type DeviceInfo,
  type FeedAnomalyState,
  type FeedBatchEntry,
  type FeedMapping,
  type SecurityAlert,
  type TagBinding,
} from '@circulator/devices';
import {
  DeviceRepository,
  FirmwareApprovalRepository,
  type DeviceEventInput,
  type DeviceFields,
  type DeviceRecord,
  type StoredInboxMessage,
  type WritePart,
  writeTogether,
} from '@circulator/persistence';
import type { EntityManager } from 'typeorm';

/** What one `mqtt` inbox row came to. */
export interface FeedDecoded {
  facts: Fact[];
  warnings: string[];
  problem?: string;
}

/** What the batch changes in the registry, per device, written once at the end. */
interface DeviceChange {
  fields: DeviceFields;
  lastSeenMs: number;
  /** The feed-anomaly rules' state, threaded through the batch's messages (saved at the end). */
  anomaly?: FeedAnomalyState;
  /** The client address last judged in this batch: the address rule runs when it changes. */
  address?: string;
}

/** What the device side of a batch needs besides the registry. */
export interface DeviceFeedOptions {
  /** Firmware approvals (secure-update tracking); without it, every firmware change is unapproved. */
  approvals?: FirmwareApprovalRepository;
  /** Whether an RTLS room id is a PACU location (`PACU_ROOMS`). */
  isPacu?: (roomId: string) => boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The device side of a worker batch: the registry rows its `mqtt` messages need (one query), the
 * mapping of each message to facts (`mapFeedMessage`), and what the messages say about the devices
 * and rooms themselves — last seen, status and usage, firmware, RTLS positions, room environment,
 * refused readings — written in the batch's transaction.
 */
export class DeviceFeedWork {
  private readonly changes = new Map<string, DeviceChange>();
  private readonly events: DeviceEventInput[] = [];
  private readonly environments = new Map<string, NonNullable<FeedMapping['environment']> & { deviceId: string }>();

  private constructor(
    private readonly devices: Map<string, DeviceRecord>,
    private readonly roomNames: Map<string, string>,
    /** Each row's messages, or why it could not be read: decoded once, in `load`. */
    private readonly rows: Map<string, FeedBatchEntry[] | Error>,
    /** Approved firmware updates of the batch's devices that reported a firmware. */
    private readonly approved: Map<string, ApprovedUpdate[]>,
    private readonly isPacu: ((roomId: string) => boolean) | undefined,
  ) {}

  static async load(
    repo: DeviceRepository,
    manager: EntityManager,
    messages: readonly StoredInboxMessage[],
    options: DeviceFeedOptions = {},
  ): Promise<DeviceFeedWork> {
    const ids = new Set<string>();
    const rows = new Map<string, FeedBatchEntry[] | Error>();
    for (const m of messages) {
      try {
        const entries = decodeFeedBatch(m.raw);
        rows.set(m.id, entries);
        for (const e of entries) ids.add(e.deviceId);
      } catch (err) {
        rows.set(m.id, err as Error);
      }
    }
    // Locked now: the batch reads each device, changes it in memory and writes it back at the end.
    const records = await repo.lockMany([...ids], manager);
    // Tags bound to devices move those devices: load them too.
    const bound = records
      .map((d) => d.binding as TagBinding | null)
      .flatMap((b) => (b?.kind === 'device' && !ids.has(b.deviceId) ? [b.deviceId] : []));
    const all = [...records, ...(bound.length ? await repo.lockMany(bound, manager) : [])];
    const roomNames = new Map(all.flatMap((d) => (d.roomId && d.roomName !== null ? [[d.roomId, d.roomName]] : [])));
    // Approvals only for devices whose status messages may carry a firmware: rare, and one query.
    const reporting = new Set<string>();
    for (const entries of rows.values()) {
      if (entries instanceof Error) continue;
      for (const e of entries) if (e.topic.endsWith('/status')) reporting.add(e.deviceId);
    }
    const approved = new Map<string, ApprovedUpdate[]>();
    if (options.approvals && reporting.size) {
      for (const a of await options.approvals.forDevices([...reporting], manager)) {
        const list = approved.get(a.deviceId) ?? [];
        list.push({ deviceId: a.deviceId, toVersion: a.firmware, approvedAt: a.approvedAt });
        approved.set(a.deviceId, list);
      }
    }
    return new DeviceFeedWork(new Map(all.map((d) => [d.id, d])), roomNames, rows, approved, options.isPacu);
  }

  /** Maps one inbox row's device messages to facts (with their source) and records the rest. */
  decode(message: StoredInboxMessage, now: string): FeedDecoded {
    const entries = this.rows.get(message.id) ?? new Error('not loaded with the batch');
    if (entries instanceof Error) return { facts: [], warnings: [], problem: `device feed: ${entries.message}` };
    const out: FeedDecoded = { facts: [], warnings: [] };
    for (const entry of entries) {
      const record = this.devices.get(entry.deviceId);
      const mapping = mapFeedMessage(
        { topic: entry.topic, payload: entry.payload, receivedAt: entry.receivedAt },
        record ? this.infoOf(record) : undefined,
        this.isPacu ? { now, isPacu: this.isPacu } : { now },
      );
      const label = `MQTT ${entry.deviceId} ${mapping.kind}`;
      if (mapping.problem) {
        out.warnings.push(`${label}: ${mapping.problem}`);
        // A registered sensor writing another room's environment (only an external broker lets it
        // through: the embedded one refuses the publish) is also a feed anomaly.
        const topic = record && mapping.kind === 'environment' ? parseFeedTopic(entry.topic) : undefined;
        if (record && topic?.kind === 'environment') {
          const c = this.change(record);
          const at = entry.receivedAt;
          const registeredRoomId = record.roomId ?? undefined;
          const judged = evaluateRoom(c.anomaly ?? this.anomalyOf(record), {
            at,
            roomId: topic.roomId,
            registeredRoomId,
          });
          c.anomaly = judged.state;
          this.raise(record.id, judged.alerts);
        }
        continue;
      }
      const source: FactSource = { kind: 'device', id: message.id, label, sequence: Number(message.id) };
      for (const draft of mapping.facts) out.facts.push({ ...draft, source });
      out.warnings.push(...mapping.warnings.map((w) => `${label}: ${w}`));
      if (record) this.record(record, entry, mapping);
    }
    return out;
  }

  private infoOf(d: DeviceRecord): DeviceInfo {
    const info: DeviceInfo = { id: d.id, type: d.type as DeviceInfo['type'] };
    if (d.roomId) {
      info.roomId = d.roomId;
      info.roomName = this.roomNames.get(d.roomId) ?? d.roomId;
    }
    if (d.binding) info.binding = d.binding as TagBinding;
    if (d.tagRoomId) info.tagRoomId = d.tagRoomId;
    return info;
  }

  private change(d: DeviceRecord): DeviceChange {
    let c = this.changes.get(d.id);
    if (!c) {
      c = { fields: {}, lastSeenMs: 0 };
      this.changes.set(d.id, c);
    }
    return c;
  }

  /** What a message says about its device and room (kept in memory; later messages see it). */
  private record(d: DeviceRecord, entry: FeedBatchEntry, mapping: FeedMapping): void {
    const { receivedAt } = entry;
    const c = this.change(d);
    this.judge(d, c, entry, mapping);
    const seen = Date.parse(receivedAt);
    if (seen > c.lastSeenMs) c.lastSeenMs = seen;
    const at = new Date(seen);
    if (d.connectivity !== 'online' && d.connectivity !== 'error' && mapping.kind !== 'status') {
      // Speaking again is being online (the watchdog put it offline, or it never said).
      this.events.push({ deviceId: d.id, at, kind: 'connectivity', message: `online (was ${d.connectivity})` });
      d.connectivity = c.fields.connectivity = 'online';
      d.connectivitySince = c.fields.connectivitySince = receivedAt;
    }
    if (mapping.rejected.length) {
      const detail = mapping.rejected.map((r) => `${r.code} ${String(r.value)}: ${r.reason} (${r.detail})`).join('; ');
      this.events.push({
        deviceId: d.id,
        at,
        kind: 'bad-reading',
        priority: 'low',
        message: detail.slice(0, 500),
        detail: mapping.rejected,
      });
      d.flagged = c.fields.flagged = `readings refused: ${detail}`.slice(0, 500);
      d.flaggedAt = c.fields.flaggedAt = receivedAt;
    }
    const status = mapping.status;
    if (status) this.recordStatus(d, c, status, at);
    const location = mapping.location;
    if (location) {
      if (d.tagRoomId !== location.roomId) {
        this.events.push({
          deviceId: d.id,
          at,
          kind: 'location',
          message: `seen in ${location.roomId}${d.tagRoomId ? ` (was ${d.tagRoomId})` : ''}`,
        });
      }
      d.tagRoomId = c.fields.tagRoomId = location.roomId;
      const binding = d.binding as TagBinding | null;
      const target = binding?.kind === 'device' ? this.devices.get(binding.deviceId) : undefined;
      if (target && target.roomId !== location.roomId) {
        this.events.push({
          deviceId: target.id,
          at,
          kind: 'location',
          message: `moved to ${location.roomId} (RTLS tag ${d.id})`,
          detail: { from: target.roomId },
        });
        target.roomId = this.change(target).fields.roomId = location.roomId;
      }
    }
    if (mapping.environment) {
      const previous = this.environments.get(mapping.environment.roomId);
      if (!previous || previous.at <= mapping.environment.at) {
        this.environments.set(mapping.environment.roomId, { ...previous, ...mapping.environment, deviceId: d.id });
      }
    }
  }

  private recordStatus(d: DeviceRecord, c: DeviceChange, status: NonNullable<FeedMapping['status']>, at: Date): void {
    if (status.state !== d.connectivity) {
      this.events.push({
        deviceId: d.id,
        at,
        kind: 'connectivity',
        priority: status.state === 'error' ? 'medium' : null,
        message: `${status.state}${status.errorCode ? ` (${status.errorCode})` : ''} (was ${d.connectivity})`,
      });
      d.connectivity = c.fields.connectivity = status.state;
      d.connectivitySince = c.fields.connectivitySince = status.at;
    }
    if (status.errorCode !== undefined && status.errorCode !== d.errorCode) {
      if (status.state !== 'error') {
        this.events.push({
          deviceId: d.id,
          at,
          kind: 'error-code',
          priority: 'low',
          message: `error code ${status.errorCode}`,
        });
      }
      d.errorCode = c.fields.errorCode = status.errorCode;
    } else if (status.errorCode === undefined && status.state === 'online' && d.errorCode) {
      d.errorCode = c.fields.errorCode = null;
    }
    if (status.usageCount !== undefined) {
      const previous = d.usageCount;
      // A counter that went down was reset (service, replacement board): its value is the new uses.
      const delta =
        previous === null ? 0 : status.usageCount >= previous ? status.usageCount - previous : status.usageCount;
      d.usageCount = c.fields.usageCount = status.usageCount;
      if (delta > 0) d.usesSinceService = c.fields.usesSinceService = d.usesSinceService + delta;
    }
    if (status.firmware !== undefined && status.firmware !== d.firmware) {
      // An unapproved change is also a security event (see `judge`); this line is the history's.
      this.events.push({
        deviceId: d.id,
        at,
        kind: 'firmware',
        message:
          d.firmware === null
            ? `firmware ${status.firmware} reported`
            : `firmware changed from ${d.firmware} to ${status.firmware}`,
        detail: { from: d.firmware, to: status.firmware },
      });
      d.firmware = c.fields.firmware = status.firmware;
    }
  }

  /**
   * The feed-anomaly rules (libs/devices security) on one message, before the message changes the
   * registry: its publishing rate, a new client address, data for a room the device is not in, a
   * firmware change without an approved update record. Each alert is a `security` line in the
   * device's history (`GET /api/devices/{id}/events?kind=security`). Times are receipt times.
   */
  private judge(d: DeviceRecord, c: DeviceChange, entry: FeedBatchEntry, mapping: FeedMapping): void {
    let state = c.anomaly ?? this.anomalyOf(d);
    const alerts: SecurityAlert[] = [];
    const at = entry.receivedAt;
    const apply = (outcome: { state: FeedAnomalyState; alerts: SecurityAlert[] }): void => {
      state = outcome.state;
      alerts.push(...outcome.alerts);
    };
    // The external broker does not tell us addresses: the rule runs on the embedded broker only.
    if (entry.address && entry.address !== c.address) {
      c.address = entry.address;
      apply(evaluateAddress(state, { at, address: entry.address }));
    }
    apply(evaluateRate(state, { at }));
    if (mapping.environment) {
      const registered = d.roomId ?? d.tagRoomId ?? undefined;
      apply(evaluateRoom(state, { at, roomId: mapping.environment.roomId, registeredRoomId: registered }));
    }
    const firmware = mapping.status?.firmware;
    if (firmware !== undefined) {
      const report = d.firmware === null ? { at, firmware } : { at, firmware, previous: d.firmware };
      apply(evaluateFirmware(state, report, this.approved.get(d.id) ?? []));
    }
    c.anomaly = state;
    this.raise(d.id, alerts);
  }

  /** Security alerts as `security` lines of the device's history. */
  private raise(deviceId: string, alerts: readonly SecurityAlert[]): void {
    for (const alert of alerts) {
      this.events.push({
        deviceId,
        at: new Date(alert.at),
        kind: 'security',
        priority: alert.priority,
        message: alert.message.slice(0, 500),
        detail: { alertId: alert.id, rule: alert.kind, ...alert.detail },
      });
    }
  }

  /** The device's stored anomaly state, or a fresh one seeded with its firmware. */
  private anomalyOf(d: DeviceRecord): FeedAnomalyState {
    const stored = d.anomalyState as FeedAnomalyState | null;
    if (stored && typeof stored === 'object' && stored.rate && stored.addresses && stored.room && stored.firmware) {
      return { ...stored, deviceId: d.id };
    }
    return emptyFeedAnomalyState(d.id, d.firmware ?? undefined);
  }

  /** Writes what the batch said about devices and rooms, in the batch's transaction. */
  async persist(repo: DeviceRepository, manager: EntityManager, now: Date): Promise<void> {
    await this.saveEnvironments(repo, manager);
    await writeTogether(manager, this.writes(repo, now));
  }

  /**
   * What the batch learned about the devices it heard from (their locked rows, see `load`) and their
   * history lines, as parts of the batch's combined write ({@link writeTogether}): the worker writes
   * them with the cases, in one statement (a statement each was a round trip each).
   */
  writes(repo: DeviceRepository, now: Date): WritePart[] {
    const update = repo.updatePart(
      [...this.changes].map(([id, c]) => {
        const fields: DeviceFields = { ...c.fields };
        if (c.lastSeenMs > 0) fields.lastSeenAt = iso(c.lastSeenMs);
        if (c.anomaly) fields.anomalyState = c.anomaly;
        return { id, fields };
      }),
      now,
    );
    const events = repo.eventsPart(this.events);
    return [...(update ? [update] : []), ...(events ? [events] : [])];
  }

  /** The rooms' latest environment readings (rare: environment sensors), a statement each. */
  async saveEnvironments(repo: DeviceRepository, manager: EntityManager): Promise<void> {
    for (const env of this.environments.values()) {
      await repo.saveEnvironment(
        {
          roomId: env.roomId,
          at: env.at,
          temperatureC: env.temperatureC ?? null,
          humidityPct: env.humidityPct ?? null,
          pressurePa: env.pressurePa ?? null,
          deviceId: env.deviceId,
        },
        manager,
      );
    }
  }
}
