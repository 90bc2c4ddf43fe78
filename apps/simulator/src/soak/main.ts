import { writeFileSync } from 'node:fs';
import { Socket as NetSocket } from 'node:net';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { MllpClient } from '@circulator/hl7';
import { api, connectAll, connectDisplay, inBatches, signIn, type BenchDisplay } from '../bench/live.clients';
import { startBenchPlatform } from '../bench/platform.process';
import { parseSoakOptions, SOAK_USAGE, type SoakOptions } from './soak.options';
import { readSoakMetrics, soakVerdict, type SoakSample } from './soak.verdict';

/**
 * `npm run soak -- --minutes 10` (issue 10, not in CI): starts the built platform as the bench does,
 * books a case in each of N rooms over MLLP, registers the devices and connects them to the broker,
 * connects the displays (display credentials, `room:` topics), then for the run's minutes sends
 * HL7 updates of those cases at a steady rate and has every device publish a reading every few
 * seconds, while reading the platform's RSS and event-loop lag p99 from `GET /metrics` once a
 * second. Prints and writes the figures and the verdict against issue 10's targets.
 */

const say = (line: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function hl7Time(ms: number): string {
  return `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}+0000`;
}

interface SoakRoom {
  n: number;
  location: string;
  placer: string;
  mrn: string;
  roomId: string;
}

/** SIU^S12 (booking) or S14 (modification, the steady traffic) of the room's case. */
function schedule(room: SoakRoom, startMs: number, minutes: number, trigger: 'S12' | 'S14', controlId: string): string {
  const start = hl7Time(startMs);
  return [
    `MSH|^~\\&|SOAK|HOSP|CIRCULATOR|OR|${hl7Time(Date.now())}||SIU^${trigger}^SIU_S12|${controlId}|P|2.5.1`,
    `SCH|${room.placer}|F${room.placer}|||||||${minutes}|min|^^${minutes}^${start}|||||||||||||Booked`,
    `PID|1||${room.mrn}^^^HOSP^MR||Soak^Patient${room.n}||19600214|F`,
    `PV1|1|O|${room.location}^^^HOSP||||||||||||||||V${room.placer}`,
    'RGS|1|A',
    `AIS|1|A|47562^Laparoscopic cholecystectomy^C4|${start}|||${minutes}|min`,
    `AIL|1|A|${room.location}^^^HOSP`,
    'AIP|1|A|1001^House^Gregory|SURGEON',
  ].join('\r');
}

/** ADT^A08: the room's patient updated (name spelled with a counter). */
function patientUpdate(room: SoakRoom, seq: number, controlId: string): string {
  return [
    `MSH|^~\\&|SOAK|HOSP|CIRCULATOR|OR|${hl7Time(Date.now())}||ADT^A08^ADT_A01|${controlId}|P|2.5.1`,
    `EVN|A08|${hl7Time(Date.now())}`,
    `PID|1||${room.mrn}^^^HOSP^MR||Soak^Patient${room.n}^${seq % 100}||19600214|F`,
    `PV1|1|O|${room.location}^^^HOSP||||||||||||||||V${room.placer}`,
  ].join('\r');
}

const isAccepted = (ack: string) => /^MSA\|(AA|CA)\|/m.test(ack.replace(/\r/g, '\n'));

async function run(options: SoakOptions): Promise<boolean> {
  const platform = await startBenchPlatform(join(__dirname, '../../../server/src/main.js'), say);
  const runId = Date.now().toString(36);
  const displays: BenchDisplay[] = [];
  const monitors: MqttClient[] = [];
  const senders: MllpClient[] = [];
  try {
    let bearer = await signIn(platform.url, platform.username, platform.password);
    let bearerAt = Date.now();
    const admin = async () => {
      // Access tokens are short-lived: a fresh one every five minutes.
      if (Date.now() - bearerAt > 5 * 60_000) {
        bearer = await signIn(platform.url, platform.username, platform.password);
        bearerAt = Date.now();
      }
      return bearer;
    };

    // 1. A case in every room, from this minute to well past the run's end.
    const rooms: SoakRoom[] = Array.from({ length: options.rooms }, (_, i) => ({
      n: i + 1,
      location: `K${runId}R${i + 1}`,
      placer: `K${runId}-${i + 1}`,
      mrn: `K${runId}M${i + 1}`,
      roomId: '',
    }));
    const startMs = Math.floor(Date.now() / 60_000) * 60_000;
    const minutes = options.minutes + 120;
    const booker = new MllpClient({ ackTimeoutMs: 30_000 });
    await booker.connect(platform.mllpHost, platform.mllpPort);
    for (const room of rooms) {
      const ack = await booker.send(schedule(room, startMs, minutes, 'S12', `${room.placer}-B`));
      if (!isAccepted(ack)) throw new Error(`booking ${room.placer} refused: ${ack}`);
    }
    await booker.close();
    const until = Date.now() + 60_000;
    for (;;) {
      const known = await api<{ id: string; locations: string[] }[]>(platform, await admin(), 'GET', '/api/rooms');
      for (const room of rooms) {
        room.roomId = known.find((r) => r.locations.some((l) => l.split('^')[0] === room.location))?.id ?? '';
      }
      if (rooms.every((r) => r.roomId)) break;
      if (Date.now() > until) throw new Error('the soak bookings did not reach the platform in 60 s');
      await sleep(200);
    }
    say(`${rooms.length} rooms with a case`);

    // 2. Devices registered over REST, spread over the rooms.
    const devices = await inBatches(
      Array.from({ length: options.devices }, (_, i) => ({
        id: `soak-${runId}-${i + 1}`,
        room: rooms[i % rooms.length]!,
      })),
      10,
      async (d) => {
        const reg = await api<{ mqttPassword: string }>(platform, await admin(), 'POST', '/api/devices', {
          id: d.id,
          type: 'monitor',
          roomId: d.room.roomId,
          vendor: 'Circulator soak',
        });
        return { ...d, password: reg.mqttPassword };
      },
    );
    say(`${devices.length} devices registered`);

    // 3. Displays: a display credential per room (POST /api/displays), screens on room topics.
    const credentials = await inBatches(rooms, 10, async (room) => {
      const c = await api<{ token: string }>(platform, await admin(), 'POST', '/api/displays', { roomId: room.roomId });
      return c.token;
    });
    for (let i = 0; i < options.displays; i += 50) {
      const batch = Array.from({ length: Math.min(50, options.displays - i) }, (_, j) => {
        const r = (i + j) % rooms.length;
        return connectDisplay(platform.url, credentials[r]!, `room:${rooms[r]!.roomId}`, {});
      });
      displays.push(...(await connectAll(batch)));
    }
    let disconnected = 0;
    for (const d of displays) d.socket.on('disconnect', () => (disconnected += 1));
    say(`${displays.length} displays subscribed`);

    // 4. One MQTT connection per device.
    const url = `mqtt://${platform.mqttHost}:${platform.mqttPort}`;
    const clients = await inBatches(devices, 20, async (d) => {
      const client = await connectAsync(url, {
        username: d.id,
        password: d.password,
        clientId: d.id,
        reconnectPeriod: 0,
        connectTimeout: 30_000,
      });
      if (client.stream instanceof NetSocket) client.stream.setNoDelay(true);
      monitors.push(client);
      return client;
    });
    say(`${clients.length} devices connected to ${url}`);

    // 5. MLLP senders.
    for (let i = 0; i < options.mllpConnections; i++) {
      const c = new MllpClient({ ackTimeoutMs: 30_000 });
      await c.connect(platform.mllpHost, platform.mllpPort);
      senders.push(c);
    }

    // 6. The load, and a sample of /metrics every second.
    const totalMs = options.minutes * 60_000;
    const started = Date.now();
    const end = started + totalMs;
    const counts = {
      hl7Sent: 0,
      hl7Accepted: 0,
      hl7Refused: 0,
      hl7Failed: 0,
      readingsSent: 0,
      readingsAcked: 0,
      readingsFailed: 0,
    };
    let stop = false;

    const hl7Loops = senders.map(async (client, c) => {
      const perConnection = options.hl7Rate / senders.length;
      for (let k = 0; !stop; k++) {
        const due = started + (k * 1000) / perConnection;
        if (due >= end) break;
        if (due > Date.now()) await sleep(due - Date.now());
        const seq = k * senders.length + c;
        const room = rooms[seq % rooms.length]!;
        const controlId = `${runId}-${c}-${k}`;
        const message =
          seq % 2 === 0
            ? schedule(room, startMs, minutes + (seq % 7), 'S14', controlId)
            : patientUpdate(room, seq, controlId);
        counts.hl7Sent += 1;
        try {
          const ack = await client.send(message);
          if (isAccepted(ack)) counts.hl7Accepted += 1;
          else counts.hl7Refused += 1;
        } catch {
          counts.hl7Failed += 1;
        }
      }
    });

    const readingLoop = (async () => {
      const intervalMs = options.readingSeconds * 1000;
      for (let k = 0; !stop; k++) {
        // Device i publishes at i/N of each interval: a steady stream, not bursts.
        const i = k % clients.length;
        const due = started + Math.floor(k / clients.length) * intervalMs + (i * intervalMs) / clients.length;
        if (due >= end) break;
        if (due > Date.now()) await sleep(due - Date.now());
        const seq = Math.floor(k / clients.length);
        const payload = JSON.stringify({
          at: new Date().toISOString(),
          observations: [
            { code: 'hr', value: 60 + ((seq + i) % 40) },
            { code: 'spo2', value: 95 + ((seq + i) % 5) },
          ],
        });
        counts.readingsSent += 1;
        clients[i]!.publish(`circulator/v1/devices/${devices[i]!.id}/observations`, payload, { qos: 1 }, (err) => {
          if (err) counts.readingsFailed += 1;
          else counts.readingsAcked += 1;
        });
      }
    })();

    const samples: SoakSample[] = [];
    let scrapeFailures = 0;
    const sampler = setInterval(() => {
      void (async () => {
        try {
          const res = await fetch(`${platform.url}/metrics`, { headers: { authorization: `Bearer ${await admin()}` } });
          const figures = res.ok ? readSoakMetrics(await res.text()) : undefined;
          if (figures) samples.push({ atMs: Date.now() - started, ...figures });
          else scrapeFailures += 1;
        } catch {
          scrapeFailures += 1;
        }
      })();
    }, 1_000);
    const progress = setInterval(() => {
      const last = samples.at(-1);
      say(
        `${Math.round((Date.now() - started) / 1000)} s: HL7 ${counts.hl7Accepted}/${counts.hl7Sent} accepted, ` +
          `readings ${counts.readingsAcked}/${counts.readingsSent} acked` +
          (last ? `, RSS ${Math.round(last.rssBytes / 1024 / 1024)} MB, lag p99 ${last.lagP99Ms.toFixed(1)} ms` : '') +
          (disconnected ? `, ${disconnected} displays disconnected` : ''),
      );
    }, 10_000);
    await Promise.all([...hl7Loops, readingLoop]);
    const remaining = end - Date.now();
    if (remaining > 0) await sleep(remaining);
    stop = true;
    clearInterval(sampler);
    clearInterval(progress);
    // PUBACKs still on their way (bounded).
    const drainUntil = Date.now() + 10_000;
    while (counts.readingsAcked + counts.readingsFailed < counts.readingsSent && Date.now() < drainUntil)
      await sleep(50);

    const verdict = soakVerdict(samples, options.warmupSeconds * 1000);
    const load = await import('node:os').then((os) => os.loadavg().map((l) => Math.round(l * 100) / 100));
    const result = {
      options,
      platform: { database: platform.database ?? null },
      counts: { ...counts, displays: displays.length, displaysDisconnected: disconnected, scrapeFailures },
      hl7PerSecond: Math.round((counts.hl7Accepted / (totalMs / 1000)) * 10) / 10,
      readingsPerSecond: Math.round((counts.readingsAcked / (totalMs / 1000)) * 10) / 10,
      verdict,
      machine: { loadAverage: load },
      samples,
    };
    writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
    const { samples: _omitted, ...summary } = result;
    void _omitted;
    console.log(JSON.stringify(summary, null, 2));
    say(
      `${verdict.pass ? 'PASS' : 'FAIL'}${verdict.failures.length ? `: ${verdict.failures.join('; ')}` : ''} (written to ${options.out})`,
    );
    return verdict.pass;
  } finally {
    await Promise.all(senders.map((s) => s.close().catch(() => undefined)));
    await Promise.all(monitors.map((m) => m.endAsync(true).catch(() => undefined)));
    for (const d of displays) d.socket.close();
    await platform.stop();
  }
}

let options: SoakOptions;
try {
  options = parseSoakOptions(process.argv.slice(2));
} catch (err) {
  console.error(`${(err as Error).message}\n${SOAK_USAGE}`);
  process.exit(2);
}
run(options).then(
  (pass) => process.exit(pass ? 0 : 1),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
