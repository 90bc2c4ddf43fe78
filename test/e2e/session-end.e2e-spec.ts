import request from 'supertest';
import type { Socket } from 'socket.io-client';
import {
  ADMIN_PASSWORD,
  connectLive,
  requestAs,
  startTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/platform';
import { waitFor } from '../support/services';

const FIRST = 'session-end-e2e-password';
const SECOND = 'session-end-e2e-changed';
const THIRD = 'session-end-e2e-resetted';

interface SignIn {
  access_token: string;
  refresh_token: string;
}

/**
 * A sign-in that ends takes its live connections with it at once, not at the next 15 s re-check:
 * logout ends that sign-in's sockets only; changing one's password ends the other sign-ins'
 * sockets and keeps this one; an admin's password reset ends them all.
 */
describe('live connections when a sign-in ends', () => {
  let t: TestPlatform;
  let admin: string;
  let userId: string;
  const sockets: Socket[] = [];

  const signIn = async (password: string): Promise<SignIn> =>
    (await request(t.url).post('/api/auth/token').send({ username: 'carol', password }).expect(200)).body as SignIn;
  async function live(token: string): Promise<{ socket: Socket; ended: () => boolean }> {
    const socket = await connectLive(t.url, token);
    sockets.push(socket);
    let ended = false;
    socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') ended = true;
    });
    const ack = (await socket.timeout(10_000).emitWithAck('subscribe', { topic: 'board:2026-11-23' })) as {
      ok: boolean;
    };
    expect(ack.ok).toBe(true);
    return { socket, ended: () => ended };
  }
  const disconnected = (s: { ended: () => boolean }) =>
    waitFor(() => (s.ended() ? true : undefined), { timeoutMs: 10_000, what: 'the server to disconnect the socket' });

  beforeAll(async () => {
    t = await startTestPlatform();
    admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    const created = await requestAs(t.url, () => admin)
      .post('/api/users', { username: 'carol', password: FIRST, displayName: 'Carol Nurse', roles: ['nurse'] })
      .expect(201);
    userId = (created.body as { id: string }).id;
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await t?.stop();
  });

  it('logout ends that sign-in’s sockets and no other', async () => {
    const [a, b] = [await signIn(FIRST), await signIn(FIRST)];
    const [liveA, liveB] = [await live(a.access_token), await live(b.access_token)];
    await request(t.url).post('/api/auth/logout').send({ refresh_token: a.refresh_token }).expect(204);
    await disconnected(liveA);
    // B is untouched: its socket still answers.
    const ack = (await liveB.socket.timeout(10_000).emitWithAck('subscribe', { topic: 'board:2026-11-24' })) as {
      ok: boolean;
    };
    expect(ack.ok).toBe(true);
    expect(liveB.ended()).toBe(false);
  }, 60_000);

  it('a password change ends the other sign-ins’ sockets and keeps this one', async () => {
    const [mine, other] = [await signIn(FIRST), await signIn(FIRST)];
    const [liveMine, liveOther] = [await live(mine.access_token), await live(other.access_token)];
    await requestAs(t.url, () => mine.access_token)
      .post('/api/auth/password', { currentPassword: FIRST, newPassword: SECOND })
      .expect(204);
    await disconnected(liveOther);
    const ack = (await liveMine.socket.timeout(10_000).emitWithAck('subscribe', { topic: 'board:2026-11-24' })) as {
      ok: boolean;
    };
    expect(ack.ok).toBe(true);
    expect(liveMine.ended()).toBe(false);
  }, 60_000);

  it('an admin’s password reset ends every socket of the user', async () => {
    const [one, two] = [await signIn(SECOND), await signIn(SECOND)];
    const [liveOne, liveTwo] = [await live(one.access_token), await live(two.access_token)];
    await requestAs(t.url, () => admin)
      .post(`/api/users/${userId}/password`, { password: THIRD })
      .expect(204);
    await disconnected(liveOne);
    await disconnected(liveTwo);
    // And the old tokens no longer open one.
    await expect(connectLive(t.url, one.access_token)).rejects.toThrow('unauthorized');
  }, 60_000);
});
