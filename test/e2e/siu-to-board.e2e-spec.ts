import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import type { CaseView, SubscribeAck, UpdateEvent } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { siu } from '../support/hl7-messages';
import { ADMIN_PASSWORD, connectLive, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { TEST_REDIS_URL, waitFor } from '../support/services';

const run = promisify(execFile);

/**
 * Sends a file with Debian's mllp_send (python3-hl7), an MLLP client nobody here wrote.
 * It never times out on its own, hence `timeout`; it prints the ACK it gets.
 */
async function mllpSend(port: number, message: string, dir: string): Promise<string> {
  const file = join(dir, `msg-${Date.now()}-${Math.random().toString(36).slice(2)}.hl7`);
  writeFileSync(file, message.replace(/\r/g, '\n') + '\n');
  const { stdout } = await run('timeout', ['10', 'mllp_send', '--loose', '-p', String(port), '-f', file, '127.0.0.1']);
  return stdout.replace(/\r/g, '\n');
}

describe('an SIU^S12 from MLLP to a live board (PostgreSQL)', () => {
  let t: TestPlatform;
  let token: string;
  let live: Socket;
  const updates: UpdateEvent[] = [];
  const DATE = '2026-11-23';

  beforeAll(async () => {
    // The platform's "today" is the test's day, so that room topics (today's cases) are testable.
    t = await startTestPlatform({ clock: new ManualClock(new Date('2026-11-23T05:00:00Z')) });
    token = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    live = await connectLive(t.url, token);
    live.on('update', (u: UpdateEvent) => updates.push(u));
  });
  afterAll(async () => {
    live?.close();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('answers AA only once the message is stored, and the case reaches the board and the API', async () => {
    const ack = await new Promise<SubscribeAck>((resolve) =>
      live.emit('subscribe', { topic: `board:${DATE}` }, resolve),
    );
    expect(ack).toMatchObject({ ok: true, topic: `board:${DATE}`, snapshot: { cases: [] } });
    const startVersion = ack.ok ? ack.version : -1;

    const message = siu({
      trigger: 'S12',
      controlId: 'E2E-0001',
      placerId: 'PL-1001',
      fillerId: 'FL-1001',
      start: '20261123083000',
      minutes: 90,
      room: 'OR3',
      mrn: 'MRN-E2E-1',
      family: 'Everyman',
      given: 'Adam',
    });
    const out = await mllpSend(t.platform.mllpPort!, message, t.dataDir.path);
    expect(out).toMatch(/^MSA\|AA\|E2E-0001/m);

    // Stored before it was acknowledged: the raw bytes are in the inbox.
    const db = new Client({ connectionString: t.database!.url });
    await db.connect();
    try {
      const rows = (await db.query(`SELECT sender, control_id, message_type FROM inbox WHERE control_id = 'E2E-0001'`))
        .rows;
      expect(rows).toEqual([{ sender: 'EPIC|GENHOSP', control_id: 'E2E-0001', message_type: 'SIU^S12' }]);
    } finally {
      await db.end();
    }

    const update = await waitFor(() => updates.find((u) => u.topic === `board:${DATE}`), {
      timeoutMs: 1_000,
      what: 'a board update',
    });
    expect(update.version).toBe(startVersion + 1);
    const seen = update.cases?.[0] as CaseView;
    expect(seen).toMatchObject({
      version: 1,
      status: 'scheduled',
      roomId: 'or3-genhosp',
      patient: { mrn: 'MRN-E2E-1', name: 'EVERYMAN, Adam' },
      procedure: { code: '47562', text: 'Laparoscopic cholecystectomy' },
      surgeon: { id: '1001', name: 'Gregory House' },
      anesthesiologist: { id: '2002', name: 'Michaela Quinn' },
      scheduledStart: '2026-11-23T08:30:00+01:00',
      identifiers: { placerAppointmentId: 'PL-1001', fillerAppointmentId: 'FL-1001' },
    });
    expect(Date.parse(seen.scheduledEnd) - Date.parse(seen.scheduledStart)).toBe(90 * 60_000);

    const res = await request(t.url).get(`/api/cases?date=${DATE}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect((res.body as CaseView[]).map((c) => c.id)).toEqual([seen.id]);

    const events = await request(t.url)
      .get(`/api/cases/${seen.id}/events`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(events.body).toEqual([
      expect.objectContaining({ kind: 'case-created', source: { kind: 'hl7', id: expect.stringMatching(/^\d+$/) } }),
    ]);
  });

  it('answers a repeated message id AA and applies it once', async () => {
    const message = siu({
      trigger: 'S13',
      controlId: 'E2E-0002',
      placerId: 'PL-1001',
      fillerId: 'FL-1001',
      start: '20261123100000',
      minutes: 90,
      room: 'OR3',
      mrn: 'MRN-E2E-1',
      family: 'Everyman',
      given: 'Adam',
    });
    expect(await mllpSend(t.platform.mllpPort!, message, t.dataDir.path)).toMatch(/^MSA\|AA\|E2E-0002/m);
    const moved = await waitFor(() => updates.find((u) => u.topic === `board:${DATE}` && u.cases?.[0]?.version === 2), {
      timeoutMs: 1_000,
      what: 'the rescheduled case',
    });
    expect(moved.cases?.[0]?.scheduledStart).toBe('2026-11-23T10:00:00+01:00');

    expect(await mllpSend(t.platform.mllpPort!, message, t.dataDir.path)).toMatch(/^MSA\|AA\|E2E-0002/m);
    // A later message proves the worker has gone past the duplicate without applying it.
    const later = siu({
      trigger: 'S12',
      controlId: 'E2E-0003',
      placerId: 'PL-1002',
      fillerId: 'FL-1002',
      start: '20261123140000',
      minutes: 60,
      room: 'OR3',
      mrn: 'MRN-E2E-2',
      family: 'Doe',
      given: 'Jane',
    });
    expect(await mllpSend(t.platform.mllpPort!, later, t.dataDir.path)).toMatch(/^MSA\|AA\|E2E-0003/m);
    await waitFor(() => updates.find((u) => u.cases?.[0]?.patient.mrn === 'MRN-E2E-2'), { what: 'the later case' });

    const res = await request(t.url).get(`/api/cases?date=${DATE}`).set('Authorization', `Bearer ${token}`).expect(200);
    const first = (res.body as CaseView[]).find((c) => c.identifiers.placerAppointmentId === 'PL-1001');
    expect(first?.version).toBe(2);
    expect(updates.filter((u) => u.topic === `board:${DATE}` && u.cases?.[0]?.id === first?.id)).toHaveLength(2);
  });

  it('refuses what it does not understand with AR and an ERR segment, and keeps it', async () => {
    const adt = 'MSH|^~\\&|EPIC|GENHOSP|CIRCULATOR|OR|20261120120000||ZZZ^Z99|E2E-BAD-1|P|2.5.1\rPID|1||X';
    const out = await mllpSend(t.platform.mllpPort!, adt, t.dataDir.path);
    expect(out).toMatch(/^MSA\|AR\|E2E-BAD-1/m);
    expect(out).toMatch(/^ERR\|/m);
    const db = new Client({ connectionString: t.database!.url });
    await db.connect();
    try {
      const rows = (await db.query(`SELECT status FROM inbox WHERE control_id = 'E2E-BAD-1'`)).rows;
      expect(rows).toEqual([{ status: 'rejected' }]);
    } finally {
      await db.end();
    }
  });

  it('answers AE with an ERR segment for a supported message with bad content, and keeps it', async () => {
    const noSch =
      'MSH|^~\\&|EPIC|GENHOSP|CIRCULATOR|OR|20261120120000||SIU^S12^SIU_S12|E2E-AE-1|P|2.5.1\rPID|1||X^^^H^MR||Doe^J';
    const out = await mllpSend(t.platform.mllpPort!, noSch, t.dataDir.path);
    expect(out).toMatch(/^MSA\|AE\|E2E-AE-1/m);
    expect(out).toMatch(/^ERR\|.*SCH/m);
    const db = new Client({ connectionString: t.database!.url });
    await db.connect();
    try {
      const rows = (await db.query(`SELECT status, error FROM inbox WHERE control_id = 'E2E-AE-1'`)).rows;
      expect(rows).toEqual([{ status: 'rejected', error: expect.stringContaining('SCH') }]);
    } finally {
      await db.end();
    }
  });

  it('answers bad identifiers and days with 404/400 problems and socket errors, never a 500', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    const notFound = await request(t.url).get('/api/cases/not-a-case').set(auth).expect(404);
    expect(notFound.headers['content-type']).toMatch(/application\/problem\+json/);
    await request(t.url).get('/api/cases/00000000-0000-4000-8000-000000000000/events').set(auth).expect(404);
    await request(t.url).get('/api/cases?date=2026-02-30').set(auth).expect(400);
    await request(t.url).get("/api/cases?date=2026-11-23&roomId=x'%20OR%201=1").set(auth).expect(400);
    for (const topic of ['board:2026-13-45', 'case:not-a-case', 'room:../../etc', 'nonsense']) {
      const ack = await new Promise<SubscribeAck>((resolve) => live.emit('subscribe', { topic }, resolve));
      expect(ack).toMatchObject({ ok: false });
    }
  });

  it('gives a wall display its own room only, with initials and no MRN, and cuts it off when revoked', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    const created = await request(t.url).post('/api/displays').set(auth).send({ roomId: 'or3-genhosp' }).expect(201);
    const { id, token: displayToken } = created.body as { id: string; token: string };
    const display = await connectLive(t.url, displayToken);
    try {
      const own = await new Promise<SubscribeAck>((resolve) =>
        display.emit('subscribe', { topic: 'room:or3-genhosp' }, resolve),
      );
      expect(own.ok).toBe(true);
      const patients = (own.ok ? (own.snapshot as { cases: CaseView[] }).cases : []).map((c) => c.patient);
      // Initials, age on the day of surgery and sex: no name, no MRN, no birth date.
      expect(patients).toContainEqual({ mrn: '', name: 'A.E.', age: 66, sex: 'F' });
      const other = await new Promise<SubscribeAck>((resolve) =>
        display.emit('subscribe', { topic: `board:${DATE}` }, resolve),
      );
      expect(other).toEqual({ ok: false, error: 'forbidden' });
      const caseView = await request(t.url)
        .get(`/api/cases?date=${DATE}`)
        .set('Authorization', `Bearer ${displayToken}`);
      expect(caseView.status).toBe(403);

      const disconnected = new Promise<string>((resolve) => display.once('disconnect', resolve));
      await request(t.url).delete(`/api/displays/${id}`).set(auth).expect(204);
      // Cut off at once (the revocation goes to every gateway), and refused when it comes back.
      expect(await disconnected).toBe('io server disconnect');
      await expect(connectLive(t.url, displayToken)).rejects.toThrow('unauthorized');
    } finally {
      display.close();
    }
  });

  it('reads on from where it stopped when its change-stream connection was lost: nothing missed, nobody dropped', async () => {
    const client = await connectLive(t.url, token);
    const seen: UpdateEvent[] = [];
    const reasons: string[] = [];
    client.on('update', (u: UpdateEvent) => seen.push(u));
    client.on('disconnect', (reason) => reasons.push(reason));
    try {
      const ack = await new Promise<SubscribeAck>((resolve) =>
        client.emit('subscribe', { topic: `board:${DATE}` }, resolve),
      );
      if (!ack.ok) throw new Error(ack.error);
      const redis = new Redis(TEST_REDIS_URL);
      try {
        const name = `circulator-${t.config.redis.prefix}-live-reader`;
        const line = String(await redis.client('LIST'))
          .split('\n')
          .find((l) => l.includes(`name=${name} `));
        const id = /id=(\d+) /.exec(line ?? '')?.[1];
        expect(id).toBeDefined();
        await redis.client('KILL', 'ID', id!);
      } finally {
        redis.disconnect();
      }
      // A change made while the gateway's reader is away or reconnecting…
      const message = siu({
        trigger: 'S12',
        controlId: 'E2E-BLIP-1',
        placerId: 'PL-BLIP',
        fillerId: 'FL-BLIP',
        start: '20261123150000',
        minutes: 30,
        room: 'OR3',
        mrn: 'MRN-E2E-BLIP',
        family: 'Blip',
        given: 'Bea',
      });
      expect(await mllpSend(t.platform.mllpPort!, message, t.dataDir.path)).toMatch(/^MSA\|AA\|E2E-BLIP-1/m);
      // …still reaches the connected client, as the very next version.
      const update = await waitFor(
        () => seen.find((u) => u.cases?.some((c) => c.identifiers.placerAppointmentId === 'PL-BLIP')),
        { timeoutMs: 10_000, what: 'the update made while the reader was away' },
      );
      expect(update.from ?? update.version).toBe(ack.version + 1);
      expect(reasons).toEqual([]);
    } finally {
      client.close();
    }
  });

  it('never answers AA when the message cannot be stored', async () => {
    const db = new Client({ connectionString: t.database!.url });
    await db.connect();
    try {
      await db.query('ALTER TABLE inbox RENAME TO inbox_away');
      const message = siu({
        trigger: 'S12',
        controlId: 'E2E-DOWN-1',
        placerId: 'PL-9',
        fillerId: 'FL-9',
        start: '20261123160000',
        minutes: 30,
        room: 'OR3',
        mrn: 'MRN-E2E-9',
        family: 'Roe',
        given: 'Rita',
      });
      const out = await mllpSend(t.platform.mllpPort!, message, t.dataDir.path);
      expect(out).toMatch(/^MSA\|AR\|E2E-DOWN-1/m);
      expect(out).toMatch(/^ERR\|.*207/m);
    } finally {
      await db.query('ALTER TABLE inbox_away RENAME TO inbox');
      await db.end();
    }
  });

  it('refuses a socket without a valid token, and REST without one', async () => {
    await expect(connectLive(t.url, 'not-a-token')).rejects.toThrow('unauthorized');
    const res = await request(t.url).get(`/api/cases?date=${DATE}`).expect(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('lets idle topic version counters expire (one per case would otherwise stay forever)', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const ttl = await redis.ttl(`${t.config.redis.prefix}:topic-version:board:${DATE}`);
      expect(ttl).toBeGreaterThan(6 * 24 * 3600);
      expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600);
    } finally {
      redis.disconnect();
    }
  });

  it("tells clients the facility's time zone", async () => {
    const res = await request(t.url).get('/api/site').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toEqual({ facilityTz: 'Europe/Paris', orHours: { open: '07:00', close: '17:00' } });
    await request(t.url).get('/api/site').expect(401);
  });

  it('answers health and serves the OpenAPI document', async () => {
    await request(t.url).get('/health/live').expect(200);
    const ready = await request(t.url).get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, redis: { status: 'up' }, mllp: { status: 'up' } },
    });
    const doc = await request(t.url).get('/api/docs/openapi.json').expect(200);
    expect(Object.keys((doc.body as { paths: object }).paths)).toEqual(
      expect.arrayContaining(['/api/cases', '/api/cases/{id}', '/api/rooms']),
    );
  });
});

describe('the embedded database', () => {
  it('keeps every case across a restart on the same DATA_DIR', async () => {
    const first = await startTestPlatform({ embedded: true });
    const prefix = first.config.redis.prefix;
    let token = await tokenFor(first.url, 'admin', ADMIN_PASSWORD);
    const message = siu({
      trigger: 'S12',
      controlId: 'EMB-1',
      placerId: 'PL-E1',
      fillerId: 'FL-E1',
      start: '20261124090000',
      minutes: 45,
      room: 'OR1',
      mrn: 'MRN-EMB-1',
      family: 'Keep',
      given: 'Me',
    });
    expect(await mllpSend(first.platform.mllpPort!, message, first.dataDir.path)).toMatch(/^MSA\|AA\|EMB-1/m);
    const before = await waitFor(
      async () => {
        const res = await request(first.url).get('/api/cases?date=2026-11-24').set('Authorization', `Bearer ${token}`);
        return (res.body as CaseView[]).length === 1 ? (res.body as CaseView[]) : undefined;
      },
      { what: 'the case in the embedded database' },
    );
    await first.stop();

    const second = await startTestPlatform({ embedded: true, dataDir: first.dataDir, prefix });
    try {
      token = await tokenFor(second.url, 'admin', ADMIN_PASSWORD);
      const res = await request(second.url)
        .get('/api/cases?date=2026-11-24')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      expect(res.body).toEqual(before);
      await request(second.url).get('/health/ready').expect(200);
    } finally {
      await second.stop();
      second.dataDir.remove();
    }
  });
});
