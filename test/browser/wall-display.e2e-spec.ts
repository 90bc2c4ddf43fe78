import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CaseView } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import {
  ARTEFACTS,
  describeViolations,
  launchChromium,
  screenshot,
  seriousViolations,
  storedItems,
} from '../support/browser';
import { siu } from '../support/hl7-messages';
import { ADMIN_PASSWORD, requestAs, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

const PASSWORD = 'wall-display-e2e-password';
/** The platform's clock and the pages': Monday 23 November 2026, 08:50 in Paris. */
const NOW = new Date('2026-11-23T07:50:00Z');
/** `BROWSER_BENCH=1` measures update-to-screen times on the wall display (off in CI). */
const BENCH = process.env.BROWSER_BENCH === '1';

/** What the tests use of the page's globals (this project's types have no DOM). */
interface InPage {
  getComputedStyle(el: unknown): { backgroundColor: string };
  document: { documentElement: { dataset: Record<string, string | undefined> } };
}

interface InPageElement {
  className: string;
  dataset: Record<string, string | undefined>;
}

/** IEC 60601-1-8 colours as the stylesheet gives them (computed `background-color`). */
const ALARM_RGB = { high: 'rgb(200, 0, 30)', medium: 'rgb(255, 210, 0)', low: 'rgb(0, 194, 224)' };

/**
 * The OR wall display and the anesthesia view in Debian's chromium against a started platform
 * (PostgreSQL, Redis, the embedded MQTT broker): a case booked over HL7 SIU, a display enrolled
 * with its credential's link, live vitals from a registered monitor over MQTT, device alarms in
 * their IEC 60601-1-8 colours, an acknowledgment from the anesthesiologist's screen reaching the
 * wall, milestones recorded from it, and axe-core on every screen.
 */
describe('the wall display and the anesthesia view in a real browser', () => {
  let t: TestPlatform;
  let browser: Browser;
  let wallContext: BrowserContext;
  let wall: Page;
  let anesthesia: Page;
  let monitor: MqttClient;
  let roomId = '';
  let caseId = '';
  let displayId = '';
  let displayToken = '';
  const tokens: Record<string, string> = {};
  const as = (who: string) => requestAs(t.url, () => tokens[who]);
  const secrets: Record<string, string> = {};
  /** One reading from the monitor, taken at `at` (readings go forward in time). */
  async function reading(at: string, values: { hr?: number; spo2?: number; etco2?: number }): Promise<void> {
    const observations = Object.entries(values).map(([code, value]) => ({ code, value }));
    await monitor.publishAsync('circulator/v1/devices/mon-5/observations', JSON.stringify({ at, observations }), {
      qos: 1,
    });
  }

  async function device(id: string): Promise<MqttClient> {
    return connectAsync(`mqtt://127.0.0.1:${t.platform.mqttPort}`, {
      username: id,
      password: secrets[id],
      reconnectPeriod: 0,
      clientId: `${id}-browser`,
    });
  }

  async function newPage(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // The pages' clock is the platform's, so that timers and ages are the same on every run.
    await page.clock.setFixedTime(NOW);
    return page;
  }

  async function expectAccessible(page: Page): Promise<void> {
    const violations = await seriousViolations(page);
    expect(describeViolations(violations)).toBe('');
  }

  beforeAll(async () => {
    const clock = new ManualClock(NOW);
    t = await startTestPlatform({ clock, env: { PREDICTIONS: 'on' } });
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    for (const [username, roles] of [
      ['anest', ['anesthesiologist']],
      ['nurse', ['nurse']],
      ['biomed', ['biomed']],
    ] as const) {
      await as('admin').post('/api/users', { username, password: PASSWORD, displayName: username, roles }).expect(201);
      tokens[username] = await tokenFor(t.url, username, PASSWORD);
    }

    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const booking = {
      trigger: 'S12',
      room: 'OR5',
      mrn: 'MRN-WALL1',
      family: 'Browser',
      given: 'Beth',
    } as const;
    for (const spec of [
      {
        ...booking,
        controlId: 'WALL-1',
        placerId: 'PL-WALL1',
        fillerId: 'FL-WALL1',
        start: '20261123083000',
        minutes: 120,
        procedure: ['27447', 'Total knee arthroplasty'] as [string, string],
      },
      {
        ...booking,
        controlId: 'WALL-2',
        placerId: 'PL-WALL2',
        fillerId: 'FL-WALL2',
        start: '20261123110000',
        minutes: 60,
        mrn: 'MRN-WALL2',
        family: 'Next',
        given: 'Nora',
        procedure: ['49505', 'Inguinal hernia repair'] as [string, string],
      },
    ]) {
      expect(await mllp.send(siu(spec))).toMatch(new RegExp(`MSA\\|AA\\|${spec.controlId}`));
    }
    await mllp.close();
    const cases = await waitFor(
      async () => {
        const list = (await as('admin').get('/api/cases?date=2026-11-23').expect(200)).body as CaseView[];
        return list.length === 2 ? list : undefined;
      },
      { timeoutMs: 10_000, what: 'the booked cases' },
    );
    const first = cases.find((c) => c.identifiers.placerAppointmentId === 'PL-WALL1')!;
    caseId = first.id;
    roomId = first.roomId;

    for (const [id, type] of [
      ['mon-5', 'monitor'],
      ['env-5', 'environment-sensor'],
      ['pump-5', 'infusion-pump'],
    ] as const) {
      const res = await as('biomed')
        .post('/api/devices', { id, type, roomId, label: `${id} (${type})` })
        .expect(201);
      secrets[id] = (res.body as { mqttPassword: string }).mqttPassword;
    }
    const env = await device('env-5');
    await env.publishAsync(
      `circulator/v1/rooms/${roomId}/environment`,
      JSON.stringify({ at: '2026-11-23T07:48:00Z', temperatureC: 19.5, humidityPct: 45 }),
      { qos: 1 },
    );
    await env.endAsync();
    monitor = await device('mon-5');
    await monitor.publishAsync('circulator/v1/devices/mon-5/status', JSON.stringify({ state: 'online' }), { qos: 1 });

    // The case is under way: in the room at 08:35, signed in, timed out, incision at 08:45.
    await as('nurse').post(`/api/cases/${caseId}/milestones`, { milestone: 'inRoom', at: '2026-11-23T07:35:00Z' });
    await as('nurse').post(`/api/cases/${caseId}/checklist`, { phase: 'signIn', at: '2026-11-23T07:38:00Z' });
    await as('nurse').post(`/api/cases/${caseId}/checklist`, { phase: 'timeOut', at: '2026-11-23T07:44:00Z' });
    await as('nurse')
      .post(`/api/cases/${caseId}/milestones`, { milestone: 'procedureStart', at: '2026-11-23T07:45:00Z' })
      .expect(200);
    await waitFor(
      async () =>
        ((await as('admin').get(`/api/cases/${caseId}`).expect(200)).body as CaseView).milestones.procedureStart,
      { what: 'the incision on the case' },
    );
    const display = await as('admin').post('/api/displays', { roomId }).expect(201);
    ({ id: displayId, token: displayToken } = display.body as { id: string; token: string });

    browser = await launchChromium();
    // A kiosk browser left in UTC at full HD: the display must still show the facility's times.
    wallContext = await browser.newContext({ viewport: { width: 1920, height: 1080 }, timezoneId: 'UTC' });
    wall = await newPage(wallContext);
    const anesthesiaContext = await browser.newContext({ viewport: { width: 1440, height: 1000 }, timezoneId: 'UTC' });
    anesthesia = await newPage(anesthesiaContext);
  });

  afterAll(async () => {
    await monitor?.endAsync(true).catch(() => undefined);
    await browser?.close();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('enrols with the link, takes the credential out of the address, and shows the case in the room', async () => {
    await wall.goto(`${t.url}/display/room/${encodeURIComponent(roomId)}#enrol=${encodeURIComponent(displayToken)}`);
    await wall.getByRole('heading', { name: 'Total knee arthroplasty' }).waitFor();
    expect(wall.url()).toBe(`${t.url}/display/room/${encodeURIComponent(roomId)}`);
    expect(wall.url()).not.toContain(displayToken);
    await wall.getByTestId('connection').getByText('live').waitFor();

    // Minimum necessary PHI: the display's credential sees initials only.
    expect(await wall.getByTestId('patient').textContent()).toBe('B.B.');
    expect(await wall.getByText('Browser', { exact: false }).count()).toBe(0);
    await wall.locator('main .team').getByText('Gregory House').waitFor();
    await wall.locator('main .team').getByText('Michaela Quinn').waitFor();
    // Timers (in the facility's zone, from a browser in UTC): in at 08:35, incision at 08:45, now 08:50.
    expect(await wall.getByTestId('timer-in-room').textContent()).toBe('15 min');
    expect(await wall.getByTestId('timer-incision').textContent()).toBe('5 min');
    expect(await wall.locator('[data-milestone="inRoom"] .step-time').textContent()).toBe('08:35');
    expect(await wall.locator('[data-milestone="procedureStart"] .step-time').textContent()).toBe('08:45');
    expect(await wall.locator('[data-phase="timeOut"]').textContent()).toContain('done 08:44');
    await wall.getByTestId('predicted-end').waitFor();
    // The room: environment with its age, devices, the next case.
    await wall.getByText('19.5 °C').waitFor();
    await wall.getByText('as of 08:48 (2 min ago)').waitFor();
    await wall.locator('[data-device="mon-5"]').waitFor();
    await wall.getByText('Inguinal hernia repair').waitFor();
    expect(await storedItems(wall)).toBe(0);
  });

  it('shows live vitals changing, with their trend', async () => {
    // A reading a minute from 08:41 to 08:49, each shown as it comes.
    const hr = [72, 74, 77, 80, 79, 82, 84, 81, 78];
    for (const [i, value] of hr.entries()) {
      const at = new Date(Date.parse('2026-11-23T07:41:00Z') + i * 60_000).toISOString();
      await reading(at, { hr: value, spo2: 99 - (i % 3), etco2: 35 + (i % 4) });
      await wall.getByTestId('vital-hr').getByText(String(value), { exact: true }).waitFor();
    }
    await wall.getByTestId('vital-spo2').getByText('97', { exact: true }).waitFor();
    // Its age, by the pages' clock (08:50): the last reading was at 08:49.
    await wall.locator('[data-vital="hr"] .age').getByText('1 min ago').waitFor();
    // The trend holds every reading since the display opened (the server keeps only the latest).
    await wall.getByRole('img', { name: 'Heart rate trend: 72–84 in 10 min' }).waitFor();
    await screenshot(wall, 'wall-display-vitals');
  });

  it('shows device alarms in their IEC 60601-1-8 colours, most urgent first', async () => {
    for (const [id, priority, message] of [
      ['a-low', 'low', 'Lead off soon: check electrode'],
      ['a-high', 'high', 'SpO2 desaturation'],
      ['a-medium', 'medium', 'Infusion line occlusion suspected'],
    ] as const) {
      await monitor.publishAsync(
        'circulator/v1/devices/mon-5/alarms',
        JSON.stringify({ id, priority, message, state: 'active' }),
        { qos: 1 },
      );
    }
    const items = wall.locator('.alerts > li');
    await waitFor(async () => (await items.count()) === 3, { what: 'three alarms on the wall', timeoutMs: 10_000 });
    const priorities = await items.evaluateAll((els) => els.map((el) => (el as InPageElement).dataset.priority));
    expect(priorities).toEqual(['high', 'medium', 'low']);
    for (const [priority, rgb] of Object.entries(ALARM_RGB)) {
      const background = await wall
        .locator(`.alerts > li[data-priority="${priority}"]`)
        .evaluate((el) => (globalThis as unknown as InPage).getComputedStyle(el).backgroundColor);
      expect(background).toBe(rgb);
    }
    // A display acknowledges nothing: that is for the staff at their own screens.
    expect(await wall.getByRole('button', { name: /acknowledge/i }).count()).toBe(0);
    await screenshot(wall, 'wall-display-alarms');
  });

  it('passes axe-core in the light and the dark theme', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await wall.emulateMedia({ colorScheme: theme, reducedMotion: 'reduce' });
      await expectAccessible(wall);
      await screenshot(wall, `wall-display-${theme}`);
    }
    // The toggle overrides the system's choice.
    await wall.getByRole('button', { name: /theme/i }).click();
    expect(await wall.evaluate(() => (globalThis as unknown as InPage).document.documentElement.dataset.theme)).toBe(
      'dark',
    );
  });

  it('gives the anesthesiologist vitals first, trends from the log, alarm history, and acknowledgment', async () => {
    await anesthesia.goto(`${t.url}/anesthesia/room/${encodeURIComponent(roomId)}`);
    await anesthesia.fill('#username', 'anest');
    await anesthesia.fill('#password', PASSWORD);
    await anesthesia.getByRole('button', { name: /sign in/i }).click();
    await anesthesia.getByTestId('connection').getByText('live').waitFor();
    // Clinicians see the full name.
    await anesthesia.getByText('BROWSER, Beth').waitFor();
    // Vitals first: the tiles come before the milestones and alarms.
    const order = await anesthesia
      .locator('main > *')
      .evaluateAll((els) => els.map((el) => (el as InPageElement).className));
    expect(order.indexOf('vitals vitals-large')).toBeLessThan(order.indexOf('anesthesia-columns'));
    await anesthesia.getByTestId('vital-hr').getByText('78', { exact: true }).waitFor();
    // The trend was read from the case's event log: it has the readings from before the page opened.
    await anesthesia.getByRole('img', { name: 'Heart rate trend: 72–84 in 10 min' }).waitFor();
    // The alarm history from the log: three raised.
    await waitFor(async () => (await anesthesia.locator('.alarm-history [data-what="raised"]').count()) === 3, {
      what: 'the alarm history',
    });
    await expectAccessible(anesthesia);
    await screenshot(anesthesia, 'anesthesia-view');

    // Acknowledge the high-priority alarm here; the wall display shows it acknowledged.
    await anesthesia.getByRole('button', { name: 'Acknowledge SpO2 desaturation' }).click();
    const high = wall.locator('.alerts > li[data-priority="high"]');
    await waitFor(async () => (await high.getAttribute('class'))?.includes('alert-acked'), {
      what: 'the acknowledgment on the wall display',
      timeoutMs: 10_000,
    });
    expect(await high.textContent()).toContain('acknowledged 08:50');
    // Acknowledged alarms go after the unacknowledged ones, and stop flashing.
    expect(await wall.locator('.alerts > li').last().getAttribute('data-priority')).toBe('high');
    await anesthesia.locator('.alarm-history [data-what="acknowledged"]').first().waitFor();
    await screenshot(wall, 'wall-display-acknowledged');

    // Anesthesia milestones are recorded here and reach the wall.
    await anesthesia.getByRole('button', { name: 'Record now Induction' }).click();
    await wall.locator('[data-milestone="induction"] .step-time').getByText('08:50').waitFor();
    await anesthesia.locator('.anesthesia-milestones [data-milestone="induction"]').getByText('08:50').waitFor();

    // A cleared alarm leaves the list and enters the history.
    await monitor.publishAsync(
      'circulator/v1/devices/mon-5/alarms',
      JSON.stringify({ id: 'a-low', priority: 'low', message: 'Lead off soon: check electrode', state: 'cleared' }),
      { qos: 1 },
    );
    await waitFor(async () => (await wall.locator('.alerts > li').count()) === 2, { what: 'the cleared alarm gone' });
    await anesthesia.locator('.alarm-history [data-what="cleared"]').first().waitFor();
    expect(await storedItems(anesthesia)).toBe(0);
  });

  // BROWSER_BENCH=1 turns it on; the figures go to test-artefacts/browser/render-bench.json.
  (BENCH ? it : it.skip)('measures update-to-screen time on the wall display (benchmark mode)', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    await context.addInitScript(() => {
      const samples: { kind: string; ms: number }[] = [];
      (globalThis as unknown as Record<string, unknown>).__circulatorRenderProbe = {
        record: (kind: string, ms: number) => samples.push({ kind, ms }),
        samples,
      };
    });
    const page = await context.newPage();
    const again = await as('admin').post('/api/displays', { roomId }).expect(201);
    await page.goto(
      `${t.url}/display/room/${encodeURIComponent(roomId)}#enrol=${(again.body as { token: string }).token}`,
    );
    await page.getByTestId('connection').getByText('live').waitFor();
    const readings = 200;
    for (let i = 0; i < readings; i += 1) {
      const hr = 60 + (i % 60);
      const at = new Date(Date.parse('2026-11-23T07:49:30Z') + i * 1000).toISOString();
      await reading(at, { hr, spo2: 90 + (i % 10) });
      await page.getByTestId('vital-hr').getByText(String(hr), { exact: true }).waitFor();
    }
    const samples = await page.evaluate(
      () =>
        (globalThis as unknown as { __circulatorRenderProbe: { samples: { kind: string; ms: number }[] } })
          .__circulatorRenderProbe.samples,
    );
    const figures: Record<string, { count: number; p50: number; p95: number; p99: number; max: number }> = {};
    for (const kind of [...new Set(samples.map((s) => s.kind))].sort()) {
      const ms = samples
        .filter((s) => s.kind === kind)
        .map((s) => s.ms)
        .sort((a, b) => a - b);
      const at = (q: number) => Math.round((ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? NaN) * 10) / 10;
      figures[kind] = { count: ms.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
    }
    mkdirSync(ARTEFACTS, { recursive: true });
    writeFileSync(join(ARTEFACTS, 'render-bench.json'), JSON.stringify({ readings, figures }, null, 2));
    console.log(`wall display update-to-screen (ms): ${JSON.stringify(figures)}`);
    await context.close();
  });

  it('drops the display at once when its credential is revoked', async () => {
    await as('admin').delete(`/api/displays/${displayId}`).expect(204);
    await wall.getByText(/This display is not enrolled/).waitFor({ timeout: 20_000 });
    expect(await wall.getByText('Total knee arthroplasty').count()).toBe(0);
    expect(await storedItems(wall)).toBe(0);
  });
});
