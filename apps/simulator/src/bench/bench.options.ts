import { parseArgs } from 'node:util';

/** `npm run bench -- --rooms N --seconds S --displays D --out FILE [--url URL --mllp HOST:PORT --user U --password P]` (CONTRACT §8). */
export interface BenchOptions {
  rooms: number;
  seconds: number;
  displays: number;
  out: string;
  /** Total HL7 messages/s to pace the senders to; without it each connection sends as fast as ACKs come. */
  rate?: number;
  /** An already running platform; without it the bench starts its own. */
  target?: { url: string; mllpHost: string; mllpPort: number; username: string; password: string };
}

export const BENCH_USAGE = `usage: npm run bench -- [--rooms 3] [--seconds 10] [--displays 10] [--out bench.json] [--rate MSG_PER_S]
                         [--url http://host:3000 --mllp host:2575 --user admin --password …]`;

function positiveInt(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`--${name} must be a whole number from 1 to ${max} (got "${raw}")`);
  return n;
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
      url: { type: 'string' },
      mllp: { type: 'string' },
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
  };
  if (values.rate !== undefined) options.rate = positiveInt('rate', values.rate, 0, 100_000);
  if (values.url !== undefined) {
    const mllp = /^([^:]+):(\d{1,5})$/.exec(values.mllp ?? '');
    if (!URL.canParse(values.url) || !mllp || !values.user || !values.password) {
      throw new Error('--url needs --mllp HOST:PORT, --user and --password of the platform to drive');
    }
    options.target = {
      url: values.url.replace(/\/$/, ''),
      mllpHost: mllp[1] ?? '127.0.0.1',
      mllpPort: Number(mllp[2]),
      username: values.user,
      password: values.password,
    };
  }
  return options;
}
