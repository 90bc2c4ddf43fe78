import type { Browser, Page } from 'playwright-core';
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
import { ADMIN_PASSWORD, startTestPlatform, type TestPlatform } from '../support/platform';

describe('sign-in and the board in a real browser', () => {
  let t: TestPlatform;
  let browser: Browser;
  let page: Page;
  let errors: string[];
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
    t = await startTestPlatform();
    mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    await send(booking);
    browser = await launchChromium();
    // A kiosk browser left in UTC: the board must still show the facility's (Europe/Paris) times.
    page = await browser.newPage({ timezoneId: 'UTC' });
    page.setDefaultTimeout(5_000);
    errors = pageErrors(page);
  });
  afterAll(async () => {
    await browser?.close();
    await mllp?.close();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('shows an accessible sign-in page, and says so when the password is wrong', async () => {
    await page.goto(t.url);
    await page.locator('#username').waitFor();
    expect(describeViolations(await seriousViolations(page))).toBe('');
    await screenshot(page, 'login');
    await page.fill('#username', 'admin');
    await page.fill('#password', 'not-the-password');
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
    // The password left the form when it was sent.
    expect(await page.inputValue('#password')).toBe('');
  });

  it('signs in, shows the day, and follows a reschedule live without a reload', async () => {
    errors.length = 0; // the refused sign-in before logged its 401
    await page.fill('#username', 'admin');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    // The app's own address for the board, pushed by the router.
    await page.waitForURL(`${t.url}/board`);
    await page.locator('#board-date').fill('2026-11-23');

    const card = page.getByText('Total knee arthroplasty');
    await card.waitFor({ timeout: 5_000 });
    await page.getByText('BROWSER, Beth').waitFor();
    await page.getByText('07:30–09:00').waitFor();
    await page.getByTestId('connection').getByText('live').waitFor();

    await send({ ...booking, trigger: 'S13', controlId: 'WEB-2', start: '20261123100000' });
    await page.getByText('10:00–11:30').waitFor({ timeout: 5_000 });
    expect(await page.getByText('07:30–09:00').count()).toBe(0);

    // Nothing about the session is left in browser storage, and no token is in the address.
    expect(await storedItems(page)).toBe(0);
    expect(page.url()).toBe(`${t.url}/board?date=2026-11-23`);
  });

  it('passes axe-core in both themes, and links each room to its screens', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      expect(describeViolations(await seriousViolations(page))).toBe('');
      await screenshot(page, `board-${theme}`);
    }
    await page.getByRole('link', { name: 'Wall display' }).click();
    await page.waitForURL(/\/display\/room\/or5/);
    await page.getByRole('heading', { name: 'OR5' }).waitFor();
    await page.goBack();
    await page.getByText('10:00–11:30').waitFor();
    expect(errors).toEqual([]);
  });

  it('signs out: the sign-in ends on the server and the page forgets it', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#username').waitFor();
    expect(await page.getByText('BROWSER, Beth').count()).toBe(0);
    expect(await storedItems(page)).toBe(0);
  });
});
