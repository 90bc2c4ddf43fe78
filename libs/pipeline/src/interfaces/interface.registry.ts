import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { type FSWatcher, type StatsListener, unwatchFile, watch, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DataSource, type EntityManager } from 'typeorm';
import type { Clock } from '@circulator/domain';
import { type Actor, AuditService } from '@circulator/identity';
import { CLOCK } from '@circulator/realtime';
import {
  DEFAULT_INTERFACE_NAME,
  describeFieldErrors,
  implicitDefaultConfig,
  type InterfaceConfig,
  type InterfaceOrigin,
  interfaceSetProblems,
  parseInterfacesFile,
  resolveInterface,
  type ResolvedInterface,
  routeKey,
  validateInterfaceConfig,
} from './interface.config';
import { InterfaceError } from './interface.error';

/** Settings of the interfaces module, from the validated app configuration. */
export const INTERFACE_SETTINGS = Symbol('INTERFACE_SETTINGS');

export interface InterfaceSettings {
  /** MLLP_PORT: where interfaces without their own port listen, and the implicit `default`. */
  sharedPort: number;
  /** FACILITY_TZ: the zone of interfaces that name none. */
  facilityTz: string;
  /** HL7_INTERFACES_FILE: JSON file of interfaces managed as configuration (origin `file`). */
  file?: string;
  /**
   * How often to look for changes made by other processes (ROLES split); default 5 000 ms. Changes
   * made in this process apply at once.
   */
  pollIntervalMs?: number;
  /** Quiet time after a change of the file before it is read (editors write in bursts); default 250 ms. */
  fileDebounceMs?: number;
}

/** An interface as stored (or the implicit default), for the REST API and the console. */
export interface InterfaceRecord {
  name: string;
  origin: InterfaceOrigin;
  /** Rises by one with each change; 0 for the implicit default. */
  version: number;
  /** ISO 8601; null for the implicit default. */
  updatedAt: string | null;
  /** User name, `system`, or `file`; null for the implicit default. */
  updatedBy: string | null;
  config: InterfaceConfig;
}

/** What became of the last reading of HL7_INTERFACES_FILE. */
export interface InterfaceFileStatus {
  path: string;
  ok: boolean;
  /** Why the file was refused (the interfaces it defined before stay as they were). */
  error?: string;
  /** When the file was last read (ISO 8601). */
  checkedAt: string;
  /** How many interfaces the file defines when last applied. */
  interfaces?: number;
}

/** Called with every interface (default included) after each change, wherever it came from. */
export type InterfaceChangeListener = (interfaces: readonly ResolvedInterface[]) => void;

interface Row {
  name: string;
  config: unknown;
  origin: 'api' | 'file';
  version: number;
  updated_at: Date | string;
  updated_by: string;
}

interface Change {
  name: string;
  before: InterfaceConfig | null;
  after: InterfaceConfig | null;
  version: number;
}

/** Arbitrary, fixed: serialises interface writes (REST and file) across the processes of a deployment. */
const WRITE_LOCK = 72_627_014;
const FILE_ACTOR = 'file';

/**
 * The current inbound HL7 interfaces: the `hl7_interface` table (changed through REST, origin
 * `api`, or from HL7_INTERFACES_FILE, origin `file`) plus an implicit `default` catch-all on the
 * shared MLLP_PORT whenever no enabled stored interface is one.
 *
 * Changes apply without a restart. In this process, at once. In the others (ROLES split into
 * several processes), within `pollIntervalMs`: every process polls a fingerprint of the table.
 * Polling rather than Redis pub/sub because the table is the truth and stays the truth when Redis
 * is away or a message is lost; a missed notification would leave a listener on a stale allow-list
 * until the next change, a missed poll only until the next poll. The query is one tiny aggregate.
 *
 * The file (JSON) is read at start and whenever it changes (fs.watch on its folder — which also
 * sees editors' rename-on-save and Kubernetes ConfigMap symlink swaps — plus fs.watchFile as a
 * fallback for file systems without inotify), debounced. Its interfaces are upserted with origin
 * `file` and those it no longer lists are removed; a file that does not parse or validate is
 * logged with the reason and changes nothing. Every change, REST or file, is audited.
 */
@Injectable()
export class InterfaceRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(InterfaceRegistry.name);
  private readonly listeners = new Set<InterfaceChangeListener>();
  private stored = new Map<string, InterfaceRecord>();
  private resolved: readonly ResolvedInterface[] = [];
  private byName = new Map<string, ResolvedInterface>();
  private fingerprint: string | undefined;
  private snapshot = '';
  /** Reloads and file syncs run one at a time, in order. */
  private work: Promise<void> = Promise.resolve();
  private pollTimer: NodeJS.Timeout | undefined;
  private fileTimer: NodeJS.Timeout | undefined;
  private dirWatcher: FSWatcher | undefined;
  private statWatcher: StatsListener | undefined;
  private fileHash: string | undefined;
  private fileState: InterfaceFileStatus | undefined;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(INTERFACE_SETTINGS) private readonly settings: InterfaceSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.settings.file !== undefined) {
      await this.serially(() => this.syncFile());
      this.watchFile(this.settings.file);
    }
    await this.serially(() => this.load());
    const every = this.settings.pollIntervalMs ?? 5_000;
    this.pollTimer = setInterval(() => {
      this.serially(() => this.poll()).catch((err: unknown) => this.logger.warn(`interface poll: ${message(err)}`));
    }, every);
    this.pollTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.fileTimer);
    this.dirWatcher?.close();
    if (this.settings.file !== undefined && this.statWatcher !== undefined) {
      unwatchFile(this.settings.file, this.statWatcher);
    }
    await this.work.catch(() => undefined);
  }

  /** Every interface, the implicit default included, sorted by name. */
  list(): readonly ResolvedInterface[] {
    return this.resolved;
  }

  get(name: string): ResolvedInterface | undefined {
    return this.byName.get(name);
  }

  /** The stored form of every interface (and the implicit default), sorted by name. */
  records(): InterfaceRecord[] {
    return this.resolved.map((i) => this.recordOf(i.name)).filter((r) => r !== undefined);
  }

  record(name: string): InterfaceRecord | undefined {
    return this.recordOf(name);
  }

  /** What became of the last reading of HL7_INTERFACES_FILE; undefined when none is configured. */
  fileStatus(): InterfaceFileStatus | undefined {
    return this.fileState;
  }

  /**
   * Calls `listener` after every change (not with the current state: read {@link list} for that).
   * @returns a function that unsubscribes
   */
  onChange(listener: InterfaceChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Looks for changes made by other processes now, instead of at the next poll. */
  refresh(): Promise<void> {
    return this.serially(() => this.poll());
  }

  /**
   * Creates or replaces an interface (origin `api`), audited as `interface.create`/`interface.update`.
   * A configuration equal to the stored one changes nothing (same version, no audit entry).
   * @param input the configuration, `name` included; validated here
   * @throws InterfaceError `invalid` (with field errors), `read_only` (a file interface), `conflict`
   */
  async upsert(input: unknown, actor: Actor): Promise<InterfaceRecord> {
    const validation = validateInterfaceConfig(input);
    if (!validation.ok) {
      throw new InterfaceError('invalid', describeFieldErrors(validation.errors), validation.errors);
    }
    const config = validation.config;
    const change = await this.ds.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      const rows = await this.readRows(m);
      const existing = rows.find((r) => r.name === config.name);
      if (existing?.origin === 'file') {
        throw new InterfaceError(
          'read_only',
          `interface ${config.name} comes from HL7_INTERFACES_FILE: change it in the file`,
        );
      }
      const before = existing === undefined ? null : this.parseStored(existing);
      if (before !== null && canonical(before) === canonical(config)) return undefined;
      const others = rows.filter((r) => r.name !== config.name).map((r) => this.parseStored(r));
      const problems = interfaceSetProblems([...others.filter((c) => c !== null), config], this.settings.sharedPort);
      if (problems.length > 0) throw new InterfaceError('conflict', problems.join('; '));
      const version = (existing?.version ?? 0) + 1;
      await this.write(m, config, 'api', version, updatedBy(actor));
      return { name: config.name, before, after: config, version };
    });
    await this.serially(() => this.load());
    if (change !== undefined) await this.audited(actor, change, 'api');
    const record = this.recordOf(config.name);
    if (record === undefined) throw new Error(`interface ${config.name} vanished after it was stored`);
    return record;
  }

  /**
   * Deletes an interface (origin `api`), audited as `interface.delete`.
   * @throws InterfaceError `reserved` (default), `not_found`, `read_only` (a file interface)
   */
  async remove(name: string, actor: Actor): Promise<void> {
    if (name === DEFAULT_INTERFACE_NAME) {
      throw new InterfaceError(
        'reserved',
        'the default interface cannot be deleted (disable it with PUT {"enabled": false} instead)',
      );
    }
    const change = await this.ds.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      const existing = (await this.readRows(m)).find((r) => r.name === name);
      if (existing === undefined) throw new InterfaceError('not_found', `no interface ${name}`);
      if (existing.origin === 'file') {
        throw new InterfaceError(
          'read_only',
          `interface ${name} comes from HL7_INTERFACES_FILE: remove it from the file`,
        );
      }
      await m.query('DELETE FROM hl7_interface WHERE name = $1', [name]);
      return { name, before: this.parseStored(existing), after: null, version: existing.version };
    });
    await this.serially(() => this.load());
    await this.audited(actor, change, 'api');
  }

  /** Runs `job` after every job queued before it; a failure does not stop later jobs. */
  private serially(job: () => Promise<void>): Promise<void> {
    const run = this.work.then(job);
    this.work = run.catch(() => undefined);
    return run;
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    if ((await this.readFingerprint(this.ds.manager)) !== this.fingerprint) await this.load();
  }

  /** Reads the table, rebuilds the resolved list and tells the listeners when it changed. */
  private async load(): Promise<void> {
    const fingerprint = await this.readFingerprint(this.ds.manager);
    const rows = await this.readRows(this.ds.manager);
    const stored = new Map<string, InterfaceRecord>();
    for (const row of rows) {
      const config = this.parseStored(row);
      if (config === null) continue;
      stored.set(row.name, {
        name: row.name,
        origin: row.origin,
        version: row.version,
        updatedAt: new Date(row.updated_at).toISOString(),
        updatedBy: row.updated_by,
        config,
      });
    }
    const defaults = { sharedPort: this.settings.sharedPort, facilityTz: this.settings.facilityTz };
    const resolved = [...stored.values()].map((r) =>
      resolveInterface(r.config, defaults, { origin: r.origin, version: r.version }),
    );
    const catchAll = resolved.some((i) => i.enabled && i.sharedPort && routeKey(i.route) === '*');
    if (!catchAll && !stored.has(DEFAULT_INTERFACE_NAME)) {
      resolved.push(resolveInterface(implicitDefaultConfig(), defaults, { origin: 'implicit', version: 0 }));
    }
    resolved.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    this.fingerprint = fingerprint;
    this.stored = stored;
    this.resolved = Object.freeze(resolved);
    this.byName = new Map(resolved.map((i) => [i.name, i]));
    const snapshot = canonical(resolved);
    if (snapshot === this.snapshot) return;
    const first = this.snapshot === '';
    this.snapshot = snapshot;
    if (!first) this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener(this.resolved);
      } catch (err) {
        this.logger.error(`an interface change listener failed: ${message(err)}`, (err as Error)?.stack);
      }
    }
  }

  private recordOf(name: string): InterfaceRecord | undefined {
    const stored = this.stored.get(name);
    if (stored !== undefined) return stored;
    const resolved = this.byName.get(name);
    if (resolved?.origin !== 'implicit') return undefined;
    return { name, origin: 'implicit', version: 0, updatedAt: null, updatedBy: null, config: implicitDefaultConfig() };
  }

  /** A stored configuration, validated again (a row written by an older version may no longer be valid). */
  private parseStored(row: Row): InterfaceConfig | null {
    const v = validateInterfaceConfig({ ...(row.config as object), name: row.name });
    if (v.ok) return v.config;
    this.logger.error(`interface ${row.name} (stored) is invalid and is ignored: ${describeFieldErrors(v.errors)}`);
    return null;
  }

  private readRows(m: EntityManager): Promise<Row[]> {
    return m.query<Row[]>(
      'SELECT name, config, origin, version, updated_at, updated_by FROM hl7_interface ORDER BY name',
    );
  }

  private async readFingerprint(m: EntityManager): Promise<string> {
    // Changes with every insert, update and delete (a delete changes the set of names).
    const rows = await m.query<{ fp: string | null }[]>(
      `SELECT md5(string_agg(name || ':' || version || ':' || updated_at::text, ',' ORDER BY name)) AS fp
       FROM hl7_interface`,
    );
    return rows[0]?.fp ?? '';
  }

  private async write(
    m: EntityManager,
    config: InterfaceConfig,
    origin: 'api' | 'file',
    version: number,
    by: string,
  ): Promise<void> {
    const { name, ...rest } = config;
    await m.query(
      `INSERT INTO hl7_interface (name, config, origin, version, updated_at, updated_by)
       VALUES ($1, $2::jsonb, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET config = EXCLUDED.config, origin = EXCLUDED.origin,
         version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [name, JSON.stringify(rest), origin, version, this.clock.now(), by],
    );
  }

  private async audited(actor: Actor, change: Change, origin: 'api' | 'file'): Promise<void> {
    const action =
      change.after === null ? 'interface.delete' : change.before === null ? 'interface.create' : 'interface.update';
    await this.audit.record({
      principal: actor,
      action,
      targetType: 'hl7_interface',
      targetId: change.name,
      detail: { origin, version: change.version, before: change.before, after: change.after },
    });
  }

  // ---- HL7_INTERFACES_FILE ----

  private watchFile(path: string): void {
    const schedule = (): void => {
      if (this.stopped) return;
      clearTimeout(this.fileTimer);
      this.fileTimer = setTimeout(() => {
        this.serially(() => this.syncFile()).catch((err: unknown) =>
          this.logger.error(`HL7_INTERFACES_FILE ${path}: ${message(err)}`),
        );
      }, this.settings.fileDebounceMs ?? 250);
      this.fileTimer.unref();
    };
    try {
      // The folder, not the file: rename-on-save and symlink swaps replace the file's inode.
      this.dirWatcher = watch(dirname(path), { persistent: false }, schedule);
      this.dirWatcher.on('error', (err) =>
        this.logger.warn(`HL7_INTERFACES_FILE: watching ${dirname(path)}: ${err.message}`),
      );
    } catch (err) {
      this.logger.warn(
        `HL7_INTERFACES_FILE: cannot watch ${dirname(path)} (${message(err)}); polling the file instead`,
      );
    }
    this.statWatcher = () => schedule();
    watchFile(path, { persistent: false, interval: this.settings.pollIntervalMs ?? 5_000 }, this.statWatcher);
  }

  /** Reads the file and applies it when its content changed; a bad file changes nothing. */
  private async syncFile(): Promise<void> {
    const path = this.settings.file;
    if (path === undefined || this.stopped) return;
    const checkedAt = this.clock.now().toISOString();
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return this.refuseFile(path, checkedAt, code === 'ENOENT' ? 'file not found' : `cannot read it: ${message(err)}`);
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (hash === this.fileHash && this.fileState?.ok === true) return;
    const parsed = parseInterfacesFile(text);
    if (!parsed.ok) return this.refuseFile(path, checkedAt, parsed.error);

    let changes: Change[];
    try {
      changes = await this.ds.transaction(async (m) => {
        await m.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
        const rows = await this.readRows(m);
        const inFile = new Set(parsed.configs.map((c) => c.name));
        const kept = rows.filter((r) => r.origin === 'api' && !inFile.has(r.name)).map((r) => this.parseStored(r));
        const problems = interfaceSetProblems(
          [...kept.filter((c) => c !== null), ...parsed.configs],
          this.settings.sharedPort,
        );
        if (problems.length > 0) throw new InterfaceError('conflict', problems.join('; '));
        const done: Change[] = [];
        for (const config of parsed.configs) {
          const existing = rows.find((r) => r.name === config.name);
          const before = existing === undefined ? null : this.parseStored(existing);
          if (existing?.origin === 'file' && before !== null && canonical(before) === canonical(config)) continue;
          if (existing?.origin === 'api') {
            this.logger.warn(
              `interface ${config.name}: HL7_INTERFACES_FILE now defines it; it is read-only through REST`,
            );
          }
          const version = (existing?.version ?? 0) + 1;
          await this.write(m, config, 'file', version, FILE_ACTOR);
          done.push({ name: config.name, before, after: config, version });
        }
        for (const gone of rows.filter((r) => r.origin === 'file' && !inFile.has(r.name))) {
          await m.query('DELETE FROM hl7_interface WHERE name = $1', [gone.name]);
          done.push({ name: gone.name, before: this.parseStored(gone), after: null, version: gone.version });
        }
        return done;
      });
    } catch (err) {
      if (err instanceof InterfaceError) return this.refuseFile(path, checkedAt, err.message);
      throw err;
    }
    this.fileHash = hash;
    this.fileState = { path, ok: true, checkedAt, interfaces: parsed.configs.length };
    if (changes.length > 0) {
      this.logger.log(
        `HL7_INTERFACES_FILE ${path} applied: ${changes.map((c) => `${c.name} ${c.after === null ? 'removed' : `v${c.version}`}`).join(', ')}`,
      );
      await this.load();
      for (const change of changes) await this.audited('system', change, 'file');
    }
  }

  private refuseFile(path: string, checkedAt: string, reason: string): void {
    // Logged once per distinct reason: the stat fallback would otherwise repeat it every poll.
    if (this.fileState?.error !== reason) {
      this.logger.error(`HL7_INTERFACES_FILE ${path} refused, the interfaces it defined stay as they were: ${reason}`);
    }
    this.fileHash = undefined;
    this.fileState = { path, ok: false, error: reason, checkedAt };
  }
}

function updatedBy(actor: Actor): string {
  if (actor === null) return 'anonymous';
  if (actor === 'system') return 'system';
  return actor.username;
}

/** JSON with object keys sorted: jsonb does not keep key order, so plain JSON text would not compare. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
