import {
  Controller,
  Get,
  type INestApplication,
  type LoggerService,
  Module,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { PersistenceModule, openDatabase } from '@circulator/persistence';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from '../../../test/support/services';
import { CurrentPrincipal, IdentityModule, type Principal, Public, Roles, TokenService, UsersService } from './index';

const ADMIN_PASSWORD = 'violet quarry lantern';
const SCHEDULER = { username: 'sched.one', password: 'tulip-moss-river-7', displayName: 'Sam Scheduler' };

/** A clock the test moves by hand: token expiry without waiting. */
class ManualClock {
  private at = new Date('2026-11-21T07:00:00Z');
  readonly now = (): Date => this.at;
  advance(seconds: number): void {
    this.at = new Date(this.at.getTime() + seconds * 1000);
  }
  set(at: Date): void {
    this.at = at;
  }
}

/** Keeps what Nest logs, so the test can read the error ids it printed. */
class CapturingLogger implements LoggerService {
  readonly errors: string[] = [];
  log(): void {}
  warn(): void {}
  debug(): void {}
  verbose(): void {}
  error(message: unknown, ...rest: unknown[]): void {
    this.errors.push([message, ...rest].map(String).join('\n'));
  }
}

@Controller('test')
class ProbeController {
  @Public()
  @Get('public')
  open() {
    return { open: true };
  }

  @Roles('scheduler')
  @Get('scheduler')
  scheduler(@CurrentPrincipal() principal: Principal) {
    return principal;
  }

  @Roles('admin')
  @Get('admin')
  adminOnly() {
    return { admin: true };
  }

  // Deliberately without @Roles: deny by default must refuse it.
  @Get('unannotated')
  forgotten() {
    return { leaked: true };
  }

  @Public()
  @Get('unready')
  unready(): never {
    // The shape @nestjs/terminus throws when a dependency is down.
    throw new ServiceUnavailableException({
      status: 'error',
      info: {},
      error: { redis: { status: 'down' } },
      details: {},
    });
  }

  @Roles('scheduler')
  @Get('boom')
  boom(): never {
    throw new Error('connection to db-internal.example failed: password=hunter2');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

interface Booted {
  app: INestApplication;
  logger: CapturingLogger;
  http: () => ReturnType<typeof request>;
}

async function boot(
  settings: { databaseUrl?: string; dataDir: string },
  identity: { adminPassword?: string; now?: () => Date },
): Promise<Booted> {
  const moduleRef = await Test.createTestingModule({
    imports: [PersistenceModule.forRoot(settings), IdentityModule.forRoot(identity), ProbeModule],
  }).compile();
  const logger = new CapturingLogger();
  const app = moduleRef.createNestApplication({ logger });
  try {
    await app.init();
  } catch (err) {
    await app.close();
    throw err;
  }
  return { app, logger, http: () => request(app.getHttpServer()) };
}

async function tokenFor(b: Booted, username: string, password: string): Promise<string> {
  const res = await b.http().post('/api/auth/token').send({ username, password }).expect(200);
  return (res.body as { access_token: string }).access_token;
}

function expectProblem(res: request.Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
    }),
  );
}

describe('identity on PostgreSQL', () => {
  let pg: TestDatabase;
  let dir: TempDir;
  const clock = new ManualClock();
  let one: Booted;
  let adminToken: string;
  let schedulerToken: string;

  beforeAll(async () => {
    pg = await createTestDatabase();
    dir = createTempDir();
    one = await boot({ databaseUrl: pg.url, dataDir: dir.path }, { adminPassword: ADMIN_PASSWORD, now: clock.now });
  });
  afterAll(async () => {
    await one?.app.close();
    await pg?.drop();
    dir?.remove();
  });

  describe('tokens', () => {
    it('issues a bearer token to the admin, uncached', async () => {
      const res = await one.http().post('/api/auth/token').send({ username: 'admin', password: ADMIN_PASSWORD });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        refresh_expires_in: 43_200,
      });
      expect(res.headers['cache-control']).toBe('no-store');
      adminToken = res.body.access_token;
      const principal = await one.app.get(TokenService).verify(adminToken);
      expect(principal).toEqual({
        kind: 'user',
        sub: expect.any(String),
        username: 'admin',
        roles: ['admin'],
        sessionId: expect.any(String),
      });
    });

    it('answers a wrong password and an unknown user alike: 401 problem', async () => {
      const wrong = await one.http().post('/api/auth/token').send({ username: 'admin', password: 'not the password!' });
      const unknown = await one.http().post('/api/auth/token').send({ username: 'nobody', password: 'whatever-it-is' });
      expectProblem(wrong, 401);
      expectProblem(unknown, 401);
      expect(unknown.body).toEqual(wrong.body);
      expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('answers a malformed body with 400 problem', async () => {
      expectProblem(await one.http().post('/api/auth/token').send({ username: 'admin' }), 400);
      expectProblem(await one.http().post('/api/auth/token').send({ username: 'admin', password: 42 }), 400);
      const syntax = await one
        .http()
        .post('/api/auth/token')
        .set('Content-Type', 'application/json')
        .send('{"username":');
      expectProblem(syntax, 400);
    });
  });

  describe('access guard', () => {
    beforeAll(async () => {
      await one
        .http()
        .post('/api/users')
        .auth(adminToken, { type: 'bearer' })
        .send({ ...SCHEDULER, roles: ['scheduler'] })
        .expect(201);
      schedulerToken = await tokenFor(one, SCHEDULER.username, SCHEDULER.password);
    });

    it('lets anyone call a @Public() route', async () => {
      await one.http().get('/test/public').expect(200, { open: true });
    });

    it('refuses a missing, malformed, forged or foreign token with 401', async () => {
      expectProblem(await one.http().get('/test/scheduler'), 401);
      expectProblem(await one.http().get('/test/scheduler').set('Authorization', 'Basic YWRtaW46eA=='), 401);
      expectProblem(await one.http().get('/test/scheduler').auth('not.a.jwt', { type: 'bearer' }), 401);
      const forged = new JwtService().sign(
        { kind: 'user', username: 'admin', roles: ['admin'] },
        { secret: 'guessed', issuer: 'circulator', audience: 'circulator-api', subject: 'x' },
      );
      expectProblem(await one.http().get('/test/scheduler').auth(forged, { type: 'bearer' }), 401);
    });

    it('lets a scheduler call a scheduler route, with the principal on the request', async () => {
      const res = await one.http().get('/test/scheduler').auth(schedulerToken, { type: 'bearer' }).expect(200);
      expect(res.body).toEqual({
        kind: 'user',
        sub: expect.any(String),
        username: SCHEDULER.username,
        roles: ['scheduler'],
        sessionId: expect.any(String),
      });
    });

    it('refuses a scheduler on an admin route with 403', async () => {
      expectProblem(await one.http().get('/test/admin').auth(schedulerToken, { type: 'bearer' }), 403);
    });

    it('lets admin pass every declared @Roles check', async () => {
      await one.http().get('/test/scheduler').auth(adminToken, { type: 'bearer' }).expect(200);
      await one.http().get('/test/admin').auth(adminToken, { type: 'bearer' }).expect(200);
    });

    it('refuses a route without @Roles to everyone, admin included', async () => {
      expectProblem(await one.http().get('/test/unannotated').auth(schedulerToken, { type: 'bearer' }), 403);
      expectProblem(await one.http().get('/test/unannotated').auth(adminToken, { type: 'bearer' }), 403);
    });

    it('stops accepting a user token once it has expired', async () => {
      const tokens = one.app.get(TokenService);
      const scheduler = await one.app.get(UsersService).verifyCredentials(SCHEDULER.username, SCHEDULER.password);
      const { access_token: token } = tokens.issueForUser(scheduler!);
      const issuedAt = clock.now();
      try {
        clock.advance(899);
        await expect(tokens.verify(token)).resolves.toMatchObject({ username: SCHEDULER.username });
        clock.advance(2);
        await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
      } finally {
        // The other tests' tokens were issued at the same instant.
        clock.set(issuedAt);
      }
    });
  });

  describe('users', () => {
    const create = (token: string, body: object) =>
      one.http().post('/api/users').auth(token, { type: 'bearer' }).send(body);

    it('creates a user and never returns the hash', async () => {
      const res = await create(adminToken, {
        username: 'Nurse.Ng',
        password: 'a long enough passphrase',
        displayName: 'N. Ng',
        roles: ['nurse', 'nurse', 'surgeon'],
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        username: 'nurse.ng',
        displayName: 'N. Ng',
        roles: ['nurse', 'surgeon'],
      });
      expect(JSON.stringify(res.body)).not.toMatch(/argon2|passphrase/);
    });

    it('answers 409 for an existing username, whatever its case', async () => {
      const body = { password: 'another long passphrase', displayName: 'Dup', roles: ['nurse'] };
      expectProblem(await create(adminToken, { ...body, username: 'nurse.ng' }), 409);
      expectProblem(await create(adminToken, { ...body, username: 'NURSE.NG' }), 409);
    });

    it('answers 400 for a weak password, naming the rule', async () => {
      const short = await create(adminToken, {
        username: 'weak1',
        password: 'short',
        displayName: 'W',
        roles: ['nurse'],
      });
      expectProblem(short, 400);
      expect(short.body.detail).toMatch(/at least 12 characters/);
      expect(short.body.errors).toEqual([{ pointer: '/password', detail: expect.any(String) }]);
      const same = await create(adminToken, {
        username: 'longusername12',
        password: 'LongUsername12',
        displayName: 'W',
        roles: ['nurse'],
      });
      expectProblem(same, 400);
      expect(same.body.detail).toMatch(/must not contain the username/);
    });

    it('answers 400 for a bad username or roles', async () => {
      const base = { username: 'valid.name', password: 'a long enough passphrase', displayName: 'V', roles: ['nurse'] };
      expectProblem(await create(adminToken, { ...base, username: 'no spaces allowed' }), 400);
      expectProblem(await create(adminToken, { ...base, roles: [] }), 400);
      expectProblem(await create(adminToken, { ...base, roles: ['janitor'] }), 400);
      expectProblem(await create(adminToken, { ...base, roles: ['display'] }), 400);
    });

    it('lets only admin create users', async () => {
      const body = { username: 'sneaky', password: 'a long enough passphrase', displayName: 'S', roles: ['admin'] };
      expectProblem(await create(schedulerToken, body), 403);
      expectProblem(await one.http().post('/api/users').send(body), 401);
    });
  });

  describe('display credentials', () => {
    it('issues a token bound to one room, refused everywhere else, until revoked', async () => {
      const res = await one.http().post('/api/displays').auth(adminToken, { type: 'bearer' }).send({ roomId: 'or-3' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.any(String), token: expect.any(String) });
      const { id, token } = res.body as { id: string; token: string };

      const tokens = one.app.get(TokenService);
      expect(await tokens.verify(token)).toEqual({
        kind: 'display',
        sub: id,
        username: 'display:or-3',
        roles: ['display'],
        roomId: 'or-3',
      });
      expectProblem(await one.http().get('/test/scheduler').auth(token, { type: 'bearer' }), 403);
      expectProblem(
        await one.http().post('/api/displays').auth(token, { type: 'bearer' }).send({ roomId: 'or-4' }),
        403,
      );

      await one.http().delete(`/api/displays/${id}`).auth(adminToken, { type: 'bearer' }).expect(204);
      await expect(tokens.verify(token)).rejects.toMatchObject({ name: 'IdentityError', code: 'unauthorized' });
      expectProblem(await one.http().get('/test/scheduler').auth(token, { type: 'bearer' }), 401);
      // Revoking twice is harmless; an unknown or malformed id is 404, not a database error.
      await one.http().delete(`/api/displays/${id}`).auth(adminToken, { type: 'bearer' }).expect(204);
      expectProblem(
        await one
          .http()
          .delete('/api/displays/7d0b1b3e-0000-4000-8000-000000000000')
          .auth(adminToken, { type: 'bearer' }),
        404,
      );
      expectProblem(await one.http().delete('/api/displays/not-a-uuid').auth(adminToken, { type: 'bearer' }), 404);
    });

    it('answers 400 for a missing roomId', async () => {
      expectProblem(await one.http().post('/api/displays').auth(adminToken, { type: 'bearer' }).send({}), 400);
    });
  });

  describe('problem details', () => {
    it('turns an unexpected error into a 500 with an error id that is logged, leaking nothing', async () => {
      const res = await one.http().get('/test/boom').auth(schedulerToken, { type: 'bearer' });
      expectProblem(res, 500);
      const errorId = res.body.errorId as string;
      expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.stringify(res.body)).not.toMatch(/hunter2|db-internal/);
      const logged = one.logger.errors.find((line) => line.includes(errorId));
      expect(logged).toMatch(/hunter2/);
      expect(logged).toMatch(/ProbeController\.boom|at .*boom/);
    });

    it('keeps an HttpException status and its data as extension members', async () => {
      const res = await one.http().get('/test/unready');
      expectProblem(res, 503);
      expect(res.body).toMatchObject({
        type: 'about:blank',
        title: 'Service Unavailable',
        error: { redis: { status: 'down' } },
      });
      expect(res.body.errorId).toBeUndefined();
    });

    it('answers an unknown route with a 404 problem', async () => {
      expectProblem(await one.http().get('/api/nothing-here').auth(adminToken, { type: 'bearer' }), 404);
    });
  });

  describe('audit', () => {
    it('has recorded sign-ins (never the password), user creation and display changes', async () => {
      const ds = one.app.get(DataSource);
      const rows: { action: string; actor: string; target_type: string; detail: Record<string, unknown> }[] =
        await ds.query(`SELECT action, actor, target_type, detail FROM audit_log ORDER BY id`);
      const failure = rows.find((r) => r.action === 'auth.token' && r.detail['outcome'] === 'failure');
      expect(failure).toMatchObject({ actor: 'anonymous', detail: { username: 'admin' } });
      expect(rows.find((r) => r.action === 'auth.token' && r.detail['outcome'] === 'success')?.actor).toMatch(/^user:/);
      expect(JSON.stringify(rows)).not.toContain('not the password!');
      expect(JSON.stringify(rows)).not.toContain(ADMIN_PASSWORD);
      const actions = rows.map((r) => r.action);
      expect(actions).toEqual(
        expect.arrayContaining(['user.ensure-admin', 'user.create', 'display.create', 'display.revoke']),
      );
      const at: { at: Date }[] = await ds.query(`SELECT at FROM audit_log WHERE action = 'display.create'`);
      // `at` comes from the injected clock, not the database's now().
      expect(new Date(at[0]!.at).getUTCFullYear()).toBe(2026);
    });
  });

  describe('a second process on the same database', () => {
    let two: Booted;
    beforeAll(async () => {
      two = await boot({ databaseUrl: pg.url, dataDir: dir.path }, { adminPassword: ADMIN_PASSWORD, now: clock.now });
    });
    afterAll(async () => {
      await two?.app.close();
    });

    it('shares the signing key: a token from one verifies in the other', async () => {
      const fresh = await tokenFor(one, SCHEDULER.username, SCHEDULER.password);
      await two.http().get('/test/scheduler').auth(fresh, { type: 'bearer' }).expect(200);
      const fromTwo = await tokenFor(two, 'admin', ADMIN_PASSWORD);
      await one.http().get('/test/admin').auth(fromTwo, { type: 'bearer' }).expect(200);
      const rows: unknown[] = await two.app.get(DataSource).query(`SELECT name FROM app_secret`);
      expect(rows).toEqual([{ name: 'jwt-signing-key' }]);
    });

    it('makes the admin password the configured one at start', async () => {
      const users = two.app.get(UsersService);
      await users.ensureAdmin('a different admin passphrase');
      expect(await users.verifyCredentials('admin', ADMIN_PASSWORD)).toBeNull();
      expect(await users.verifyCredentials('ADMIN', 'a different admin passphrase')).toMatchObject({
        roles: ['admin'],
      });
      await users.ensureAdmin(ADMIN_PASSWORD);
      expect(await users.verifyCredentials('admin', ADMIN_PASSWORD)).toMatchObject({ username: 'admin' });
    });
  });
});

describe('identity start-up', () => {
  let pg: TestDatabase;
  let dir: TempDir;
  beforeEach(async () => {
    pg = await createTestDatabase();
    dir = createTempDir();
  });
  afterEach(async () => {
    await pg.drop();
    dir.remove();
  });

  it('agrees on one key and one admin when two processes start at once on an empty database', async () => {
    const settings = { databaseUrl: pg.url, dataDir: dir.path };
    // Migrate first: this test is about the identity start-up (key and admin), and concurrent
    // first-time migrations are the persistence layer's own concern.
    await (await openDatabase(settings)).destroy();
    const [a, b] = await Promise.all([
      boot(settings, { adminPassword: ADMIN_PASSWORD }),
      boot(settings, { adminPassword: ADMIN_PASSWORD }),
    ]);
    try {
      const token = await tokenFor(a, 'admin', ADMIN_PASSWORD);
      await b.http().get('/test/admin').auth(token, { type: 'bearer' }).expect(200);
      const admins: unknown[] = await a.app.get(DataSource).query(`SELECT id FROM app_user WHERE username = 'admin'`);
      expect(admins).toHaveLength(1);
    } finally {
      await a.app.close();
      await b.app.close();
    }
  });

  it('refuses to start with an admin password that breaks the policy, without printing it', async () => {
    const started = boot({ databaseUrl: pg.url, dataDir: dir.path }, { adminPassword: 'admin123' });
    await expect(started).rejects.toThrow(/adminPassword \(ADMIN_PASSWORD\) must be at least 12 characters/);
    await expect(started).rejects.not.toThrow(/admin123/);
  });
});

describe('identity on embedded PGlite', () => {
  let dir: TempDir;
  let b: Booted;
  beforeAll(async () => {
    dir = createTempDir();
    b = await boot({ dataDir: dir.path }, { adminPassword: ADMIN_PASSWORD });
  });
  afterAll(async () => {
    await b?.app.close();
    dir?.remove();
  });

  it('signs in, creates users and display credentials the same way', async () => {
    const admin = await tokenFor(b, 'admin', ADMIN_PASSWORD);
    await b
      .http()
      .post('/api/users')
      .auth(admin, { type: 'bearer' })
      .send({ ...SCHEDULER, roles: ['scheduler'] })
      .expect(201);
    expectProblem(
      await b
        .http()
        .post('/api/users')
        .auth(admin, { type: 'bearer' })
        .send({ ...SCHEDULER, roles: ['scheduler'] }),
      409,
    );
    const display = await b
      .http()
      .post('/api/displays')
      .auth(admin, { type: 'bearer' })
      .send({ roomId: 'or-1' })
      .expect(201);
    await expect(b.app.get(TokenService).verify(display.body.token)).resolves.toMatchObject({ roomId: 'or-1' });
  });
});
