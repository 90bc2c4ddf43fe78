import { Global, type INestApplication, type LoggerService, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { systemClock } from '@circulator/domain';
import { IdentityModule } from '@circulator/identity';
import { PersistenceModule } from '@circulator/persistence';
import { InterfacesModule } from '@circulator/pipeline';
import { CLOCK } from '@circulator/realtime';
import { createTempDir, type TempDir } from '../../../../test/support/services';
import { InterfacesController } from './interfaces.controller';

const ADMIN_PASSWORD = 'interfaces-admin-password';
const ENGINEER = {
  username: 'ie.one',
  password: 'copper-lantern-42',
  displayName: 'Ira Engineer',
  roles: ['integration'],
};
const NURSE = { username: 'nurse.one', password: 'willow-harbor-17', displayName: 'Nia Nurse', roles: ['nurse'] };

@Global()
@Module({ providers: [{ provide: CLOCK, useValue: systemClock }], exports: [CLOCK] })
class ClockModule {}

class SilentLogger implements LoggerService {
  log(): void {}
  error(): void {}
  warn(): void {}
}

function expectProblem(res: request.Response, status: number, type?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toEqual(
    expect.objectContaining({
      type: type ?? expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
    }),
  );
}

// On the embedded database (PGlite): the registry's int-spec covers PostgreSQL.
describe('/api/interfaces', () => {
  let dir: TempDir;
  let app: INestApplication;
  let engineer: string;
  let nurse: string;
  let admin: string;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    dir = createTempDir();
    const file = join(dir.path, 'interfaces.json');
    writeFileSync(file, JSON.stringify({ interfaces: [{ name: 'from-file', port: 6100 }] }));
    const moduleRef = await Test.createTestingModule({
      imports: [
        PersistenceModule.forRoot({ dataDir: dir.path }),
        IdentityModule.forRoot({ adminPassword: ADMIN_PASSWORD }),
        ClockModule,
        InterfacesModule.forRoot({ sharedPort: 2575, facilityTz: 'Europe/Paris', file, pollIntervalMs: 60_000 }),
      ],
      controllers: [InterfacesController],
    })
      .setLogger(new SilentLogger())
      .compile();
    app = moduleRef.createNestApplication({ logger: new SilentLogger() });
    await app.init();
    const token = async (username: string, password: string) =>
      ((await http().post('/api/auth/token').send({ username, password }).expect(200)).body as { access_token: string })
        .access_token;
    admin = await token('admin', ADMIN_PASSWORD);
    for (const user of [ENGINEER, NURSE]) {
      await http().post('/api/users').auth(admin, { type: 'bearer' }).send(user).expect(201);
    }
    engineer = await token(ENGINEER.username, ENGINEER.password);
    nurse = await token(NURSE.username, NURSE.password);
  });
  afterAll(async () => {
    await app?.close();
    dir?.remove();
  });

  it('is for integration engineers and admins only', async () => {
    expectProblem(await http().get('/api/interfaces'), 401);
    expectProblem(await http().get('/api/interfaces').auth(nurse, { type: 'bearer' }), 403);
    expectProblem(await http().put('/api/interfaces/epic').auth(nurse, { type: 'bearer' }).send({}), 403);
    await http().get('/api/interfaces').auth(admin, { type: 'bearer' }).expect(200);
  });

  it('lists the implicit default and the file interfaces', async () => {
    const res = await http().get('/api/interfaces').auth(engineer, { type: 'bearer' }).expect(200);
    expect(res.body).toEqual([
      {
        name: 'default',
        origin: 'implicit',
        version: 0,
        updatedAt: null,
        updatedBy: null,
        config: { enabled: true, locationPolicy: 'create-unmapped' },
      },
      expect.objectContaining({
        name: 'from-file',
        origin: 'file',
        version: 1,
        config: expect.objectContaining({ port: 6100 }),
      }),
    ]);
  });

  it('creates and replaces with PUT, returning the stored configuration and its version; audited', async () => {
    const body = {
      route: { sendingApplication: 'EPIC' },
      allowedSources: ['10.1.0.0/16'],
      overrides: { 'patient.mrn': 'PID-2.1' },
    };
    const created = await http().put('/api/interfaces/epic').auth(engineer, { type: 'bearer' }).send(body).expect(200);
    expect(created.body).toEqual({
      name: 'epic',
      origin: 'api',
      version: 1,
      updatedAt: expect.any(String),
      updatedBy: ENGINEER.username,
      config: { ...body, enabled: true, locationPolicy: 'create-unmapped' },
    });
    // What GET shows as `config` can be sent back as it is.
    const read = await http().get('/api/interfaces/epic').auth(engineer, { type: 'bearer' }).expect(200);
    const replaced = await http()
      .put('/api/interfaces/epic')
      .auth(engineer, { type: 'bearer' })
      .send({ ...read.body.config, facilityTz: 'America/Chicago' })
      .expect(200);
    expect(replaced.body).toMatchObject({ version: 2, config: { facilityTz: 'America/Chicago' } });

    const audit = await app
      .get(DataSource)
      .query<{ action: string; detail: { before: unknown; after: unknown } }[]>(
        `SELECT action, detail FROM audit_log WHERE target_type = 'hl7_interface' AND target_id = 'epic' ORDER BY id`,
      );
    expect(audit.map((a) => a.action)).toEqual(['interface.create', 'interface.update']);
    expect(audit[1]?.detail.before).toEqual({
      ...body,
      name: 'epic',
      enabled: true,
      locationPolicy: 'create-unmapped',
    });
    expect(audit[1]?.detail.after).toMatchObject({ name: 'epic', facilityTz: 'America/Chicago' });
  });

  it('answers 400 problem+json listing every validation error', async () => {
    const res = await http()
      .put('/api/interfaces/bad')
      .auth(engineer, { type: 'bearer' })
      .send({ port: 70000, allowedSources: ['10.0.0.0/40'], overrides: { 'patient.mrn': 'PID:2' }, colour: 'red' });
    expectProblem(res, 400, 'urn:circulator:problem:interface-invalid');
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/port', detail: 'must be 1–65535' },
        { pointer: '/allowedSources/0', detail: expect.stringMatching(/prefix length/) },
        { pointer: '/overrides/patient.mrn', detail: expect.stringMatching(/HL7 path/) },
        { pointer: '/colour', detail: 'is not a known setting' },
      ]),
    );
    expectProblem(
      await http().put('/api/interfaces/Bad Name').auth(engineer, { type: 'bearer' }).send({}),
      400,
      'urn:circulator:problem:interface-invalid',
    );
    const renamed = await http().put('/api/interfaces/one').auth(engineer, { type: 'bearer' }).send({ name: 'two' });
    expectProblem(renamed, 400);
    expect(renamed.body.errors).toEqual([
      { pointer: '/name', detail: expect.stringMatching(/name in the path \(one\)/) },
    ]);
    expectProblem(await http().put('/api/interfaces/one').auth(engineer, { type: 'bearer' }).send([1]), 400);
  });

  it('answers 409 for a clash, a file interface and the default; 404 for an unknown one', async () => {
    await http().put('/api/interfaces/main').auth(engineer, { type: 'bearer' }).send({}).expect(200);
    expectProblem(
      await http().put('/api/interfaces/second').auth(engineer, { type: 'bearer' }).send({}),
      409,
      'urn:circulator:problem:interface-conflict',
    );
    expectProblem(
      await http().put('/api/interfaces/from-file').auth(engineer, { type: 'bearer' }).send({ port: 6101 }),
      409,
      'urn:circulator:problem:interface-read-only',
    );
    expectProblem(
      await http().delete('/api/interfaces/from-file').auth(engineer, { type: 'bearer' }),
      409,
      'urn:circulator:problem:interface-read-only',
    );
    expectProblem(
      await http().delete('/api/interfaces/default').auth(engineer, { type: 'bearer' }),
      409,
      'urn:circulator:problem:interface-reserved',
    );
    expectProblem(await http().get('/api/interfaces/nope').auth(engineer, { type: 'bearer' }), 404);
    expectProblem(await http().delete('/api/interfaces/nope').auth(engineer, { type: 'bearer' }), 404);
  });

  it('deletes with 204, audited', async () => {
    await http().put('/api/interfaces/temp').auth(engineer, { type: 'bearer' }).send({ port: 6200 }).expect(200);
    await http().delete('/api/interfaces/temp').auth(engineer, { type: 'bearer' }).expect(204);
    await http().get('/api/interfaces/temp').auth(engineer, { type: 'bearer' }).expect(404);
    const audit = await app
      .get(DataSource)
      .query<{ action: string; actor: string }[]>(
        `SELECT action, actor FROM audit_log WHERE target_type = 'hl7_interface' AND target_id = 'temp' ORDER BY id`,
      );
    expect(audit.map((a) => a.action)).toEqual(['interface.create', 'interface.delete']);
    expect(audit[1]?.actor).toMatch(/^user:/);
  });
});
