import { parseArgs } from 'node:util';
import { positiveInt } from './bench.options';

/** `npm run bench:fanout -- …`: issue 7's stress scene, one topic to many clients. */
export interface FanoutOptions {
  clients: number;
  /** Updates per second on the one topic. */
  rate: number;
  /** Measured seconds (after one second of warm-up at the same rate). */
  seconds: number;
  /** Real socket.io clients among `clients` that measure latency (the rest only receive). */
  probes: number;
  out: string;
}

export const FANOUT_USAGE = `usage: npm run bench:fanout -- [--clients 1000] [--rate 100] [--seconds 10] [--probes 50] [--out fanout.json]`;

export function parseFanoutOptions(argv: readonly string[]): FanoutOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      clients: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      probes: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const clients = positiveInt('clients', values.clients, 1_000, 10_000);
  const probes = positiveInt('probes', values.probes, 50, 1_000);
  if (probes > clients) throw new Error(`--probes (${probes}) cannot exceed --clients (${clients})`);
  return {
    clients,
    rate: positiveInt('rate', values.rate, 100, 10_000),
    seconds: positiveInt('seconds', values.seconds, 10, 3_600),
    probes,
    out: values.out ?? 'fanout.json',
  };
}
