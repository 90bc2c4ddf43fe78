import { Global, type LoggerService, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { systemClock } from '@circulator/domain';
import { IdentityModule, type Principal } from '@circulator/identity';
import { PersistenceModule } from '@circulator/persistence';
import { CLOCK } from '@circulator/realtime';
import {
  createTempDir,
  createTestDatabase,
  type TempDir,
  type TestDatabase,
  waitFor,
} from '../../../../test/support/services';
import { InterfaceError } from './interface.error';
import { InterfaceRegistry, type InterfaceSettings } from './interface.registry';
import { InterfacesModule } from './interfaces.module';

const ALICE: Principal = { kind: 'user', sub: 'u-alice', username: 'alice', roles: ['integration'] };

@Global()
@Module({ providers: [{ provide: CLOCK, useValue: systemClock }], exports: [CLOCK] })
class ClockModule {}

/** Keeps what Nest logs, so that tests can read why a file was refused. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(String(message));
  }
  error(message: unknown): void {
    this.lines.push(String(message));
  }
  warn(message: unknown): void {
    this.lines.push(String(message));
  }
  debug(): void {}
  verbose(): void {}
}

/** One platform process: the registry with its real dependencies on a shared database. */
interface Proc {
  module: TestingModule;
  registry: InterfaceRegistry;
  ds: DataSource;
  logger: CapturingLogger;
}

/** A bound on noticing a file change (fs.watch, else polling): generous, for a CI machine busy with other suites. */
const FILE_CHANGE_WAIT_MS = 20_000;
describe('InterfaceRegistry (PostgreSQL)', () => {
  let db: TestDatabase;
  let dir: TempDir;
  const procs: Proc[] = [];

  async function boot(settings: Partial<InterfaceSettings> = {}): Promise<Proc> {
    const logger = new CapturingLogger();
    const module = await Test.createTestingModule({
      imports: [
        PersistenceModule.forRoot({ databaseUrl: db.url, dataDir: dir.path }),
        IdentityModule.forRoot({}),
        ClockModule,
        InterfacesModule.forRoot({
          sharedPort: 2575,
          facilityTz: 'Europe/Paris',
          pollIntervalMs: 50,
          fileDebounceMs: 20,
          ...settings,
        }),
      ],
    })
      .setLogger(logger)
      .compile();
    await module.init();
    const proc = { module, registry: module.get(InterfaceRegistry), ds: module.get(DataSource), logger };
    procs.push(proc);
    return proc;
  }

  const audits = (ds: DataSource) =>
    ds.query<{ actor: string; action: string; target_id: string; detail: Record<string, unknown> }[]>(
      `SELECT actor, action, target_id, detail FROM audit_log WHERE target_type = 'hl7_interface' ORDER BY id`,
    );

  beforeEach(async () => {
    db = await createTestDatabase();
    dir = createTempDir();
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.module.close();
    await db.drop();
    dir.remove();
  });

  it('starts with the implicit default catch-all on the shared port', async () => {
    const { registry } = await boot();
    expect(registry.list()).toEqual([
      expect.objectContaining({ name: 'default', port: 2575, sharedPort: true, origin: 'implicit', version: 0 }),
    ]);
    expect(registry.get('default')?.facilityTz).toBe('Europe/Paris');
    expect(registry.record('default')).toMatchObject({ origin: 'implicit', version: 0, updatedAt: null });
  });

  it('creates, updates and deletes through the API, versioned, notified and audited', async () => {
    const { registry, ds } = await boot();
    const seen: string[][] = [];
    registry.onChange((list) => seen.push(list.map((i) => `${i.name}@${i.version}`)));

    const created = await registry.upsert({ name: 'epic', route: { sendingApplication: 'EPIC' } }, ALICE);
    expect(created).toMatchObject({ name: 'epic', origin: 'api', version: 1, updatedBy: 'alice' });
    expect(registry.get('epic')).toMatchObject({ port: 2575, route: { sendingApplication: 'EPIC' } });

    // The same configuration again changes nothing: same version, no audit entry, no notification.
    expect((await registry.upsert({ name: 'epic', route: { sendingApplication: 'EPIC' } }, ALICE)).version).toBe(1);

    const updated = await registry.upsert(
      { name: 'epic', route: { sendingApplication: 'EPIC' }, facilityTz: 'America/Chicago' },
      ALICE,
    );
    expect(updated.version).toBe(2);
    expect(registry.get('epic')?.facilityTz).toBe('America/Chicago');

    await registry.remove('epic', ALICE);
    expect(registry.get('epic')).toBeUndefined();
    expect(seen).toEqual([['default@0', 'epic@1'], ['default@0', 'epic@2'], ['default@0']]);

    const rows = await audits(ds);
    expect(rows.map((r) => [r.actor, r.action, r.target_id])).toEqual([
      ['user:u-alice', 'interface.create', 'epic'],
      ['user:u-alice', 'interface.update', 'epic'],
      ['user:u-alice', 'interface.delete', 'epic'],
    ]);
    expect(rows[1]?.detail).toMatchObject({
      origin: 'api',
      version: 2,
      before: { name: 'epic', route: { sendingApplication: 'EPIC' } },
      after: { name: 'epic', facilityTz: 'America/Chicago' },
    });
    expect(rows[2]?.detail).toMatchObject({ before: { name: 'epic' }, after: null });
  });

  it('refuses invalid, clashing and reserved changes with a coded error', async () => {
    const { registry } = await boot();
    await expect(registry.upsert({ name: 'epic', port: 'x' }, ALICE)).rejects.toMatchObject({
      code: 'invalid',
      errors: [{ pointer: '/port', detail: expect.stringMatching(/TCP port/) }],
    });
    await registry.upsert({ name: 'main' }, ALICE);
    // `main` is now the shared port's catch-all: the implicit default steps aside…
    expect(registry.list().map((i) => i.name)).toEqual(['main']);
    // …and a second catch-all there would give messages two homes.
    await expect(registry.upsert({ name: 'other', port: 2575 }, ALICE)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/main and other are both catch-alls/),
    });
    await expect(registry.remove('default', ALICE)).rejects.toMatchObject({ code: 'reserved' });
    await expect(registry.remove('nope', ALICE)).rejects.toBeInstanceOf(InterfaceError);
    await expect(registry.remove('nope', ALICE)).rejects.toMatchObject({ code: 'not_found' });
    await registry.remove('main', ALICE);
    expect(registry.list().map((i) => `${i.name}:${i.origin}`)).toEqual(['default:implicit']);
  });

  it("brings another process's changes to this one without a restart", async () => {
    const a = await boot();
    const b = await boot();
    const changed = new Promise<string[]>((resolve) => b.registry.onChange((list) => resolve(list.map((i) => i.name))));
    await a.registry.upsert({ name: 'lab', port: 6000, allowedSources: ['10.0.0.0/8'] }, ALICE);
    expect(await changed).toEqual(['default', 'lab']);
    expect(b.registry.get('lab')).toMatchObject({ port: 6000, allowedSources: ['10.0.0.0/8'], version: 1 });
    await a.registry.remove('lab', ALICE);
    await waitFor(() => b.registry.get('lab') === undefined, { what: 'the deletion in the other process' });
  });

  describe('HL7_INTERFACES_FILE', () => {
    const write = (path: string, value: unknown): void => {
      // Like editors and ConfigMaps: write beside, then rename over (a new inode each time).
      const tmp = `${path}.tmp`;
      writeFileSync(tmp, typeof value === 'string' ? value : JSON.stringify(value));
      renameSync(tmp, path);
    };

    it('upserts the file at start, reloads it when it changes, and keeps the last good one', async () => {
      const file = join(dir.path, 'interfaces.json');
      write(file, {
        interfaces: [
          { name: 'lab', port: 6000 },
          { name: 'epic', route: { sendingApplication: 'EPIC' } },
        ],
      });
      const { registry, ds, logger } = await boot({ file });
      expect(registry.record('lab')).toMatchObject({ origin: 'file', version: 1, updatedBy: 'file' });
      expect(registry.fileStatus()).toMatchObject({ ok: true, interfaces: 2 });

      // Read-only through the API.
      await expect(registry.upsert({ name: 'lab', port: 6001 }, ALICE)).rejects.toMatchObject({ code: 'read_only' });
      await expect(registry.remove('epic', ALICE)).rejects.toMatchObject({ code: 'read_only' });

      // Changed without a restart: lab moves, epic leaves.
      write(file, { interfaces: [{ name: 'lab', port: 6001 }] });
      await waitFor(() => registry.get('lab')?.port === 6001, {
        what: 'the changed file to apply',
        timeoutMs: FILE_CHANGE_WAIT_MS,
      });
      expect(registry.get('epic')).toBeUndefined();
      expect(registry.record('lab')?.version).toBe(2);

      // A file that is not JSON, or not valid, changes nothing and says why.
      write(file, '{"interfaces": [ {"name": "lab", ');
      await waitFor(() => registry.fileStatus()?.ok === false, {
        what: 'the broken file to be refused',
        timeoutMs: FILE_CHANGE_WAIT_MS,
      });
      expect(registry.fileStatus()?.error).toMatch(/^not valid JSON/);
      write(file, { interfaces: [{ name: 'lab', port: 70000 }] });
      await waitFor(() => /port: must be 1–65535/.test(registry.fileStatus()?.error ?? ''), {
        what: 'the invalid file to be refused',
        timeoutMs: FILE_CHANGE_WAIT_MS,
      });
      expect(registry.get('lab')?.port).toBe(6001);
      expect(logger.lines.some((l) => /HL7_INTERFACES_FILE .* refused.*port: must be 1–65535/.test(l))).toBe(true);

      // Fixed again: applied.
      write(file, { interfaces: [{ name: 'lab', port: 6002 }] });
      await waitFor(() => registry.get('lab')?.port === 6002, {
        what: 'the fixed file to apply',
        timeoutMs: FILE_CHANGE_WAIT_MS,
      });
      expect(registry.fileStatus()).toMatchObject({ ok: true });

      // The audit row is written after the change is live (the registry's commit comes first), so
      // wait for it rather than read the trail the moment the new port shows.
      const rows = await waitFor(
        async () => {
          const trail = await audits(ds);
          return trail.length >= 5 ? trail : undefined;
        },
        { what: 'the last change to be audited', timeoutMs: FILE_CHANGE_WAIT_MS },
      );
      expect(rows.map((r) => [r.actor, r.action, r.target_id])).toEqual([
        ['system', 'interface.create', 'lab'],
        ['system', 'interface.create', 'epic'],
        ['system', 'interface.update', 'lab'],
        ['system', 'interface.delete', 'epic'],
        ['system', 'interface.update', 'lab'],
      ]);
      expect(rows[2]?.detail).toMatchObject({ origin: 'file', before: { port: 6000 }, after: { port: 6001 } });
    });

    it('keeps the interfaces of a file that disappeared, and refuses one that clashes with the API', async () => {
      const file = join(dir.path, 'interfaces.json');
      write(file, { interfaces: [{ name: 'lab', port: 6000 }] });
      const first = await boot({ file });
      await first.registry.upsert({ name: 'main' }, ALICE);
      await first.module.close();
      procs.splice(0);

      // Started again with the file gone: what it defined stays (it is in the database).
      rmSync(file);
      const again = await boot({ file });
      expect(again.registry.fileStatus()).toMatchObject({ ok: false, error: 'file not found' });
      expect(again.registry.get('lab')?.port).toBe(6000);

      // A second catch-all on the shared port next to the API's `main`: refused as a whole.
      write(file, { interfaces: [{ name: 'lab', port: 6000 }, { name: 'catch-all' }] });
      await waitFor(() => /main and catch-all are both catch-alls/.test(again.registry.fileStatus()?.error ?? ''), {
        what: 'the clashing file to be refused',
      });
      expect(again.registry.get('catch-all')).toBeUndefined();
    });
  });
});
