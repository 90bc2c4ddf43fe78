import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTempDir } from '../support/services';

const run = promisify(execFile);
const root = join(__dirname, '../..');

interface Scene {
  updates: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  probeEvents: number;
  lost: number;
  behind: number;
}

/**
 * `npm run bench:fanout` end to end, briefly: a platform's gateway and a bare ws broadcast each
 * fan one topic out to the same clients. Checks the report's shape and what must hold at any
 * speed: every update reached every probe (alone or coalesced), none was lost.
 */
describe('the fan-out benchmark', () => {
  const dir = createTempDir();
  afterAll(() => dir.remove());

  it('delivers every update to every probe through the gateway and the baseline, and reports both', async () => {
    const out = join(dir.path, 'fanout.json');
    const { stdout } = await run(
      process.execPath,
      [
        join(root, 'dist/apps/simulator/src/bench/fanout.js'),
        ...['--clients', '12', '--probes', '3', '--rate', '40', '--seconds', '1', '--out', out],
      ],
      { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 120_000 },
    );
    expect(stdout).toContain('p99 ratio platform / ws');
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      clients: number;
      probes: number;
      rate: number;
      frameBytes: number;
      platform: Scene & { process: { rssMB: number; cpuPct: number } };
      ws: Scene;
      ratios: { p99PlatformToWs: number };
    };
    expect(report).toMatchObject({ clients: 12, probes: 3, rate: 40 });
    // The baseline is sized like the platform's update frames (a real case view).
    expect(report.frameBytes).toBeGreaterThan(200);
    for (const scene of [report.platform, report.ws]) {
      expect(scene.updates).toBe(40);
      // One sample per (update, probe): coalesced updates count every version they stand for.
      expect(scene.samples).toBe(40 * 3);
      expect(scene.lost).toBe(0);
      expect(scene.behind).toBe(0);
      expect(scene.p99Ms).toBeGreaterThanOrEqual(scene.p50Ms);
    }
    expect(report.platform.process.rssMB).toBeGreaterThan(0);
    expect(report.ratios.p99PlatformToWs).toBeGreaterThan(0);
  }, 150_000);
});
