import { Socket as NetSocket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connectAsync, type MqttClient } from 'mqtt';
import type { CaseView, UpdateEvent, VitalsEvent } from '@circulator/contracts';
import { MllpClient } from '@circulator/hl7';
import { api, connectAll, connectDisplay, inBatches, type BenchDisplay } from './live.clients';
import { processStats, type BenchPlatform } from './platform.process';
import { ReadingLedger } from './reading.ledger';
import { ReadingPacer } from './reading.pacer';
import { cpuPercent, memorySummary, ms, percentile, perSecond, type MemorySummary } from './stats';

/** The sensors section of the bench JSON: CONTRACT §8's four figures, then added ones. */
export interface SensorsResult {
  /** Readings acknowledged by the broker (PUBACK: the platform stored them). */
  readings: number;
  /** `readings` per second of the send window. */
  perSecond: number;
  /** Publish → the first event on a display of the reading's room that shows it, every (reading, display) pair. */
  toDisplayP50Ms: number | null;
  toDisplayP99Ms: number | null;
  /** (added) Readings per second each room's monitor was asked to publish. */
  readingsPerRoom: number;
  /** (added) Readings published. */
  sent: number;
  /** (added) Publish → PUBACK. */
  ackP50Ms: number | null;
  ackP99Ms: number | null;
  /** (added) Publish → the first `vitals` event that shows it (includes the wait for the room's next one). */
  toVitalsP50Ms: number | null;
  toVitalsP99Ms: number | null;
  /** (added) Age of each `vitals` event's newest reading on arrival (the pipeline without the throttle). */
  vitalsAgeP50Ms: number | null;
  vitalsAgeP99Ms: number | null;
  /**
   * (added) Fan-out delivery: the time from the change stream entry an `update` reports (its
   * offset, stamped by the gateway; Redis's clock, ms) to its arrival, every update on every
   * display and board. A coalesced update is measured from the oldest change it may still hold
   * back, so this never flatters.
   */
  deliveryP50Ms: number | null;
  deliveryP99Ms: number | null;
  /** (added) (reading, display) pairs still not shown when the bench stopped waiting. */
  unseen: number;
  /**
   * (added) The bench's own event-loop delay while sending, p99: how late the bench itself could
   * be to publish a reading or to read an event (it shares the machine with the platform).
   */
  benchLoopDelayP99Ms: number | null;
  /** (added) The platform's CPU over the phase, % of one core; null when the bench did not start it. */
  cpuPct: number | null;
  /** (added) The platform's RSS, sampled once a second over the phase. */
  rssMB: MemorySummary | null;
}

/** What a skipped phase reports. */
export const NO_SENSORS: SensorsResult = {
  readings: 0,
  perSecond: 0,
  toDisplayP50Ms: null,
  toDisplayP99Ms: null,
  readingsPerRoom: 0,
  sent: 0,
  ackP50Ms: null,
  ackP99Ms: null,
  toVitalsP50Ms: null,
  toVitalsP99Ms: null,
  deliveryP50Ms: null,
  deliveryP99Ms: null,
  vitalsAgeP50Ms: null,
  vitalsAgeP99Ms: null,
  unseen: 0,
  benchLoopDelayP99Ms: null,
  cpuPct: null,
  rssMB: null,
};

export interface SensorsPhaseOptions {
  rooms: number;
  seconds: number;
  displays: number;
  readingsPerRoom: number;
  /** Board clients on the day's board, each matched to every room's readings (default none). */
  boards?: number;
  /** Tells this run's rooms, cases and devices from any other's. */
  runId: string;
  say: (line: string) => void;
}

/** A room of the phase: its case, its monitor and its displays. */
interface BenchRoom {
  n: number;
  location: string;
  placer: string;
  roomId: string;
  deviceId: string;
  password: string;
  monitor?: MqttClient;
}

/** How long the bench waits, after sending, for PUBACKs and then for the displays. */
const ACK_DRAIN_MS = 30_000;
const DISPLAY_DRAIN_MS = 15_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An HL7 v2 time in UTC with its offset (so the platform's FACILITY_TZ does not matter). */
function hl7Time(ms: number): string {
  return `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}+0000`;
}

/**
 * A booking (SIU^S12) of one case in the room's location from `startMs`, lasting `minutes`; or its
 * cancellation (S15), which ends the bench's cases on a platform it did not start.
 */
function booking(room: BenchRoom, startMs: number, minutes: number, trigger: 'S12' | 'S15' = 'S12'): string {
  const start = hl7Time(startMs);
  const controlId = trigger === 'S12' ? room.placer : `${room.placer}-X`;
  return [
    `MSH|^~\\&|BENCH|HOSP|CIRCULATOR|OR|${hl7Time(Date.now())}||SIU^${trigger}^SIU_S12|${controlId}|P|2.5.1`,
    `SCH|${room.placer}|F${room.placer}|||||||${minutes}|min|^^${minutes}^${start}|||||||||||||Booked`,
    `PID|1||M${room.placer}^^^HOSP^MR||Bench^Monitor${room.n}||19600214|F`,
    `PV1|1|O|${room.location}^^^HOSP||||||||||||||||V${room.placer}`,
    'RGS|1|A',
    `AIS|1|A|47562^Laparoscopic cholecystectomy^C4|${start}|||${minutes}|min`,
    `AIL|1|A|${room.location}^^^HOSP`,
    'AIP|1|A|1001^House^Gregory|SURGEON',
  ].join('\r');
}

/** A monitor's sample: heart rate and SpO2 (CONTRACT §6 vitals names; display units by default). */
function observation(atMs: number, seq: number): string {
  return JSON.stringify({
    at: new Date(atMs).toISOString(),
    observations: [
      { code: 'hr', value: 60 + (seq % 40) },
      { code: 'spo2', value: 95 + (seq % 5) },
    ],
  });
}

/** The newest reading time among a case's vitals (epoch ms), or undefined. */
function newestVital(c: CaseView): number | undefined {
  let newest: number | undefined;
  for (const v of Object.values(c.vitals)) {
    const at = v ? Date.parse(v.at) : NaN;
    if (Number.isFinite(at) && (newest === undefined || at > newest)) newest = at;
  }
  return newest;
}

/** Cancels the phase's bookings (SIU^S15), one connection, one message in flight. */
async function cancelBookings(
  platform: BenchPlatform,
  rooms: readonly BenchRoom[],
  startMs: number,
  minutes: number,
): Promise<void> {
  const mllp = new MllpClient({ ackTimeoutMs: 30_000 });
  await mllp.connect(platform.mllpHost, platform.mllpPort);
  try {
    for (const room of rooms.filter((r) => r.roomId)) await mllp.send(booking(room, startMs, minutes, 'S15'));
  } finally {
    await mllp.close();
  }
}

/**
 * The device-readings phase (issues 5 and 9): N rooms, each with a case booked now over MLLP (a
 * device's readings belong to the case in its room at the reading's time, CONTRACT §6), a monitor
 * registered over REST and connected to the broker with its own credentials, and D displays
 * subscribed to the rooms' `room:` topics (display i watches room i mod N). Each monitor publishes
 * R readings per second at QoS 1 for S seconds; every reading carries its send time as `at`, which
 * is how the displays' events are matched to it (see ReadingLedger).
 */
export async function runSensorsPhase(
  platform: BenchPlatform,
  bearer: string,
  options: SensorsPhaseOptions,
): Promise<SensorsResult> {
  const { say } = options;
  const rooms: BenchRoom[] = Array.from({ length: options.rooms }, (_, i) => ({
    n: i + 1,
    location: `S${options.runId}R${i + 1}`,
    placer: `S${options.runId}-${i + 1}`,
    roomId: '',
    deviceId: `bench-${options.runId}-${i + 1}`,
    password: '',
  }));

  // 1. A case in every room, from the start of this minute (so it is on today's room topic,
  //    whatever the platform's zone) to well past the end of the run.
  const startMs = Math.floor(Date.now() / 60_000) * 60_000;
  const minutes = Math.ceil(options.seconds / 60) + 120;
  const mllp = new MllpClient({ ackTimeoutMs: 30_000 });
  await mllp.connect(platform.mllpHost, platform.mllpPort);
  try {
    for (const room of rooms) {
      const ack = await mllp.send(booking(room, startMs, minutes));
      if (!/^MSA\|(AA|CA)\|/m.test(ack.replace(/\r/g, '\n'))) throw new Error(`booking ${room.placer} refused: ${ack}`);
    }
  } finally {
    await mllp.close();
  }
  // A room is created with its case, in the same transaction: once every location has a room,
  // every case is there.
  const until = performance.now() + 60_000;
  for (;;) {
    const known = await api<{ id: string; locations: string[] }[]>(platform, bearer, 'GET', '/api/rooms');
    for (const room of rooms) {
      room.roomId = known.find((r) => r.locations.some((l) => l.split('^')[0] === room.location))?.id ?? '';
    }
    if (rooms.every((r) => r.roomId)) break;
    if (performance.now() > until) throw new Error('the bench bookings did not reach the platform in 60 s');
    await sleep(200);
  }
  say(`sensors: ${rooms.length} cases booked now, one per room`);

  // 2. A monitor per room, registered over REST (CONTRACT §6).
  await inBatches(rooms, 8, async (room) => {
    const reg = await api<{ mqttPassword: string }>(platform, bearer, 'POST', '/api/devices', {
      id: room.deviceId,
      type: 'monitor',
      roomId: room.roomId,
      vendor: 'Circulator bench',
    });
    room.password = reg.mqttPassword;
  });

  const ledger = new ReadingLedger(rooms.length);
  const delivery: number[] = [];
  /** An update's stream offset (`ms-seq`, the socket.io event's last argument) → its delivery time. */
  const delivered = (offset: unknown) => {
    const stamped = typeof offset === 'string' ? Number(offset.split('-')[0]) : NaN;
    if (Number.isFinite(stamped) && stamped > 0) delivery.push(Date.now() - stamped);
  };
  let displays: BenchDisplay[] = [];
  const monitors: MqttClient[] = [];
  try {
    // 3. Displays on the rooms' topics: every update and vitals event is matched to readings.
    displays = await connectAll(
      Array.from({ length: options.displays }, (_, i) => {
        const room = rooms[i % rooms.length]!;
        const display = ledger.addDisplay(i % rooms.length);
        return connectDisplay(platform.url, bearer, `room:${room.roomId}`, {
          update: (u: UpdateEvent, offset?: unknown) => {
            const now = performance.now();
            delivered(offset);
            const ours = u.cases?.find((c) => c.identifiers.placerAppointmentId === room.placer);
            const at = ours ? newestVital(ours) : undefined;
            if (at !== undefined) ledger.shown(display, at, now, 'update');
          },
          vitals: (v: VitalsEvent) => {
            const now = performance.now();
            const at = Date.parse(v.at);
            if (v.roomId === room.roomId && Number.isFinite(at)) ledger.shown(display, at, now, 'vitals');
          },
        }).then((d) => {
          const cases = (d.snapshot as { cases?: CaseView[] } | undefined)?.cases ?? [];
          if (!cases.some((c) => c.identifiers.placerAppointmentId === room.placer)) {
            d.socket.close();
            throw new Error(`the case booked in ${room.location} is not on room:${room.roomId} (not today there?)`);
          }
          return d;
        });
      }),
    );
    // 3b. The desk's boards: every room's case is on the day's board, with its vitals.
    const day = new Date(startMs).toISOString().slice(0, 10);
    const roomOfPlacer = new Map(rooms.map((r, i) => [r.placer, i]));
    const boards = await connectAll(
      Array.from({ length: options.boards ?? 0 }, () => {
        const perRoom = rooms.map((_, r) => ledger.addDisplay(r));
        return connectDisplay(platform.url, bearer, `board:${day}`, {
          update: (u: UpdateEvent, offset?: unknown) => {
            const now = performance.now();
            delivered(offset);
            for (const c of u.cases ?? []) {
              const r = roomOfPlacer.get(c.identifiers.placerAppointmentId ?? '');
              const at = r === undefined ? undefined : newestVital(c);
              if (r !== undefined && at !== undefined) ledger.shown(perRoom[r]!, at, now, 'update');
            }
          },
        });
      }),
    );
    displays.push(...boards);
    say(
      `sensors: ${displays.length - boards.length} displays subscribed to ${Math.min(rooms.length, displays.length)} room topics` +
        (boards.length ? `, ${boards.length} boards to board:${day}` : ''),
    );

    // 4. One MQTT connection per monitor, with its credentials.
    const url = `mqtt://${platform.mqttHost.includes(':') ? `[${platform.mqttHost}]` : platform.mqttHost}:${platform.mqttPort}`;
    await inBatches(rooms, 10, async (room) => {
      const client = await connectAsync(url, {
        username: room.deviceId,
        password: room.password,
        clientId: room.deviceId,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
      });
      // mqtt.js leaves Nagle on: ~15 ms added per publish at this rate (DEPENDENCY-NOTES.md).
      if (client.stream instanceof NetSocket) client.stream.setNoDelay(true);
      monitors.push(client);
      room.monitor = client;
    });
    say(`sensors: ${monitors.length} monitors connected to ${url}`);

    // 5. Publish, paced; progress and the platform's memory once a second.
    const pacer = new ReadingPacer({
      rooms: rooms.length,
      perRoom: options.readingsPerRoom,
      durationMs: options.seconds * 1000,
    });
    const ackLatency: number[] = [];
    let sent = 0;
    let acked = 0;
    let failed = 0;
    let firstError: string | undefined;
    const rss: number[] = [];
    const sample = () => (platform.pid !== undefined ? processStats(platform.pid) : undefined);
    const before = sample();
    if (before) rss.push(before.rssMB);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const started = performance.now();
    const progress = setInterval(() => {
      const now = sample();
      if (now) rss.push(now.rssMB);
      say(
        `sensors ${Math.round((performance.now() - started) / 1000)} s: sent ${sent}, acked ${acked}` +
          `${failed ? `, failed ${failed}` : ''}, shown ${ledger.toDisplay.length} (reading, display) pairs` +
          `${now ? `, platform RSS ${now.rssMB} MB` : ''}`,
      );
    }, 1_000);
    let sendingMs = 0;
    try {
      for (;;) {
        for (const slot of pacer.take(performance.now() - started)) {
          const room = rooms[slot.room]!;
          const client = room.monitor!;
          const at = ledger.nextAt(slot.room, Date.now());
          const t0 = performance.now();
          ledger.record(slot.room, at, t0);
          sent += 1;
          client.publish(
            `circulator/v1/devices/${room.deviceId}/observations`,
            observation(at, slot.seq),
            { qos: 1 },
            (err) => {
              if (err) {
                failed += 1;
                firstError ??= err.message;
                return;
              }
              ackLatency.push(performance.now() - t0);
              acked += 1;
            },
          );
        }
        const next = pacer.nextDueMs();
        if (next === undefined) break;
        const wait = next - (performance.now() - started);
        // setTimeout(0) still yields to I/O (PUBACKs, display events) between bursts.
        await sleep(Math.max(0, wait));
      }
      sendingMs = performance.now() - started;

      // 6. Let what was sent be acknowledged, then shown (both bounded).
      const ackUntil = performance.now() + ACK_DRAIN_MS;
      while (acked + failed < sent && performance.now() < ackUntil) await sleep(50);
      const shownUntil = performance.now() + DISPLAY_DRAIN_MS;
      while (ledger.unseen() > 0 && performance.now() < shownUntil) await sleep(50);
    } finally {
      clearInterval(progress);
      loop.disable();
    }
    const wallMs = performance.now() - started;
    const after = sample();
    if (after) rss.push(after.rssMB);
    if (failed) say(`sensors: ${failed} publishes failed (first: ${firstError})`);
    if (acked + failed < sent) say(`sensors: ${sent - acked - failed} publishes never acknowledged`);

    return {
      readings: acked,
      perSecond: perSecond(acked, sendingMs),
      toDisplayP50Ms: ms(percentile(ledger.toDisplay, 50)),
      toDisplayP99Ms: ms(percentile(ledger.toDisplay, 99)),
      readingsPerRoom: options.readingsPerRoom,
      sent,
      ackP50Ms: ms(percentile(ackLatency, 50)),
      ackP99Ms: ms(percentile(ackLatency, 99)),
      toVitalsP50Ms: ms(percentile(ledger.toVitals, 50)),
      toVitalsP99Ms: ms(percentile(ledger.toVitals, 99)),
      deliveryP50Ms: ms(percentile(delivery, 50)),
      deliveryP99Ms: ms(percentile(delivery, 99)),
      vitalsAgeP50Ms: ms(percentile(ledger.vitalsAge, 50)),
      vitalsAgeP99Ms: ms(percentile(ledger.vitalsAge, 99)),
      unseen: ledger.unseen(),
      benchLoopDelayP99Ms: ms(loop.count ? loop.percentile(99) / 1e6 : undefined),
      cpuPct: before && after ? cpuPercent(before.cpuMs, after.cpuMs, wallMs) : null,
      rssMB: memorySummary(rss),
    };
  } finally {
    await Promise.all(monitors.map((m) => m.endAsync(true).catch(() => undefined)));
    for (const d of displays) d.socket.close();
    // On a platform the bench did not start, its cases are cancelled (they were booked today, in
    // rooms of their own) and its monitors retired (the broker refuses a retired device; the
    // registry keeps their history).
    if (platform.pid === undefined) {
      await inBatches(rooms, 8, (room) =>
        api(platform, bearer, 'PATCH', `/api/devices/${room.deviceId}`, { lifecycle: 'retired' }).catch(
          (err: unknown) => say(`sensors: could not retire ${room.deviceId}: ${(err as Error).message}`),
        ),
      );
      await cancelBookings(platform, rooms, startMs, minutes).catch((err: unknown) =>
        say(`sensors: could not cancel the bench's cases: ${(err as Error).message}`),
      );
    }
  }
}
