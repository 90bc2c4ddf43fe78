import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The device registry (issue 5, CONTRACT §6): devices with their credentials (hashed), service
 * interval and live state; each device's history (registration, credentials, connectivity, bad
 * payloads, security alerts, service); the last environment reading of each room.
 */
export class Devices1764100000000 implements MigrationInterface {
  name = 'Devices1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE device (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
        type text NOT NULL,
        label text,
        vendor text,
        model text,
        serial text,
        firmware text,
        room_id text,
        network_segment text,
        service_interval_uses int,
        service_interval_days int,
        last_service_at timestamptz,
        uses_since_service int NOT NULL DEFAULT 0,
        usage_count bigint,
        heartbeat_seconds int NOT NULL DEFAULT 60,
        lifecycle text NOT NULL DEFAULT 'active' CHECK (lifecycle IN ('active', 'maintenance', 'retired')),
        connectivity text NOT NULL DEFAULT 'unknown'
          CHECK (connectivity IN ('unknown', 'online', 'offline', 'error')),
        connectivity_since timestamptz,
        error_code text,
        last_seen_at timestamptz,
        last_address text,
        flagged text,
        flagged_at timestamptz,
        binding jsonb,
        tag_room_id text,
        secret_hash text,
        mosquitto_hash text,
        secret_version int NOT NULL DEFAULT 0,
        secret_issued_at timestamptz,
        anomaly_state jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX device_room ON device (room_id);

      -- What happened to a device, newest last: the biomed history and the compliance export. A
      -- security event may name a device that is not registered (a connection with an unknown id).
      CREATE TABLE device_event (
        id bigserial PRIMARY KEY,
        device_id text NOT NULL,
        at timestamptz NOT NULL,
        kind text NOT NULL,
        priority text,
        message text NOT NULL,
        detail jsonb,
        actor text
      );
      CREATE INDEX device_event_device ON device_event (device_id, id);
      CREATE INDEX device_event_kind ON device_event (kind, at);

      CREATE TABLE room_environment (
        room_id text PRIMARY KEY,
        at timestamptz NOT NULL,
        temperature_c double precision,
        humidity_pct double precision,
        pressure_pa double precision,
        device_id text
      );

    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE room_environment;
      DROP TABLE device_event;
      DROP TABLE device;
    `);
  }
}
