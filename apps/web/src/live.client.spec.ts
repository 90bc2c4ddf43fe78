import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Namespace, type Socket } from 'socket.io';
import type { CaseView } from '@circulator/contracts';
import { boardCases } from './board.state';
import { LiveBoardClient, type LiveView } from './live.client';
import { aCase } from './test.fixtures';

/**
 * The client against a real socket.io server in this process (listen(0)): subscribe, ack,
 * updates, gaps and a refused token, as CONTRACT §7 describes them.
 */
const topic = 'board:2026-11-21';

async function until(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Subscription {
  socket: Socket;
  topic: string;
  ack: (response: unknown) => void;
}

describe('LiveBoardClient', () => {
  let http: HttpServer;
  let io: Server;
  let live: Namespace;
  let origin: string;
  let subscriptions: Subscription[];
  let client: LiveBoardClient | undefined;

  beforeEach(async () => {
    subscriptions = [];
    http = createServer();
    io = new Server(http);
    live = io.of('/live');
    live.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: unknown };
      next(auth.token === 'good' ? undefined : new Error('unauthorized'));
    });
    live.on('connection', (socket) => {
      socket.on('subscribe', (request: { topic: string }, ack: (response: unknown) => void) => {
        subscriptions.push({ socket, topic: request.topic, ack });
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    client?.stop();
    client = undefined;
    await io.close();
  });

  function start(token = 'good'): { views: LiveView[]; unauthorized: () => boolean } {
    const views: LiveView[] = [];
    let unauthorized = false;
    client = new LiveBoardClient(
      token,
      topic,
      {
        onChange: (view) => views.push(view),
        onUnauthorized: () => {
          unauthorized = true;
        },
      },
      { origin },
    );
    client.start();
    return { views, unauthorized: () => unauthorized };
  }

  const latest = (views: LiveView[]): LiveView => views.at(-1) as LiveView;
  const snapshot = (version: number, cases: CaseView[]) => ({ ok: true, topic, version, snapshot: { cases } });

  it('subscribes on connect, shows the snapshot, applies updates and re-subscribes on a gap', async () => {
    const { views } = start();
    await until(() => subscriptions.length === 1, 'the subscribe');
    const first = subscriptions[0] as Subscription;
    expect(first.topic).toBe(topic);
    // An update that overtakes the ack is buffered, then applied on top of the snapshot.
    first.socket.emit('update', { topic, version: 6, cases: [aCase({ id: 'c1', version: 2, status: 'pre-op' })] });
    first.ack(snapshot(5, [aCase({ id: 'c1' }), aCase({ id: 'c2' })]));
    await until(() => latest(views).board.version === 6, 'version 6');
    expect(latest(views).connection.kind).toBe('connected');
    expect(latest(views).board.syncing).toBe(false);
    expect(latest(views).board.cases.get('c1')?.status).toBe('pre-op');

    first.socket.emit('update', { topic, version: 7, removed: ['c2'] });
    await until(() => latest(views).board.version === 7, 'version 7');
    expect(boardCases(latest(views).board).map((c) => c.id)).toEqual(['c1']);

    first.socket.emit('update', { topic, version: 9, removed: ['c1'] });
    await until(() => subscriptions.length === 2, 'the re-subscribe after a gap');
    (subscriptions[1] as Subscription).ack(snapshot(9, [aCase({ id: 'c3' })]));
    await until(() => latest(views).board.version === 9, 'version 9');
    expect(boardCases(latest(views).board).map((c) => c.id)).toEqual(['c3']);
  });

  it('switches topic when the day changes', async () => {
    const { views } = start();
    await until(() => subscriptions.length === 1, 'the subscribe');
    client?.setTopic('board:2026-11-22');
    await until(() => subscriptions.length === 2, 'the new subscribe');
    expect(subscriptions[1]?.topic).toBe('board:2026-11-22');
    // The late ack of the old day is ignored.
    subscriptions[0]?.ack(snapshot(3, [aCase({ id: 'old' })]));
    subscriptions[1]?.ack({ ok: true, topic: 'board:2026-11-22', version: 1, snapshot: { cases: [] } });
    await until(() => latest(views).board.version === 1, 'the new day');
    expect(latest(views).board.topic).toBe('board:2026-11-22');
    expect(boardCases(latest(views).board)).toEqual([]);
  });

  it('shows a refused subscribe', async () => {
    const { views } = start();
    await until(() => subscriptions.length === 1, 'the subscribe');
    subscriptions[0]?.ack({ ok: false, error: 'forbidden' });
    await until(() => latest(views).error !== undefined, 'the error');
    expect(latest(views).error).toMatch(/forbidden/);
  });

  it('ends the session when the server refuses the token', async () => {
    const { unauthorized } = start('expired');
    await until(unauthorized, 'onUnauthorized');
  });
});
