import { randomUUID } from 'node:crypto';
import { Controller, Get, type INestApplication, Module, NotFoundException, Param, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CASE_READER_ROLES } from '@circulator/contracts';
import { PersistenceModule } from '@circulator/persistence';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from '../../../test/support/services';
import {
  AuditService,
  CredentialEvents,
  CurrentPrincipal,
  IdentityModule,
  type Principal,
  type RevokedSubject,
  Roles,
  TokenService,
} from './index';

const ADMIN_PASSWORD = 'violet quarry lantern';
const PASSWORD = 'amber-fjord-compass-9';
const T0 = new Date('2026-11-21T07:00:00Z');

/** A clock the test moves by hand: lockout and expiry without waiting. Only ever moves forward. */
class ManualClock {
  private at = T0;
  readonly now = (): Date => this.at;
  advance(seconds: number): void {
    this.at = new Date(this.at.getTime() + seconds * 1000);
  }
}

/**
 * Stand-ins for the app's case routes (apps/server CasesController): the same paths, roles and
 * read audit, so the guard's treatment of consultation tokens is tested on real routes.
 */
@Controller('api')
class CaseProbeController {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  @Get('cases/:id')
  @Roles(...CASE_READER_ROLES)
  async getCase(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM surgical_case WHERE id::text = $1`, [id]);
    if (rows.length === 0) throw new NotFoundException(`no case ${id}`);
    await this.audit.record({ principal, action: 'cases.read', targetType: 'case', targetId: id });
    return { id, reader: principal.kind };
  }

  @Get('cases/:id/events')
  @Roles(...CASE_READER_ROLES)
  events(@Param('id') id: string) {
    return [{ caseId: id }];
  }

  @Post('cases/:id/milestones')
  @Roles('nurse', 'surgeon', 'anesthesiologist')
  milestone(@Param('id') id: string) {
    return { id };
  }

  @Get('rooms')
  @Roles(...CASE_READER_ROLES)
  rooms() {
    return [];
  }

  // Deliberately without @Roles: closed to a consultation too.
  @Get('cases/:id/unannotated')
  forgotten() {
    return { leaked: true };
  }
}

@Module({ controllers: [CaseProbeController] })
class CaseProbeModule {}

interface Booted {
  app: INestApplication;
  http: () => ReturnType<typeof request>;
  events: RevokedSubject[];
}

async function boot(settings: { databaseUrl?: string; dataDir: string }, now: () => Date): Promise<Booted> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      PersistenceModule.forRoot(settings),
      IdentityModule.forRoot({ adminPassword: ADMIN_PASSWORD, now }),
      CaseProbeModule,
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const events: RevokedSubject[] = [];
  app.get(CredentialEvents).onRevoked((subject) => void events.push(subject));
  return { app, http: () => request(app.getHttpServer()), events };
}

interface Pair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  refresh_expires_in: number;
}

function expectProblem(res: request.Response, status: number, detail?: RegExp): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status }));
  if (detail) expect(res.body.detail).toMatch(detail);
}

describe('identity hardening on PostgreSQL', () => {
  let pg: TestDatabase;
  let dir: TempDir;
  const clock = new ManualClock();
  let b: Booted;
  let caseId: string;
  let otherCaseId: string;

  const signIn = (username: string, password: string) => b.http().post('/api/auth/token').send({ username, password });
  const pairFor = async (username: string, password: string): Promise<Pair> =>
    (await signIn(username, password).expect(200)).body as Pair;
  const admin = async () => (await pairFor('admin', ADMIN_PASSWORD)).access_token;
  const as = (token: string) => ({
    get: (url: string) => b.http().get(url).auth(token, { type: 'bearer' }),
    post: (url: string, body?: object) =>
      b
        .http()
        .post(url)
        .auth(token, { type: 'bearer' })
        .send(body ?? {}),
    patch: (url: string, body: object) => b.http().patch(url).auth(token, { type: 'bearer' }).send(body),
    delete: (url: string) => b.http().delete(url).auth(token, { type: 'bearer' }),
  });
  /** Creates a user (by admin) and returns its id. */
  const createUser = async (username: string, roles: string[], password = PASSWORD): Promise<string> => {
    const res = await as(await admin())
      .post('/api/users', { username, password, displayName: username, roles })
      .expect(201);
    return (res.body as { id: string }).id;
  };
  const audit = async (action: string, targetId?: string) => {
    const rows: { actor: string; target_id: string | null; detail: Record<string, unknown>; at: Date }[] = await b.app
      .get(DataSource)
      .query(
        `SELECT actor, target_id, detail, at FROM audit_log WHERE action = $1 AND ($2::text IS NULL OR target_id = $2)
         ORDER BY id`,
        [action, targetId ?? null],
      );
    return rows;
  };
  const auditFor = async (action: string, username: string) =>
    (await audit(action)).filter((r) => r.detail['username'] === username);

  beforeAll(async () => {
    pg = await createTestDatabase();
    dir = createTempDir();
    b = await boot({ databaseUrl: pg.url, dataDir: dir.path }, clock.now);
    const ds = b.app.get(DataSource);
    await ds.query(`INSERT INTO room (id, name) VALUES ('or-7', 'OR 7')`);
    caseId = randomUUID();
    otherCaseId = randomUUID();
    for (const id of [caseId, otherCaseId]) {
      await ds.query(
        `INSERT INTO surgical_case (id, version, status, room_id, scheduled_start, scheduled_end, state, updated_at)
         VALUES ($1, 1, 'scheduled', 'or-7', $2, $3, $4::jsonb, $2)`,
        [id, T0, new Date(T0.getTime() + 3600_000), JSON.stringify({ id })],
      );
    }
  });
  afterAll(async () => {
    await b?.app.close();
    await pg?.drop();
    dir?.remove();
  });

  describe('password policy', () => {
    it('refuses weak passwords on creation, naming the rule and never echoing the password', async () => {
      const token = await admin();
      const cases: [string, RegExp][] = [
        ['short-one', /at least 12 characters/],
        ['x'.repeat(129), /at most 128 characters/],
        ['pol.user is my name', /must not contain the username/],
        ['Password2026!', /too common/],
        ['aaaaaaaaaaaaaaaa', /repeated/],
        ['abcdefghijklmnop', /sequence/],
        ['qwertyuiop123456', /sequence/],
      ];
      for (const [password, rule] of cases) {
        const res = await as(token).post('/api/users', {
          username: 'pol.user',
          password,
          displayName: 'P',
          roles: ['nurse'],
        });
        expectProblem(res, 400, rule);
        expect(res.body.type).toBe('urn:circulator:problem:weak-password');
        expect(res.body.errors[0]).toEqual({ pointer: '/password', detail: expect.any(String) });
        expect(JSON.stringify(res.body)).not.toContain(password);
      }
      expect(await auditFor('user.create', 'pol.user')).toHaveLength(0);
    });

    it('applies on an admin reset and on a change of one’s own password', async () => {
      const id = await createUser('pol.two', ['nurse']);
      const token = await admin();
      expectProblem(await as(token).post(`/api/users/${id}/password`, { password: 'pol.two-2026-x' }), 400, /username/);
      const own = (await pairFor('pol.two', PASSWORD)).access_token;
      const weak = await as(own).post('/api/auth/password', {
        currentPassword: PASSWORD,
        newPassword: 'iloveyou1234',
      });
      expectProblem(weak, 400, /newPassword: is too common/);
      expect(weak.body.errors).toEqual([{ pointer: '/newPassword', detail: expect.any(String) }]);
      // Nothing changed: the old password still works.
      await signIn('pol.two', PASSWORD).expect(200);
      expect(await audit('user.password.reset', id)).toHaveLength(0);
      expect(await audit('user.password.change', id)).toHaveLength(0);
    });
  });

  describe('lockout', () => {
    it('locks a name after 5 consecutive failures, even for the right password, until 15 minutes pass', async () => {
      await createUser('lock.one', ['nurse']);
      for (let i = 1; i <= 4; i++) {
        expectProblem(await signIn('lock.one', 'not the right one'), 401, /invalid username or password/);
      }
      const fifth = await signIn('Lock.One', 'not the right one');
      expectProblem(fifth, 401, /too many failed sign-in attempts: try again later/);
      expect(fifth.body.type).toBe('urn:circulator:problem:account-locked');
      const right = await signIn('lock.one', PASSWORD);
      expectProblem(right, 401, /too many failed/);
      expect(right.body.refresh_token).toBeUndefined();

      const lockouts = await auditFor('auth.lockout', 'lock.one');
      expect(lockouts).toHaveLength(1);
      expect(lockouts[0]).toMatchObject({ actor: 'anonymous', detail: { failures: 5 } });
      expect(new Date(lockouts[0]!.detail['lockedUntil'] as string).getTime() - clock.now().getTime()).toBe(900_000);

      clock.advance(899);
      expectProblem(await signIn('lock.one', PASSWORD), 401, /too many failed/);
      clock.advance(1);
      await signIn('lock.one', PASSWORD).expect(200);
      // The success reset the count: four more failures do not lock.
      for (let i = 1; i <= 4; i++) expectProblem(await signIn('lock.one', 'wrong again!'), 401, /invalid/);
      await signIn('lock.one', PASSWORD).expect(200);
      expect(await auditFor('auth.lockout', 'lock.one')).toHaveLength(1);
    });

    it('locks an unknown name the same way, so answers never tell whether an account exists', async () => {
      const known = await createUser('lock.known', ['nurse']);
      expect(known).toEqual(expect.any(String));
      const answers: request.Response[][] = [[], []];
      for (let i = 1; i <= 6; i++) {
        answers[0]!.push(await signIn('lock.known', 'wrong password here'));
        answers[1]!.push(await signIn('lock.nobody', 'wrong password here'));
      }
      for (let i = 0; i < 6; i++) {
        expect(answers[1]![i]!.status).toBe(401);
        expect(answers[1]![i]!.body).toEqual(answers[0]![i]!.body);
      }
      expect(answers[1]![5]!.body.detail).toMatch(/too many failed/);
      expect(await auditFor('auth.lockout', 'lock.nobody')).toHaveLength(1);
      expect(await auditFor('auth.lockout', 'lock.known')).toHaveLength(1);
      clock.advance(900);
    });

    it('shows the lock to an admin, who can lift it', async () => {
      const id = await createUser('lock.two', ['scheduler']);
      for (let i = 1; i <= 5; i++) await signIn('lock.two', 'wrong password here');
      const token = await admin();
      const listed = (await as(token).get('/api/users').expect(200)).body as { id: string; lockedUntil: unknown }[];
      const until = new Date(clock.now().getTime() + 900_000).toISOString();
      expect(listed.find((u) => u.id === id)?.lockedUntil).toBe(until);
      expect((await as(token).get(`/api/users/${id}`).expect(200)).body.lockedUntil).toBe(until);

      await as(token).post(`/api/users/${id}/unlock`).expect(204);
      await signIn('lock.two', PASSWORD).expect(200);
      expect((await as(token).get(`/api/users/${id}`).expect(200)).body.lockedUntil).toBeNull();
      const unlocks = await audit('user.unlock', id);
      expect(unlocks).toHaveLength(1);
      expect(unlocks[0]).toMatchObject({ actor: expect.stringMatching(/^user:/), detail: { wasLocked: true } });
      expectProblem(await as(token).post(`/api/users/${randomUUID()}/unlock`), 404);
      const nurse = (await pairFor('lock.two', PASSWORD)).access_token;
      expectProblem(await as(nurse).post(`/api/users/${id}/unlock`), 403);
    });
  });

  describe('refresh tokens', () => {
    it('rotate: a refresh answers a new pair, uncached, and spends the old refresh token', async () => {
      await createUser('ref.one', ['nurse']);
      const first = await pairFor('ref.one', PASSWORD);
      expect(first.expires_in).toBe(900);
      expect(first.refresh_expires_in).toBe(43_200);
      clock.advance(600);
      const res = await b.http().post('/api/auth/refresh').send({ refresh_token: first.refresh_token });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const second = res.body as Pair;
      expect(second).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.any(String),
        refresh_expires_in: 43_200 - 600,
      });
      expect(second.refresh_token).not.toBe(first.refresh_token);
      await as(second.access_token).get('/api/rooms').expect(200);
      expect(await audit('auth.refresh')).toHaveLength(1);
      // Only hashes are stored.
      const stored: { token_hash: string }[] = await b.app
        .get(DataSource)
        .query(`SELECT token_hash FROM refresh_token`);
      expect(JSON.stringify(stored)).not.toContain(first.refresh_token);
      expect(JSON.stringify(stored)).not.toContain(second.refresh_token);
    });

    it('detect reuse: a spent refresh token revokes the whole family, once audited', async () => {
      const id = await createUser('ref.two', ['nurse']);
      const first = await pairFor('ref.two', PASSWORD);
      const second = (await b.http().post('/api/auth/refresh').send({ refresh_token: first.refresh_token }).expect(200))
        .body as Pair;
      // Someone replays the first (stolen) token: refused, and the family is gone for both.
      const replay = await b.http().post('/api/auth/refresh').send({ refresh_token: first.refresh_token });
      expectProblem(replay, 401, /refresh token is invalid, spent or expired/);
      expectProblem(await b.http().post('/api/auth/refresh').send({ refresh_token: second.refresh_token }), 401);
      expectProblem(await as(second.access_token).get('/api/rooms'), 401);
      expectProblem(await b.http().post('/api/auth/refresh').send({ refresh_token: first.refresh_token }), 401);
      const reuse = await audit('auth.refresh.reuse', id);
      expect(reuse).toHaveLength(1);
      // Another sign-in of the same user is unaffected.
      const other = await pairFor('ref.two', PASSWORD);
      await as(other.access_token).get('/api/rooms').expect(200);
    });

    it('refuse garbage and end with the family’s absolute lifetime (a 12-hour shift)', async () => {
      await createUser('ref.three', ['nurse']);
      expectProblem(await b.http().post('/api/auth/refresh').send({ refresh_token: 'nonsense' }), 401);
      expectProblem(await b.http().post('/api/auth/refresh').send({}), 400);
      let pair = await pairFor('ref.three', PASSWORD);
      for (let i = 0; i < 3; i++) {
        clock.advance(4 * 3600 - 60);
        pair = (await b.http().post('/api/auth/refresh').send({ refresh_token: pair.refresh_token }).expect(200))
          .body as Pair;
      }
      // 3 × (4 h − 1 min) elapsed: 3 minutes of the shift left, and no access token outlives it.
      expect(pair.refresh_expires_in).toBe(180);
      expect(pair.expires_in).toBe(180);
      clock.advance(180);
      expectProblem(await b.http().post('/api/auth/refresh').send({ refresh_token: pair.refresh_token }), 401);
      expectProblem(await as(pair.access_token).get('/api/rooms'), 401);
    });

    it('let only one of two concurrent refreshes with one token win; the other counts as reuse', async () => {
      const id = await createUser('ref.race', ['nurse']);
      const pair = await pairFor('ref.race', PASSWORD);
      const refresh = () => b.http().post('/api/auth/refresh').send({ refresh_token: pair.refresh_token });
      const answers = await Promise.all([refresh(), refresh()]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
      const winner = answers.find((a) => a.status === 200)!.body as Pair;
      // Strict rotation: the family is revoked, the winner's new token too (clients refresh one at a time).
      expectProblem(await b.http().post('/api/auth/refresh').send({ refresh_token: winner.refresh_token }), 401);
      expect(await audit('auth.refresh.reuse', id)).toHaveLength(1);
    });

    it('logout revokes the family at once; a second logout is harmless', async () => {
      const id = await createUser('ref.four', ['nurse']);
      const pair = await pairFor('ref.four', PASSWORD);
      await as(pair.access_token).get('/api/rooms').expect(200);
      await b.http().post('/api/auth/logout').send({ refresh_token: pair.refresh_token }).expect(204);
      expectProblem(await as(pair.access_token).get('/api/rooms'), 401);
      expectProblem(await b.http().post('/api/auth/refresh').send({ refresh_token: pair.refresh_token }), 401);
      await b.http().post('/api/auth/logout').send({ refresh_token: pair.refresh_token }).expect(204);
      await b
        .http()
        .post('/api/auth/logout')
        .send({ refresh_token: 'x'.repeat(43) })
        .expect(204);
      expect(await audit('auth.logout', id)).toHaveLength(1);
      expect(await audit('auth.refresh.reuse', id)).toHaveLength(0);
    });

    it('re-read the user: new roles on refresh, a removed role refused at once', async () => {
      const id = await createUser('ref.five', ['nurse', 'scheduler']);
      const pair = await pairFor('ref.five', PASSWORD);
      const token = await admin();
      await as(token)
        .patch(`/api/users/${id}`, { roles: ['nurse', 'surgeon'] })
        .expect(200);
      const principal = await b.app.get(TokenService).verify(pair.access_token);
      expect(principal.roles).toEqual(['nurse']);
      const next = (await b.http().post('/api/auth/refresh').send({ refresh_token: pair.refresh_token }).expect(200))
        .body as Pair;
      expect((await b.app.get(TokenService).verify(next.access_token)).roles).toEqual(['nurse', 'surgeon']);
    });
  });

  describe('users administration', () => {
    it('lists and shows accounts without hashes', async () => {
      const id = await createUser('adm.one', ['biomed']);
      const token = await admin();
      const list = await as(token).get('/api/users').expect(200);
      expect(JSON.stringify(list.body)).not.toMatch(/argon2|password/i);
      const one = (await as(token).get(`/api/users/${id}`).expect(200)).body;
      expect(one).toEqual({
        id,
        username: 'adm.one',
        displayName: 'adm.one',
        roles: ['biomed'],
        disabled: false,
        lockedUntil: null,
        createdAt: expect.any(String),
      });
      expect(list.body).toContainEqual(one);
      expectProblem(await as(token).get(`/api/users/${randomUUID()}`), 404);
      expectProblem(await as(token).get('/api/users/not-a-uuid'), 404);
      const biomed = (await pairFor('adm.one', PASSWORD)).access_token;
      expectProblem(await as(biomed).get('/api/users'), 403);
    });

    it('changes display name and roles, refusing unknown members and the display role', async () => {
      const id = await createUser('adm.two', ['nurse']);
      const token = await admin();
      const res = await as(token)
        .patch(`/api/users/${id}`, { displayName: ' Nia Two ', roles: ['nurse', 'scheduler'] })
        .expect(200);
      expect(res.body).toMatchObject({ displayName: 'Nia Two', roles: ['nurse', 'scheduler'] });
      expectProblem(await as(token).patch(`/api/users/${id}`, { password: 'sneaky-new-password' }), 400);
      expectProblem(await as(token).patch(`/api/users/${id}`, { roles: ['display'] }), 400);
      expectProblem(await as(token).patch(`/api/users/${id}`, {}), 400);
      // The same values again change nothing and are not audited.
      await as(token).patch(`/api/users/${id}`, { displayName: 'Nia Two' }).expect(200);
      const updates = await audit('user.update', id);
      expect(updates).toHaveLength(1);
      expect(updates[0]!.detail).toMatchObject({
        displayName: 'Nia Two',
        roles: { from: ['nurse'], to: ['nurse', 'scheduler'] },
      });
    });

    it('disabling refuses the user at once, ends their sign-ins, announces and audits it once', async () => {
      const id = await createUser('adm.three', ['nurse']);
      const pair = await pairFor('adm.three', PASSWORD);
      const token = await admin();
      b.events.length = 0;
      const res = await as(token).patch(`/api/users/${id}`, { disabled: true }).expect(200);
      expect(res.body.disabled).toBe(true);
      expect(b.events).toEqual([{ kind: 'user', sub: id }]);
      expectProblem(await as(pair.access_token).get('/api/rooms'), 401);
      expectProblem(await b.http().post('/api/auth/refresh').send({ refresh_token: pair.refresh_token }), 401);
      expectProblem(await signIn('adm.three', PASSWORD), 401, /invalid username or password/);
      const updates = await audit('user.update', id);
      expect(updates).toHaveLength(1);
      expect(updates[0]!.detail).toMatchObject({ disabled: true, endedSessions: 1 });
      // Disabling again changes nothing: no second event or audit row.
      await as(token).patch(`/api/users/${id}`, { disabled: true }).expect(200);
      expect(b.events).toHaveLength(1);
      expect(await audit('user.update', id)).toHaveLength(1);

      await as(token).patch(`/api/users/${id}`, { disabled: false }).expect(200);
      await signIn('adm.three', PASSWORD).expect(200);
    });

    it('keeps admins from locking themselves and everyone out', async () => {
      const token = await admin();
      const self = (await b.app.get(TokenService).verify(token)).sub;
      const own = (body: object) => as(token).patch(`/api/users/${self}`, body);
      expectProblem(await own({ disabled: true }), 409, /cannot disable yourself/);
      expectProblem(await own({ roles: ['nurse'] }), 409, /cannot remove your own admin role/);
      await own({ roles: ['admin', 'nurse'] }).expect(200);
      await own({ roles: ['admin'] }).expect(200);

      const second = await createUser('adm.boss', ['admin']);
      const bossToken = (await pairFor('adm.boss', PASSWORD)).access_token;
      // Two enabled admins: the second may disable the first … but not the last one left.
      await as(bossToken).patch(`/api/users/${self}`, { disabled: true }).expect(200);
      const adminsLeft: { id: string }[] = await b.app
        .get(DataSource)
        .query(`SELECT id FROM app_user WHERE disabled = false AND roles @> '["admin"]'::jsonb`);
      expect(adminsLeft).toEqual([{ id: second }]);
      // adm.boss is the last enabled admin: nobody may take that away (here: only itself could).
      expectProblem(await as(bossToken).patch(`/api/users/${second}`, { roles: ['nurse'] }), 409);
      await as(bossToken).patch(`/api/users/${self}`, { disabled: false }).expect(200);
      await as(await admin())
        .patch(`/api/users/${second}`, { roles: ['biomed'] })
        .expect(200);
    });

    it('keeps one enabled admin when two admins disable each other at the same moment', async () => {
      const a = await createUser('adm.race.a', ['admin']);
      const c = await createUser('adm.race.c', ['admin']);
      const ds = b.app.get(DataSource);
      // Only these two may be enabled admins for the race to matter: disable the others for now.
      const others: { id: string }[] = await ds.query(
        `SELECT id FROM app_user WHERE disabled = false AND roles @> '["admin"]'::jsonb AND id <> ALL($1::uuid[])`,
        [[a, c]],
      );
      await ds.query(`UPDATE app_user SET disabled = true WHERE id = ANY($1::uuid[])`, [others.map((o) => o.id)]);
      try {
        const tokenA = (await pairFor('adm.race.a', PASSWORD)).access_token;
        const tokenC = (await pairFor('adm.race.c', PASSWORD)).access_token;
        const answers = await Promise.all([
          as(tokenA).patch(`/api/users/${c}`, { disabled: true }),
          as(tokenC).patch(`/api/users/${a}`, { disabled: true }),
        ]);
        // One wins; the other finds itself the last admin (409) or already disabled (401).
        expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
        expect([401, 409]).toContain(answers.find((r) => r.status !== 200)?.status);
        const left: unknown[] = await ds.query(
          `SELECT id FROM app_user WHERE disabled = false AND roles @> '["admin"]'::jsonb AND id = ANY($1::uuid[])`,
          [[a, c]],
        );
        expect(left).toHaveLength(1);
      } finally {
        await ds.query(`UPDATE app_user SET disabled = false WHERE id = ANY($1::uuid[])`, [
          [...others.map((o) => o.id), a, c],
        ]);
      }
    });

    it('an admin reset ends the user’s sign-ins and lifts a lock', async () => {
      const id = await createUser('adm.four', ['nurse']);
      const pair = await pairFor('adm.four', PASSWORD);
      for (let i = 1; i <= 5; i++) await signIn('adm.four', 'wrong password here');
      const token = await admin();
      await as(token).post(`/api/users/${id}/password`, { password: 'granite-meadow-harbor' }).expect(204);
      expectProblem(await as(pair.access_token).get('/api/rooms'), 401);
      expectProblem(await signIn('adm.four', PASSWORD), 401, /invalid/);
      await signIn('adm.four', 'granite-meadow-harbor').expect(200);
      const resets = await audit('user.password.reset', id);
      expect(resets).toHaveLength(1);
      expect(resets[0]!.detail).toMatchObject({ endedSessions: 1, unlocked: true });
      expect(JSON.stringify(resets)).not.toContain('granite');
      expectProblem(await as(token).post(`/api/users/${randomUUID()}/password`, { password: 'x' }), 404);
    });

    it('a user changes their own password: other sign-ins end, this one continues', async () => {
      const id = await createUser('adm.five', ['scheduler']);
      const other = await pairFor('adm.five', PASSWORD);
      const mine = await pairFor('adm.five', PASSWORD);
      const wrong = await as(mine.access_token).post('/api/auth/password', {
        currentPassword: 'not my password',
        newPassword: 'saffron-tundra-beacon',
      });
      expectProblem(wrong, 403, /current password is not correct/);
      await as(mine.access_token)
        .post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'saffron-tundra-beacon' })
        .expect(204);
      expectProblem(await as(other.access_token).get('/api/rooms'), 401);
      await as(mine.access_token).get('/api/rooms').expect(200);
      await b.http().post('/api/auth/refresh').send({ refresh_token: mine.refresh_token }).expect(200);
      await signIn('adm.five', 'saffron-tundra-beacon').expect(200);
      expect(await audit('user.password.change', id)).toHaveLength(1);
      expectProblem(await b.http().post('/api/auth/password').send({ currentPassword: 'a', newPassword: 'b' }), 401);
    });
  });

  describe('display credentials', () => {
    it('are listed without tokens and revoked with an announcement, audited once', async () => {
      const token = await admin();
      const created = (await as(token).post('/api/displays', { roomId: 'or-7' }).expect(201)).body as {
        id: string;
        token: string;
      };
      const list = await as(token).get('/api/displays').expect(200);
      expect(list.body).toContainEqual({
        id: created.id,
        roomId: 'or-7',
        createdAt: clock.now().toISOString(),
        createdBy: expect.stringMatching(/^user:/),
        revokedAt: null,
      });
      expect(JSON.stringify(list.body)).not.toContain(created.token);
      expectProblem(await as(created.token).get('/api/displays'), 403);

      b.events.length = 0;
      await as(token).delete(`/api/displays/${created.id}`).expect(204);
      await as(token).delete(`/api/displays/${created.id}`).expect(204);
      expect(b.events).toEqual([{ kind: 'display', sub: created.id }]);
      expectProblem(await as(created.token).get('/api/rooms'), 401);
      const after = (await as(token).get('/api/displays').expect(200)).body as { id: string; revokedAt: unknown }[];
      expect(after.find((d) => d.id === created.id)?.revokedAt).toBe(clock.now().toISOString());
      expect(await audit('display.create', created.id)).toHaveLength(1);
      expect(await audit('display.revoke', created.id)).toHaveLength(1);
    });
  });

  describe('remote consultations', () => {
    let surgeon: string;
    let surgeonId: string;
    const grant = (token: string, id: string, body: object) => as(token).post(`/api/cases/${id}/consultations`, body);

    beforeAll(async () => {
      surgeonId = await createUser('cons.surgeon', ['surgeon']);
      await createUser('cons.nurse', ['nurse']);
      await createUser('cons.anes', ['anesthesiologist']);
    });
    beforeEach(async () => {
      surgeon = (await pairFor('cons.surgeon', PASSWORD)).access_token;
    });

    it('grants a token that reads only its own case, audited under the consultation', async () => {
      const res = await grant(surgeon, caseId, { consultant: 'Dr. Remote, cardiology' });
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const expiresAt = new Date(clock.now().getTime() + 60 * 60_000).toISOString();
      expect(res.body).toEqual({
        id: expect.any(String),
        token: expect.any(String),
        caseId,
        consultant: 'Dr. Remote, cardiology',
        expiresAt,
      });
      const { id, token } = res.body as { id: string; token: string };
      expect(await b.app.get(TokenService).verify(token)).toEqual({
        kind: 'consult',
        sub: id,
        username: `consult:${caseId}`,
        roles: [],
        caseId,
      });

      await as(token).get(`/api/cases/${caseId}`).expect(200, { id: caseId, reader: 'consult' });
      await as(token).get(`/api/cases/${caseId}/events`).expect(200);
      expectProblem(await as(token).get(`/api/cases/${otherCaseId}`), 403);
      expectProblem(await as(token).get(`/api/cases/${caseId}/consultations`), 403);
      expectProblem(await as(token).post(`/api/cases/${caseId}/milestones`, { milestone: 'inRoom' }), 403);
      expectProblem(await as(token).get(`/api/cases/${caseId}/unannotated`), 403);
      expectProblem(await as(token).get('/api/rooms'), 403);
      expectProblem(await as(token).get('/api/users'), 403);
      expectProblem(await grant(token, caseId, { consultant: 'Dr. Chain' }), 403);

      const reads = await audit('cases.read', caseId);
      expect(reads.filter((r) => r.actor === `consult:${id}`)).toHaveLength(1);
      const created = await audit('consultation.create', id);
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({
        actor: `user:${surgeonId}`,
        detail: { caseId, consultant: 'Dr. Remote, cardiology', expiresAt },
      });
    });

    it('expires with the clock', async () => {
      const res = await grant(surgeon, caseId, { consultant: 'Dr. Brief', minutes: 5 }).expect(201);
      const { token, expiresAt } = res.body as { token: string; expiresAt: string };
      expect(new Date(expiresAt).getTime() - clock.now().getTime()).toBe(300_000);
      clock.advance(299);
      await as(token).get(`/api/cases/${caseId}`).expect(200);
      clock.advance(1);
      expectProblem(await as(token).get(`/api/cases/${caseId}`), 401);
      const listed = (
        await as(await admin())
          .get(`/api/cases/${caseId}/consultations`)
          .expect(200)
      ).body as {
        consultant: string;
        active: boolean;
      }[];
      expect(listed.find((c) => c.consultant === 'Dr. Brief')?.active).toBe(false);
    });

    it('is revoked by who granted it or an admin, at once, announced and audited once', async () => {
      const { id, token } = (await grant(surgeon, caseId, { consultant: 'Dr. Later', minutes: 480 }).expect(201))
        .body as { id: string; token: string };
      const anes = (await pairFor('cons.anes', PASSWORD)).access_token;
      expectProblem(await as(anes).delete(`/api/consultations/${id}`), 403, /who granted/);
      const nurse = (await pairFor('cons.nurse', PASSWORD)).access_token;
      expectProblem(await as(nurse).delete(`/api/consultations/${id}`), 403);

      b.events.length = 0;
      await as(surgeon).delete(`/api/consultations/${id}`).expect(204);
      await as(surgeon).delete(`/api/consultations/${id}`).expect(204);
      expect(b.events).toEqual([{ kind: 'consult', sub: id }]);
      expectProblem(await as(token).get(`/api/cases/${caseId}`), 401);
      expect(await audit('consultation.revoke', id)).toHaveLength(1);

      const byAdmin = (await grant(anes, caseId, { consultant: 'Dr. Admin-ended' }).expect(201)).body as {
        id: string;
      };
      await as(await admin())
        .delete(`/api/consultations/${byAdmin.id}`)
        .expect(204);
      expectProblem(await as(surgeon).delete(`/api/consultations/${randomUUID()}`), 404);
      expectProblem(await as(surgeon).delete('/api/consultations/nope'), 404);
    });

    it('lists a case’s consultations without tokens, to surgeon, anesthesiologist and admin only', async () => {
      const { token } = (await grant(surgeon, caseId, { consultant: 'Dr. Listed' }).expect(201)).body as {
        token: string;
      };
      const list = (await as(surgeon).get(`/api/cases/${caseId}/consultations`).expect(200)).body as {
        consultant: string;
      }[];
      expect(list.find((c) => c.consultant === 'Dr. Listed')).toEqual({
        id: expect.any(String),
        caseId,
        consultant: 'Dr. Listed',
        createdAt: clock.now().toISOString(),
        createdBy: `user:${surgeonId}`,
        expiresAt: expect.any(String),
        revokedAt: null,
        active: true,
      });
      expect(JSON.stringify(list)).not.toContain(token);
      await as(await admin())
        .get(`/api/cases/${caseId}/consultations`)
        .expect(200);
      const nurse = (await pairFor('cons.nurse', PASSWORD)).access_token;
      expectProblem(await as(nurse).get(`/api/cases/${caseId}/consultations`), 403);
      expectProblem(await grant(nurse, caseId, { consultant: 'Dr. No' }), 403);
    });

    it('needs an existing case and a sensible body', async () => {
      expectProblem(await grant(surgeon, randomUUID(), { consultant: 'Dr. Nowhere' }), 404);
      expectProblem(await grant(surgeon, 'not-a-case', { consultant: 'Dr. Nowhere' }), 404);
      expectProblem(await as(surgeon).get(`/api/cases/${randomUUID()}/consultations`), 404);
      for (const body of [
        {},
        { consultant: '' },
        { consultant: 'x'.repeat(121) },
        { consultant: 'Dr. X', minutes: 4 },
      ]) {
        expectProblem(await grant(surgeon, caseId, body), 400);
      }
      expectProblem(await grant(surgeon, caseId, { consultant: 'Dr. X', minutes: 481 }), 400);
    });
  });
});

describe('identity hardening on embedded PGlite', () => {
  let dir: TempDir;
  let b: Booted;
  const clock = new ManualClock();
  beforeAll(async () => {
    dir = createTempDir();
    b = await boot({ dataDir: dir.path }, clock.now);
  });
  afterAll(async () => {
    await b?.app.close();
    dir?.remove();
  });

  it('runs the same migration: lockout, rotation with reuse detection and consultations', async () => {
    for (let i = 1; i <= 5; i++) {
      await b.http().post('/api/auth/token').send({ username: 'ghost', password: 'not a password' });
    }
    const locked = await b.http().post('/api/auth/token').send({ username: 'ghost', password: 'not a password' });
    expect(locked.body.detail).toMatch(/too many failed/);

    const first = (
      await b.http().post('/api/auth/token').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(200)
    ).body as Pair;
    const second = (await b.http().post('/api/auth/refresh').send({ refresh_token: first.refresh_token }).expect(200))
      .body as Pair;
    await b.http().post('/api/auth/refresh').send({ refresh_token: first.refresh_token }).expect(401);
    await b.http().post('/api/auth/refresh').send({ refresh_token: second.refresh_token }).expect(401);

    const token = (
      (await b.http().post('/api/auth/token').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(200))
        .body as Pair
    ).access_token;
    const ds = b.app.get(DataSource);
    const caseId = randomUUID();
    await ds.query(`INSERT INTO room (id, name) VALUES ('or-1', 'OR 1')`);
    await ds.query(
      `INSERT INTO surgical_case (id, version, status, room_id, scheduled_start, scheduled_end, state, updated_at)
       VALUES ($1, 1, 'scheduled', 'or-1', $2, $2, '{}'::jsonb, $2)`,
      [caseId, T0],
    );
    const consult = await b
      .http()
      .post(`/api/cases/${caseId}/consultations`)
      .auth(token, { type: 'bearer' })
      .send({ consultant: 'Dr. Embedded' })
      .expect(201);
    await b.http().get(`/api/cases/${caseId}`).auth(consult.body.token, { type: 'bearer' }).expect(200);
    const users = await b.http().get('/api/users').auth(token, { type: 'bearer' }).expect(200);
    expect(users.body).toEqual([expect.objectContaining({ username: 'admin', lockedUntil: null })]);
  });
});
