import { Client } from 'pg';
import request from 'supertest';
import type { CaseEventView, CaseView } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import { ADMIN_PASSWORD, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

interface Summary {
  id: string;
  controlId: string | null;
  messageType: string | null;
  status: string;
  mrn: string | null;
  sender: string;
  attempts: number;
  receivedAt: string;
}
interface Page {
  items: Summary[];
  next: string | null;
}
interface Detail {
  message: Summary & { text: string; charset: string };
  tree: { name: string; fields: { index: number; value: string; components?: string[] }[] }[] | null;
  attempts: { attempt: number; trigger: string; outcome: string; actor: string | null }[];
  events: { caseId: string; version: number; kind: string }[];
}

const PASSWORD = 'messages-e2e-password';

describe('/api/messages: the integration console', () => {
  let t: TestPlatform;
  let mllp: MllpClient;
  let engineer: string;
  let engineerId: string;
  let nurse: string;
  const sent: Record<string, string> = {};

  const get = (path: string, token = engineer) => request(t.url).get(path).set('Authorization', `Bearer ${token}`);

  /** Sends one message and returns its ACK code (MSA-1). */
  async function send(name: string, message: string): Promise<string> {
    sent[name] = message;
    const ack = await mllp.send(message);
    return /(?:^|\r)MSA\|([A-Z]{2})\|/.exec(ack)?.[1] ?? `no MSA in ${ack}`;
  }

  async function search(query: string): Promise<Page> {
    return (await get(`/api/messages?${query}`).expect(200)).body as Page;
  }

  async function byControlId(controlId: string): Promise<Summary | undefined> {
    return (await search(`controlId=${encodeURIComponent(controlId)}`)).items[0];
  }

  async function detail(id: string): Promise<Detail> {
    return (await get(`/api/messages/${id}`).expect(200)).body as Detail;
  }

  beforeAll(async () => {
    t = await startTestPlatform({ clock: new ManualClock(new Date('2026-11-23T05:00:00Z')) });
    const admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    for (const [username, roles] of [
      ['ie-e2e', ['integration']],
      ['nurse-e2e', ['nurse']],
    ] as const) {
      await request(t.url)
        .post('/api/users')
        .set('Authorization', `Bearer ${admin}`)
        .send({ username, password: PASSWORD, displayName: username, roles })
        .expect(201);
    }
    engineer = await tokenFor(t.url, 'ie-e2e', PASSWORD);
    nurse = await tokenFor(t.url, 'nurse-e2e', PASSWORD);
    engineerId = (JSON.parse(Buffer.from(engineer.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;

    mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const booking = {
      trigger: 'S12',
      placerId: 'PL-MSG-1',
      fillerId: 'FL-MSG-1',
      start: '20261123083000',
      minutes: 60,
      room: 'OR4',
      mrn: 'MRN-MSG-1',
      family: 'Everyman',
      given: 'Adam',
    } as const;
    expect(await send('first', siu({ ...booking, controlId: 'MSG-0001' }))).toBe('AA');
    expect(
      await send(
        'other',
        siu({
          ...booking,
          controlId: 'MSG-0002',
          placerId: 'PL-MSG-2',
          fillerId: 'FL-MSG-2',
          start: '20261123110000',
          mrn: 'MRN-MSG-2',
          family: 'Doe',
          given: 'Jane',
        }),
      ),
    ).toBe('AA');
    expect(
      await send('moved', siu({ ...booking, trigger: 'S13', controlId: 'MSG-0003', start: '20261123090000' })),
    ).toBe('AA');
    expect(
      await send('refused', 'MSH|^~\\&|EPIC|GENHOSP|CIRCULATOR|OR|20261120120000||ZZZ^Z99|MSG-BAD-1|P|2.5.1\rPID|1||X'),
    ).toBe('AR');
    for (const controlId of ['MSG-0001', 'MSG-0002', 'MSG-0003']) {
      await waitFor(async () => (await byControlId(controlId))?.status === 'applied', {
        timeoutMs: 10_000,
        what: `${controlId} applied`,
      });
    }
  });

  afterAll(async () => {
    await mllp?.close();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('searches by control id, MRN, type and status, newest first', async () => {
    const first = await byControlId('MSG-0001');
    expect(first).toMatchObject({
      controlId: 'MSG-0001',
      messageType: 'SIU^S12',
      sender: 'EPIC|GENHOSP',
      status: 'applied',
    });
    expect(first).not.toHaveProperty('raw');
    expect(first).not.toHaveProperty('text');

    expect((await search('mrn=MRN-MSG-1')).items.map((m) => m.controlId)).toEqual(['MSG-0003', 'MSG-0001']);
    expect((await search('mrn=MRN-MSG-2')).items.map((m) => m.controlId)).toEqual(['MSG-0002']);
    expect((await search('type=SIU%5ES12')).items.map((m) => m.controlId)).toEqual(['MSG-0002', 'MSG-0001']);
    expect((await search('type=SIU')).items.map((m) => m.controlId)).toEqual(['MSG-0003', 'MSG-0002', 'MSG-0001']);
    expect((await search('status=rejected')).items.map((m) => m.controlId)).toEqual(['MSG-BAD-1']);
    expect((await search('status=applied,rejected&type=ZZZ')).items.map((m) => m.controlId)).toEqual(['MSG-BAD-1']);
    expect((await search('sender=EPIC%7CGENHOSP&controlId=MSG-0002')).items).toHaveLength(1);
  });

  it('finds the messages that changed a case, and pages with a cursor', async () => {
    const first = (await detail((await byControlId('MSG-0001'))!.id)).events[0]!;
    const ofCase = await search(`caseId=${first.caseId}`);
    expect(ofCase.items.map((m) => m.controlId)).toEqual(['MSG-0003', 'MSG-0001']);

    const page1 = await search('limit=2');
    expect(page1.items.map((m) => m.controlId)).toEqual(['MSG-BAD-1', 'MSG-0003']);
    expect(page1.next).toBe(page1.items[1]!.id);
    const page2 = await search(`limit=2&before=${page1.next}`);
    expect(page2.items.map((m) => m.controlId)).toEqual(['MSG-0002', 'MSG-0001']);
    expect(page2.next).toBeNull();
    expect(await search(`limit=2&before=${page2.items[1]!.id}`)).toEqual({ items: [], next: null });
  });

  it('reads one message: its raw text, parse tree, attempts and the case changes it caused', async () => {
    const id = (await byControlId('MSG-0001'))!.id;
    const one = await detail(id);
    expect(one.message).toMatchObject({ id, controlId: 'MSG-0001', charset: 'UTF-8', text: sent['first'] });
    expect(one.tree?.map((s) => s.name)).toEqual(['MSH', 'SCH', 'PID', 'PV1', 'RGS', 'AIS', 'AIL', 'AIP', 'AIP']);
    const pid = one.tree?.find((s) => s.name === 'PID');
    expect(pid?.fields.find((f) => f.index === 3)).toEqual({
      index: 3,
      value: 'MRN-MSG-1^^^GENHOSP^MR',
      components: ['MRN-MSG-1', '', '', 'GENHOSP', 'MR'],
    });
    expect(one.events).toEqual([expect.objectContaining({ version: 1, kind: 'case-created' })]);
    // The worker records one attempt per processing (contract of inbox_attempt).
    expect(one.attempts).toEqual([expect.objectContaining({ attempt: 1, trigger: 'queue', outcome: 'applied' })]);

    const refused = await detail((await byControlId('MSG-BAD-1'))!.id);
    expect(refused.message.status).toBe('rejected');
    expect(refused.tree?.[0]?.name).toBe('MSH');
    expect(refused.events).toEqual([]);

    // Every read of patient data is audited, with who read it.
    const db = new Client({ connectionString: t.database!.url });
    await db.connect();
    try {
      const rows = (
        await db.query<{ actor: string; target_id: string | null }>(
          `SELECT actor, target_id FROM audit_log WHERE action = 'message.read' AND target_id = $1`,
          [id],
        )
      ).rows;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.actor === `user:${engineerId}`)).toBe(true);
      const searches = await db.query(
        `SELECT 1 FROM audit_log WHERE action = 'message.read' AND detail ->> 'view' = 'search'
         AND detail -> 'filter' ->> 'mrn' = 'MRN-MSG-1'`,
      );
      expect(searches.rowCount).toBeGreaterThan(0);
    } finally {
      await db.end();
    }
  });

  it('shows refused, failed and stuck messages counted per error', async () => {
    const res = await get('/api/messages/errors').expect(200);
    const body = res.body as { groups: { kind: string; error: string; count: number }[]; items: Summary[] };
    expect(body.groups).toEqual([
      expect.objectContaining({ kind: 'rejected', count: 1, error: expect.stringContaining('ZZZ^Z99') }),
    ]);
    expect(body.items.map((m) => m.controlId)).toEqual(['MSG-BAD-1']);
  });

  it('gives traffic statistics and the queue depth', async () => {
    const res = await get('/api/messages/stats').expect(200);
    const stats = res.body as {
      at: string;
      total: { messages: { lastMinute: number; window: number }; byStatus: Record<string, number> };
      senders: { sender: string }[];
      queue: { waiting: number; active: number; delayed: number; failed: number } | null;
    };
    // The platform's clock is fixed: every message was received "now".
    expect(stats.at).toBe('2026-11-23T05:00:00.000Z');
    expect(stats.total.messages).toEqual({ lastMinute: 4, window: 4 });
    expect(stats.total.byStatus).toEqual({ received: 0, applied: 3, rejected: 1, failed: 0 });
    expect([...new Set(stats.senders.map((s) => s.sender))]).toEqual(['EPIC|GENHOSP']);
    expect(stats.queue).toEqual({
      waiting: expect.any(Number),
      active: expect.any(Number),
      delayed: expect.any(Number),
      failed: expect.any(Number),
    });
  });

  it('reprocesses an applied message once, audited, without changing its case', async () => {
    const id = (await byControlId('MSG-0001'))!.id;
    const refusedId = (await byControlId('MSG-BAD-1'))!.id;
    const before = await detail(id);
    const caseId = before.events[0]!.caseId;
    const caseBefore = (await get(`/api/cases/${caseId}`).expect(200)).body as CaseView;
    const eventsBefore = (await get(`/api/cases/${caseId}/events`).expect(200)).body as CaseEventView[];

    // A double click: two requests at once queue it once.
    const [a, b] = await Promise.all(
      [0, 1].map(() =>
        request(t.url)
          .post('/api/messages/reprocess')
          .set('Authorization', `Bearer ${engineer}`)
          .send({ ids: [id, refusedId] }),
      ),
    );
    expect([a!.status, b!.status]).toEqual([202, 202]);
    const results = [a!.body, b!.body] as { queued: string[]; skipped: { id: string; reason: string }[] }[];
    expect(results.flatMap((r) => r.queued)).toEqual([id]);
    for (const r of results)
      expect(r.skipped).toContainEqual({ id: refusedId, reason: expect.stringContaining('rejected') });

    const after = await waitFor(
      async () => {
        const d = await detail(id);
        return d.message.status === 'applied' && d.attempts.length === before.attempts.length + 1 ? d : undefined;
      },
      { timeoutMs: 10_000, what: 'the reprocessed message applied with a new attempt' },
    );
    expect(after.attempts.at(-1)).toMatchObject({ trigger: 'reprocess', outcome: 'applied' });
    expect(after.attempts.at(-1)?.actor).toContain(engineerId);
    // Idempotent: the case did not change.
    const caseAfter = (await get(`/api/cases/${caseId}`).expect(200)).body as CaseView;
    expect(caseAfter.version).toBe(caseBefore.version);
    expect((await get(`/api/cases/${caseId}/events`).expect(200)).body).toEqual(eventsBefore);

    const db = new Client({ connectionString: t.database!.url });
    await db.connect();
    try {
      const audits = (
        await db.query<{ actor: string; detail: { ids: string[] } }>(
          `SELECT actor, detail FROM audit_log WHERE action = 'message.reprocess' ORDER BY id`,
        )
      ).rows;
      expect(audits).toHaveLength(2);
      expect(audits.flatMap((r) => r.detail.ids)).toEqual([id]);
      expect(audits.every((r) => r.actor === `user:${engineerId}`)).toBe(true);
    } finally {
      await db.end();
    }
  });

  it('refuses callers without a token (401) or the role (403), and answers bad input with problems', async () => {
    const anonymous = await request(t.url).get('/api/messages').expect(401);
    expect(anonymous.headers['content-type']).toMatch(/application\/problem\+json/);
    await request(t.url)
      .post('/api/messages/reprocess')
      .send({ ids: ['1'] })
      .expect(401);
    for (const path of ['/api/messages', '/api/messages/1', '/api/messages/errors', '/api/messages/stats']) {
      const res = await get(path, nurse).expect(403);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    await request(t.url)
      .post('/api/messages/reprocess')
      .set('Authorization', `Bearer ${nurse}`)
      .send({ ids: ['1'] })
      .expect(403);

    for (const id of ['999999999', 'abc', '1%20OR%201=1']) {
      const res = await get(`/api/messages/${id}`).expect(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    const bad = await get('/api/messages?status=lost&limit=9999').expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body).toMatchObject({
      status: 400,
      title: 'Invalid request',
      errors: expect.arrayContaining([expect.objectContaining({ pointer: '/limit' })]),
    });
    await get('/api/messages?q=Everyman').expect(400);
    await request(t.url)
      .post('/api/messages/reprocess')
      .set('Authorization', `Bearer ${engineer}`)
      .send({ ids: [] })
      .expect(400);
  });

  it('lets an admin use the console too, and documents it', async () => {
    const admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    await get('/api/messages?limit=1', admin).expect(200);
    await get('/api/messages/stats', admin).expect(200);
    const doc = await request(t.url).get('/api/docs/openapi.json').expect(200);
    expect(Object.keys((doc.body as { paths: object }).paths)).toEqual(
      expect.arrayContaining([
        '/api/messages',
        '/api/messages/errors',
        '/api/messages/stats',
        '/api/messages/reprocess',
        '/api/messages/{id}',
      ]),
    );
  });
});
