import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

interface Storage {
  length: number;
}
import { MllpClient } from '@circulator/hl7';
import { siu, type SiuSpec } from '../support/hl7-messages';
import { ADMIN_PASSWORD, startTestPlatform, type TestPlatform } from '../support/platform';

/** Debian's chromium (CI installs it); playwright never downloads a browser here. */
const CHROMIUM = '/usr/bin/chromium';

describe('the board in a real browser', () => {
  let t: TestPlatform;
  let browser: Browser;
  let page: Page;
  let mllp: MllpClient;

  const send = async (spec: SiuSpec) =>
    expect(await mllp.send(siu(spec))).toMatch(new RegExp(`MSA\\|AA\\|${spec.controlId}`));
  const booking: SiuSpec = {
    trigger: 'S12',
    controlId: 'WEB-1',
    placerId: 'PL-W1',
    fillerId: 'FL-W1',
    start: '20261123073000',
    minutes: 90,
    room: 'OR5',
    mrn: 'MRN-W1',
    family: 'Browser',
    given: 'Beth',
    procedure: ['27447', 'Total knee arthroplasty'],
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    t = await startTestPlatform();
    mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    await send(booking);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    // A kiosk browser left in UTC: the board must still show the facility's (Europe/Paris) times.
    page = await browser.newPage({ timezoneId: 'UTC' });
    page.setDefaultTimeout(5_000);
  });
  afterAll(async () => {
    await browser?.close();
    await mllp?.close();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('signs in, shows the day, and follows a reschedule live without a reload', async () => {
    await page.goto(t.url);
    await page.fill('#username', 'admin');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.locator('#board-date').fill('2026-11-23');
    await page.locator('#board-date').dispatchEvent('change');

    const card = page.getByText('Total knee arthroplasty');
    await card.waitFor({ timeout: 5_000 });
    await page.getByText('BROWSER, Beth').waitFor();
    await page.getByText('07:30–09:00').waitFor();
    await page.getByRole('status').getByText('live').waitFor();

    await send({ ...booking, trigger: 'S13', controlId: 'WEB-2', start: '20261123100000' });
    await page.getByText('10:00–11:30').waitFor({ timeout: 5_000 });
    expect(await page.getByText('07:30–09:00').count()).toBe(0);

    // Nothing about the session is left in browser storage.
    const stored = await page.evaluate(() => {
      // Runs in the page; the test's own types have no DOM.
      const w = globalThis as unknown as { localStorage: Storage; sessionStorage: Storage };
      return w.localStorage.length + w.sessionStorage.length;
    });
    expect(stored).toBe(0);
  });
});
