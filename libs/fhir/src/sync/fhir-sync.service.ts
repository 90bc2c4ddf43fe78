import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Clock } from '@circulator/domain';
import { FhirSyncRepository } from '@circulator/persistence';
import { CLOCK } from '@circulator/realtime';
import type { ContextEntry } from '../inbound/fhir.context';
import { encodeFhirEnvelope, versionKeyOf } from '../inbound/fhir.envelope';
import { isResource, metaOf, num, obj, objects, str, type FhirResource } from '../inbound/fhir.json';
import { keyOf, normalizeBase } from '../inbound/fhir.reference';
import {
  FHIR_INBOUND_SETTINGS,
  FHIR_RESOURCE_SINK,
  fhirSenderOf,
  type FhirInboundSettings,
  type FhirInboxItem,
  type FhirResourceSink,
} from '../inbound.tokens';
import { ContextCollector } from './context.collector';
import { DEFAULT_SYNC_RETRY, FhirRequestError, realSleep } from './fhir.request';
import { FhirSource } from './fhir.source';

/**
 * The resource types synchronised, in this order: what others reference first (so that a run
 * that stops early has stored the people and places), then the case-making ones.
 */
export const FHIR_SYNC_TYPES = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'Device',
  'Appointment',
  'Encounter',
  'Procedure',
  'Observation',
] as const;

/** A search that never ends (a server bug) stops here. */
const MAX_PAGES = 10_000;
/** The sync lease of an EHR; renewed with every page. A process that dies frees it after this. */
const LEASE_MS = 5 * 60_000;

/** How one resource type went in a run. */
export interface FhirTypeReport {
  resourceType: string;
  pages: number;
  /** New versions stored. */
  stored: number;
  /** Versions already in the inbox (re-read from the mark, or delivered by the hook). */
  duplicates: number;
  /** The mark after the run. */
  highWater?: string;
  /** Resources of ours found deleted on the server (Appointments only, see `reconcileDeletions`). */
  deleted?: number;
  error?: string;
}

export interface FhirSyncReport {
  reason: string;
  /** When the run started and ended (the injected clock). */
  startedAt?: string;
  finishedAt?: string;
  /** `busy`: another process holds the EHR's sync lease; `off`: no FHIR_BASE_URL. */
  skipped?: 'busy' | 'off';
  types: FhirTypeReport[];
}

/** The sync's state for the integration console (`GET /api/fhir/sync`). */
export interface FhirSyncStatus {
  /** False without FHIR_BASE_URL. */
  enabled: boolean;
  baseUrl?: string;
  /** A run is going on in this process. */
  running: boolean;
  intervalSeconds: number;
  types: {
    resourceType: string;
    /** The mark the next run reads from (`_lastUpdated=ge…`). */
    highWater: string | null;
    lastRunAt: string | null;
    lastError: string | null;
    /** In all runs: new versions stored, versions already stored, resources found deleted. */
    stored: number;
    duplicates: number;
    deleted: number;
    /** What the last run read. */
    lastRun: { stored: number | null; duplicates: number | null; pages: number | null };
  }[];
  /** This process's last run, as it reported it. */
  lastRun?: FhirSyncReport;
}

/**
 * The EHR sync (CONTRACT §5): with FHIR_BASE_URL set, reads Patient, Practitioner, PractitionerRole,
 * Location, Device, Appointment, Encounter, Procedure and Observation with fhir-kit-client,
 * incrementally: `_lastUpdated=ge{mark}` sorted by `_lastUpdated`, page after page along the
 * server's next links. Each resource is stored in the inbox (channel `fhir`) with the resources it
 * references, keyed by its version (a version already stored is a duplicate, not applied again);
 * the worker maps and applies it like any message.
 *
 * The mark of a type is the newest `meta.lastUpdated` it stored, kept in `fhir_sync_cursor` once
 * every page of the type is stored: a run that stops reads again from the old mark, and what it
 * stored twice is deduplicated. Reading from the mark inclusive (`ge`) catches what shares the
 * mark's instant. When the search's `total` says more matched than were read (a server whose
 * offset paging shifted while resources changed), the mark stays where it was.
 *
 * One process syncs an EHR at a time (a lease in the database). Runs: at start and every
 * FHIR_SYNC_INTERVAL_SECONDS; at once when the subscription hook sees a dropped notification
 * (`requestCatchUp`); and on demand (`syncNow`).
 */
@Injectable()
export class FhirSyncService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FhirSyncService.name);
  private readonly owner = randomUUID();
  private readonly base: string | undefined;
  private readonly sender: string;
  private running?: Promise<FhirSyncReport>;
  private queued?: Promise<FhirSyncReport>;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private source?: Promise<FhirSource>;
  private last?: FhirSyncReport;

  constructor(
    @Inject(FHIR_INBOUND_SETTINGS) private readonly settings: FhirInboundSettings,
    @Inject(FHIR_RESOURCE_SINK) private readonly sink: FhirResourceSink,
    @Inject(FhirSyncRepository) private readonly state: FhirSyncRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.base = settings.baseUrl ? normalizeBase(settings.baseUrl) : undefined;
    this.sender = fhirSenderOf(this.base);
  }

  /** True when an EHR is configured (FHIR_BASE_URL). */
  get enabled(): boolean {
    return this.base !== undefined;
  }

  onApplicationBootstrap(): void {
    if (this.enabled && this.settings.syncIntervalMs > 0) this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([this.running, this.queued]);
  }

  /**
   * The EHR's FHIR server, opened once. The hook opens its own, with a shorter retry: the EHR is
   * waiting for its answer.
   */
  private fhirSource(): Promise<FhirSource> | undefined {
    if (!this.base) return undefined;
    this.source ??= FhirSource.open(
      {
        baseUrl: this.base,
        auth: this.settings.auth,
        retry: this.settings.retry ?? DEFAULT_SYNC_RETRY,
        timeoutMs: this.settings.requestTimeoutMs ?? 30_000,
        sleep: this.settings.sleep ?? realSleep,
      },
      this.clock,
    );
    return this.source;
  }

  /**
   * Runs a sync now. While one runs, the call waits for it and then runs once more, so that what
   * changed before this call is read; calls meanwhile share that one run.
   */
  syncNow(reason = 'requested'): Promise<FhirSyncReport> {
    if (!this.base) return Promise.resolve({ reason, skipped: 'off', types: [] });
    if (!this.running) return this.start(reason);
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start(reason);
      });
    return this.queued;
  }

  /** A sync soon, in the background (a dropped notification was detected). */
  requestCatchUp(reason: string): void {
    if (!this.base || this.stopped) return;
    this.logger.log(`catch-up sync: ${reason}`);
    this.runSoon(`catch-up: ${reason}`);
  }

  /** A sync in the background (a person asked for one: POST /api/fhir/sync). */
  runSoon(reason: string): void {
    if (!this.base || this.stopped) return;
    this.syncNow(reason).catch((err: unknown) =>
      this.logger.warn(`sync (${reason}) failed: ${(err as Error).message}`),
    );
  }

  /**
   * The sync's state for the integration console (GET /api/fhir/sync): per resource type the mark,
   * the last run, its error and counts (from the database, so every process shows the same), and
   * this process's last run.
   */
  async status(): Promise<FhirSyncStatus> {
    const types = this.base ? await this.state.cursors(this.base) : [];
    return {
      enabled: this.enabled,
      ...(this.base ? { baseUrl: this.base } : {}),
      running: this.running !== undefined,
      intervalSeconds: this.settings.syncIntervalMs / 1000,
      types: FHIR_SYNC_TYPES.map((resourceType) => {
        const cursor = types.find((t) => t.resourceType === resourceType);
        return {
          resourceType,
          highWater: cursor?.highWater ?? null,
          lastRunAt: cursor?.lastRunAt ?? null,
          lastError: cursor?.lastError ?? null,
          stored: cursor?.stored ?? 0,
          duplicates: cursor?.duplicates ?? 0,
          deleted: cursor?.deleted ?? 0,
          lastRun: cursor?.lastRun ?? { stored: null, duplicates: null, pages: null },
        };
      }),
      ...(this.last ? { lastRun: this.last } : {}),
    };
  }

  /** Resolves when no sync is running or waiting (tests). */
  async whenIdle(): Promise<void> {
    while (this.running || this.queued) await Promise.allSettled([this.running, this.queued]);
  }

  private start(reason: string): Promise<FhirSyncReport> {
    const run = this.run(reason).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.syncNow('scheduled')
        .catch((err: unknown) => this.logger.warn(`sync failed: ${(err as Error).message}`))
        .finally(() => this.schedule(this.settings.syncIntervalMs));
    }, delayMs);
    this.timer.unref();
  }

  private async run(reason: string): Promise<FhirSyncReport> {
    const base = this.base!;
    const report: FhirSyncReport = { reason, startedAt: this.clock.now().toISOString(), types: [] };
    const leaseUntil = () => new Date(this.clock.now().getTime() + LEASE_MS);
    if (!(await this.state.tryLease(base, this.owner, this.clock.now(), leaseUntil()))) {
      this.logger.log(`sync of ${base} skipped: another process is running it`);
      return { ...report, skipped: 'busy' };
    }
    try {
      const source = await this.fhirSource()!;
      const collector = new ContextCollector(source);
      for (const type of FHIR_SYNC_TYPES) {
        if (this.stopped) break;
        const typeReport = await this.syncType(source, collector, type, async () => {
          if (!(await this.state.tryLease(base, this.owner, this.clock.now(), leaseUntil()))) {
            throw new FhirRequestError('the sync lease was taken over by another process', false);
          }
        });
        if (type === 'Appointment' && typeReport.error === undefined) {
          await this.reconcileDeletions(source, typeReport);
        }
        report.types.push(typeReport);
        // The EHR is unreachable: the other types would wait out the same retries.
        if (typeReport.error !== undefined && typeReport.error.startsWith('unreachable: ')) break;
      }
    } finally {
      await this.state.releaseLease(base, this.owner).catch(() => undefined);
    }
    const stored = report.types.reduce((n, t) => n + t.stored, 0);
    const failed = report.types.filter((t) => t.error !== undefined);
    const line =
      `sync of ${base} (${reason}): ${stored} new resource versions` +
      (failed.length ? `; ${failed.map((t) => `${t.resourceType}: ${t.error}`).join('; ')}` : '');
    if (failed.length) this.logger.warn(line);
    else this.logger.log(line);
    report.finishedAt = this.clock.now().toISOString();
    this.last = report;
    return report;
  }

  /**
   * Deletions. A search never returns a deleted resource, so the sync asks after the Appointments
   * of open cases (by `_id`, 100 at a time) and reads each one missing: a 404 or 410 means the EHR
   * deleted it. A deleted Appointment is taken as `entered-in-error` — the EHR withdrew the
   * booking — and stored like any version (control id `Appointment/{id}/_deleted`, once): the
   * worker cancels the case, which keeps its history (a case is never deleted here). Encounters
   * and Procedures are not checked: their `entered-in-error` withdraws their milestones, but a
   * hard deletion of one leaves what it said in place.
   */
  private async reconcileDeletions(source: FhirSource, report: FhirTypeReport): Promise<void> {
    const ids = await this.state.openFhirAppointmentIds();
    let deleted = 0;
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const page = await source.search('Appointment', { _id: chunk.join(','), _count: chunk.length });
      const present = new Set(
        objects(page['entry'])
          .map((e) => obj(e['resource']))
          .map((r) => str(r?.['id'])),
      );
      for (const id of chunk.filter((x) => !present.has(x))) {
        if ((await source.read(`Appointment/${id}`)) !== undefined) continue; // only hidden from the search
        const at = this.clock.now().toISOString();
        const resource: FhirResource = {
          resourceType: 'Appointment',
          id,
          meta: { lastUpdated: at, tag: [{ system: 'urn:circulator:fhir-sync', code: 'deleted-on-server' }] },
          status: 'entered-in-error',
          participant: [],
        };
        const [result] = await this.sink.store([
          {
            sender: this.sender,
            controlId: `Appointment/${id}/_deleted`,
            resourceType: 'Appointment',
            raw: encodeFhirEnvelope({ focus: { fullUrl: `${source.base}/Appointment/${id}`, resource }, context: [] }),
            peer: source.base,
          },
        ]);
        if (result && !result.duplicate) deleted++;
      }
    }
    if (deleted) {
      report.deleted = deleted;
      await this.state.recordDeleted(source.base, 'Appointment', deleted);
      this.logger.log(`sync of ${source.base}: ${deleted} Appointment(s) deleted on the server; their cases cancelled`);
    }
  }

  private async syncType(
    source: FhirSource,
    collector: ContextCollector,
    resourceType: string,
    renewLease: () => Promise<void>,
  ): Promise<FhirTypeReport> {
    const base = source.base;
    const report: FhirTypeReport = { resourceType, pages: 0, stored: 0, duplicates: 0 };
    const mark = (await this.state.highWater(base, resourceType)) ?? this.settings.syncSince;
    let highWater: { raw: string; ms: number } | undefined;
    const seen = new Set<string>();
    let total: number | undefined;
    try {
      const params: Record<string, string | number> = { _count: this.settings.pageSize, _sort: '_lastUpdated' };
      if (mark !== undefined) params['_lastUpdated'] = `ge${mark}`;
      let page: FhirResource | undefined = await source.search(resourceType, params);
      total = num(page['total']);
      const pagesSeen = new Set<string>();
      while (page) {
        if (this.stopped) throw new FhirRequestError('the platform is stopping', false);
        report.pages++;
        const entries = objects(page['entry']).flatMap((e): ContextEntry[] => {
          const resource = e['resource'];
          if (!isResource(resource) || str(obj(e['search'])?.['mode']) === 'outcome') return [];
          const fullUrl = str(e['fullUrl']);
          return [fullUrl === undefined ? { resource } : { fullUrl, resource }];
        });
        collector.offer(entries);
        const items: FhirInboxItem[] = [];
        for (const entry of entries) {
          const { resource } = entry;
          if (resource.resourceType !== resourceType || typeof resource.id !== 'string') continue;
          seen.add(resource.id);
          const focus = { fullUrl: `${base}/${keyOf(resourceType, resource.id)}`, resource };
          const context = await collector.contextFor(focus);
          items.push({
            sender: this.sender,
            controlId: versionKeyOf(resource).controlId,
            resourceType,
            raw: encodeFhirEnvelope({ focus, context }),
            peer: base,
          });
          const updated = metaOf(resource).lastUpdated;
          const ms = updated === undefined ? NaN : Date.parse(updated);
          if (updated !== undefined && !Number.isNaN(ms) && (!highWater || ms > highWater.ms)) {
            highWater = { raw: updated, ms };
          }
        }
        for (const result of await this.sink.store(items)) {
          if (result.duplicate) report.duplicates++;
          else report.stored++;
        }
        await renewLease();
        if (report.pages >= MAX_PAGES) throw new FhirRequestError(`more than ${MAX_PAGES} pages`, false);
        const next = objects(page['link']).find((l) => l['relation'] === 'next');
        const nextUrl = str(next?.['url']);
        if (nextUrl !== undefined && pagesSeen.has(nextUrl)) {
          throw new FhirRequestError(`the server's next link repeats (${nextUrl})`, false);
        }
        if (nextUrl !== undefined) pagesSeen.add(nextUrl);
        page = await source.nextPage(page);
      }
      const complete = total === undefined || seen.size >= total;
      if (!complete) {
        report.error = `the search matched ${total} but ${seen.size} were read (the result changed while paging); the mark stays, the next sync reads them again`;
      }
      await this.state.recordRun(base, resourceType, {
        ...(complete && highWater ? { highWater: highWater.raw } : {}),
        at: this.clock.now(),
        error: report.error ?? null,
        stored: report.stored,
        duplicates: report.duplicates,
        pages: report.pages,
      });
    } catch (err) {
      const failure = err instanceof FhirRequestError ? err : undefined;
      report.error = failure?.retryable ? `unreachable: ${failure.message}` : (err as Error).message;
      await this.state
        .recordRun(base, resourceType, {
          at: this.clock.now(),
          error: report.error.slice(0, 2000),
          stored: report.stored,
          duplicates: report.duplicates,
          pages: report.pages,
        })
        .catch(() => undefined);
    }
    const mark2 = await this.state.highWater(base, resourceType).catch(() => undefined);
    if (mark2 !== undefined) report.highWater = mark2;
    return report;
  }
}
