import { readFileSync } from 'node:fs';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DisplayCredentialView } from '@circulator/contracts';
import { MllpClient } from '@circulator/hl7';
import {
  describeViolations,
  launchChromium,
  pageErrors,
  screenshot,
  seriousViolations,
  storedItems,
} from '../support/browser';
import { siu, type SiuSpec } from '../support/hl7-messages';
import { ADMIN_PASSWORD, requestAs, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';

const PASSWORD = 'consoles-e2e-password';

/**
 * The integration console, the biomed console and the display-credential screen in a real
 * browser (issue 8) against a started platform fed over MLLP and MQTT: each loads, follows live
 * traffic (a new message in the rates and the log, a device's last-seen after it publishes),
 * reprocesses a message, maps a location, opens and closes a work order, exports the compliance
 * CSV, creates and revokes a display; axe-core finds no serious or critical violation.
 */
describe('consoles in a real browser', () => {
  let t: TestPlatform;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let mllp: MllpClient;
  let monitor: MqttClient | undefined;
  let monitorPassword = '';
  const tokens: Record<string, string> = {};
  const as = (who: string) => requestAs(t.url, () => tokens[who]);

  const send = async (spec: SiuSpec) =>
    expect(await mllp.send(siu(spec))).toMatch(new RegExp(`MSA\\|AA\\|${spec.controlId}`));
  const booking: SiuSpec = {
    trigger: 'S12',
    controlId: 'CON-1',
    placerId: 'PL-C1',
    fillerId: 'FL-C1',
    start: '20261123073000',
    minutes: 90,
    room: 'OR3',
    mrn: 'MRN-C1',
    family: 'Console',
    given: 'Carl',
  };

  async function expectAccessible(name: string): Promise<void> {
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      expect(describeViolations(await seriousViolations(page))).toBe('');
      await screenshot(page, `${name}-${theme}`);
    }
  }

  beforeAll(async () => {
    t = await startTestPlatform();
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    await as('admin')
      .post('/api/users', { username: 'ie-web', password: PASSWORD, displayName: 'IE', roles: ['integration'] })
      .expect(201);
    mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    await send(booking);
    // A booking at a location nobody mapped yet: it creates an unmapped room.
    await send({
      ...booking,
      controlId: 'CON-T',
      placerId: 'PL-CT',
      fillerId: 'FL-CT',
      room: 'THEATRE9',
      mrn: 'MRN-CT',
    });
    const registered = await as('admin')
      .post('/api/devices', { id: 'mon-c1', type: 'monitor', serviceIntervalUses: 100, serviceIntervalDays: 365 })
      .expect(201);
    monitorPassword = (registered.body as { mqttPassword: string }).mqttPassword;

    browser = await launchChromium();
    context = await browser.newContext({ timezoneId: 'UTC', acceptDownloads: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    errors = pageErrors(page);
  });
  afterAll(async () => {
    await monitor?.endAsync();
    await browser?.close();
    await mllp?.close();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('offers each role its screens: the navigation of an integration engineer, no biomed console', async () => {
    await page.goto(`${t.url}/biomed`);
    await page.fill('#username', 'ie-web');
    await page.fill('#password', PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByText('This screen is not available for your role.').waitFor();
    await page.getByRole('link', { name: 'Board' }).click();
    await page.waitForURL(`${t.url}/board`);
    await page.goto(`${t.url}/integration`); // a reload: the session is in memory only, so sign in again
    await page.fill('#username', 'ie-web');
    await page.fill('#password', PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    const nav = page.getByRole('navigation', { name: 'Screens' });
    await nav.getByText('Integration').waitFor();
    expect(await nav.getByRole('listitem').allTextContents()).toEqual(['Board', 'Integration']);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#username').waitFor();
  });

  it('shows interfaces with live rates, and a new MLLP message in the rates and the log', async () => {
    // Signed out at the console's address: signing in again keeps the route.
    expect(page.url()).toBe(`${t.url}/integration`);
    await page.fill('#username', 'admin');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByRole('heading', { name: 'Integration console' }).waitFor();
    await page.getByTestId('connection').getByText('live').waitFor();
    const row = page.getByTestId('interface-default');
    await row.getByTestId('window').getByText('2', { exact: true }).waitFor();
    await page.getByTestId('message-CON-1').waitFor();
    expect(await page.getByTestId('data-age').first().textContent()).toMatch(/^rates \d\d:\d\d:\d\d · /);

    await send({ ...booking, trigger: 'S13', controlId: 'CON-2', start: '20261123080000' });
    await row.getByTestId('window').getByText('3', { exact: true }).waitFor();
    await page.getByTestId('message-CON-2').waitFor();
    await page
      .getByTestId('traffic-total')
      .getByText(/3 messages in the last hour/)
      .waitFor();
  });

  it('searches the log by control id and shows a message in full', async () => {
    await page.getByLabel('Control id').fill('CON-1');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('message-CON-2').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Open message CON-1' }).click();
    const detail = page.locator('.message-detail');
    await detail.getByRole('heading', { name: 'Message CON-1' }).waitFor();
    await detail
      .locator('.raw-segments li')
      .first()
      .getByText(/^MSH\|/)
      .waitFor();
    expect(await detail.locator('.raw-segments li').count()).toBe(9);
    await detail.getByRole('rowheader', { name: 'PID-3' }).waitFor();
    await detail
      .getByTestId('facts')
      .getByText(/MRN-C1/)
      .first()
      .waitFor();
    expect(await detail.getByTestId('attempts').locator('tbody tr').count()).toBe(1);
  });

  it('reprocesses the message after a confirmation, and shows the new attempt', async () => {
    const detail = page.locator('.message-detail');
    await detail.getByRole('button', { name: 'Reprocess…' }).click();
    await detail.getByRole('group', { name: 'Process this message again?' }).waitFor();
    await detail.getByRole('button', { name: 'Reprocess', exact: true }).click();
    await detail.getByTestId('reprocess-status').getByText('Attempt 2 (reprocess): applied').waitFor();
    expect(await detail.getByTestId('attempts').locator('tbody tr').count()).toBe(2);
    await detail.getByTestId('attempts').getByText('reprocess').waitFor();
  });

  it('maps an unmapped location to a room on an interface', async () => {
    const row = page.locator('[data-testid^="location-THEATRE9"]');
    await row.waitFor();
    await row.locator('select').first().selectOption({ label: 'OR3' });
    await row.getByRole('button', { name: 'Map' }).click();
    await page
      .getByRole('status')
      .getByText(/now goes to or3/)
      .waitFor();
    await row
      .locator('.tag-ok')
      .getByText(/or3.* \(default\)/)
      .waitFor();
    const stored = (await as('admin').get('/api/interfaces/default').expect(200)).body as {
      config: { locations?: Record<string, string> };
    };
    expect(Object.entries(stored.config.locations ?? {})).toEqual([
      [expect.stringMatching(/^THEATRE9/), expect.stringMatching(/^or3/)],
    ]);
    await page.getByLabel('Control id').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await expectAccessible('integration-console');
  });

  it('shows the fleet in the biomed console, a device last seen as it publishes', async () => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Biomed' }).click();
    await page.waitForURL(`${t.url}/biomed`);
    const row = page.getByTestId('device-mon-c1');
    await row.getByTestId('last-seen').getByText('never').waitFor();
    await row.getByText('0 / 100 uses (0 %)').waitFor();

    monitor = await connectAsync(`mqtt://127.0.0.1:${t.platform.mqttPort}`, {
      username: 'mon-c1',
      password: monitorPassword,
      reconnectPeriod: 0,
    });
    for (const usageCount of [10, 14]) {
      await monitor.publishAsync(
        'circulator/v1/devices/mon-c1/status',
        JSON.stringify({ state: 'online', usageCount }),
        {
          qos: 1,
        },
      );
    }
    await row
      .getByTestId('last-seen')
      .getByText(/^\d\d:\d\d:\d\d · /)
      .waitFor();
    await row.getByText('online').waitFor();
    await row.getByText('4 / 100 uses (4 %)').waitFor();
  });

  it('opens a work order and closes it with a service record', async () => {
    const form = page.getByRole('form', { name: 'Open a work order' });
    await form.getByLabel('Device').selectOption('mon-c1');
    await form.getByLabel('What to do').fill('Annual safety test');
    await form.getByLabel('For').fill('biomed-1');
    await form.getByRole('button', { name: 'Open work order' }).click();
    const order = page.locator('[data-testid^="work-order-"]').first();
    await order.getByText('Annual safety test').waitFor();
    await order.getByLabel(/Service record for/).fill('Passed; leads replaced');
    await order.getByLabel('serviced').check();
    await order.getByRole('button', { name: 'Close…' }).click();
    await order.getByRole('button', { name: 'Close it' }).click();
    await order.getByText('serviced', { exact: true }).waitFor();
    await order.getByText('Passed; leads replaced').waitFor();
    // The service reset the device's count.
    await page.getByTestId('device-mon-c1').getByText('0 / 100 uses (0 %)').waitFor();
  });

  it('exports the compliance CSV without a token in any URL', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^device-compliance-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('record,device_id,device_type,serial,room,at,status,priority,detail,actor');
    expect(csv).toMatch(/work-order-closed,mon-c1,.*Passed; leads replaced/);
    await expectAccessible('biomed-console');
  });

  it('creates a display credential, shows its link once with a copy button, and revokes it', async () => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Displays' }).click();
    await page.waitForURL(`${t.url}/admin/displays`);
    await page.getByLabel('Room').selectOption({ label: 'OR3' });
    await page.getByRole('button', { name: 'Create' }).click();
    const link = page.locator('#enrolment-link');
    await link.waitFor();
    const value = await link.inputValue();
    expect(value).toMatch(new RegExp(`^${t.url}/display/room/or3[^#]*#enrol=[\\w.-]+$`));
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByText('Copied.').waitFor();
    expect(
      await page.evaluate(() =>
        (
          globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
        ).navigator.clipboard.readText(),
      ),
    ).toBe(value);
    await expectAccessible('display-credentials');

    // Shown once: closed, it is gone from the page.
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.locator('#enrolment-link').count()).toBe(0);
    const created = ((await as('admin').get('/api/displays').expect(200)).body as DisplayCredentialView[])[0]!;
    const row = page.getByTestId(`display-${created.id}`);
    await row.getByText('active').waitFor();
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Revoke now' }).click();
    await row.getByText(/^revoked /).waitFor();
    const after = ((await as('admin').get('/api/displays').expect(200)).body as DisplayCredentialView[])[0]!;
    expect(after.revokedAt).not.toBeNull();

    expect(await storedItems(page)).toBe(0);
    expect(page.url()).toBe(`${t.url}/admin/displays`);
    expect(errors).toEqual([]);
  });
});
