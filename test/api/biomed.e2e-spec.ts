import { connectAsync, type MqttClient } from 'mqtt';
import { Client } from 'pg';
import request from 'supertest';
import type { DeviceAlertView, DeviceEventView, DeviceView, WorkOrderView } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { ADMIN_PASSWORD, requestAs, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

const PASSWORD = 'biomed-e2e-password';

/**
 * The biomed console's API (issue 5 and 8): each device's usage and service forecast in the device
 * view, device alerts, work orders (open, close with a service record), the compliance export.
 * Usage comes from a real pump publishing its counter over MQTT to the embedded broker.
 */
describe('biomed: forecast, alerts, work orders and the compliance export', () => {
  let t: TestPlatform;
  let db: Client;
  let pump: MqttClient;
  const clock = new ManualClock(new Date('2026-11-21T00:00:00Z'));
  const tokens: Record<string, string> = {};
  const as = (who: string) => requestAs(t.url, () => tokens[who]);
  const deviceView = async (id: string) =>
    (await as('biomed').get(`/api/devices/${id}`).expect(200)).body as DeviceView;
  const alerts = async () =>
    ((await as('biomed').get('/api/biomed/alerts').expect(200)).body as { alerts: DeviceAlertView[] }).alerts;
  async function auditRows(action: string): Promise<{ actor: string; target_id: string | null }[]> {
    return (
      await db.query<{ actor: string; target_id: string | null }>(
        `SELECT actor, target_id FROM audit_log WHERE action = $1 ORDER BY id`,
        [action],
      )
    ).rows;
  }

  beforeAll(async () => {
    t = await startTestPlatform({ clock, env: { FACILITY_NAME: 'St. Elsewhere <OR suite>' } });
    db = new Client({ connectionString: t.database!.url });
    await db.connect();
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    for (const [username, roles] of [
      ['bio-e2e', ['biomed']],
      ['nurse-e2e', ['nurse']],
    ] as const) {
      await as('admin').post('/api/users', { username, password: PASSWORD, displayName: username, roles }).expect(201);
    }
    tokens.biomed = await tokenFor(t.url, 'bio-e2e', PASSWORD);
    tokens.nurse = await tokenFor(t.url, 'nurse-e2e', PASSWORD);
    const registered = await as('biomed')
      .post('/api/devices', {
        id: 'pump-b1',
        type: 'infusion-pump',
        serial: 'SN-B1',
        serviceIntervalUses: 100,
        serviceIntervalDays: 365,
        lastServiceAt: '2026-10-22T00:00:00Z',
      })
      .expect(201);
    pump = await connectAsync(`mqtt://127.0.0.1:${t.platform.mqttPort}`, {
      username: 'pump-b1',
      password: (registered.body as { mqttPassword: string }).mqttPassword,
      reconnectPeriod: 0,
    });
    // The counter's first reading is the starting point; 95 uses follow.
    for (const usageCount of [400, 495]) {
      await pump.publishAsync('circulator/v1/devices/pump-b1/status', JSON.stringify({ state: 'online', usageCount }), {
        qos: 1,
      });
      await waitFor(async () => (await deviceView('pump-b1')).usageCount === usageCount, {
        timeoutMs: 10_000,
        what: `usage count ${usageCount}`,
      });
    }
  });
  afterAll(async () => {
    await pump?.endAsync();
    await db?.end();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('answers 401 without a token and 403 to other roles, as problem JSON', async () => {
    for (const path of [
      '/api/work-orders',
      '/api/biomed/alerts',
      '/api/biomed/compliance.csv',
      '/api/biomed/compliance.html',
    ]) {
      const anonymous = await request(t.url).get(path).expect(401);
      expect(anonymous.headers['content-type']).toMatch(/application\/problem\+json/);
      const nurse = await as('nurse').get(path).expect(403);
      expect(nurse.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    await as('nurse').post('/api/work-orders', { deviceId: 'pump-b1', note: 'x' }).expect(403);
  });

  it('shows usage against the interval and the forecast service date in the device view', async () => {
    const { maintenance, usesSinceService } = await deviceView('pump-b1');
    expect(usesSinceService).toBe(95);
    // 95 uses in the 30 days since service = 3.17/day; 5 left = 1.58 days.
    expect(maintenance).toMatchObject({
      at: '2026-11-21T00:00:00.000Z',
      rateMethod: 'since-service',
      usesPerDay: 3.17,
      usesSinceService: 95,
      usesRemaining: 5,
      usedFraction: 0.95,
      dueBy: 'uses',
    });
    expect(maintenance?.dueAt?.slice(0, 10)).toBe('2026-11-22');
    const listed = (await as('biomed').get('/api/devices').expect(200)).body as { devices: DeviceView[] };
    expect(listed.devices.find((d) => d.id === 'pump-b1')?.maintenance?.dueAt).toBe(maintenance?.dueAt);
  });

  it('lists the maintenance alerts the forecast warrants, most severe first', async () => {
    const ids = (await alerts()).filter((a) => a.deviceId === 'pump-b1').map((a) => `${a.id} ${a.priority}`);
    expect(ids).toEqual(['maint:pump-b1:imminent medium', 'maint:pump-b1:uses-low low']);
  });

  let orderId = '';

  it('opens a work order (400 on a bad body, 422 for an unknown device), audited', async () => {
    const bad = await as('biomed').post('/api/work-orders', { deviceId: 'pump-b1' }).expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((bad.body as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)).toEqual(['/note']);
    await as('biomed').post('/api/work-orders', { deviceId: 'no-such-pump', note: 'check' }).expect(422);

    clock.set(new Date('2026-11-21T09:00:00Z'));
    tokens.biomed = await tokenFor(t.url, 'bio-e2e', PASSWORD);
    const opened = (
      await as('biomed')
        .post('/api/work-orders', {
          deviceId: 'pump-b1',
          note: 'Service due: replace the pump module',
          assignee: 'bio-e2e',
        })
        .expect(201)
    ).body as WorkOrderView;
    orderId = opened.id;
    expect(opened).toMatchObject({
      deviceId: 'pump-b1',
      status: 'open',
      assignee: 'bio-e2e',
      openedBy: 'bio-e2e',
      openedAt: '2026-11-21T09:00:00.000Z',
      serviced: false,
    });
    const list = (await as('biomed').get('/api/work-orders?status=open').expect(200)).body as {
      workOrders: WorkOrderView[];
    };
    expect(list.workOrders.map((w) => w.id)).toEqual([orderId]);
    await as('biomed').get('/api/work-orders?status=maybe').expect(400);
    expect((await auditRows('work-order.open')).map((r) => r.target_id)).toEqual([orderId]);
  });

  it('closes it with a service record: the device is serviced and its alerts clear; a repeat is 409', async () => {
    await as('biomed').post('/api/work-orders/999999/close', { note: 'x' }).expect(404);
    await as('biomed').post('/api/work-orders/not-an-id/close', { note: 'x' }).expect(404);
    await as('biomed').post(`/api/work-orders/${orderId}/close`, {}).expect(400);

    clock.set(new Date('2026-11-21T11:00:00Z'));
    tokens.biomed = await tokenFor(t.url, 'bio-e2e', PASSWORD);
    const closed = (
      await as('biomed')
        .post(`/api/work-orders/${orderId}/close`, { note: 'Module replaced, tested', serviced: true })
        .expect(200)
    ).body as WorkOrderView;
    expect(closed).toMatchObject({
      status: 'closed',
      closedAt: '2026-11-21T11:00:00.000Z',
      closedBy: 'bio-e2e',
      closeNote: 'Module replaced, tested',
      serviced: true,
    });
    const repeat = await as('biomed').post(`/api/work-orders/${orderId}/close`, { note: 'again' }).expect(409);
    expect(repeat.headers['content-type']).toMatch(/application\/problem\+json/);

    const device = await deviceView('pump-b1');
    expect(device).toMatchObject({ lastServiceAt: '2026-11-21T11:00:00.000Z', usesSinceService: 0 });
    expect(device.maintenance?.dueAt).toBe('2027-11-21T11:00:00.000Z');
    expect((await alerts()).filter((a) => a.deviceId === 'pump-b1')).toEqual([]);
    const history = (
      (await as('biomed').get('/api/devices/pump-b1/events').expect(200)).body as { events: DeviceEventView[] }
    ).events;
    // Newest first; the watchdog's connectivity lines (the clock moved past the heartbeat) aside.
    expect(history.map((e) => e.kind).filter((k) => k === 'service' || k === 'work-order')).toEqual([
      'service',
      'work-order',
    ]);
    expect((await auditRows('work-order.close')).map((r) => r.target_id)).toEqual([orderId]);
  });

  it('exports the fleet for compliance as CSV, audited', async () => {
    const res = await as('biomed').get('/api/biomed/compliance.csv').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="device-compliance.csv"/);
    const lines = res.text.split('\r\n');
    expect(lines[0]).toBe('record,device_id,device_type,serial,room,at,status,priority,detail,actor');
    const records = lines.filter((l) => l.includes(',pump-b1,')).map((l) => l.split(',')[0]);
    expect(records).toEqual([
      'device',
      'event:registered',
      'event:credentials',
      'event:service',
      'work-order-opened',
      'work-order-closed',
    ]);
    expect(res.text).toContain('"#1 closed, serviced"'.replace('#1', `#${orderId}`));
    expect((await auditRows('devices.compliance-export')).length).toBe(1);
  });

  /** The export's records but the devices' own, as `record device at`: CSV lines, report rows. */
  const csvEvents = (csv: string) =>
    csv
      .split('\r\n')
      .slice(1, -1)
      .map((l) => l.split(','))
      .filter((f) => f[0] !== 'device')
      .map((f) => `${f[0]} ${f[1]} ${f[5]}`);
  const htmlEvents = (html: string) =>
    [
      ...html
        .slice(html.indexOf('<table class="events">'))
        .matchAll(/<tr data-record="([^"]*)" data-device="([^"]*)"><td>(?:<time dateTime="([^"]*)")?/g),
    ].map((m) => `${m[1]} ${m[2]} ${m[3] ?? ''}`);

  it('prints the same records as a self-contained HTML report, escaped, audited like the CSV', async () => {
    await as('biomed')
      .post('/api/devices', {
        id: 'scope-x1',
        type: 'endoscope',
        label: '<script>alert("x")</script>',
        serial: 'SN-X1',
      })
      .expect(201);
    const res = await as('biomed').get('/api/biomed/compliance.html').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    expect(res.headers['cache-control']).toBe('no-store');
    const html = res.text;
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('<dt>Facility</dt><dd>St. Elsewhere &lt;OR suite&gt;</dd>');
    expect(html).toContain('<dt>Period</dt><dd>all records</dd>');
    // The platform's zone is Europe/Paris; the clock stands at 11:00Z.
    expect(html).toContain(
      '<dt>Generated at</dt><dd><time dateTime="2026-11-21T11:00:00.000Z">2026-11-21 12:00</time></dd>',
    );
    expect([...html.matchAll(/<tr data-device="([^"]*)">/g)].map((m) => m[1])).toEqual(
      expect.arrayContaining(['pump-b1', 'scope-x1']),
    );

    const csv = (await as('biomed').get('/api/biomed/compliance.csv').expect(200)).text;
    const events = htmlEvents(html);
    expect(events).toEqual(csvEvents(csv));
    expect(events.filter((e) => e.includes(' pump-b1 ')).map((e) => e.split(' ')[0])).toEqual([
      'event:registered',
      'event:credentials',
      'event:service',
      'work-order-opened',
      'work-order-closed',
    ]);

    const rows = (
      await db.query<{ actor: string; detail: { format: string; from?: string } }>(
        `SELECT actor, detail FROM audit_log WHERE action = 'devices.compliance-export' ORDER BY id`,
      )
    ).rows;
    expect(rows.map((r) => r.detail.format)).toEqual(['csv', 'html', 'csv']);
    expect(new Set(rows.map((r) => r.actor)).size).toBe(1);
  });

  it('limits both to a period: history and work-order steps in [from, to)', async () => {
    // The work order was opened at 09:00Z and closed (the service recorded) at 11:00Z.
    const query = '?from=2026-11-21T10:00:00Z&to=2026-11-22T00:00:00Z';
    const html = (await as('biomed').get(`/api/biomed/compliance.html${query}`).expect(200)).text;
    const csv = (await as('biomed').get(`/api/biomed/compliance.csv${query}`).expect(200)).text;
    const events = htmlEvents(html);
    expect(events).toEqual(csvEvents(csv));
    expect(events.filter((e) => e.includes(' pump-b1 ')).map((e) => e.split(' ')[0])).toEqual([
      'event:service',
      'work-order-closed',
    ]);
    expect(html).toContain('<dt>Period</dt><dd>2026-11-21 11:00 – 2026-11-22 01:00 (end excluded)</dd>');
    const [last] = (
      await db.query<{ detail: Record<string, unknown> }>(
        `SELECT detail FROM audit_log WHERE action = 'devices.compliance-export' ORDER BY id DESC LIMIT 1`,
      )
    ).rows;
    expect(last?.detail).toMatchObject({
      format: 'csv',
      from: '2026-11-21T10:00:00.000Z',
      to: '2026-11-22T00:00:00.000Z',
    });

    const bad = await as('biomed').get('/api/biomed/compliance.html?from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    await as('biomed').get('/api/biomed/compliance.csv?from=yesterday').expect(400);
    await as('biomed').get('/api/biomed/compliance.csv?since=2026-11-21T00:00:00Z').expect(400);
  });
});
