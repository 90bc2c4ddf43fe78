import request from 'supertest';
import type { Socket } from 'socket.io-client';
import { ManualClock } from '@circulator/domain';
import { LiveGateway } from '@circulator/realtime';
import {
  ADMIN_PASSWORD,
  connectLive,
  requestAs,
  startTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/platform';

const PASSWORD = 'token-refresh-e2e-password';
const MINUTE = 60_000;

interface SignIn {
  access_token: string;
  refresh_token: string;
}

/**
 * `auth {token}` on `/live`: a screen that refreshed its access token hands the new one to its
 * connection, which then outlives the token it connected with (the gateway checks every socket
 * again on a timer; here that check is run by hand, with the platform's clock moved on).
 */
describe('handing a refreshed token to a live connection', () => {
  const clock = new ManualClock(new Date('2026-11-23T07:00:00Z'));
  let t: TestPlatform;
  let gateway: LiveGateway;
  const sockets: Socket[] = [];

  const signIn = async (username: string): Promise<SignIn> =>
    (await request(t.url).post('/api/auth/token').send({ username, password: PASSWORD }).expect(200)).body as SignIn;
  const auth = (socket: Socket, token: string) =>
    socket.timeout(10_000).emitWithAck('auth', { token }) as Promise<{ ok: boolean; error?: string }>;
  const open = async (token: string) => {
    const socket = await connectLive(t.url, token);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    t = await startTestPlatform({ clock });
    gateway = t.platform.app.get(LiveGateway);
    const admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    for (const username of ['dana', 'eli']) {
      await requestAs(t.url, () => admin)
        .post('/api/users', { username, password: PASSWORD, displayName: username, roles: ['nurse'] })
        .expect(201);
    }
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await t?.stop();
  });

  it('keeps a connection that was handed its refreshed token, and drops one that was not', async () => {
    const [handed, stale] = [await signIn('dana'), await signIn('dana')];
    const [kept, dropped] = [await open(handed.access_token), await open(stale.access_token)];

    clock.advance(14 * MINUTE);
    const refreshed = (
      await request(t.url).post('/api/auth/refresh').send({ refresh_token: handed.refresh_token }).expect(200)
    ).body as SignIn;
    expect(await auth(kept, refreshed.access_token)).toEqual({ ok: true });

    // Both first tokens have expired; only the socket that was handed a new one stays.
    clock.advance(2 * MINUTE);
    const gone = new Promise<string>((resolve) => dropped.once('disconnect', resolve));
    expect(await gateway.revalidate()).toBe(1);
    expect(await gone).toBe('io server disconnect');
    expect(kept.connected).toBe(true);
    const ack = (await kept.timeout(10_000).emitWithAck('subscribe', { topic: 'board:2026-11-23' })) as {
      ok: boolean;
    };
    expect(ack.ok).toBe(true);
  }, 60_000);

  it("refuses another user's token, another sign-in's and a bad one, and keeps the connection as it was", async () => {
    const mine = await signIn('dana');
    const [otherSignIn, otherUser] = [await signIn('dana'), await signIn('eli')];
    const socket = await open(mine.access_token);
    expect(await auth(socket, otherUser.access_token)).toEqual({ ok: false, error: 'unauthorized' });
    expect(await auth(socket, otherSignIn.access_token)).toEqual({ ok: false, error: 'unauthorized' });
    expect(await auth(socket, 'not-a-token')).toEqual({ ok: false, error: 'unauthorized' });
    expect(await auth(socket, mine.access_token)).toEqual({ ok: true });
    expect(socket.connected).toBe(true);
  }, 60_000);
});
