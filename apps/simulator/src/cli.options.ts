import { parseArgs } from 'node:util';
import { DateTime, IANAZone } from 'luxon';
import { DRILLS, type Drill } from './course/drills';
import { DEFAULT_ROOMS, MAX_ROOMS } from './or-day.plan';

/** The fastest time acceleration of the live course. */
export const MAX_COURSE_SPEED = 120;

export interface SimulatorOptions {
  /** Where to send; undefined with --dry-run. */
  mllp?: { host: string; port: number };
  rooms: number;
  seed: number;
  date: string;
  timeZone: string;
  speed: number;
  /** Simulated instant the play starts (MSH-7 of the first message). */
  now: string;
  ackTimeoutMs: number;
  dryRun: boolean;
  /** Local time of each room's first case (default 07:30). */
  firstCase?: { hour: number; minute: number };
  /**
   * Plays the cases' course in real time too (milestones, checklist, monitors), through the
   * platform's API and MQTT broker with these accounts.
   */
  live?: {
    api: string;
    mqtt: string;
    admin: { username: string; password: string };
    nurse: { username: string; password: string };
    /**
     * Time acceleration of the course, 1-${MAX_COURSE_SPEED}: the day is played from its first
     * event this many times faster until it meets the present, then in real time; 0 sends the past at once.
     */
    speed: number;
    /** Drill scenarios to run (staff training). */
    drills: Drill[];
  };
  /**
   * Plays the EHR's FHIR R4 side too: a FHIR server for the platform's FHIR_BASE_URL, and
   * subscription notifications to its hook when appointments change.
   */
  fhir?: {
    /** Port of the simulator's FHIR server on 127.0.0.1; 0: any free port. */
    port: number;
    /** The platform's subscription hook. */
    hook: string;
    /** The platform's FHIR_HOOK_SECRET. */
    secret: string;
  };
}

export type ParsedCli =
  { kind: 'run'; options: SimulatorOptions } | { kind: 'help' } | { kind: 'error'; error: string };

/** What the command line cannot know by itself: read once at the edge, by main. */
export interface CliEnvironment {
  /** The current instant, ISO 8601. */
  now: string;
  /** The system's IANA zone. */
  systemTimeZone: string;
  /** `FHIR_HOOK_SECRET` from the environment: the secret for --fhir without --fhir-secret. */
  fhirHookSecret?: string;
}

export const USAGE = `Usage: node dist/apps/simulator/src/main.js [options]

Plays a simulated OR day (ORM O01 surgical orders, SIU S12 bookings, S13 reschedules, an S15
cancellation) into an HL7 v2 MLLP listener, in order, paced in simulated time.

Options:
  --mllp HOST:PORT   MLLP listener to send to                     [127.0.0.1:2575]
  --rooms N          operating rooms, 1-${MAX_ROOMS}                            [${DEFAULT_ROOMS}]
  --seed N           seed of the day (same seed, same day), 0-4294967295     [42]
  --date YYYY-MM-DD  the OR day, in --tz                          [today in --tz]
  --tz ZONE          IANA zone of the facility                    [the system zone]
  --speed X          time acceleration; 0 sends as fast as ACKs come back   [60]
  --now ISO          simulated start of the play (MSH-7 times)    [the current time]
  --ack-timeout MS   how long to wait for each ACK                [10000]
  --first-case HH:MM local start of each room's first case        [07:30]
  --live             also play each case's course in real time: ADT A02 in and out,
                     the nurse's milestones and checklist (REST), a monitor per room (MQTT);
                     needs --api, --mqtt, --user/--password (admin: registers the monitors)
                     and --nurse-user/--nurse-password (records the milestones)
  --course-speed X   with --live: time acceleration of the course, 1-${MAX_COURSE_SPEED}: the day
                     plays from its first event X times faster until it meets the present,
                     then in real time; 0 sends whatever is past at once        [0]
  --drill LIST       with --live: drill scenarios, comma-separated: ${DRILLS.join(', ')}
  --fhir             also play the EHR's FHIR R4 side: serve Patient, Appointment and Encounter
                     of some cases (the platform's FHIR_BASE_URL), and notify the platform's
                     subscription hook when an appointment is rescheduled or cancelled;
                     needs --fhir-secret or the environment's FHIR_HOOK_SECRET
  --fhir-port N      port of that FHIR server on 127.0.0.1; 0: any free port  [0]
  --fhir-hook URL    the platform's subscription hook      [--api + /fhir/subscription-hook]
  --fhir-secret S    the platform's hook secret (X-Hook-Secret)  [$FHIR_HOOK_SECRET]
  --api URL          the platform's HTTP address                  [http://127.0.0.1:3000]
  --mqtt URL         its MQTT broker                               [mqtt://127.0.0.1:1883]
  --user, --password, --nurse-user, --nurse-password
  --dry-run          print the messages instead of sending them
  -h, --help         this help

Exits 0 when every message was acknowledged AA (or CA), 1 otherwise, 2 on bad options.`;

/** Parses and validates the command line. Pure: the clock and zone come in `env`. */
export function parseCli(argv: readonly string[], env: CliEnvironment): ParsedCli {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        mllp: { type: 'string', default: '127.0.0.1:2575' },
        rooms: { type: 'string', default: String(DEFAULT_ROOMS) },
        seed: { type: 'string', default: '42' },
        date: { type: 'string' },
        tz: { type: 'string' },
        speed: { type: 'string', default: '60' },
        now: { type: 'string' },
        'ack-timeout': { type: 'string', default: '10000' },
        'dry-run': { type: 'boolean', default: false },
        'first-case': { type: 'string' },
        live: { type: 'boolean', default: false },
        api: { type: 'string', default: 'http://127.0.0.1:3000' },
        mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
        user: { type: 'string' },
        password: { type: 'string' },
        'nurse-user': { type: 'string' },
        'nurse-password': { type: 'string' },
        'course-speed': { type: 'string', default: '0' },
        drill: { type: 'string' },
        fhir: { type: 'boolean', default: false },
        'fhir-port': { type: 'string', default: '0' },
        'fhir-hook': { type: 'string' },
        'fhir-secret': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error: unknown) {
    return { kind: 'error', error: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: 'help' };

  const timeZone = values.tz ?? env.systemTimeZone;
  if (!IANAZone.isValidZone(timeZone)) return fail(`--tz must be an IANA zone such as Europe/Paris, got "${timeZone}"`);

  const rooms = integer(values.rooms);
  if (rooms === undefined || rooms < 1 || rooms > MAX_ROOMS) return fail(`--rooms must be 1-${MAX_ROOMS}`);
  const seed = integer(values.seed);
  if (seed === undefined || seed > 0xffffffff) return fail('--seed must be an integer 0-4294967295');
  const speed = Number(values.speed);
  if (values.speed.trim() === '' || !Number.isFinite(speed) || speed < 0) return fail('--speed must be a number >= 0');
  const ackTimeoutMs = integer(values['ack-timeout']);
  if (ackTimeoutMs === undefined || ackTimeoutMs < 1) return fail('--ack-timeout must be a positive integer (ms)');

  const nowText = values.now ?? env.now;
  const now = DateTime.fromISO(nowText, { setZone: true });
  if (!now.isValid) return fail(`--now must be an ISO 8601 time, got "${nowText}"`);

  const date = values.date ?? DateTime.fromISO(env.now).setZone(timeZone).toISODate();
  if (date === null || !/^\d{4}-\d{2}-\d{2}$/.test(date) || !DateTime.fromISO(date).isValid) {
    return fail(`--date must be a calendar date YYYY-MM-DD, got "${date}"`);
  }

  const dryRun = values['dry-run'];
  let mllp: SimulatorOptions['mllp'];
  if (!dryRun) {
    const target = /^(?<host>\[[^\]]+\]|[^:]+):(?<port>\d{1,5})$/.exec(values.mllp);
    const port = Number(target?.groups?.port);
    const host = target?.groups?.host?.replace(/^\[|\]$/g, '');
    if (host === undefined || !(port >= 1 && port <= 65535)) return fail('--mllp must be HOST:PORT');
    mllp = { host, port };
  }

  const options: SimulatorOptions = { mllp, rooms, seed, date, timeZone, speed, now: nowText, ackTimeoutMs, dryRun };
  if (values['first-case'] !== undefined) {
    const hhmm = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(values['first-case']);
    if (!hhmm) return fail(`--first-case must be HH:MM, got "${values['first-case']}"`);
    options.firstCase = { hour: Number(hhmm[1]), minute: Number(hhmm[2]) };
  }
  if (values.live) {
    if (!URL.canParse(values.api) || !URL.canParse(values.mqtt)) return fail('--api and --mqtt must be URLs');
    const { user, password } = values;
    const nurseUser = values['nurse-user'];
    const nursePassword = values['nurse-password'];
    if (!user || !password || !nurseUser || !nursePassword) {
      return fail('--live needs --user, --password, --nurse-user and --nurse-password');
    }
    const courseSpeed = Number(values['course-speed']);
    if (
      values['course-speed'].trim() === '' ||
      !(courseSpeed === 0 || (courseSpeed >= 1 && courseSpeed <= MAX_COURSE_SPEED))
    ) {
      return fail(`--course-speed must be 0 or a number from 1 to ${MAX_COURSE_SPEED}`);
    }
    const drills = (values.drill ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d !== '');
    const unknown = drills.find((d) => !(DRILLS as readonly string[]).includes(d));
    if (unknown !== undefined) return fail(`--drill: unknown drill "${unknown}" (one of ${DRILLS.join(', ')})`);
    options.live = {
      api: values.api.replace(/\/$/, ''),
      mqtt: values.mqtt,
      admin: { username: user, password },
      nurse: { username: nurseUser, password: nursePassword },
      speed: courseSpeed,
      drills: [...new Set(drills)] as Drill[],
    };
  } else if (values.drill !== undefined || values['course-speed'] !== '0') {
    return fail('--drill and --course-speed need --live');
  }
  if (values.fhir) {
    const port = integer(values['fhir-port']);
    if (port === undefined || port > 65535) return fail('--fhir-port must be a port number 0-65535');
    const secret = values['fhir-secret'] ?? env.fhirHookSecret;
    if (!secret) return fail("--fhir needs --fhir-secret or FHIR_HOOK_SECRET (the platform's hook secret)");
    const hook = values['fhir-hook'] ?? `${values.api.replace(/\/$/, '')}/fhir/subscription-hook`;
    if (!URL.canParse(hook)) return fail('--fhir-hook must be a URL');
    options.fhir = { port, hook, secret };
  } else if (values['fhir-secret'] !== undefined || values['fhir-hook'] !== undefined || values['fhir-port'] !== '0') {
    return fail('--fhir-port, --fhir-hook and --fhir-secret need --fhir');
  }
  return { kind: 'run', options };
}

function integer(text: string): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function fail(error: string): ParsedCli {
  return { kind: 'error', error };
}
