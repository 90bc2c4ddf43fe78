import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CaseView } from '@circulator/contracts';
import { planCourses } from '../../apps/simulator/src/course/case.course';
import { planDeviceFaults } from '../../apps/simulator/src/course/devices';
import { finalSchedule, planOrDay } from '../../apps/simulator/src/or-day.plan';
import {
  describeViolations,
  launchChromium,
  pageErrors,
  screenshot,
  seriousViolations,
  textFit,
} from '../support/browser';
import { requestAs, tokenFor } from '../support/platform';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import {
  createTempDir,
  createTestDatabase,
  dropRedisPrefix,
  TEST_REDIS_URL,
  uniqueName,
  waitFor,
  type TempDir,
  type TestDatabase,
} from '../support/services';

const root = join(__dirname, '../..');
const ADMIN = 'simulator-browser-admin-password';
const PASSWORD = 'simulator-browser-password';
const SEED = 7;
const ROOMS = 2;
const MINUTE = 60_000;

/**
 * Everything the simulator will play, and when, worked out before it starts from its own pure
 * plan (the same options as its command line): the time zone, the day and the rooms' first case
 * are chosen so that, now, one room has a case between incision and closure, whatever the hour
 * the test runs at.
 *
 * The platform and the simulator both run on the real clock (the platform refuses readings from
 * the future, the simulator sends devices every 5 s of real time): the wall clock is read once,
 * here. The facility's zone is a whole-hour UTC offset in which it is late morning now, so that the
 * day never crosses midnight; the first case is searched for in five-minute steps, and a room whose
 * devices the seed makes fail around now (a silent monitor) is passed over.
 */
function chooseDay(nowMs: number) {
  const now = DateTime.fromMillis(nowMs, { zone: 'UTC' });
  const offset = 11 - now.hour; // -12..11: late morning in the facility
  const timeZone = offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  const local = now.setZone(timeZone);
  const date = local.toISODate()!;
  const nowIso = now.toISO()!;
  for (let back = 30; back <= 240; back += 5) {
    const first = local.minus({ minutes: back });
    const firstCase = { hour: first.hour, minute: Math.floor(first.minute / 5) * 5 };
    const plan = planOrDay({ date, timeZone, seed: SEED, rooms: ROOMS, now: nowIso, firstCase });
    const cases = finalSchedule(plan);
    const courses = planCourses(cases, SEED);
    const from = nowMs - 2 * MINUTE;
    const to = nowMs + 10 * MINUTE;
    const faulty = new Set(
      planDeviceFaults(courses, SEED)
        .filter((f) => f.from < to && f.to > from)
        .map((f) => f.room),
    );
    // In procedure now and for at least the next ten minutes (the test takes under one), its
    // room's devices working.
    const course = courses.find((c) => c.incision <= from && c.closure >= to && !faulty.has(c.case.roomCode));
    if (course) {
      const hhmm = `${String(firstCase.hour).padStart(2, '0')}:${String(firstCase.minute).padStart(2, '0')}`;
      return { timeZone, date, nowIso, firstCase: hhmm, cases, course };
    }
  }
  throw new Error(`no first-case time puts a case of seed ${SEED} under way at ${nowIso}`);
}

/**
 * The web clients on the platform as it ships (the built server in its own process, PostgreSQL,
 * Redis, its embedded MQTT broker) fed by the simulator (its built CLI with `--live`: bookings over
 * MLLP, the nurse's milestones over REST, every room's devices over MQTT), in Debian's chromium:
 * the board follows the day as the simulator books it and plays it, and the wall display and the
 * anesthesia view of the room with a case under way show its monitor's vitals changing.
 */
describe('the web clients on a started platform fed by the simulator', () => {
  const day = chooseDay(Date.now());
  let db: TestDatabase;
  let dataDir: TempDir;
  const prefix = uniqueName('simweb');
  let server: ServerProcess;
  let simulator: ChildProcess | undefined;
  let simulatorOutput = '';
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: Record<string, string[]> = {};
  const tokens: Record<string, string> = {};
  let board: Page;
  let consoles: Page;
  let displayId = '';
  /** The message log's rows (one a message), as the integration console lists them. */
  const loggedMessages = (page: Page) => page.locator('[data-testid="message-log"] tbody tr[data-testid^="message-"]');
  let roomId = '';
  let caseId = '';
  const as = (who: string) => requestAs(server.url, () => tokens[who]);

  async function newPage(name: string, viewport = { width: 1600, height: 1000 }): Promise<Page> {
    const context = await browser.newContext({ viewport, timezoneId: day.timeZone });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    errors[name] = pageErrors(page);
    return page;
  }

  async function signIn(page: Page, path: string, username: string, password = PASSWORD): Promise<void> {
    await page.goto(`${server.url}${path}`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByTestId('connection').getByText('live').waitFor();
  }

  /** The vitals' values as the page shows them (not their ages, which move with the clock alone). */
  const vitalValues = (page: Page) => page.locator('.vital-value').allTextContents();

  /** What each tile's value looks like: digits, NIBP as systolic/diastolic, temperature with a decimal. */
  const VALUE_FORMAT: Record<string, RegExp> = {
    'vital-hr': /^\d{2,3}$/,
    'vital-spo2': /^\d{2,3}$/,
    'vital-nibp': /^\d{2,3}\/\d{2,3}$/,
    'vital-etco2': /^\d{1,3}$/,
    'vital-rr': /^\d{1,2}$/,
    'vital-temp': /^\d{2}\.\d$/,
    'vital-bis': /^\d{1,3}$/,
  };

  /**
   * Every vital of the simulator's monitor on the page (all seven), each value in its format and
   * shown whole: on one line, inside its tile and not cut by any box.
   */
  async function expectVitalsWhole(page: Page): Promise<void> {
    const fits = await textFit(page, '.vital-value');
    expect(fits.map((f) => f.name)).toEqual(Object.keys(VALUE_FORMAT));
    expect(fits.filter((f) => f.problems.length > 0 || !VALUE_FORMAT[f.name]!.test(f.text))).toEqual([]);
  }

  /** Waits until a monitor reading has reached the page, then until a later one changes what it shows. */
  async function vitalsChange(page: Page): Promise<string[]> {
    await page.getByTestId('vital-hr').getByText(/^\d+$/).waitFor();
    const first = (await vitalValues(page)).join('|');
    return waitFor(
      async () => {
        const now = await vitalValues(page);
        return now.join('|') !== first ? [first, now.join('|')] : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the vitals to change with a later reading' },
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = createTempDir();
    server = await startServerProcess({
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      DATA_DIR: dataDir.path,
      ADMIN_PASSWORD: ADMIN,
      FACILITY_TZ: day.timeZone,
    });
    tokens.admin = await tokenFor(server.url, 'admin', ADMIN);
    for (const [username, roles] of [
      ['sim-nurse', ['nurse']],
      ['desk', ['scheduler']],
      ['anest', ['anesthesiologist']],
    ] as const) {
      await as('admin').post('/api/users', { username, password: PASSWORD, displayName: username, roles }).expect(201);
    }
    browser = await launchChromium();
    // The board is open before the simulator starts: it has nothing for the day yet.
    board = await newPage('board');
    await signIn(board, '/', 'desk');
    await board.waitForURL(`${server.url}/board`);
    await board.locator('#board-date').fill(day.date);
    await board.getByText('No cases scheduled for this day.').waitFor();
    // So is the integration console: no message yet.
    consoles = await newPage('consoles', { width: 1440, height: 1000 });
    await signIn(consoles, '/integration', 'admin', ADMIN);
    await consoles.getByRole('heading', { name: 'Integration console' }).waitFor();
    expect(await loggedMessages(consoles).count()).toBe(0);

    simulator = spawn(
      process.execPath,
      [
        join(root, 'dist/apps/simulator/src/main.js'),
        ...['--mllp', `127.0.0.1:${server.ports.mllpPort}`, '--rooms', String(ROOMS), '--seed', String(SEED)],
        ...['--date', day.date, '--tz', day.timeZone, '--now', day.nowIso, '--first-case', day.firstCase],
        // The schedule as fast as the ACKs come; the course's past at once, then in real time.
        ...['--speed', '0', '--live', '--course-speed', '0', '--api', server.url],
        ...['--mqtt', `mqtt://127.0.0.1:${server.ports.mqttPort}`, '--user', 'admin', '--password', ADMIN],
        ...['--nurse-user', 'sim-nurse', '--nurse-password', PASSWORD],
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    simulator.stdout?.on('data', (d: Buffer) => (simulatorOutput += d.toString()));
    simulator.stderr?.on('data', (d: Buffer) => (simulatorOutput += d.toString()));

    // The case under way, as the platform knows it once the simulator has booked it.
    const booked = await waitFor(
      async () => {
        if (simulator?.exitCode !== null) throw new Error(`the simulator exited:\n${simulatorOutput}`);
        const list = (await as('admin').get(`/api/cases?date=${day.date}`).expect(200)).body as CaseView[];
        return list.find((c) => c.identifiers.placerAppointmentId === day.course.case.placerId);
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'the simulator’s booking of the case under way' },
    );
    caseId = booked.id;
    roomId = booked.roomId;
  }, 60_000);

  afterAll(async () => {
    if (simulator && simulator.exitCode === null) {
      const exited = new Promise((resolve) => simulator!.once('exit', resolve));
      simulator.kill('SIGTERM');
      await exited;
    }
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    await db?.drop();
    await dropRedisPrefix(prefix);
    dataDir?.remove();
  });

  it('the board, open before the simulator started, follows its bookings and the case going into procedure', async () => {
    const count = day.cases.length;
    await board.getByTestId('shown-count').getByText(`${count} of ${count} cases`).waitFor();
    await board.locator(`[data-case-id="${caseId}"][data-status="in-procedure"] .tl-actual`).waitFor();
    expect(await board.locator(`.tl-row[data-room-id="${roomId}"] h2`).textContent()).toBe(day.course.case.roomCode);
    // The day's axis (07:00 to the last case's hour) labelled without two labels touching.
    const labels = await board.locator('.tl-tick').evaluateAll((els) =>
      els.map((el) => {
        const box = (
          el as unknown as { getBoundingClientRect(): { left: number; right: number } }
        ).getBoundingClientRect();
        return { text: (el as unknown as { textContent: string }).textContent, left: box.left, right: box.right };
      }),
    );
    expect(labels.length).toBeGreaterThan(2);
    expect(labels.filter((l, i) => i > 0 && l.left < labels[i - 1]!.right + 4)).toEqual([]);
    expect(describeViolations(await seriousViolations(board))).toBe('');
    await screenshot(board, 'simulator-board');
    expect(errors.board).toEqual([]);
  });

  it('the wall display shows the case under way and its monitor’s vitals changing', async () => {
    const display = await as('admin').post('/api/displays', { roomId }).expect(201);
    displayId = (display.body as { id: string }).id;
    const wall = await newPage('wall', { width: 1920, height: 1080 });
    await wall.goto(
      `${server.url}/display/room/${encodeURIComponent(roomId)}#enrol=${(display.body as { token: string }).token}`,
    );
    await wall.getByRole('heading', { name: day.course.case.procedure.text }).waitFor();
    await wall.getByTestId('connection').getByText('live').waitFor();
    await vitalsChange(wall);
    // The room's monitor (registered by the simulator) on the wall.
    await wall.locator(`[data-device="sim-monitor-${day.course.case.roomCode.toLowerCase()}"]`).waitFor();
    expect(describeViolations(await seriousViolations(wall))).toBe('');
    // Seven vitals, three tiles a row: every value whole, on this screen and on a smaller one.
    await expectVitalsWhole(wall);
    await screenshot(wall, 'simulator-wall-display');
    await wall.setViewportSize({ width: 1280, height: 720 });
    await expectVitalsWhole(wall);
    await screenshot(wall, 'simulator-wall-display-720p');
    expect(errors.wall).toEqual([]);
  });

  it('the anesthesia view shows the vitals changing, with the anesthesia milestones the simulator recorded', async () => {
    const view = await newPage('anesthesia', { width: 1440, height: 1000 });
    await signIn(view, `/anesthesia/room/${encodeURIComponent(roomId)}`, 'anest');
    await view.getByText(day.course.case.procedure.text).first().waitFor();
    await vitalsChange(view);
    // Anaesthesia start as the simulator's nurse recorded it, in the facility's time.
    const started = DateTime.fromMillis(day.course.anesthesiaStart, { zone: day.timeZone }).toFormat('HH:mm');
    await view
      .locator('.anesthesia-milestones [data-milestone="anesthesiaStart"] .milestone-time')
      .getByText(started, { exact: true })
      .waitFor();
    expect(describeViolations(await seriousViolations(view))).toBe('');
    await expectVitalsWhole(view);
    await screenshot(view, 'simulator-anesthesia-view');
    // A narrower window: fewer, narrower tiles a row, values still whole.
    await view.setViewportSize({ width: 1024, height: 768 });
    await expectVitalsWhole(view);
    expect(errors.anesthesia).toEqual([]);
    // Every step and device message of the simulator so far was taken by the platform.
    expect(simulatorOutput.split('\n').filter((line) => line.startsWith('simulator:'))).toEqual([]);
  });

  it('the integration console, open before the simulator started, shows its bookings arriving in the log', async () => {
    // Live: the log, empty when the simulator started, fills with its messages without a reload.
    await loggedMessages(consoles).first().waitFor();
    const rows = await waitFor(
      async () => {
        const n = await loggedMessages(consoles).count();
        return n >= day.cases.length ? n : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'a logged message for each of the simulator’s bookings' },
    );
    expect(rows).toBeGreaterThanOrEqual(day.cases.length);
    await consoles
      .getByTestId('traffic-total')
      .getByText(/[1-9]\d* messages? in the last hour/)
      .waitFor();
    expect(describeViolations(await seriousViolations(consoles))).toBe('');
    await screenshot(consoles, 'simulator-integration-console');
    expect(errors.consoles).toEqual([]);
  });

  it('the biomed console lists the simulator’s devices with their live state', async () => {
    await consoles.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Biomed' }).click();
    await consoles.waitForURL(`${server.url}/biomed`);
    const room = day.course.case.roomCode.toLowerCase();
    for (const kind of ['monitor', 'anesthesia', 'pump', 'counter', 'environment']) {
      const row = consoles.getByTestId(`device-sim-${kind}-${room}`);
      await row.getByText('online').first().waitFor();
      await row
        .getByTestId('last-seen')
        .getByText(/^\d\d:\d\d:\d\d · /)
        .waitFor();
    }
    // Live: the monitor, sending every 5 s, is seen again later without a reload.
    const seen = consoles.getByTestId(`device-sim-monitor-${room}`).getByTestId('last-seen');
    const first = (await seen.textContent())!.slice(0, 8);
    await seen.getByText(new RegExp(`^(?!${first})\\d\\d:\\d\\d:\\d\\d · `)).waitFor({ timeout: 15_000 });
    expect(describeViolations(await seriousViolations(consoles))).toBe('');
    await screenshot(consoles, 'simulator-biomed-console');
    expect(errors.consoles).toEqual([]);
  });

  it('the displays page lists the wall display’s credential for the room under way', async () => {
    await consoles.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Displays' }).click();
    await consoles.waitForURL(`${server.url}/admin/displays`);
    const row = consoles.getByTestId(`display-${displayId}`);
    await row.getByText('active').waitFor();
    await row.getByText(day.course.case.roomCode).first().waitFor();
    expect(describeViolations(await seriousViolations(consoles))).toBe('');
    await screenshot(consoles, 'simulator-admin-displays');
    expect(errors.consoles).toEqual([]);
  });
});
