import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { MllpClient } from '@circulator/hl7';
import { BENCH_USAGE, parseBenchOptions, type BenchOptions } from './bench.options';
import { AppliedMeter, readAppliedCount } from './applied.meter';
import { decodeBench } from './decode.bench';
import { BENCH_DAY, benchMessage, type BenchMessageKind, type Hl7Mix } from './hl7.traffic';
import { BoardDisplays } from './board.displays';
import { signIn } from './live.clients';
import { mllpEchoPerSecond, wsEchoP50Ms } from './limits';
import { processStats, startBenchPlatform, type BenchPlatform } from './platform.process';
import { NO_SENSORS, runSensorsPhase, type SensorsResult } from './sensors.phase';
import { cpuPercent, ms, percentile, perSecond } from './stats';

/**
 * `npm run bench` (CONTRACT §8): drives a platform over the real protocols and writes the JSON.
 * Two phases, one after the other, each with its own displays, so that neither muddles the
 * other's figures:
 * - HL7: one MLLP connection per room, one message in flight each (as EHR interfaces send), the
 *   `--mix` of hl7.traffic.ts on the bench day; the platform's applied counter, and D socket.io
 *   displays on that day's board (in threads of their own, board.displays.ts) measure when each
 *   booking reaches them;
 * - sensors: a case booked now in each of N rooms, a monitor per room publishing readings over
 *   MQTT, and D displays on the rooms' `room:` topics (sensors.phase.ts).
 */
const say = (line: string) => process.stdout.write(`bench: ${line}\n`);

interface Hl7Result {
  /** The message mix sent (hl7.traffic.ts). */
  mix: Hl7Mix;
  rate: number | null;
  sent: number;
  /** Messages sent, by kind (booking, device, adt, lab). */
  sentByKind: Partial<Record<BenchMessageKind, number>>;
  acked: number;
  perSecond: number;
  ackP50Ms: number | null;
  ackP99Ms: number | null;
  /** Messages the platform applied (its `circulator_messages_applied_total`, MLLP) by the end of the drain. */
  applied: number;
  /** Messages it marked failed instead (none expected: every bench message maps). */
  failed: number;
  /** `applied` over the time from the first send to the last of them applied. */
  appliedPerSecond: number;
  /** Bookings seen on the board displays; `toDisplay…` below is theirs. */
  bookingsOnDisplays: number;
  toDisplayP50Ms: number | null;
  toDisplayP99Ms: number | null;
  /** The platform's CPU over the phase, % of one core (null when the bench did not start it). */
  cpuPct: number | null;
}

const NO_HL7: Hl7Result = {
  mix: 'interfaces',
  rate: null,
  sent: 0,
  sentByKind: {},
  acked: 0,
  perSecond: 0,
  ackP50Ms: null,
  ackP99Ms: null,
  applied: 0,
  failed: 0,
  appliedPerSecond: 0,
  bookingsOnDisplays: 0,
  toDisplayP50Ms: null,
  toDisplayP99Ms: null,
  cpuPct: null,
};

/**
 * The HL7 phase: the chosen mix over MLLP (one connection per room, one message in flight each),
 * D displays on the bench day's board (they see the bookings), and the platform's applied counter
 * for every message.
 */
async function runHl7Phase(
  platform: BenchPlatform,
  bearer: string,
  options: BenchOptions,
  runId: string,
): Promise<Hl7Result> {
  // Send times as wall-clock ms (performance.timeOrigin + now), comparable across threads.
  const sentAt = new Map<string, number>();
  const toDisplay: number[] = [];
  const appliedAt = new Map<string, number>();
  let displays: BoardDisplays | undefined;
  const clients: MllpClient[] = [];
  try {
    displays = await BoardDisplays.open(
      {
        url: platform.url,
        bearer,
        topic: `board:${BENCH_DAY}`,
        total: options.displays,
        placerPrefix: `B${runId}-`,
      },
      (placer, at) => {
        const sent = sentAt.get(placer);
        if (sent === undefined) return;
        toDisplay.push(at - sent);
        if (!appliedAt.has(placer)) appliedAt.set(placer, at);
      },
    );
    say(`${displays.count} displays subscribed to board:${BENCH_DAY}`);

    for (let r = 0; r < options.rooms; r++) {
      const client = new MllpClient({ ackTimeoutMs: 30_000 });
      await client.connect(platform.mllpHost, platform.mllpPort);
      clients.push(client);
    }
    const before = platform.pid !== undefined ? processStats(platform.pid) : undefined;
    const ackLatency: number[] = [];
    const sentByKind: Partial<Record<BenchMessageKind, number>> = {};
    // Once a second while sending (the progress line), every 100 ms once the last messages are awaited.
    const meter = new AppliedMeter(() => readAppliedCount(platform.url, bearer), 1_000);
    await meter.start();
    let sent = 0;
    let acked = 0;
    const started = performance.now();
    const deadline = started + options.seconds * 1000;
    const progress = setInterval(
      () =>
        say(
          `hl7 ${Math.round((performance.now() - started) / 1000)} s: sent ${sent}, acked ${acked}, applied ${meter.total.applied}, bookings on displays ${appliedAt.size}`,
        ),
      1_000,
    );
    try {
      await Promise.all(
        clients.map(async (client, room) => {
          // Paced: this connection's share of --rate, each message at its slot (or at once when late).
          const interval = options.rate ? (1000 * clients.length) / options.rate : 0;
          const offset = (interval * room) / clients.length;
          for (let seq = 0; performance.now() < deadline; seq++) {
            if (interval) {
              const slot = started + offset + seq * interval;
              // A slot at or past the end is not the window's (a timer may wake a little early).
              if (slot >= deadline) break;
              const wait = slot - performance.now();
              if (wait > 0) await new Promise((r) => setTimeout(r, wait));
              if (performance.now() >= deadline) break;
            }
            const message = benchMessage(options.mix, room + 1, seq, runId);
            const t0 = performance.now();
            if (message.placer !== undefined) sentAt.set(message.placer, performance.timeOrigin + t0);
            sent += 1;
            sentByKind[message.kind] = (sentByKind[message.kind] ?? 0) + 1;
            const ack = await client.send(message.text);
            ackLatency.push(performance.now() - t0);
            if (/^MSA\|(AA|CA)\|/m.test(ack.replace(/\r/g, '\n'))) acked += 1;
          }
        }),
      );
      const sendingMs = performance.now() - started;
      meter.every(100);
      // Let what was acknowledged be applied and reach the displays. Flat out, the senders are
      // acknowledged faster than the worker applies (ACK means stored), so a backlog is left: the
      // applied rate is measured to its end, and the sensors phase must not start behind it. Bounded
      // at four times the sending time (at least 30 s, at most 15 min).
      const bookings = sentAt.size;
      const drainUntil = performance.now() + Math.min(15 * 60_000, Math.max(30_000, 4 * sendingMs));
      const drained = () => meter.total.applied + meter.total.failed >= acked && appliedAt.size >= bookings;
      while (!drained() && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
      await meter.stop();
      if (!drained()) {
        say(
          `hl7: stopped waiting with ${acked - meter.total.applied - meter.total.failed} acknowledged message(s) not yet applied`,
        );
      }
      const wallMs = performance.now() - started;
      const after = platform.pid !== undefined ? processStats(platform.pid) : undefined;
      const { applied, failed } = meter.total;
      return {
        mix: options.mix,
        rate: options.rate ?? null,
        sent,
        sentByKind,
        acked,
        perSecond: perSecond(acked, sendingMs),
        ackP50Ms: ms(percentile(ackLatency, 50)),
        ackP99Ms: ms(percentile(ackLatency, 99)),
        applied,
        failed,
        appliedPerSecond: perSecond(applied, (meter.at(applied) ?? performance.now()) - started),
        bookingsOnDisplays: appliedAt.size,
        toDisplayP50Ms: ms(percentile(toDisplay, 50)),
        toDisplayP99Ms: ms(percentile(toDisplay, 99)),
        cpuPct: before && after ? cpuPercent(before.cpuMs, after.cpuMs, wallMs) : null,
      };
    } finally {
      clearInterval(progress);
      await meter.stop().catch(() => undefined);
    }
  } finally {
    await displays?.close();
    await Promise.all(clients.map((c) => c.close()));
  }
}

async function run(options: BenchOptions): Promise<void> {
  say(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}`);
  say('measuring the machine’s raw limits (MLLP echo, websocket echo)…');
  const limits = { mllpEchoPerSecond: await mllpEchoPerSecond(2_000), wsEchoP50Ms: await wsEchoP50Ms(2_000) };
  say(`limits: MLLP echo ${limits.mllpEchoPerSecond}/s, websocket echo p50 ${limits.wsEchoP50Ms} ms`);
  say('measuring HL7 decode+map against a bare split of the same 21-OBX ORU…');
  const decode = decodeBench();
  say(`decode+map ${decode.decodeMapPerSecond}/s, bare split ${decode.bareSplitPerSecond}/s (ratio ${decode.ratio})`);

  const platform: BenchPlatform = options.target
    ? { ...options.target, stop: () => Promise.resolve() }
    : // Cleans up itself if it fails.
      await startBenchPlatform(join(__dirname, '../../../server/src/main.js'), say, {
        ...(options.profileDir ? { profileDir: options.profileDir } : {}),
        ...(options.embedded ? { embedded: true } : {}),
      });
  const runId = Date.now().toString(36);
  try {
    const bearer = await signIn(platform.url, platform.username, platform.password);
    const before = platform.pid !== undefined ? processStats(platform.pid) : undefined;
    const started = performance.now();
    const hl7 = options.phases.includes('hl7') ? await runHl7Phase(platform, bearer, options, runId) : NO_HL7;
    let sensors: SensorsResult = NO_SENSORS;
    if (options.phases.includes('sensors')) {
      say(
        `sensors: ${options.rooms} rooms × ${options.readingsPerRoom} readings/s for ${options.seconds} s, ${options.displays} displays on room: topics` +
          (options.boards ? `, ${options.boards} on the day's board` : ''),
      );
      sensors = await runSensorsPhase(platform, bearer, {
        rooms: options.rooms,
        seconds: options.seconds,
        displays: options.displays,
        readingsPerRoom: options.readingsPerRoom,
        boards: options.boards,
        runId,
        say,
      });
    }
    const wallMs = performance.now() - started;
    const after = platform.pid !== undefined ? processStats(platform.pid) : undefined;
    const result = {
      rooms: options.rooms,
      seconds: options.seconds,
      displays: options.displays,
      phases: options.phases,
      hl7,
      decode,
      sensors,
      limits,
      process:
        before && after
          ? { rssMB: after.rssMB, cpuPct: cpuPercent(before.cpuMs, after.cpuMs, wallMs) }
          : { rssMB: null, cpuPct: null },
      ratios: { hl7ToMllpEcho: Math.round((hl7.perSecond / Math.max(1, limits.mllpEchoPerSecond)) * 1000) / 1000 },
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version },
      database: platform.database ?? null,
    };
    writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
    printTable(result);
    say(`wrote ${options.out}`);
  } finally {
    await platform.stop();
    if (options.profileDir) say(`the platform's CPU profile is in ${options.profileDir}`);
  }
}

function printTable(r: {
  hl7: Hl7Result;
  decode: { decodeMapPerSecond: number; bareSplitPerSecond: number; ratio: number };
  sensors: SensorsResult;
  limits: Record<string, number>;
  process: Record<string, number | null>;
}): void {
  const s = r.sensors;
  const rows: [string, string][] = [
    ['HL7 acked/s', String(r.hl7.perSecond)],
    ['ACK p50 / p99 ms', `${r.hl7.ackP50Ms} / ${r.hl7.ackP99Ms}`],
    ['HL7 mix', `${r.hl7.mix} ${JSON.stringify(r.hl7.sentByKind)}`],
    ['HL7 applied/s (failed)', `${r.hl7.appliedPerSecond} (${r.hl7.failed} failed)`],
    [
      'decode+map / bare split /s',
      `${r.decode.decodeMapPerSecond} / ${r.decode.bareSplitPerSecond} (${r.decode.ratio})`,
    ],
    ['booking → display p50 / p99 ms', `${r.hl7.toDisplayP50Ms} / ${r.hl7.toDisplayP99Ms}`],
    ['readings acked/s', `${s.perSecond} (${s.readings} of ${s.sent} sent)`],
    ['reading PUBACK p50 / p99 ms', `${s.ackP50Ms} / ${s.ackP99Ms}`],
    ['reading → display p50 / p99 ms', `${s.toDisplayP50Ms} / ${s.toDisplayP99Ms}`],
    ['reading → vitals event p50 / p99', `${s.toVitalsP50Ms} / ${s.toVitalsP99Ms}`],
    ['vitals event age p50 / p99 ms', `${s.vitalsAgeP50Ms} / ${s.vitalsAgeP99Ms}`],
    ['readings unseen (× displays)', String(s.unseen)],
    ['update delivery p50 / p99 ms', `${s.deliveryP50Ms} / ${s.deliveryP99Ms}`],
    ['bench event-loop delay p99 ms', String(s.benchLoopDelayP99Ms)],
    [
      'sensors RSS MB start/max/end',
      s.rssMB ? `${s.rssMB.start} / ${s.rssMB.max} / ${s.rssMB.end} (CPU ${s.cpuPct} %)` : '—',
    ],
    ['MLLP echo limit/s', String(r.limits.mllpEchoPerSecond)],
    ['websocket echo p50 ms', String(r.limits.wsEchoP50Ms)],
    ['platform RSS MB / CPU %', `${r.process.rssMB} / ${r.process.cpuPct}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
}

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n${BENCH_USAGE}\n`);
  process.exit(2);
}
run(options).catch((err: unknown) => {
  process.stderr.write(`bench: failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
