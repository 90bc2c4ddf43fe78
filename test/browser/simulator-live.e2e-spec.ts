import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CaseView } from '@circulator/contracts';
import { planCourses, type CaseCourse } from '../../apps/simulator/src/course/case.course';
import { deviceId, deviceMessages, planDeviceFaults } from '../../apps/simulator/src/course/devices';
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
const ROOMS = 2;
const MINUTE = 60_000;
/** The seeds a day is chosen from (each plays its own day; see {@link chooseDay}). */
const SEEDS = Array.from({ length: 24 }, (_, i) => i + 1);
/**
 * How long after the simulator is started its devices surely tick (bookings, devices registered,
 * the course's past sent): a monitor alarm raised earlier than this would never be sent (the
 * course plays its devices from the present on).
 */
const DEVICES_READY_MS = 12_000;

/**
 * The facility's time zone and day: a whole-hour UTC offset in which it is late morning now, so
 * that the day never crosses midnight. Read once, before the platform starts (its FACILITY_TZ).
 */
function chooseZone(nowMs: number) {
  const now = DateTime.fromMillis(nowMs, { zone: 'UTC' });
  const offset = 11 - now.hour; // -12..11: late morning in the facility
  const timeZone = offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  return { timeZone, date: now.setZone(timeZone).toISODate()! };
}

/**
 * Everything the simulator will play, and when, worked out just before it starts from its own pure
 * plan (the same options as its command line): the seed and the rooms' first case are chosen so
 * that, now, one room has a case between incision and closure whose monitor raises an alarm (an
 * episode starting) soon after the simulator's devices start ticking, and a room has a case still
 * to come that the desk can move, whatever the time the test runs at.
 *
 * The platform and the simulator both run on the real clock (the platform refuses readings from
 * the future, the simulator sends devices every 5 s of real time): the wall clock is read once,
 * here. A day is a pure function of its seed and first-case time: shifting the first case by a
 * minute shifts the episode by a minute, so each seed's episodes are tried at the minute that puts
 * them between {@link DEVICES_READY_MS} and a minute later, and the soonest is kept. A room whose
 * devices the seed makes fail around now (a silent monitor, an occluded pump) is passed over.
 */
function chooseDay(nowMs: number, zone: { timeZone: string; date: string }) {
  const { timeZone, date } = zone;
  const local = DateTime.fromMillis(nowMs, { zone: timeZone });
  const nowIso = DateTime.fromMillis(nowMs, { zone: 'UTC' }).toISO()!;
  const plan = (seed: number, back: number) => {
    const first = local.minus({ minutes: back });
    const firstCase = { hour: first.hour, minute: first.minute };
    const orDay = planOrDay({ date, timeZone, seed, rooms: ROOMS, now: nowIso, firstCase });
    const cases = finalSchedule(orDay);
    // Cases the simulator itself reschedules or cancels (S13, S15, played during the course): its
    // later message would overrule the desk's move, so the desk never takes one of those.
    const changedBySimulator = new Set(orDay.events.filter((e) => e.trigger !== 'S12').map((e) => e.case.placerId));
    const hhmm = `${String(firstCase.hour).padStart(2, '0')}:${String(firstCase.minute).padStart(2, '0')}`;
    return { firstCase: hhmm, cases, courses: planCourses(cases, seed), changedBySimulator };
  };
  const REFERENCE = 120; // minutes back: the first plan of each seed, to find its episodes
  let best: (ReturnType<typeof plan> & { seed: number; course: CaseCourse; later: CaseCourse }) | undefined;
  const alarmAt = (c: CaseCourse) => c.episode!.from;
  for (const seed of SEEDS) {
    for (const reference of plan(seed, REFERENCE).courses.filter((c) => c.episode)) {
      // The whole minutes to move the day by so that the episode starts in [ready, ready + 1 min).
      const shift = Math.ceil((nowMs + DEVICES_READY_MS - reference.episode!.from) / MINUTE);
      const back = REFERENCE - shift;
      if (back < 30 || back > 240) continue;
      const day = plan(seed, back);
      const course = day.courses.find((c) => c.case.placerId === reference.case.placerId);
      if (!course?.episode) continue;
      const edge = alarmAt(course) - nowMs;
      if (edge < DEVICES_READY_MS || edge >= DEVICES_READY_MS + MINUTE) continue;
      const from = nowMs - 2 * MINUTE;
      const to = nowMs + 10 * MINUTE;
      const faulty = new Set(
        planDeviceFaults(day.courses, seed)
          .filter((f) => f.from < to && f.to > from)
          .map((f) => f.room),
      );
      // In procedure now and for the test's span (well under ten minutes), its room's devices
      // working, its alarm still active while the test acknowledges it.
      if (course.incision > from || course.closure < to || faulty.has(course.case.roomCode)) continue;
      if (course.episode.to < nowMs + 5 * MINUTE) continue;
      // A case that has not started and will not for a while, last in its room: the desk moves it later.
      const later = day.courses.find(
        (c) =>
          c.inRoom > nowMs + 30 * MINUTE &&
          !day.changedBySimulator.has(c.case.placerId) &&
          !day.courses.some((o) => o.case.roomCode === c.case.roomCode && o.inRoom > c.inRoom),
      );
      if (!later) continue;
      if (!best || alarmAt(course) < alarmAt(best.course)) best = { ...day, seed, course, later };
    }
  }
  if (!best)
    throw new Error(`no seed of ${SEEDS.length} puts a monitor alarm of a case under way just after ${nowIso}`);
  return { timeZone, date, nowIso, ...best };
}

/**
 * The web clients on the platform as it ships (the built server in its own process, PostgreSQL,
 * Redis, its embedded MQTT broker) fed by the simulator (its built CLI with `--live`: bookings over
 * MLLP, the nurse's milestones over REST, every room's devices over MQTT), in Debian's chromium:
 * the board follows the day as the simulator books it and plays it, and the wall display and the
 * anesthesia view of the room with a case under way show its monitor's vitals changing.
 */
describe('the web clients on a started platform fed by the simulator', () => {
  const zone = chooseZone(Date.now());
  let day: ReturnType<typeof chooseDay>;
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
  let wall: Page;
  let view: Page;
  let consoles: Page;
  let displayId = '';
  /** The message log's rows (one a message), as the integration console lists them. */
  const loggedMessages = (page: Page) => page.locator('[data-testid="message-log"] tbody tr[data-testid^="message-"]');
  let roomId = '';
  let caseId = '';
  const as = (who: string) => requestAs(server.url, () => tokens[who]);

  async function newPage(name: string, viewport = { width: 1600, height: 1000 }): Promise<Page> {
    const context = await browser.newContext({ viewport, timezoneId: zone.timeZone });
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
      FACILITY_TZ: zone.timeZone,
    });
    tokens.admin = await tokenFor(server.url, 'admin', ADMIN);
    for (const [username, roles] of [
      ['sim-nurse', ['nurse']],
      ['desk', ['scheduler']],
      ['desk2', ['scheduler']],
      ['anest', ['anesthesiologist']],
    ] as const) {
      await as('admin').post('/api/users', { username, password: PASSWORD, displayName: username, roles }).expect(201);
    }
    browser = await launchChromium();
    // The board is open before the simulator starts: it has nothing for the day yet.
    board = await newPage('board');
    await signIn(board, '/', 'desk');
    await board.waitForURL(`${server.url}/board`);
    await board.locator('#board-date').fill(zone.date);
    await board.getByText('No cases scheduled for this day.').waitFor();
    // So is the integration console: no message yet.
    consoles = await newPage('consoles', { width: 1440, height: 1000 });
    await signIn(consoles, '/integration', 'admin', ADMIN);
    await consoles.getByRole('heading', { name: 'Integration console' }).waitFor();
    expect(await loggedMessages(consoles).count()).toBe(0);

    // The day, chosen now: the soonest the simulator's devices can raise its monitor's alarm.
    day = chooseDay(Date.now(), zone);
    simulator = spawn(
      process.execPath,
      [
        join(root, 'dist/apps/simulator/src/main.js'),
        ...['--mllp', `127.0.0.1:${server.ports.mllpPort}`, '--rooms', String(ROOMS), '--seed', String(day.seed)],
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
    wall = await newPage('wall', { width: 1920, height: 1080 });
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
    view = await newPage('anesthesia', { width: 1440, height: 1000 });
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

  /** A case's scheduled bar on the board (the button one drags), and its times as the bar shows them. */
  const bar = (page: Page, id: string) => page.locator(`[data-case-id="${id}"] .tl-scheduled`);
  const clock = (iso: string) => DateTime.fromISO(iso).setZone(zone.timeZone).toFormat('HH:mm');
  const times = (c: CaseView) => `${clock(c.scheduledStart)}–${clock(c.scheduledEnd)}`;

  it('a case still to come, dragged later on the board, is saved and moves on a second client without a reload', async () => {
    const list = (await as('admin').get(`/api/cases?date=${day.date}`).expect(200)).body as CaseView[];
    const before = list.find((c) => c.identifiers.placerAppointmentId === day.later.case.placerId)!;
    expect(before.status).toBe('scheduled');
    // A second client, another scheduler in a browser context of their own, has the day open.
    const second = await newPage('second');
    await signIn(second, '/', 'desk2');
    await second.waitForURL(`${server.url}/board`);
    await second.locator('#board-date').fill(day.date);
    await bar(second, before.id).getByText(times(before)).waitFor();
    await bar(board, before.id).getByText(times(before)).waitFor();

    // The last case of its room, dragged about 30 minutes later along its own row: to the start the
    // board's 5-minute snap gives, aimed at exactly (the pixels' rounding is far from a half step).
    const SNAP = 5 * MINUTE;
    const target = Math.round((Date.parse(before.scheduledStart) + 30 * MINUTE) / SNAP) * SNAP;
    const by = target - Date.parse(before.scheduledStart);
    // The axis's hours, first tick to last; a day that runs late ends it at 00:00 (the next day's).
    const hours = (await board.locator('.tl-tick').allTextContents()).map((label) => Number(label.slice(0, 2)));
    const axisHours = hours.slice(1).reduce((sum, h, i) => sum + ((h - hours[i]! + 24) % 24 || 24), 0);
    const axisMs = axisHours * 60 * MINUTE;
    const from = (await bar(board, before.id).boundingBox())!;
    const track = (await board.locator(`.tl-row[data-room-id="${before.roomId}"] .tl-track`).boundingBox())!;
    await board.mouse.move(from.x + 8, from.y + from.height / 2);
    await board.mouse.down();
    await board.mouse.move(from.x + 8 + (by / axisMs) * track.width, from.y + from.height / 2, { steps: 12 });
    const ghost = board.getByTestId('drag-ghost');
    expect(await ghost.getAttribute('data-room-id')).toBe(before.roomId);
    // Nothing in the way (past the OR hours at most, a warning that does not stop the move).
    expect(await ghost.getAttribute('data-conflict')).not.toBe('blocking');
    await screenshot(board, 'simulator-board-drag');
    await board.mouse.up();
    const dialog = board.getByRole('dialog', { name: 'Move case' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Save move' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // Saved: the same room, a start on the snap's grid about 30 minutes later (the pointer's pixels
    // decide the exact step), the length kept.
    const saved = (await as('admin').get(`/api/cases/${before.id}`).expect(200)).body as CaseView;
    const moved = Date.parse(saved.scheduledStart) - Date.parse(before.scheduledStart);
    expect(saved.roomId).toBe(before.roomId);
    expect(Date.parse(saved.scheduledStart) % SNAP).toBe(0);
    expect(Math.abs(moved - by)).toBeLessThanOrEqual(SNAP);
    expect(Date.parse(saved.scheduledEnd) - Date.parse(before.scheduledEnd)).toBe(moved);
    await bar(board, before.id).getByText(times(saved)).waitFor();
    // The second client, never reloaded, follows.
    await bar(second, before.id).getByText(times(saved)).waitFor();
    expect(await bar(second, before.id).getByText(times(before)).count()).toBe(0);
    await screenshot(second, 'simulator-board-second-client');
    expect(errors.board).toEqual([]);
    expect(errors.second).toEqual([]);
  });

  it('the monitor’s alarm the simulator raises, acknowledged on the anesthesia view, is shown acknowledged on the wall display', async () => {
    // The alarm the simulator's monitor sends as the case's episode starts (its own device model).
    const episode = day.course.episode!;
    const alarm = deviceMessages({
      courses: day.courses,
      rooms: [day.course.case.roomCode],
      faults: [],
      at: episode.from,
      previous: episode.from - 1,
      heartbeat: false,
    }).find((m) => m.kind === 'alarms');
    if (alarm?.kind !== 'alarms') throw new Error('the simulator raises no alarm as the episode starts');
    // Raised at the first device tick at or after the episode's start (every 5 s), in real time.
    const timeout = Math.max(20_000, episode.from + 20_000 - Date.now());
    const alertId = `alarm:${deviceId(alarm.role, alarm.room)}:${alarm.id}`;
    const onWall = wall.locator(`.alerts > li[data-alert-id="${alertId}"]`);
    await onWall.waitFor({ timeout });
    expect(await onWall.getAttribute('data-priority')).toBe(alarm.priority);
    expect(await onWall.getAttribute('class')).not.toContain('alert-acked');
    await screenshot(wall, 'simulator-wall-display-alarm');

    const button = view
      .locator(`.alerts > li[data-alert-id="${alertId}"]`)
      .getByRole('button', { name: `Acknowledge ${alarm.message}`, exact: true });
    await button.waitFor();
    await screenshot(view, 'simulator-anesthesia-alarm');
    await button.click();
    await wall
      .locator(`.alerts > li.alert-acked[data-alert-id="${alertId}"]`)
      .getByText(/^acknowledged \d\d:\d\d$/)
      .waitFor();
    await view.locator('.alarm-history [data-what="acknowledged"]').first().waitFor();
    await screenshot(wall, 'simulator-wall-display-alarm-acknowledged');
    expect(errors.wall).toEqual([]);
    expect(errors.anesthesia).toEqual([]);
  }, 90_000);
});
