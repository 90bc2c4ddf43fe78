import request from 'supertest';
import type { CaseView } from '@circulator/contracts';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { createTempDir, dropRedisPrefix, uniqueName, waitFor } from '../support/services';

const PASSWORD = 'npm-start-admin-password';

/**
 * `npm start` as a user runs it (scripts/start.mjs builds if needed, then runs the server), with
 * no database or Redis settings: it must come up on the embedded database and the local Redis.
 * Only free ports, a private data folder and a private Redis key prefix are given, so that the
 * test never collides with anything else on the machine.
 */
function npmStart(dataDir: string, prefix: string): Promise<ServerProcess> {
  return startServerProcess(
    {
      DATA_DIR: dataDir,
      REDIS_PREFIX: prefix,
      ADMIN_PASSWORD: PASSWORD,
      FACILITY_TZ: 'Europe/Paris',
      LOG_LEVEL: 'info',
    },
    { entry: 'scripts/start.mjs', timeoutMs: 90_000 },
  );
}

describe('npm start with no database or Redis settings', () => {
  const dir = createTempDir();
  const prefix = uniqueName('start');
  let running: ServerProcess | undefined;
  afterAll(async () => {
    await running?.stop();
    dir.remove();
    await dropRedisPrefix(prefix);
  });

  it('comes up ready on the embedded database, and a second start keeps every case', async () => {
    running = await npmStart(dir.path, prefix);
    const url = `http://127.0.0.1:${running.ports.httpPort}`;
    expect(running.output()).toContain('"database":"embedded"');
    await request(url).get('/health/ready').expect(200);

    const client = new MllpClient({ ackTimeoutMs: 10_000 });
    await client.connect('127.0.0.1', running.ports.mllpPort!);
    try {
      const ack = await client.send(
        siu({
          trigger: 'S12',
          controlId: 'START-1',
          placerId: 'PL-S1',
          fillerId: 'FL-S1',
          start: '20261125080000',
          minutes: 120,
          room: 'OR7',
          mrn: 'MRN-S1',
          family: 'Restart',
          given: 'Ruth',
        }),
      );
      expect(ack).toMatch(/MSA\|AA\|START-1/);
    } finally {
      await client.close();
    }
    const token = async (u: string) =>
      (
        (await request(u).post('/api/auth/token').send({ username: 'admin', password: PASSWORD }).expect(200)).body as {
          access_token: string;
        }
      ).access_token;
    let bearer = await token(url);
    const before = await waitFor(
      async () => {
        const res = await request(url).get('/api/cases?date=2026-11-25').set('Authorization', `Bearer ${bearer}`);
        return (res.body as CaseView[]).length === 1 ? (res.body as CaseView[]) : undefined;
      },
      { what: 'the case' },
    );
    await running.stop();

    running = await npmStart(dir.path, prefix);
    const url2 = `http://127.0.0.1:${running.ports.httpPort}`;
    await request(url2).get('/health/ready').expect(200);
    bearer = await token(url2);
    const after = await request(url2)
      .get('/api/cases?date=2026-11-25')
      .set('Authorization', `Bearer ${bearer}`)
      .expect(200);
    expect(after.body).toEqual(before);
  }, 240_000);
});
