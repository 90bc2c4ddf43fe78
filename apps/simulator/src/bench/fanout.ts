import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import type { UpdateEvent } from '@circulator/contracts';
import { applyFact, type CaseState, type ScheduleFact } from '@circulator/domain';
import { ChangeBus, RedisConnections } from '@circulator/realtime';
import { dueSlots, probeIndexes, ProbeTracker, SentLog } from './fanout.latency';
import { FANOUT_USAGE, parseFanoutOptions, type FanoutOptions } from './fanout.options';
import { processStats, startBenchPlatform, type BenchPlatform } from './platform.process';
import { cpuPercent, ms, percentile } from './stats';

/**
 * `npm run bench:fanout` — issue 7's stress scene: C clients on one topic, R updates a second,
 * through the platform's gateway (socket.io, our change stream and adapter) and, in the same run,
 * through a bare `ws` broadcast (the limit), so the figure that matters is the ratio.
 *
 * The platform scene appends each update to the platform's change stream exactly as a worker does
 * (ChangeBus.publish: version allocation and XADD in one Redis step), so it measures the fan-out
 * path: stream → gateway → per-role views → coalescing → socket.io → client. Both scenes send the
 * same number of updates of the same size to the same number of connections, from this process;
 * latency is from the moment an update is handed over (publish call / publisher send) to a probe
 * client having it, per version (a coalesced update counts every version it stands for).
 */
const say = (line: string) => process.stdout.write(`fanout: ${line}\n`);
const TOPIC_DAY = '2099-12-30';
const TOPIC = `board:${TOPIC_DAY}`;
const CONNECT_BATCH = 50;
const WARM_UP_SECONDS = 1;
const DRAIN_TIMEOUT_MS = 15_000;

interface SceneResult {
  updates: number;
  samples: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Events the probes received (fewer than updates × probes when updates were coalesced). */
  probeEvents: number;
  /** Versions a probe never got, neither alone nor coalesced (must be 0). */
  lost: number;
  /** Probes that had not caught up with the last update when the scene ended. */
  behind: number;
}

/** A case of the bench day, as a worker would hold it (the gateway renders it per role). */
function benchCase(): CaseState {
  const fact: ScheduleFact = {
    kind: 'schedule',
    action: 'booked',
    at: `${TOPIC_DAY}T06:00:00.000Z`,
    source: { kind: 'hl7', id: '1', label: 'SIU^S12 FANOUT', sequence: 1 },
    identifiers: { placerAppointmentId: 'FANOUT-1', fillerAppointmentId: 'FANOUT-F1' },
    patient: { mrn: 'FAN-1', familyName: 'Broadcast', givenName: 'Bea', birthDate: '1971-05-04' },
    procedure: { code: '47562', text: 'Laparoscopic cholecystectomy' },
    room: { id: 'or-fanout', name: 'OR F' },
    scheduledStart: `${TOPIC_DAY}T08:00:00.000Z`,
    scheduledEnd: `${TOPIC_DAY}T09:30:00.000Z`,
    surgeon: { id: 'S-FAN', name: 'Gregory House' },
    anesthesiologist: { id: 'A-FAN', name: 'Lisa Cuddy' },
  };
  const result = applyFact(undefined, fact, { newCaseId: randomUUID(), receivedAt: fact.at });
  if (!result.state) throw new Error('the bench booking made no case');
  return result.state;
}

async function signIn(platform: BenchPlatform): Promise<string> {
  const res = await fetch(`${platform.url}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: platform.username, password: platform.password }),
  });
  if (!res.ok) throw new Error(`cannot sign in to ${platform.url} (HTTP ${res.status})`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The load clients' process (fanout.load.ts): connects them on command, at low priority. */
class LoadProcess {
  private readonly child: ChildProcess;
  private readonly replies: string[] = [];
  private waiting?: (line: string) => void;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [join(__dirname, 'fanout.load.js'), ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting(line);
      else this.replies.push(line);
    });
  }

  /** Sends a command; resolves with its one-line answer. */
  async command(line: string): Promise<string> {
    const answer = new Promise<string>((resolve, reject) => {
      const queued = this.replies.shift();
      if (queued !== undefined) return resolve(queued);
      this.waiting = resolve;
      this.child.once('exit', (code) => reject(new Error(`the load process exited (${code})`)));
    });
    this.child.stdin!.write(`${line}\n`);
    return answer;
  }

  async connect(n: number): Promise<void> {
    if (n > 0) await this.command(`connect ${n}`);
  }

  async frameBytes(): Promise<number> {
    return Number((await this.command('frames')).split(' ')[1] ?? 0);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin!.end('stop\n');
    await exited;
  }
}

/**
 * Connects `clients` in join order: the load clients (in the load process) in runs between the
 * probes, each probe by `probe(i)` here, so that the probes sit at their places in the order.
 */
async function connectInOrder(
  clients: number,
  probeAt: ReadonlySet<number>,
  load: LoadProcess,
  probe: (i: number) => Promise<void>,
): Promise<void> {
  let run = 0;
  for (let i = 0; i < clients; i++) {
    if (!probeAt.has(i)) {
      run += 1;
      if (run === CONNECT_BATCH) {
        await load.connect(run);
        run = 0;
      }
      continue;
    }
    await load.connect(run);
    run = 0;
    await probe(i);
  }
  await load.connect(run);
}

/** Paces `total` sends at `rate` per second; `send(i)` is called once per slot, late slots at once. */
async function paced(rate: number, total: number, send: (i: number) => void): Promise<void> {
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const n = dueSlots(rate, performance.now() - started, sent, total);
    for (let k = 0; k < n; k++) send(sent++);
    if (sent < total) {
      const next = started + (sent * 1000) / rate;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
    }
  }
}

/** Resolves when every probe has `last`, or after the timeout (the result then counts them). */
async function drained(probes: ProbeTracker[], last: number): Promise<void> {
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (probes.some((p) => p.version < last) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function summarise(updates: number, samples: number[], probes: ProbeTracker[], last: number): SceneResult {
  return {
    updates,
    samples: samples.length,
    p50Ms: ms(percentile(samples, 50)),
    p99Ms: ms(percentile(samples, 99)),
    maxMs: ms(samples.length ? Math.max(...samples) : undefined),
    probeEvents: probes.reduce((n, p) => n + p.events, 0),
    lost: probes.reduce((n, p) => n + p.lost, 0),
    behind: probes.filter((p) => p.version < last).length,
  };
}

async function platformScene(
  options: FanoutOptions,
  platform: BenchPlatform,
): Promise<{ result: SceneResult; frameBytes: number; process: { rssMB: number; cpuPct: number } | null }> {
  if (!platform.redisPrefix || !platform.redisUrl)
    throw new Error('the platform scene needs the Redis prefix of a platform it started');
  const token = await signIn(platform);
  const connections = new RedisConnections({
    url: platform.redisUrl,
    prefix: platform.redisPrefix,
  });
  const bus = new ChangeBus(connections);
  bus.onModuleInit();
  const sent = new SentLog();
  const probeAt = new Set(probeIndexes(options.clients, options.probes));
  const probes: ProbeTracker[] = [];
  const sockets: Socket[] = [];
  let load: LoadProcess | undefined;
  const samples: number[] = [];
  try {
    say(`platform: connecting ${options.clients} clients (${probeAt.size} of them socket.io probes) to ${TOPIC}`);
    load = new LoadProcess(['platform', platform.url, token, TOPIC]);
    await connectInOrder(options.clients, probeAt, load, async () => {
      const socket = io(`${platform.url}/live`, {
        auth: { token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const ack = (await socket.timeout(15_000).emitWithAck('subscribe', { topic: TOPIC })) as {
        ok: boolean;
        version?: number;
      };
      if (!ack.ok) throw new Error('a probe could not subscribe');
      const tracker = new ProbeTracker(ack.version ?? 0);
      probes.push(tracker);
      socket.on('update', (update: UpdateEvent) => {
        const receipt = tracker.receive(update.version, performance.now(), sent, update.from ?? update.version);
        for (const s of receipt.samples) samples.push(s);
      });
    });
    const base = await bus.version(TOPIC);
    const warmUp = options.rate * WARM_UP_SECONDS;
    const total = warmUp + options.rate * options.seconds;
    let state = benchCase();
    const failures: Error[] = [];
    const before = platform.pid ? processStats(platform.pid) : undefined;
    const started = performance.now();
    say(`platform: ${total} updates at ${options.rate}/s (the first ${warmUp} warm up)`);
    const progress = setInterval(() => say(`platform: ${samples.length} samples so far`), 1_000);
    await paced(options.rate, total, (i) => {
      // A realistic change: the case moves on (its version rises), the view is rebuilt per role.
      state = { ...state, version: state.version + 1 };
      if (i >= warmUp) sent.record(base + i + 1, performance.now());
      bus.publish(state.id, state, [{ topic: TOPIC, removed: false }]).catch((err: Error) => failures.push(err));
    });
    await drained(probes, base + total);
    clearInterval(progress);
    const wallMs = performance.now() - started;
    if (failures.length) throw new Error(`${failures.length} publishes failed: ${failures[0]?.message}`);
    const finalVersion = await bus.version(TOPIC);
    if (finalVersion !== base + total) throw new Error(`the topic is at ${finalVersion}, expected ${base + total}`);
    const after = platform.pid ? processStats(platform.pid) : undefined;
    return {
      result: summarise(options.rate * options.seconds, samples, probes, base + total),
      frameBytes: await load.frameBytes(),
      process:
        before && after
          ? { rssMB: Math.round(after.rssMB), cpuPct: cpuPercent(before.cpuMs, after.cpuMs, wallMs) }
          : null,
    };
  } finally {
    for (const s of sockets) s.close();
    await load?.stop();
    await connections.onApplicationShutdown();
  }
}

/** Starts the bare ws broadcast process; resolves with its port and a stop function. */
async function startBroadcast(): Promise<{ port: number; pid: number | undefined; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(__dirname, 'ws-broadcast.server.js')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /\{"port":(\d+)\}/.exec(out);
      if (line) resolve(Number(line[1]));
    });
    child.once('exit', (code) => reject(new Error(`the ws broadcast exited (${code})`)));
  });
  return {
    port,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function wsScene(
  options: FanoutOptions,
  frameBytes: number,
): Promise<{ result: SceneResult; process: { rssMB: number; cpuPct: number } | null }> {
  const broadcast = await startBroadcast();
  const url = `ws://127.0.0.1:${broadcast.port}`;
  const probeAt = new Set(probeIndexes(options.clients, options.probes));
  const probes: ProbeTracker[] = [];
  const clients: WebSocket[] = [];
  let load: LoadProcess | undefined;
  const samples: number[] = [];
  const sent = new SentLog();
  const open = (path: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${url}${path}`, { perMessageDeflate: false });
      clients.push(ws);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  try {
    say(`ws: connecting ${options.clients} clients (${probeAt.size} probes)`);
    load = new LoadProcess(['ws', url]);
    await connectInOrder(options.clients, probeAt, load, async () => {
      const ws = await open('/sub');
      const tracker = new ProbeTracker(0);
      probes.push(tracker);
      ws.on('message', (data: Buffer) => {
        const { v } = JSON.parse(data.toString()) as { v: number };
        for (const s of tracker.receive(v, performance.now(), sent).samples) samples.push(s);
      });
    });
    const publisher = await open('/pub');
    const warmUp = options.rate * WARM_UP_SECONDS;
    const total = warmUp + options.rate * options.seconds;
    // The same bytes on the wire as the platform's update frames.
    const padding = 'x'.repeat(Math.max(0, frameBytes - JSON.stringify({ v: total, p: '' }).length));
    const before = broadcast.pid ? processStats(broadcast.pid) : undefined;
    const started = performance.now();
    say(`ws: ${total} messages of ${frameBytes} bytes at ${options.rate}/s`);
    await paced(options.rate, total, (i) => {
      const version = i + 1;
      if (i >= warmUp) sent.record(version, performance.now());
      publisher.send(JSON.stringify({ v: version, p: padding }));
    });
    await drained(probes, total);
    const wallMs = performance.now() - started;
    const after = broadcast.pid ? processStats(broadcast.pid) : undefined;
    return {
      result: summarise(options.rate * options.seconds, samples, probes, total),
      process:
        before && after
          ? { rssMB: Math.round(after.rssMB), cpuPct: cpuPercent(before.cpuMs, after.cpuMs, wallMs) }
          : null,
    };
  } finally {
    for (const ws of clients) ws.terminate();
    await load?.stop();
    await broadcast.stop();
  }
}

async function run(options: FanoutOptions): Promise<void> {
  say(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load ${loadavg()[0]?.toFixed(2)}`,
  );
  const platform = await startBenchPlatform(join(__dirname, '../../../server/src/main.js'), say);
  let socketio: Awaited<ReturnType<typeof platformScene>>;
  try {
    socketio = await platformScene(options, platform);
  } finally {
    await platform.stop();
  }
  say(
    `platform: p50 ${socketio.result.p50Ms} ms, p99 ${socketio.result.p99Ms} ms; update frames ${socketio.frameBytes} bytes`,
  );
  const ws = await wsScene(options, socketio.frameBytes || 1024);
  say(`ws: p50 ${ws.result.p50Ms} ms, p99 ${ws.result.p99Ms} ms`);
  const ratio =
    socketio.result.p99Ms !== null && ws.result.p99Ms
      ? Math.round((socketio.result.p99Ms / ws.result.p99Ms) * 100) / 100
      : null;
  const report = {
    scene: 'one-topic',
    clients: options.clients,
    probes: options.probes,
    rate: options.rate,
    seconds: options.seconds,
    frameBytes: socketio.frameBytes,
    platform: { ...socketio.result, process: socketio.process },
    ws: { ...ws.result, process: ws.process },
    ratios: { p99PlatformToWs: ratio },
    machine: { cores: cpus().length, node: process.version, loadAvg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
  };
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  console.table({
    platform: {
      p50: socketio.result.p50Ms,
      p99: socketio.result.p99Ms,
      max: socketio.result.maxMs,
      lost: socketio.result.lost,
    },
    ws: { p50: ws.result.p50Ms, p99: ws.result.p99Ms, max: ws.result.maxMs, lost: ws.result.lost },
  });
  say(`p99 ratio platform / ws: ${ratio}; written to ${options.out}`);
}

let options: FanoutOptions;
try {
  options = parseFanoutOptions(process.argv.slice(2));
} catch (err) {
  console.error(`fanout: ${(err as Error).message}\n${FANOUT_USAGE}`);
  process.exit(2);
}
run(options).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`fanout: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
