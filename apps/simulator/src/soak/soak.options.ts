import { parseArgs } from 'node:util';
import { positiveInt } from '../bench/bench.options';

/** `npm run soak -- --minutes 10 …` (issue 10): the platform under steady load, its memory and event loop watched. */
export interface SoakOptions {
  minutes: number;
  /** socket.io display clients, spread over the rooms' `room:` topics. */
  displays: number;
  /** Registered monitors publishing readings over MQTT, spread over the rooms. */
  devices: number;
  /** Rooms, each with a case booked over MLLP for the whole run. */
  rooms: number;
  /** HL7 messages per second over MLLP (updates of the rooms' cases and patients). */
  hl7Rate: number;
  /** MLLP connections the HL7 messages share. */
  mllpConnections: number;
  /** Each device publishes one reading every this many seconds. */
  readingSeconds: number;
  /** Samples before this are the warm-up: memory growth is measured from its end. */
  warmupSeconds: number;
  out: string;
}

export const SOAK_USAGE = `usage: npm run soak -- [--minutes 10] [--displays 200] [--devices 500] [--rooms 20] [--hl7-rate 50]
                        [--mllp-connections 4] [--reading-seconds 5] [--warmup-seconds 60] [--out soak.json]`;

export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string' },
      displays: { type: 'string' },
      devices: { type: 'string' },
      rooms: { type: 'string' },
      'hl7-rate': { type: 'string' },
      'mllp-connections': { type: 'string' },
      'reading-seconds': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const minutes = positiveInt('minutes', values.minutes, 10, 24 * 60);
  // The warm-up defaults to a minute, and to a fifth of a short run.
  const warmupSeconds = positiveInt('warmup-seconds', values['warmup-seconds'], Math.min(60, minutes * 12), 3600);
  if (warmupSeconds >= minutes * 60)
    throw new Error(`--warmup-seconds must be shorter than the run (${minutes * 60} s)`);
  const rooms = positiveInt('rooms', values.rooms, 20, 500);
  return {
    minutes,
    displays: positiveInt('displays', values.displays, 200, 10_000),
    devices: positiveInt('devices', values.devices, 500, 10_000),
    rooms,
    hl7Rate: positiveInt('hl7-rate', values['hl7-rate'], 50, 5_000),
    mllpConnections: positiveInt('mllp-connections', values['mllp-connections'], 4, 64),
    readingSeconds: positiveInt('reading-seconds', values['reading-seconds'], 5, 3600),
    warmupSeconds,
    out: values.out ?? 'soak.json',
  };
}
