import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { writeTogether, type WritePart } from './write-together';

/** A registered device as stored (the registry's columns; secrets only as hashes). */
export interface DeviceRecord {
  id: string;
  type: string;
  label: string | null;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  firmware: string | null;
  roomId: string | null;
  networkSegment: string | null;
  serviceIntervalUses: number | null;
  serviceIntervalDays: number | null;
  lastServiceAt: string | null;
  usesSinceService: number;
  usageCount: number | null;
  heartbeatSeconds: number;
  lifecycle: string;
  connectivity: string;
  connectivitySince: string | null;
  errorCode: string | null;
  lastSeenAt: string | null;
  lastAddress: string | null;
  flagged: string | null;
  flaggedAt: string | null;
  binding: unknown;
  tagRoomId: string | null;
  secretHash: string | null;
  mosquittoHash: string | null;
  secretVersion: number;
  secretIssuedAt: string | null;
  anomalyState: unknown;
  createdAt: string;
  updatedAt: string;
}

/** The columns a registration or an edit may set (camelCase → snake_case below). */
export type DeviceFields = Partial<
  Omit<DeviceRecord, 'id' | 'createdAt' | 'updatedAt' | 'secretVersion' | 'secretIssuedAt'>
>;

/** One line of a device's history. */
export interface DeviceEventRecord {
  id: string;
  deviceId: string;
  at: string;
  kind: string;
  priority: string | null;
  message: string;
  detail: unknown;
  actor: string | null;
}

export interface DeviceEventInput {
  deviceId: string;
  at: Date;
  kind: string;
  priority?: string | null;
  message: string;
  detail?: unknown;
  actor?: string | null;
}

export interface RoomEnvironmentRecord {
  roomId: string;
  at: string;
  temperatureC: number | null;
  humidityPct: number | null;
  pressurePa: number | null;
  deviceId: string | null;
}

const COLUMNS: Record<keyof DeviceFields, string> = {
  type: 'type',
  label: 'label',
  vendor: 'vendor',
  model: 'model',
  serial: 'serial',
  firmware: 'firmware',
  roomId: 'room_id',
  networkSegment: 'network_segment',
  serviceIntervalUses: 'service_interval_uses',
  serviceIntervalDays: 'service_interval_days',
  lastServiceAt: 'last_service_at',
  usesSinceService: 'uses_since_service',
  usageCount: 'usage_count',
  heartbeatSeconds: 'heartbeat_seconds',
  lifecycle: 'lifecycle',
  connectivity: 'connectivity',
  connectivitySince: 'connectivity_since',
  errorCode: 'error_code',
  lastSeenAt: 'last_seen_at',
  lastAddress: 'last_address',
  flagged: 'flagged',
  flaggedAt: 'flagged_at',
  binding: 'binding',
  tagRoomId: 'tag_room_id',
  secretHash: 'secret_hash',
  mosquittoHash: 'mosquitto_hash',
  anomalyState: 'anomaly_state',
};
const JSON_FIELDS = new Set<keyof DeviceFields>(['binding', 'anomalyState']);

const SELECTED = `id, type, label, vendor, model, serial, firmware, room_id AS "roomId",
  network_segment AS "networkSegment", service_interval_uses AS "serviceIntervalUses",
  service_interval_days AS "serviceIntervalDays", last_service_at AS "lastServiceAt",
  uses_since_service AS "usesSinceService", usage_count AS "usageCount",
  heartbeat_seconds AS "heartbeatSeconds", lifecycle, connectivity, connectivity_since AS "connectivitySince",
  error_code AS "errorCode", last_seen_at AS "lastSeenAt", last_address AS "lastAddress", flagged,
  flagged_at AS "flaggedAt", binding, tag_room_id AS "tagRoomId", secret_hash AS "secretHash",
  mosquitto_hash AS "mosquittoHash", secret_version AS "secretVersion", secret_issued_at AS "secretIssuedAt",
  anomaly_state AS "anomalyState", created_at AS "createdAt", updated_at AS "updatedAt"`;
const SELECT = `SELECT ${SELECTED} FROM device`;

type Row = Omit<
  DeviceRecord,
  | 'lastServiceAt'
  | 'connectivitySince'
  | 'lastSeenAt'
  | 'flaggedAt'
  | 'secretIssuedAt'
  | 'createdAt'
  | 'updatedAt'
  | 'usageCount'
> & {
  lastServiceAt: Date | null;
  connectivitySince: Date | null;
  lastSeenAt: Date | null;
  flaggedAt: Date | null;
  secretIssuedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  usageCount: string | number | null;
};

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function toRecord(row: Row): DeviceRecord {
  return {
    ...row,
    lastServiceAt: iso(row.lastServiceAt),
    connectivitySince: iso(row.connectivitySince),
    lastSeenAt: iso(row.lastSeenAt),
    flaggedAt: iso(row.flaggedAt),
    secretIssuedAt: iso(row.secretIssuedAt),
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
    usageCount: row.usageCount === null ? null : Number(row.usageCount),
  };
}

function assignments(fields: DeviceFields, start: number): { sql: string[]; params: unknown[] } {
  const sql: string[] = [];
  const params: unknown[] = [];
  for (const [key, value] of Object.entries(fields) as [keyof DeviceFields, unknown][]) {
    if (value === undefined) continue;
    const column = COLUMNS[key];
    if (!column) continue;
    params.push(JSON_FIELDS.has(key) && value !== null ? JSON.stringify(value) : value);
    sql.push(`${column} = $${start + params.length - 1}`);
  }
  return { sql, params };
}

/** The device registry, its history and the rooms' environment: SQL only, no rules. */
@Injectable()
export class DeviceRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** Registers a device; false when the id is taken. */
  async insert(
    id: string,
    fields: DeviceFields,
    secretIssued: boolean,
    now: Date,
    manager?: EntityManager,
  ): Promise<boolean> {
    const entries = Object.entries(fields).filter(([k, v]) => v !== undefined && k in COLUMNS) as [
      keyof DeviceFields,
      unknown,
    ][];
    const columns = [
      'id',
      ...entries.map(([k]) => COLUMNS[k]),
      'secret_version',
      'secret_issued_at',
      'created_at',
      'updated_at',
    ];
    const params = [
      id,
      ...entries.map(([k, v]) => (JSON_FIELDS.has(k) && v !== null ? JSON.stringify(v) : v)),
      secretIssued ? 1 : 0,
      secretIssued ? now : null,
      now,
      now,
    ];
    const rows = await (manager ?? this.ds.manager).query<{ id: string }[]>(
      `INSERT INTO device (${columns.join(', ')}) VALUES (${params.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      params,
    );
    return rows.length === 1;
  }

  async get(id: string, manager?: EntityManager): Promise<DeviceRecord | undefined> {
    const rows = await (manager ?? this.ds.manager).query<Row[]>(`${SELECT} WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** The devices with these ids (one query), for a batch of feed messages. */
  async getMany(ids: readonly string[], manager?: EntityManager): Promise<DeviceRecord[]> {
    if (!ids.length) return [];
    const rows = await (manager ?? this.ds.manager).query<Row[]>(`${SELECT} WHERE id = ANY($1::text[])`, [[...ids]]);
    return rows.map(toRecord);
  }

  /**
   * The devices with these ids, each with its room's name, locked for update in id order (two
   * batches locking the same devices never deadlock): what a worker batch reads, changes and writes
   * back with {@link updateMany} `locked`. One statement where reading, naming the rooms and
   * locking were three: a round trip to PostgreSQL costs the busy platform more than the query.
   */
  async lockMany(
    ids: readonly string[],
    manager: EntityManager,
  ): Promise<(DeviceRecord & { roomName: string | null })[]> {
    if (!ids.length) return [];
    const rows = await manager.query<(Row & { roomName: string | null })[]>(
      `SELECT ${SELECTED}, (SELECT name FROM room WHERE room.id = device.room_id) AS "roomName"
       FROM device WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
      [[...ids]],
    );
    return rows.map((row) => ({ ...toRecord(row), roomName: row.roomName }));
  }

  async list(filter: { roomId?: string; type?: string } = {}): Promise<DeviceRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.roomId !== undefined) {
      params.push(filter.roomId);
      where.push(`room_id = $${params.length}`);
    }
    if (filter.type !== undefined) {
      params.push(filter.type);
      where.push(`type = $${params.length}`);
    }
    const rows = await this.ds.query<Row[]>(
      `${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`,
      params,
    );
    return rows.map(toRecord);
  }

  /** Updates the given fields; false when there is no such device. */
  async update(id: string, fields: DeviceFields, now: Date, manager?: EntityManager): Promise<boolean> {
    const { sql, params } = assignments(fields, 3);
    const rows = await (manager ?? this.ds.manager).query<{ id: string }[]>(
      // A SELECT around the UPDATE: TypeORM returns [rows, count] for a bare UPDATE.
      `WITH u AS (UPDATE device SET ${[...sql, 'updated_at = $2'].join(', ')} WHERE id = $1 RETURNING id) SELECT id FROM u`,
      [id, now, ...params],
    );
    return rows.length === 1;
  }

  /**
   * Updates many devices, each with its own fields, in one statement (plus one that locks them):
   * what a worker batch learned about every device it heard from. Rows are locked in id order
   * first, so that two batches touching the same devices never deadlock; `locked` says the
   * transaction holds them already ({@link lockMany}). Devices not registered are skipped.
   */
  async updateMany(
    changes: readonly { id: string; fields: DeviceFields }[],
    now: Date,
    manager: EntityManager = this.ds.manager,
    options: { locked?: boolean } = {},
  ): Promise<void> {
    const part = this.updatePart(changes, now);
    if (!part) return;
    if (!options.locked) {
      await manager.query(`SELECT 1 FROM device WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, [
        [...new Set(changes.map((c) => c.id))],
      ]);
    }
    await writeTogether(manager, [part]);
  }

  /**
   * {@link updateMany}'s update as part of a combined statement ({@link writeTogether}), for
   * devices the transaction has locked ({@link lockMany}). Undefined when nothing changes.
   */
  updatePart(changes: readonly { id: string; fields: DeviceFields }[], now: Date): WritePart | undefined {
    const patches = changes.flatMap(({ id, fields }) => {
      const patch: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(fields) as [keyof DeviceFields, unknown][]) {
        const column = COLUMNS[key];
        if (value !== undefined && column) patch[column] = value;
      }
      return Object.keys(patch).length ? [{ id, patch }] : [];
    });
    if (!patches.length) return undefined;
    const columns = [...new Set(patches.flatMap((p) => Object.keys(p.patch)))].sort();
    return {
      ctes: [
        {
          name: 'device_updated',
          // jsonb_populate_record(d, patch) is the device's row with the patch's columns replaced
          // (each read as its column's type): a device's unchanged columns keep their values.
          sql: `UPDATE device AS d SET (${columns.join(', ')}, updated_at) =
              (SELECT ${columns.map((c) => `p.${c}`).join(', ')}, $2::timestamptz FROM jsonb_populate_record(d, v.patch) AS p)
            FROM jsonb_to_recordset($1::jsonb) AS v(id text, patch jsonb)
            WHERE d.id = v.id`,
        },
      ],
      params: [JSON.stringify(patches), now],
    };
  }

  /**
   * Devices silent for longer than their heartbeat go offline (from the end of their last
   * heartbeat period); returns them. Only devices that were heard from (online or in error).
   */
  async markSilentOffline(now: Date): Promise<{ id: string; lastSeenAt: string; heartbeatSeconds: number }[]> {
    const rows = await this.ds.query<{ id: string; lastSeenAt: Date; heartbeatSeconds: number }[]>(
      `WITH u AS (
         UPDATE device SET connectivity = 'offline',
           connectivity_since = last_seen_at + heartbeat_seconds * interval '1 second', updated_at = $1
         WHERE connectivity IN ('online', 'error') AND lifecycle <> 'retired' AND last_seen_at IS NOT NULL
           AND last_seen_at + heartbeat_seconds * interval '1 second' < $1
         RETURNING id, last_seen_at, heartbeat_seconds
       ) SELECT id, last_seen_at AS "lastSeenAt", heartbeat_seconds AS "heartbeatSeconds" FROM u ORDER BY id`,
      [now],
    );
    return rows.map((r) => ({ ...r, lastSeenAt: new Date(r.lastSeenAt).toISOString() }));
  }

  /** New credentials (or none: `null` revokes); the version rises either way. */
  async setSecret(
    id: string,
    hashes: { secretHash: string; mosquittoHash: string } | null,
    now: Date,
    manager?: EntityManager,
  ): Promise<boolean> {
    const rows = await (manager ?? this.ds.manager).query<{ id: string }[]>(
      `WITH u AS (
         UPDATE device SET secret_hash = $2, mosquitto_hash = $3, secret_version = secret_version + 1,
           secret_issued_at = CASE WHEN $2::text IS NULL THEN NULL ELSE $4::timestamptz END, updated_at = $4
         WHERE id = $1 RETURNING id
       ) SELECT id FROM u`,
      [id, hashes?.secretHash ?? null, hashes?.mosquittoHash ?? null, now],
    );
    return rows.length === 1;
  }

  async addEvents(events: readonly DeviceEventInput[], manager?: EntityManager): Promise<void> {
    await writeTogether(manager ?? this.ds.manager, [this.eventsPart(events)]);
  }

  /** {@link addEvents}'s insert as part of a combined statement ({@link writeTogether}); undefined when none. */
  eventsPart(events: readonly DeviceEventInput[]): WritePart | undefined {
    if (!events.length) return undefined;
    return {
      ctes: [
        {
          name: 'device_events',
          sql: `INSERT INTO device_event (device_id, at, kind, priority, message, detail, actor)
            SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[])`,
        },
      ],
      params: [
        events.map((e) => e.deviceId),
        events.map((e) => e.at.toISOString()),
        events.map((e) => e.kind),
        events.map((e) => e.priority ?? null),
        events.map((e) => e.message),
        events.map((e) => (e.detail === undefined ? null : JSON.stringify(e.detail))),
        events.map((e) => e.actor ?? null),
      ],
    };
  }

  /** A device's history, newest first, in keyset pages. */
  async events(
    filter: { deviceId?: string; kinds?: readonly string[]; from?: Date; to?: Date; before?: string },
    limit: number,
  ): Promise<DeviceEventRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown): void => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.deviceId !== undefined) add('device_id = ?', filter.deviceId);
    if (filter.kinds?.length) add('kind = ANY(?::text[])', [...filter.kinds]);
    if (filter.from) add('at >= ?', filter.from);
    if (filter.to) add('at < ?', filter.to);
    if (filter.before !== undefined) add('id < ?::bigint', filter.before);
    params.push(limit);
    const rows = await this.ds.query<(Omit<DeviceEventRecord, 'at' | 'id'> & { at: Date; id: string | number })[]>(
      `SELECT id, device_id AS "deviceId", at, kind, priority, message, detail, actor FROM device_event
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ ...r, id: String(r.id), at: new Date(r.at).toISOString() }));
  }

  /** The room's latest environment reading; an older reading than the stored one is ignored. */
  async saveEnvironment(
    reading: Omit<RoomEnvironmentRecord, 'at'> & { at: string },
    manager?: EntityManager,
  ): Promise<void> {
    await (manager ?? this.ds.manager).query(
      `INSERT INTO room_environment (room_id, at, temperature_c, humidity_pct, pressure_pa, device_id)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (room_id) DO UPDATE SET at = EXCLUDED.at,
         temperature_c = COALESCE(EXCLUDED.temperature_c, room_environment.temperature_c),
         humidity_pct = COALESCE(EXCLUDED.humidity_pct, room_environment.humidity_pct),
         pressure_pa = COALESCE(EXCLUDED.pressure_pa, room_environment.pressure_pa),
         device_id = EXCLUDED.device_id
       WHERE room_environment.at <= EXCLUDED.at`,
      [reading.roomId, reading.at, reading.temperatureC, reading.humidityPct, reading.pressurePa, reading.deviceId],
    );
  }

  /** The latest environment reading of each of these rooms that has one (the worker's rule tick). */
  async environments(roomIds: readonly string[]): Promise<RoomEnvironmentRecord[]> {
    if (!roomIds.length) return [];
    const rows = await this.ds.query<(Omit<RoomEnvironmentRecord, 'at'> & { at: Date })[]>(
      `SELECT room_id AS "roomId", at, temperature_c AS "temperatureC", humidity_pct AS "humidityPct",
         pressure_pa AS "pressurePa", device_id AS "deviceId" FROM room_environment WHERE room_id = ANY($1::text[])`,
      [roomIds],
    );
    return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
  }

  async environment(roomId: string): Promise<RoomEnvironmentRecord | undefined> {
    const rows = await this.ds.query<(Omit<RoomEnvironmentRecord, 'at'> & { at: Date })[]>(
      `SELECT room_id AS "roomId", at, temperature_c AS "temperatureC", humidity_pct AS "humidityPct",
         pressure_pa AS "pressurePa", device_id AS "deviceId" FROM room_environment WHERE room_id = $1`,
      [roomId],
    );
    return rows[0] ? { ...rows[0], at: new Date(rows[0].at).toISOString() } : undefined;
  }
}
