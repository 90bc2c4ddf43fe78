import { parseArgs } from 'node:util';
import { HL7_MIXES, type Hl7Mix } from './hl7.traffic';

/** The parts of a bench run: HL7 bookings to a board, then device readings to room displays. */
export const BENCH_PHASES = ['hl7', 'sensors'] as const;
export type BenchPhase = (typeof BENCH_PHASES)[number];

/** `npm run bench -- --rooms N --seconds S --displays D --out FILE [--url URL --mllp HOST:PORT --user U --password P]` (CONTRACT §8). */
export interface BenchOptions {
  rooms: number;
  seconds: number;
  displays: number;
  out: string;
  /** The HL7 phase's messages (hl7.traffic.ts): an interfaces mix (default) or bookings only. */
  mix: Hl7Mix;
  /** Total HL7 messages/s to pace the senders to; without it each connection sends as fast as ACKs come. */
  rate?: number;
  /** Device readings each room's monitor publishes per second in the sensors phase. */
  readingsPerRoom: number;
  /** Board clients (the desk) on the sensors phase's day, beside the room displays (default 0). */
  boards: number;
  /** The phases to run, in this order (the skipped one reports zeros). */
  phases: BenchPhase[];
  /** A folder for the started platform's CPU profile (`node --cpu-prof`), written when it stops. */
  profileDir?: string;
  /** Start the platform on the embedded database even when a local PostgreSQL answers. */
  embedded?: boolean;
  /** An already running platform; without it the bench starts its own. */
  target?: {
    url: string;
    mllpHost: string;
    mllpPort: number;
    mqttHost: string;
    mqttPort: number;
    username: string;
    password: string;
  };
}

export const BENCH_USAGE = `usage: npm run bench -- [--rooms 3] [--seconds 10] [--displays 10] [--out bench.json] [--rate MSG_PER_S]
                         [--mix interfaces|bookings] [--readings-per-room 20] [--phases hl7,sensors] [--profile DIR] [--embedded]
                         [--url http://host:3000 --mllp host:2575 [--mqtt host:1884] --user admin --password …]`;

/** CONTRACT §1: the embedded broker's default port, where `--url` is given without `--mqtt`. */
const DEFAULT_MQTT_PORT = 1884;

/** A whole-number option from 1 to `max` (`fallback` when absent), or an error naming it. */
export function positiveInt(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`--${name} must be a whole number from 1 to ${max} (got "${raw}")`);
  return n;
}

function hostPort(name: string, raw: string): { host: string; port: number } {
  const m = /^([^:]+):(\d{1,5})$/.exec(raw);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65_535) throw new Error(`--${name} must be HOST:PORT (got "${raw}")`);
  return { host: m[1] ?? '127.0.0.1', port: Number(m[2]) };
}

function phasesOf(raw: string | undefined): BenchPhase[] {
  if (raw === undefined) return [...BENCH_PHASES];
  const named = raw.split(',').map((p) => p.trim());
  const unknown = named.find((p) => !(BENCH_PHASES as readonly string[]).includes(p));
  if (unknown !== undefined || named.length === 0) {
    throw new Error(`--phases takes ${BENCH_PHASES.join(', ')}, comma-separated (got "${raw}")`);
  }
  return BENCH_PHASES.filter((p) => named.includes(p));
}

function mixOf(raw: string | undefined): Hl7Mix {
  if (raw === undefined) return 'interfaces';
  if (!(HL7_MIXES as readonly string[]).includes(raw)) {
    throw new Error(`--mix takes ${HL7_MIXES.join(' or ')} (got "${raw}")`);
  }
  return raw as Hl7Mix;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rooms: { type: 'string' },
      seconds: { type: 'string' },
      displays: { type: 'string' },
      out: { type: 'string' },
      rate: { type: 'string' },
      mix: { type: 'string' },
      'readings-per-room': { type: 'string' },
      boards: { type: 'string' },
      phases: { type: 'string' },
      profile: { type: 'string' },
      embedded: { type: 'boolean' },
      url: { type: 'string' },
      mllp: { type: 'string' },
      mqtt: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const options: BenchOptions = {
    rooms: positiveInt('rooms', values.rooms, 3, 200),
    seconds: positiveInt('seconds', values.seconds, 10, 3_600),
    displays: positiveInt('displays', values.displays, 10, 5_000),
    out: values.out ?? 'bench.json',
    mix: mixOf(values.mix),
    // A monitor sends a few samples per second; 1,000/s per room is far past any real device.
    readingsPerRoom: positiveInt('readings-per-room', values['readings-per-room'], 20, 1_000),
    phases: phasesOf(values.phases),
    boards: values.boards === undefined ? 0 : positiveInt('boards', values.boards, 0, 1_000),
  };
  if (values.rate !== undefined) options.rate = positiveInt('rate', values.rate, 0, 100_000);
  if (values.profile !== undefined) {
    if (values.url !== undefined) throw new Error('--profile profiles the platform the bench starts, not one at --url');
    options.profileDir = values.profile;
  }
  if (values.embedded) {
    if (values.url !== undefined) throw new Error('--embedded chooses the database of the platform the bench starts');
    options.embedded = true;
  }
  if (values.url !== undefined) {
    if (!URL.canParse(values.url) || values.mllp === undefined || !values.user || !values.password) {
      throw new Error('--url needs --mllp HOST:PORT, --user and --password of the platform to drive');
    }
    const url = new URL(values.url);
    const mllp = hostPort('mllp', values.mllp);
    const mqtt =
      values.mqtt === undefined
        ? { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: DEFAULT_MQTT_PORT }
        : hostPort('mqtt', values.mqtt);
    options.target = {
      url: values.url.replace(/\/$/, ''),
      mllpHost: mllp.host,
      mllpPort: mllp.port,
      mqttHost: mqtt.host,
      mqttPort: mqtt.port,
      username: values.user,
      password: values.password,
    };
  } else if (values.mllp !== undefined || values.mqtt !== undefined) {
    throw new Error('--mllp and --mqtt go with --url (without it the bench starts its own platform)');
  }
  return options;
}
