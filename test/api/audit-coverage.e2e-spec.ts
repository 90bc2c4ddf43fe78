import { Client } from 'pg';
import type { CaseView } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import {
  ADMIN_PASSWORD,
  connectLive,
  requestAs,
  startTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/platform';
import { waitFor } from '../support/services';

const PASSWORD = 'audit-coverage-e2e-password';

interface AuditRow {
  id: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  source: string | null;
}

// The test's clients connect over loopback: IPv4, or IPv4-mapped IPv6.
const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$|^::1$/;

/**
 * Issue 7, coverage: on a running platform, every REST read of patient data, every change and
 * every topic subscription writes exactly one audit row naming who, what and from where; reads
 * without patient data (rooms, site, message statistics) write none; the chain holds after all.
 */
describe('audit coverage of the API', () => {
  let t: TestPlatform;
  let db: Client;
  const clock = new ManualClock(new Date('2026-11-23T07:00:00Z'));
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const as = (who: string) => requestAs(t.url, () => tokens[who]);
  /** Moves the clock; tokens are short-lived by the same clock, so everyone signs in again. */
  async function at(iso: string): Promise<void> {
    clock.set(new Date(iso));
    for (const who of Object.keys(tokens)) {
      tokens[who] = await tokenFor(t.url, who, who === 'admin' ? ADMIN_PASSWORD : PASSWORD);
    }
  }

  beforeAll(async () => {
    t = await startTestPlatform({ clock });
    db = new Client({ connectionString: t.database!.url });
    await db.connect();
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    for (const [username, roles] of [
      ['nurse-aud', ['nurse']],
      ['sched-aud', ['scheduler']],
      ['ie-aud', ['integration']],
      ['biomed-aud', ['biomed']],
    ] as const) {
      const res = await as('admin')
        .post('/api/users', { username, password: PASSWORD, displayName: username, roles })
        .expect(201);
      ids[username] = (res.body as { id: string }).id;
      tokens[username] = await tokenFor(t.url, username, PASSWORD);
    }
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const booking = {
      trigger: 'S12',
      minutes: 60,
      family: 'Everyman',
      given: 'Adam',
      controlId: 'AUD-1',
      placerId: 'PL-A1',
      fillerId: 'FL-A1',
      start: '20261123093000',
      room: 'OR7',
      mrn: 'M-A1',
    } as const;
    expect(await mllp.send(siu(booking))).toMatch(/MSA\|AA\|/);
    await mllp.close();
    const cases = await waitFor(
      async () => {
        const { rows } = await db.query<{ id: string }>(`SELECT id FROM surgical_case`);
        return rows.length === 1 ? rows : undefined;
      },
      { timeoutMs: 10_000, what: 'the booked case' },
    );
    ids.case = cases[0]!.id;
    ids.message = (await db.query<{ id: string }>(`SELECT id::text AS id FROM inbox`)).rows[0]!.id;
  });

  afterAll(async () => {
    await db?.end();
    await t?.stop();
    t?.dataDir.remove();
  });

  /** Runs one operation and answers the audit rows it wrote. */
  async function rowsOf(operation: () => Promise<unknown>): Promise<AuditRow[]> {
    const { rows } = await db.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM audit_log`);
    await operation();
    return (
      await db.query<AuditRow>(
        `SELECT a.id::text AS id, actor, action, target_type, target_id, source FROM audit_log a
         WHERE a.id > $1::bigint ORDER BY a.id`,
        [rows[0]!.id],
      )
    ).rows;
  }

  async function expectOne(
    who: string,
    operation: () => Promise<unknown>,
    expected: { action: string; targetType: string; targetId?: string | null },
  ): Promise<void> {
    const rows = await rowsOf(operation);
    expect(
      rows.map((r) => ({ actor: r.actor, action: r.action, targetType: r.target_type, targetId: r.target_id })),
    ).toEqual([
      {
        actor: `user:${ids[who] ?? ''}`,
        action: expected.action,
        targetType: expected.targetType,
        targetId: expected.targetId ?? null,
      },
    ]);
    expect(rows[0]!.source).toMatch(LOOPBACK);
  }

  it('case reads: the day list, one case, its event log', async () => {
    await expectOne('nurse-aud', () => as('nurse-aud').get('/api/cases?date=2026-11-23').expect(200), {
      action: 'cases.list',
      targetType: 'case',
    });
    await expectOne('nurse-aud', () => as('nurse-aud').get(`/api/cases/${ids.case}`).expect(200), {
      action: 'cases.read',
      targetType: 'case',
      targetId: ids.case,
    });
    await expectOne('nurse-aud', () => as('nurse-aud').get(`/api/cases/${ids.case}/events`).expect(200), {
      action: 'cases.events',
      targetType: 'case',
      targetId: ids.case,
    });
    await expectOne('nurse-aud', () => as('nurse-aud').get('/api/kpis?date=2026-11-23').expect(200), {
      action: 'kpis.read',
      targetType: 'room-day',
    });
  });

  it('case changes: a milestone, the checklist, a desk move', async () => {
    await at('2026-11-23T08:31:00Z');
    await expectOne(
      'nurse-aud',
      () => as('nurse-aud').post(`/api/cases/${ids.case}/milestones`, { milestone: 'inRoom' }).expect(200),
      { action: 'cases.milestone', targetType: 'case', targetId: ids.case },
    );
    await expectOne(
      'nurse-aud',
      () => as('nurse-aud').post(`/api/cases/${ids.case}/checklist`, { phase: 'signIn' }).expect(200),
      { action: 'cases.checklist', targetType: 'case', targetId: ids.case },
    );
    const view = (await as('sched-aud').get(`/api/cases/${ids.case}`).expect(200)).body as CaseView;
    await expectOne(
      'sched-aud',
      () =>
        as('sched-aud')
          .patch(`/api/cases/${ids.case}`, {
            scheduledEnd: new Date(Date.parse(view.scheduledEnd) + 30 * 60_000).toISOString(),
          })
          .expect(200),
      { action: 'cases.reschedule', targetType: 'case', targetId: ids.case },
    );
  });

  it('message log reads: search, errors, one message (they carry PHI)', async () => {
    await expectOne('ie-aud', () => as('ie-aud').get('/api/messages').expect(200), {
      action: 'message.read',
      targetType: 'message',
    });
    await expectOne('ie-aud', () => as('ie-aud').get('/api/messages/errors').expect(200), {
      action: 'message.read',
      targetType: 'message',
    });
    await expectOne('ie-aud', () => as('ie-aud').get(`/api/messages/${ids.message}`).expect(200), {
      action: 'message.read',
      targetType: 'message',
      targetId: ids.message,
    });
  });

  it('device registry: registration, reads (a tag can name a patient), changes', async () => {
    await expectOne(
      'biomed-aud',
      () => as('biomed-aud').post('/api/devices', { id: 'tag-aud-1', type: 'rtls-tag' }).expect(201),
      { action: 'devices.register', targetType: 'device', targetId: 'tag-aud-1' },
    );
    await expectOne(
      'biomed-aud',
      () =>
        as('biomed-aud')
          .patch('/api/devices/tag-aud-1', { binding: { kind: 'patient', mrn: 'M-A1' } })
          .expect(200),
      { action: 'devices.update', targetType: 'device', targetId: 'tag-aud-1' },
    );
    await expectOne('biomed-aud', () => as('biomed-aud').get('/api/devices').expect(200), {
      action: 'devices.list',
      targetType: 'device',
    });
    await expectOne('biomed-aud', () => as('biomed-aud').get('/api/devices/tag-aud-1').expect(200), {
      action: 'devices.read',
      targetType: 'device',
      targetId: 'tag-aud-1',
    });
    await expectOne('biomed-aud', () => as('biomed-aud').get('/api/devices/tag-aud-1/events').expect(200), {
      action: 'devices.events',
      targetType: 'device',
      targetId: 'tag-aud-1',
    });
    await expectOne('biomed-aud', () => as('biomed-aud').get('/api/devices/events').expect(200), {
      action: 'devices.events',
      targetType: 'device',
    });
    await expectOne('biomed-aud', () => as('biomed-aud').post('/api/devices/tag-aud-1/credentials').expect(200), {
      action: 'devices.credentials.rotate',
      targetType: 'device',
      targetId: 'tag-aud-1',
    });
  });

  it('a topic subscription, with the socket address', async () => {
    const live = await connectLive(t.url, tokens['nurse-aud']!);
    try {
      await expectOne(
        'nurse-aud',
        async () => {
          const ack = (await live.emitWithAck('subscribe', { topic: `case:${ids.case}` })) as { ok: boolean };
          expect(ack.ok).toBe(true);
        },
        { action: 'live.subscribe', targetType: 'topic', targetId: `case:${ids.case}` },
      );
    } finally {
      live.close();
    }
  });

  it('nothing for reads without patient data, or refused, or of what does not exist', async () => {
    expect(await rowsOf(() => as('nurse-aud').get('/api/rooms').expect(200))).toEqual([]);
    expect(await rowsOf(() => as('nurse-aud').get('/api/site').expect(200))).toEqual([]);
    expect(await rowsOf(() => as('ie-aud').get('/api/messages/stats').expect(200))).toEqual([]);
    expect(await rowsOf(() => as('biomed-aud').get(`/api/cases/${ids.case}`).expect(403))).toEqual([]);
    expect(
      await rowsOf(() => as('nurse-aud').get('/api/cases/00000000-0000-4000-8000-000000000000').expect(404)),
    ).toEqual([]);
  });

  it('leaves one unbroken chain', async () => {
    const verify = await as('admin').get('/api/audit/verify').expect(200);
    expect(verify.body).toMatchObject({ ok: true });
  });
});
