import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTempDir } from '../support/services';

const run = promisify(execFile);
const root = join(__dirname, '../..');

/**
 * `npm run bench` end to end, for 10 seconds a phase (issue 9): it starts a platform, drives it over
 * MLLP and MQTT and writes CONTRACT §8's JSON. Shape, not speed: every figure is there and
 * measured. The HL7 senders are paced (50 messages/s) so that a CI machine busy with other suites
 * still applies every booking within the bench's drain time.
 */
describe('the benchmark', () => {
  const dir = createTempDir();
  afterAll(() => dir.remove());

  it('writes the figures of CONTRACT §8 for a 10-second run', async () => {
    const out = join(dir.path, 'bench.json');
    const { stdout } = await run(
      process.execPath,
      [
        join(root, 'dist/apps/simulator/src/bench/main.js'),
        '--rooms',
        '1',
        '--seconds',
        '10',
        '--rate',
        '50',
        '--displays',
        '2',
        '--out',
        out,
      ],
      { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 150_000 },
    );
    expect(stdout).toContain('HL7 acked/s');
    expect(stdout).toContain('reading → display p50 / p99 ms');
    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      rooms: number;
      seconds: number;
      displays: number;
      hl7: {
        mix: string;
        sent: number;
        sentByKind: Record<string, number>;
        acked: number;
        perSecond: number;
        ackP50Ms: number;
        ackP99Ms: number;
        applied: number;
        failed: number;
        appliedPerSecond: number;
        bookingsOnDisplays: number;
      };
      sensors: {
        readings: number;
        perSecond: number;
        toDisplayP50Ms: number;
        toDisplayP99Ms: number;
        sent: number;
        unseen: number;
        toVitalsP50Ms: number;
        deliveryP50Ms: number;
        deliveryP99Ms: number;
        rssMB: { start: number; max: number; end: number };
      };
      limits: { mllpEchoPerSecond: number; wsEchoP50Ms: number };
      process: { rssMB: number; cpuPct: number };
      database: string | null;
    };
    expect(result).toMatchObject({ rooms: 1, seconds: 10, displays: 2 });
    // The machine's PostgreSQL answers here, so the bench made a database of its own on it.
    expect(result.database).toBe('postgresql');
    // Paced at 50/s for 10 s: about 500 messages of the interfaces mix (a connection that falls
    // behind sends fewer), every one applied (the platform's own counter) and none failed.
    expect(result.hl7.mix).toBe('interfaces');
    expect(result.hl7.sent).toBeGreaterThan(100);
    expect(result.hl7.sent).toBeLessThanOrEqual(500);
    expect(Object.values(result.hl7.sentByKind).reduce((a, b) => a + b, 0)).toBe(result.hl7.sent);
    expect(result.hl7.sentByKind.device).toBeGreaterThan(result.hl7.sent / 2);
    expect(result.hl7.acked).toBe(result.hl7.sent);
    expect(result.hl7.applied).toBe(result.hl7.acked);
    expect(result.hl7.failed).toBe(0);
    expect(result.hl7.appliedPerSecond).toBeGreaterThan(0);
    // Each booking reached the board displays.
    expect(result.hl7.bookingsOnDisplays).toBe(result.hl7.sentByKind.booking);
    expect(result.hl7.ackP99Ms).toBeGreaterThanOrEqual(result.hl7.ackP50Ms);
    expect(result.limits.mllpEchoPerSecond).toBeGreaterThan(0);
    expect(result.limits.wsEchoP50Ms).toBeGreaterThan(0);
    expect(result.process.rssMB).toBeGreaterThan(0);
    // One room's monitor at 20 readings/s for 10 s: every reading acknowledged and shown on both displays.
    expect(result.sensors).toEqual(
      expect.objectContaining({
        readings: expect.any(Number),
        perSecond: expect.any(Number),
        toDisplayP50Ms: expect.any(Number),
        toDisplayP99Ms: expect.any(Number),
      }),
    );
    expect(result.sensors.sent).toBe(200);
    expect(result.sensors.readings).toBe(result.sensors.sent);
    expect(result.sensors.perSecond).toBeGreaterThan(0);
    expect(result.sensors.toDisplayP50Ms).toBeGreaterThan(0);
    expect(result.sensors.toDisplayP99Ms).toBeGreaterThanOrEqual(result.sensors.toDisplayP50Ms);
    expect(result.sensors.toVitalsP50Ms).toBeGreaterThan(0);
    expect(result.sensors.unseen).toBe(0);
    // Every update carried the stream offset it reports: delivery is measured.
    expect(result.sensors.deliveryP99Ms).toBeGreaterThanOrEqual(result.sensors.deliveryP50Ms);
    expect(result.sensors.deliveryP50Ms).toBeGreaterThanOrEqual(0);
    expect(result.sensors.rssMB.max).toBeGreaterThanOrEqual(result.sensors.rssMB.start);
  }, 180_000);
});
