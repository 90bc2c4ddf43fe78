import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { PersistenceModule, openDatabase } from '@circulator/persistence';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from '../../../../test/support/services';
import { AuditService, IdentityModule, TokenService } from '../index';
import type { AuditEventBundle } from './audit-event.mapper';

const ADMIN_PASSWORD = 'audit-trail-admin-secret';
const NURSE = { username: 'nurse.audit', password: 'tulip-moss-river-7', displayName: 'Nora Nurse', roles: ['nurse'] };
const SCHEDULER = {
  username: 'sched.audit',
  password: 'fern-lake-stone-42',
  displayName: 'Sam Desk',
  roles: ['scheduler'],
};

/** A clock the test sets: audit times are the injected clock's. */
class ManualClock {
  private at = new Date('2026-11-23T07:00:00.000Z');
  readonly now = (): Date => this.at;
  set(iso: string): void {
    this.at = new Date(iso);
  }
}

class QuietLogger implements LoggerService {
  log(): void {}
  warn(): void {}
  error(): void {}
}

interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  roles: string[];
  action: string;
  target_type: string;
  target_id: string | null;
  detail: Record<string, unknown>;
  source: string | null;
  prev_hash: string | null;
  hash: string | null;
}

interface Booted {
  app: INestApplication;
  ds: DataSource;
  http: () => ReturnType<typeof request>;
}

async function boot(settings: { databaseUrl?: string; dataDir: string }, now?: () => Date): Promise<Booted> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      PersistenceModule.forRoot(settings),
      IdentityModule.forRoot({ adminPassword: ADMIN_PASSWORD, ...(now ? { now } : {}) }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: new QuietLogger() });
  try {
    await app.init();
  } catch (err) {
    await app.close();
    throw err;
  }
  return { app, ds: app.get(DataSource), http: () => request(app.getHttpServer()) };
}

async function tokenFor(b: Booted, username: string, password: string): Promise<string> {
  const res = await b.http().post('/api/auth/token').send({ username, password }).expect(200);
  return (res.body as { access_token: string }).access_token;
}

/** Rows after `afterId`, oldest first, read with the application's own connection. */
async function rowsAfter(ds: DataSource, afterId: string): Promise<AuditRow[]> {
  return ds.query<AuditRow[]>(
    `SELECT a.id::text AS id, at, actor, roles, action, target_type, target_id, detail, source, prev_hash, hash
     FROM audit_log a WHERE a.id > $1::bigint ORDER BY a.id`,
    [afterId],
  );
}

async function lastId(ds: DataSource): Promise<string> {
  const [row] = await ds.query<{ id: string }[]>(`SELECT coalesce(max(id), 0)::text AS id FROM audit_log`);
  return row!.id;
}

/** Each row's prev_hash is the hash of the row before it, from the genesis value. */
function expectLinked(rows: readonly AuditRow[]): void {
  let prev = '0'.repeat(64);
  for (const row of rows) {
    expect({ id: row.id, prev: row.prev_hash }).toEqual({ id: row.id, prev });
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    prev = row.hash!;
  }
}

// supertest connects over loopback: IPv4, or IPv4-mapped IPv6.
const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$|^::1$/;

describe('audit trail on PostgreSQL', () => {
  let pg: TestDatabase;
  let dir: TempDir;
  const clock = new ManualClock();
  let one: Booted;
  let admin: string;
  let adminId: string;

  beforeAll(async () => {
    pg = await createTestDatabase();
    dir = createTempDir();
    one = await boot({ databaseUrl: pg.url, dataDir: dir.path }, clock.now);
    admin = await tokenFor(one, 'admin', ADMIN_PASSWORD);
    adminId = (await one.app.get(TokenService).verify(admin)).sub;
  });
  afterAll(async () => {
    await one?.app.close();
    await pg?.drop();
    dir?.remove();
  });

  const as = (token: string) => ({
    get: (path: string) => one.http().get(path).auth(token, { type: 'bearer' }),
    post: (path: string, body: object) => one.http().post(path).auth(token, { type: 'bearer' }).send(body),
    delete: (path: string) => one.http().delete(path).auth(token, { type: 'bearer' }),
  });

  /** Runs one operation and answers the audit rows it wrote. */
  async function rowsOf(operation: () => Promise<unknown>): Promise<AuditRow[]> {
    const before = await lastId(one.ds);
    await operation();
    return rowsAfter(one.ds, before);
  }

  describe('one row per audited operation', () => {
    let nurseId: string;
    let displayId: string;

    it('a sign-in: who, role, when, from where', async () => {
      clock.set('2026-11-23T07:01:00.000Z');
      const rows = await rowsOf(() => tokenFor(one, 'admin', ADMIN_PASSWORD));
      expect(rows).toEqual([
        expect.objectContaining({
          action: 'auth.token',
          actor: `user:${adminId}`,
          roles: ['admin'],
          target_type: 'user',
          target_id: adminId,
          at: new Date('2026-11-23T07:01:00.000Z'),
          source: expect.stringMatching(LOOPBACK),
        }),
      ]);
    });

    it('a refused sign-in, by nobody', async () => {
      clock.set('2026-11-23T07:05:00.000Z');
      const rows = await rowsOf(() =>
        one.http().post('/api/auth/token').send({ username: 'admin', password: 'not the password!' }).expect(401),
      );
      expect(rows).toEqual([
        expect.objectContaining({ action: 'auth.token', actor: 'anonymous', roles: [], target_id: null }),
      ]);
      expect(rows[0]!.detail).toMatchObject({ outcome: 'failure', username: 'admin' });
      expect(JSON.stringify(rows)).not.toContain('not the password!');
    });

    it('a user created by the admin', async () => {
      const rows = await rowsOf(async () => {
        nurseId = ((await as(admin).post('/api/users', NURSE).expect(201)).body as { id: string }).id;
      });
      expect(rows).toEqual([
        expect.objectContaining({
          action: 'user.create',
          actor: `user:${adminId}`,
          target_type: 'user',
          target_id: nurseId,
          source: expect.stringMatching(LOOPBACK),
        }),
      ]);
    });

    it('a display credential created, then revoked', async () => {
      const created = await rowsOf(async () => {
        displayId = ((await as(admin).post('/api/displays', { roomId: 'or-3' }).expect(201)).body as { id: string }).id;
      });
      expect(created).toEqual([
        expect.objectContaining({ action: 'display.create', target_type: 'display', target_id: displayId }),
      ]);
      const revoked = await rowsOf(() => as(admin).delete(`/api/displays/${displayId}`).expect(204));
      expect(revoked).toEqual([
        expect.objectContaining({ action: 'display.revoke', target_type: 'display', target_id: displayId }),
      ]);
    });

    it('each read of the audit trail itself (search, verify, export)', async () => {
      for (const path of ['/api/audit?action=user.create', '/api/audit/verify', '/api/audit/export?limit=3']) {
        const rows = await rowsOf(() => as(admin).get(path).expect(200));
        expect(rows).toEqual([
          expect.objectContaining({ action: 'audit.read', actor: `user:${adminId}`, target_type: 'audit_log' }),
        ]);
      }
    });

    it('nothing for a request that was refused or invalid', async () => {
      await as(admin)
        .post('/api/users', { ...NURSE, roles: ['admin'] })
        .expect(409);
      const nurse = await tokenFor(one, NURSE.username, NURSE.password);
      expect(await rowsOf(() => as(nurse).get('/api/audit').expect(403))).toEqual([]);
      expect(await rowsOf(() => as(admin).get('/api/audit?limit=0').expect(400))).toEqual([]);
      expect(await rowsOf(() => one.http().get('/api/audit').expect(401))).toEqual([]);
    });
  });

  describe('GET /api/audit', () => {
    it('answers newest first, in keyset pages, filtered', async () => {
      await as(admin).post('/api/users', SCHEDULER).expect(201);
      const first = (await as(admin).get('/api/audit?limit=2').expect(200)).body as {
        entries: { id: string }[];
        next: string;
      };
      expect(first.entries).toHaveLength(2);
      expect(BigInt(first.entries[0]!.id)).toBeGreaterThan(BigInt(first.entries[1]!.id));
      expect(first.next).toBe(first.entries[1]!.id);
      const second = (await as(admin).get(`/api/audit?limit=2&before=${first.next}`).expect(200)).body as {
        entries: { id: string }[];
      };
      expect(BigInt(second.entries[0]!.id)).toBeLessThan(BigInt(first.next));

      const created = (await as(admin).get('/api/audit?action=user.create&targetType=user').expect(200)).body as {
        entries: { action: string; actor: string; targetId: string; at: string; source: string; hash: string }[];
        next: string | null;
      };
      expect(created.next).toBeNull();
      expect(created.entries.map((e) => e.action)).toEqual(['user.create', 'user.create']);
      expect(created.entries[0]).toMatchObject({ actor: `user:${adminId}`, source: expect.stringMatching(LOOPBACK) });

      const byActor = (await as(admin).get(`/api/audit?actor=anonymous`).expect(200)).body as {
        entries: { action: string }[];
      };
      expect(byActor.entries.map((e) => e.action)).toEqual(['auth.token']);
      const window = (
        await as(admin).get('/api/audit?from=2026-11-23T07:00:30Z&to=2026-11-23T07:01:30Z&action=auth.token')
      ).body as { entries: { at: string }[] };
      expect(window.entries.map((e) => e.at)).toEqual(['2026-11-23T07:01:00.000Z']);
    });

    it('refuses bad queries with problem JSON naming the parameter', async () => {
      for (const query of ['limit=0', 'limit=5000', 'before=abc', 'from=yesterday', 'colour=red', 'action=A%20B']) {
        const res = await as(admin).get(`/api/audit?${query}`).expect(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 400, title: 'Invalid request' });
      }
      const reversed = await as(admin).get('/api/audit?from=2026-11-24T00:00:00Z&to=2026-11-23T00:00:00Z').expect(400);
      expect(reversed.body.errors).toEqual([{ pointer: '/to', detail: 'from must be before to' }]);
    });
  });

  describe('the hash chain', () => {
    it('forms one unbroken chain from 200 records made at once by two processes', async () => {
      const two = await boot({ databaseUrl: pg.url, dataDir: dir.path }, clock.now);
      try {
        const before = await lastId(one.ds);
        const services = [one.app.get(AuditService), two.app.get(AuditService)];
        await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            services[i % 2]!.record({
              principal: 'system',
              action: 'test.concurrent',
              targetType: 'test',
              targetId: String(i),
              detail: { i, text: 'ünïcödé \u0000 and a lone \ud800' },
            }),
          ),
        );
        const rows = await rowsAfter(one.ds, before);
        expect(rows).toHaveLength(200);
        expect(new Set(rows.map((r) => r.target_id)).size).toBe(200);
        expectLinked(await rowsAfter(one.ds, '0'));
        // Group commit: each process wrote its first record alone and the 99 that queued meanwhile
        // in one more transaction; rows of one transaction share its xmin.
        const [group] = await one.ds.query<{ transactions: number }[]>(
          `SELECT count(DISTINCT xmin::text)::int AS transactions FROM audit_log WHERE id > $1::bigint`,
          [before],
        );
        expect(group?.transactions).toBeLessThanOrEqual(4);
        const checked = Number(await lastId(one.ds));
        const verify = await as(admin).get('/api/audit/verify').expect(200);
        expect(verify.body).toEqual({ ok: true, checked, head: { id: String(checked), hash: rows.at(-1)!.hash } });
      } finally {
        await two.app.close();
      }
    });

    it('is append-only for the application: UPDATE, DELETE and TRUNCATE are refused', async () => {
      const id = await lastId(one.ds);
      await expect(one.ds.query(`UPDATE audit_log SET detail = '{"edited":true}' WHERE id = $1`, [id])).rejects.toThrow(
        /audit_log is append-only: UPDATE refused/,
      );
      await expect(one.ds.query(`UPDATE audit_log SET hash = NULL WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
      await expect(one.ds.query(`DELETE FROM audit_log WHERE id = $1`, [id])).rejects.toThrow(
        /audit_log is append-only: DELETE refused/,
      );
      await expect(one.ds.query(`TRUNCATE audit_log`)).rejects.toThrow(/audit_log is append-only: TRUNCATE refused/);
      const grants = await one.ds.query<{ privilege_type: string }[]>(
        `SELECT privilege_type FROM information_schema.role_table_grants
         WHERE table_name = 'audit_log' AND grantee = 'PUBLIC'`,
      );
      expect(grants).toEqual([]);
    });

    it('shows a row edited behind the trigger: verify names exactly that row', async () => {
      const rows = await rowsAfter(one.ds, '0');
      const target = rows.find((r) => r.action === 'user.create')!;
      const position = rows.indexOf(target);
      // As a superuser would: with replication role "replica", ordinary triggers do not fire.
      const su = new Client({ connectionString: pg.url });
      await su.connect();
      try {
        await su.query(`SET session_replication_role = replica`);
        await su.query(`UPDATE audit_log SET detail = jsonb_set(detail, '{username}', '"mallory"') WHERE id = $1`, [
          target.id,
        ]);
        const broken = (await as(admin).get('/api/audit/verify').expect(200)).body as Record<string, unknown>;
        expect(broken).toEqual({ ok: false, checked: position, firstBrokenId: target.id, reason: 'hash' });

        // Put it back: the chain holds again, so it was that one field and nothing else.
        await su.query(`UPDATE audit_log SET detail = $2::jsonb WHERE id = $1`, [
          target.id,
          JSON.stringify(target.detail),
        ]);
        expect((await as(admin).get('/api/audit/verify').expect(200)).body).toMatchObject({ ok: true });
      } finally {
        await su.end();
      }
    });
  });

  it('exports the trail as FHIR R4 AuditEvents in searchset Bundles', async () => {
    const first = await as(admin).get('/api/audit/export?from=2026-11-23T07:00:00Z&limit=3').expect(200);
    expect(first.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const bundle = first.body as AuditEventBundle;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    expect(bundle.entry).toHaveLength(3);
    for (const { resource } of bundle.entry) {
      expect(resource).toMatchObject({
        resourceType: 'AuditEvent',
        type: { system: expect.any(String), code: expect.any(String) },
        recorded: expect.stringMatching(/^2026-11-23T/),
        agent: [expect.objectContaining({ requestor: true })],
        source: { observer: { display: 'Circulator' } },
      });
    }
    const next = bundle.link.find((l) => l.relation === 'next')!.url;
    expect(next).toMatch(/^\/api\/audit\/export\?.*before=\d+/);
    const page2 = (await as(admin).get(next).expect(200)).body as AuditEventBundle;
    expect(Number(page2.entry[0]!.resource.id)).toBeLessThan(Number(bundle.entry[2]!.resource.id));

    const signIns = (await as(admin).get('/api/audit/export?action=auth.token&actor=anonymous').expect(200))
      .body as AuditEventBundle;
    expect(signIns.entry.map((e) => e.resource)).toEqual([
      expect.objectContaining({
        type: expect.objectContaining({ code: '110114' }),
        action: 'E',
        outcome: '4',
        agent: [expect.objectContaining({ network: { address: expect.stringMatching(LOOPBACK), type: '2' } })],
      }),
    ]);
  });
});

describe('audit trail upgrade: rows written before the chain', () => {
  let pg: TestDatabase;
  let dir: TempDir;
  beforeAll(async () => {
    pg = await createTestDatabase();
    dir = createTempDir();
  });
  afterAll(async () => {
    await pg?.drop();
    dir?.remove();
  });

  it('are sealed into the chain once, at the next start, and appends continue it', async () => {
    const settings = { databaseUrl: pg.url, dataDir: dir.path };
    // The database as the previous release left it: every migration but the chain's, with rows.
    const ds = await openDatabase(settings);
    await ds.undoLastMigration({ transaction: 'each' });
    for (let i = 0; i < 3; i++) {
      await ds.query(
        `INSERT INTO audit_log (at, actor, roles, action, target_type, target_id, detail)
         VALUES (now(), 'user:old', '["admin"]', 'user.create', 'user', $1, '{"from":"v1"}')`,
        [`old-${i}`],
      );
    }
    await ds.destroy();

    const b = await boot(settings);
    try {
      const rows = await rowsAfter(b.ds, '0');
      expect(rows.slice(0, 3).map((r) => r.target_id)).toEqual(['old-0', 'old-1', 'old-2']);
      expect(rows.length).toBeGreaterThan(3); // the admin ensured at start
      expectLinked(rows);
      // Sealed rows are as append-only as any other.
      await expect(b.ds.query(`UPDATE audit_log SET hash = NULL, prev_hash = NULL WHERE id = 1`)).rejects.toThrow(
        /append-only/,
      );
      const token = await tokenFor(b, 'admin', ADMIN_PASSWORD);
      const verify = await b.http().get('/api/audit/verify').auth(token, { type: 'bearer' }).expect(200);
      expect(verify.body).toMatchObject({ ok: true, checked: rows.length + 1 });
    } finally {
      await b.app.close();
    }
  });
});

describe('audit trail on embedded PGlite', () => {
  let dir: TempDir;
  let b: Booted;
  beforeAll(async () => {
    dir = createTempDir();
    b = await boot({ dataDir: dir.path });
  });
  afterAll(async () => {
    await b?.app.close();
    dir?.remove();
  });

  it('chains, refuses edits, verifies and exports the same way', async () => {
    const token = await tokenFor(b, 'admin', ADMIN_PASSWORD);
    const audit = b.app.get(AuditService);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        audit.record({ principal: 'system', action: 'test.embedded', targetType: 'test', targetId: String(i) }),
      ),
    );
    expectLinked(await rowsAfter(b.ds, '0'));
    await expect(b.ds.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(b.ds.query(`UPDATE audit_log SET actor = 'x'`)).rejects.toThrow(/append-only/);
    const checked = Number(await lastId(b.ds));
    const verify = await b.http().get('/api/audit/verify').auth(token, { type: 'bearer' }).expect(200);
    expect(verify.body).toMatchObject({ ok: true, checked });
    const bundle = (
      await b.http().get('/api/audit/export?action=test.embedded&limit=50').auth(token, { type: 'bearer' })
    ).body as AuditEventBundle;
    expect(bundle.entry).toHaveLength(50);
  });
});
