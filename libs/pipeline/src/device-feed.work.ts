import type { Fact, FactSource } from '@circulator/domain';
import {
  decodeFeedBatch,
  mapFeedMessage,
  type DeviceInfo,
  type FeedBatchEntry,
  type FeedMapping,
  type TagBinding,
} from '@circulator/devices';
import {
  DeviceRepository,
  RoomRepository,
  type DeviceEventInput,
  type DeviceFields,
  type DeviceRecord,
  type StoredInboxMessage,
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
  ) {}

  static async load(
    repo: DeviceRepository,
    rooms: RoomRepository,
    manager: EntityManager,
    messages: readonly StoredInboxMessage[],
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
    const records = await repo.getMany([...ids], manager);
    // Tags bound to devices move those devices: load them too.
    const bound = records
      .map((d) => d.binding as TagBinding | null)
      .flatMap((b) => (b?.kind === 'device' && !ids.has(b.deviceId) ? [b.deviceId] : []));
    const all = [...records, ...(bound.length ? await repo.getMany(bound, manager) : [])];
    const roomNames = new Map((await rooms.all(manager)).map((r) => [r.id, r.name]));
    return new DeviceFeedWork(new Map(all.map((d) => [d.id, d])), roomNames, rows);
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
        { now },
      );
      const label = `MQTT ${entry.deviceId} ${mapping.kind}`;
      if (mapping.problem) {
        out.warnings.push(`${label}: ${mapping.problem}`);
        continue;
      }
      const source: FactSource = { kind: 'device', id: message.id, label, sequence: Number(message.id) };
      for (const draft of mapping.facts) out.facts.push({ ...draft, source });
      out.warnings.push(...mapping.warnings.map((w) => `${label}: ${w}`));
      if (record) this.record(record, entry.receivedAt, mapping);
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
  private record(d: DeviceRecord, receivedAt: string, mapping: FeedMapping): void {
    const c = this.change(d);
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
      this.events.push({
        deviceId: d.id,
        at,
        kind: d.firmware === null ? 'firmware' : 'security',
        priority: d.firmware === null ? null : 'high',
        message:
          d.firmware === null
            ? `firmware ${status.firmware} reported`
            : `firmware changed from ${d.firmware} to ${status.firmware} without an approved update record`,
        detail: { from: d.firmware, to: status.firmware },
      });
      d.firmware = c.fields.firmware = status.firmware;
    }
  }

  /** Writes what the batch said about devices and rooms, in the batch's transaction. */
  async persist(repo: DeviceRepository, manager: EntityManager, now: Date): Promise<void> {
    // One statement for every device the batch heard from (a round trip each was most of a
    // batch's time at 100 monitors); the repository locks them in id order (no deadlock).
    await repo.updateMany(
      [...this.changes].map(([id, c]) => {
        const fields: DeviceFields = { ...c.fields };
        if (c.lastSeenMs > 0) fields.lastSeenAt = iso(c.lastSeenMs);
        return { id, fields };
      }),
      now,
      manager,
    );
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
    await repo.addEvents(this.events, manager);
  }
}
