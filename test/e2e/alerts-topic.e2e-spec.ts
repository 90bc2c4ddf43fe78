import type { Socket } from 'socket.io-client';
import type { AlertEvent, AlertsSnapshot, CaseView, UpdateEvent } from '@circulator/contracts';
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

const PASSWORD = 'alerts-topic-e2e-password';

/**
 * The `alerts` topic (CONTRACT §7): today's alerts as a snapshot, each newly raised one as an
 * `alert` event, every change (raised, acknowledged) as a versioned `update` with the case.
 */
describe('the alerts topic', () => {
  let t: TestPlatform;
  let mllp: MllpClient;
  const tokens: Record<string, string> = {};
  const sockets: Socket[] = [];
  const as = (who: string) => requestAs(t.url, () => tokens[who]);

  async function subscribe(who: string): Promise<{
    socket: Socket;
    ack: { ok: boolean; version?: number; snapshot?: AlertsSnapshot; error?: string };
    updates: UpdateEvent[];
    alerts: AlertEvent[];
  }> {
    const socket = await connectLive(t.url, tokens[who]!);
    sockets.push(socket);
    const updates: UpdateEvent[] = [];
    const alerts: AlertEvent[] = [];
    socket.on('update', (u: UpdateEvent) => updates.push(u));
    socket.on('alert', (a: AlertEvent) => alerts.push(a));
    const ack = (await socket.timeout(10_000).emitWithAck('subscribe', { topic: 'alerts' })) as {
      ok: boolean;
      version?: number;
      snapshot?: AlertsSnapshot;
    };
    return { socket, ack, updates, alerts };
  }

  beforeAll(async () => {
    // 08:10 in Paris on the surgical day: the case below is today's.
    t = await startTestPlatform({ clock: new ManualClock(new Date('2026-11-23T07:10:00Z')) });
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    for (const [username, roles] of [
      ['nurse', ['nurse']],
      ['desk', ['scheduler']],
    ] as const) {
      await as('admin').post('/api/users', { username, password: PASSWORD, displayName: username, roles }).expect(201);
      tokens[username] = await tokenFor(t.url, username, PASSWORD);
    }
    mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await mllp?.close();
    await t?.stop();
  });

  it('lists, announces and updates the alerts of today, and refuses a wall display', async () => {
    const desk = await subscribe('desk');
    expect(desk.ack).toMatchObject({ ok: true, snapshot: { alerts: [], cases: [] } });

    expect(
      await mllp.send(
        siu({
          trigger: 'S12',
          controlId: 'ALERT-1',
          placerId: 'PL-AL1',
          fillerId: 'FL-AL1',
          start: '20261123080000',
          minutes: 60,
          room: 'OR7',
          mrn: 'MRN-AL1',
          family: 'Alarm',
          given: 'Alice',
        }),
      ),
    ).toMatch(/MSA\|AA\|ALERT-1/);
    const booked = await waitFor(
      async () =>
        ((await as('nurse').get('/api/cases?date=2026-11-23').expect(200)).body as CaseView[]).find(
          (c) => c.identifiers.placerAppointmentId === 'PL-AL1',
        ),
      { timeoutMs: 10_000, what: 'the booked case' },
    );
    // A booking with no alert is no news on this topic.
    expect(desk.updates).toEqual([]);

    // Incision without a Time Out: the WHO checklist rule raises an alert.
    await as('nurse')
      .post(`/api/cases/${booked.id}/milestones`, { milestone: 'procedureStart', at: '2026-11-23T07:05:00Z' })
      .expect(200);
    const announced = await waitFor(() => desk.alerts[0], { timeoutMs: 10_000, what: 'the alert event' });
    expect(announced).toMatchObject({ topic: 'alerts', alert: { caseId: booked.id, roomId: booked.roomId } });
    const raised = await waitFor(
      () => desk.updates.find((u) => u.cases?.some((c) => c.alerts.some((a) => a.id === announced.alert.id))),
      { timeoutMs: 10_000, what: 'the alerts update' },
    );
    expect(raised.topic).toBe('alerts');
    expect(raised.version).toBe((desk.ack.version ?? 0) + 1);

    // A second reader joining now finds it in the snapshot.
    const late = await subscribe('admin');
    expect(late.ack.snapshot?.alerts).toEqual([expect.objectContaining({ id: announced.alert.id, caseId: booked.id })]);
    expect(late.ack.snapshot?.cases.map((c) => c.id)).toEqual([booked.id]);

    // Acknowledged: an update with the acknowledgement, and no new `alert` event.
    await as('nurse').post(`/api/alerts/${announced.alert.id}/ack`).expect(200);
    const acked = await waitFor(
      () =>
        desk.updates.find((u) =>
          u.cases?.some((c) => c.alerts.some((a) => a.id === announced.alert.id && a.acknowledgedAt)),
        ),
      { timeoutMs: 10_000, what: 'the acknowledgement update' },
    );
    expect(acked.version).toBeGreaterThan(raised.version);
    expect(desk.alerts).toHaveLength(1);

    // Wall displays read their own room, not the hospital's alerts.
    const display = (await as('admin').post('/api/displays', { roomId: booked.roomId }).expect(201)).body as {
      token: string;
    };
    tokens.display = display.token;
    const refused = await subscribe('display');
    expect(refused.ack.ok).toBe(false);
  }, 60_000);
});
