import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** How a sync of one resource type went. */
export interface FhirSyncRun {
  /** The newest `meta.lastUpdated` among what was stored (kept only if newer than the mark). */
  highWater?: string;
  at: Date;
  /** Why the run stopped early; null when it read everything. */
  error: string | null;
  /** How many new resource versions it stored. */
  stored: number;
  /** Versions it read that the inbox already had. */
  duplicates?: number;
  /** Pages it read. */
  pages?: number;
  /** Resources it found deleted on the server (see FhirSyncService). */
  deleted?: number;
}

/** The sync state of one resource type, for the integration console. */
export interface FhirSyncCursor {
  source: string;
  resourceType: string;
  highWater: string | null;
  lastRunAt: string | null;
  lastError: string | null;
  /** New versions stored, in all runs. */
  stored: number;
  /** Versions read again that the inbox already had, in all runs. */
  duplicates: number;
  /** Resources found deleted on the server, in all runs. */
  deleted: number;
  /** What the last run read. */
  lastRun: { stored: number | null; duplicates: number | null; pages: number | null };
}

/** What a notification tells about its subscription. */
export interface FhirNotificationRecord {
  subscription: string;
  topic?: string;
  type: string;
  status?: string;
  /** The highest event number it carries (or `events-since-subscription-start`). */
  eventNumber?: number;
  /** A handshake starts the count over. */
  reset: boolean;
  at: Date;
}

/**
 * The inbound FHIR side's state (migration FhirInbound1764305000000): the sync's high-water marks
 * and lease, and each subscription's event counter.
 */
@Injectable()
export class FhirSyncRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The mark the next sync of a type reads from (`_lastUpdated=ge…`), as the server wrote it. */
  async highWater(source: string, resourceType: string): Promise<string | undefined> {
    const rows = await this.ds.query<{ high_water: string | null }[]>(
      `SELECT high_water FROM fhir_sync_cursor WHERE source = $1 AND resource_type = $2`,
      [source, resourceType],
    );
    return rows[0]?.high_water ?? undefined;
  }

  /** Records a run; the mark only ever moves forward (by instant, whatever the writing). */
  async recordRun(source: string, resourceType: string, run: FhirSyncRun): Promise<void> {
    await this.ds.query(
      `INSERT INTO fhir_sync_cursor (source, resource_type, high_water, high_water_at, last_run_at, last_error, stored,
         duplicates, deleted, last_stored, last_duplicates, last_pages)
       VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7::int, $8::int, $9::int, $7::int, $8::int, $10::int)
       ON CONFLICT (source, resource_type) DO UPDATE SET
         high_water = CASE WHEN EXCLUDED.high_water_at IS NOT NULL
                            AND (fhir_sync_cursor.high_water_at IS NULL OR EXCLUDED.high_water_at > fhir_sync_cursor.high_water_at)
                           THEN EXCLUDED.high_water ELSE fhir_sync_cursor.high_water END,
         high_water_at = GREATEST(fhir_sync_cursor.high_water_at, EXCLUDED.high_water_at),
         last_run_at = EXCLUDED.last_run_at,
         last_error = EXCLUDED.last_error,
         stored = fhir_sync_cursor.stored + EXCLUDED.stored,
         duplicates = fhir_sync_cursor.duplicates + EXCLUDED.duplicates,
         deleted = fhir_sync_cursor.deleted + EXCLUDED.deleted,
         last_stored = EXCLUDED.last_stored,
         last_duplicates = EXCLUDED.last_duplicates,
         last_pages = EXCLUDED.last_pages`,
      [
        source,
        resourceType,
        run.highWater ?? null,
        run.highWater ?? null,
        run.at,
        run.error,
        run.stored,
        run.duplicates ?? 0,
        run.deleted ?? 0,
        run.pages ?? null,
      ],
    );
  }

  /** Counts resources of a type found deleted on the server. */
  async recordDeleted(source: string, resourceType: string, count: number): Promise<void> {
    await this.ds.query(`UPDATE fhir_sync_cursor SET deleted = deleted + $3 WHERE source = $1 AND resource_type = $2`, [
      source,
      resourceType,
      count,
    ]);
  }

  async cursors(source: string): Promise<FhirSyncCursor[]> {
    const rows = await this.ds.query<
      {
        resource_type: string;
        high_water: string | null;
        last_run_at: Date | null;
        last_error: string | null;
        stored: string;
        duplicates: string;
        deleted: string;
        last_stored: number | null;
        last_duplicates: number | null;
        last_pages: number | null;
      }[]
    >(
      `SELECT resource_type, high_water, last_run_at, last_error, stored::text AS stored, duplicates::text AS duplicates,
         deleted::text AS deleted, last_stored, last_duplicates, last_pages
       FROM fhir_sync_cursor WHERE source = $1 ORDER BY resource_type`,
      [source],
    );
    return rows.map((r) => ({
      source,
      resourceType: r.resource_type,
      highWater: r.high_water,
      lastRunAt: r.last_run_at ? new Date(r.last_run_at).toISOString() : null,
      lastError: r.last_error,
      stored: Number(r.stored),
      duplicates: Number(r.duplicates),
      deleted: Number(r.deleted),
      lastRun: { stored: r.last_stored, duplicates: r.last_duplicates, pages: r.last_pages },
    }));
  }

  /**
   * The EHR Appointment ids of cases still open (not cancelled, no-show or completed): those whose
   * deletion on the server would matter, checked by the sync.
   */
  async openFhirAppointmentIds(limit = 10_000): Promise<string[]> {
    const rows = await this.ds.query<{ value: string }[]>(
      `SELECT i.value FROM case_identifier i JOIN surgical_case c ON c.id = i.case_id
       WHERE i.kind = 'fhirAppointmentId' AND c.status NOT IN ('cancelled', 'no-show', 'completed')
       ORDER BY i.value LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.value);
  }

  /**
   * Takes (or renews) the sync lease of an EHR until `until`: true when this owner holds it. A lease
   * whose holder died runs out by itself.
   */
  async tryLease(source: string, owner: string, now: Date, until: Date): Promise<boolean> {
    const rows = await this.ds.query<{ owner: string }[]>(
      `INSERT INTO fhir_sync_lease (source, owner, until) VALUES ($1, $2, $4)
       ON CONFLICT (source) DO UPDATE SET owner = EXCLUDED.owner, until = EXCLUDED.until
         WHERE fhir_sync_lease.owner = EXCLUDED.owner OR fhir_sync_lease.until < $3
       RETURNING owner`,
      [source, owner, now, until],
    );
    return rows.length === 1;
  }

  async releaseLease(source: string, owner: string): Promise<void> {
    await this.ds.query(`DELETE FROM fhir_sync_lease WHERE source = $1 AND owner = $2`, [source, owner]);
  }

  /**
   * Records a notification and returns the highest event number received before it. Two
   * notifications at once may both see the older number: at worst one extra catch-up, never a
   * missed gap (the number only grows, except at a handshake).
   */
  async recordNotification(n: FhirNotificationRecord): Promise<{ previous?: number }> {
    const rows = await this.ds.query<{ previous: string | null }[]>(
      `WITH old AS (SELECT events_since_start FROM fhir_subscription WHERE subscription = $1)
       INSERT INTO fhir_subscription (subscription, topic, events_since_start, last_type, last_status, last_at, notifications)
       VALUES ($1, $2, $3, $4, $5, $6, 1)
       ON CONFLICT (subscription) DO UPDATE SET
         topic = COALESCE(EXCLUDED.topic, fhir_subscription.topic),
         events_since_start = CASE WHEN $7 THEN EXCLUDED.events_since_start
                                   ELSE GREATEST(fhir_subscription.events_since_start, EXCLUDED.events_since_start) END,
         last_type = EXCLUDED.last_type,
         last_status = COALESCE(EXCLUDED.last_status, fhir_subscription.last_status),
         last_at = EXCLUDED.last_at,
         notifications = fhir_subscription.notifications + 1
       RETURNING (SELECT events_since_start::text FROM old) AS previous`,
      [n.subscription, n.topic ?? null, n.eventNumber ?? null, n.type, n.status ?? null, n.at, n.reset],
    );
    const previous = rows[0]?.previous;
    return previous === null || previous === undefined ? {} : { previous: Number(previous) };
  }

  /** Counts a detected gap (dropped notifications) on its subscription. */
  async recordMissed(subscription: string, at: Date, reason: string): Promise<void> {
    await this.ds.query(
      `UPDATE fhir_subscription SET missed = missed + 1, last_missed_at = $2, last_missed_reason = $3
       WHERE subscription = $1`,
      [subscription, at, reason.slice(0, 500)],
    );
  }
}
