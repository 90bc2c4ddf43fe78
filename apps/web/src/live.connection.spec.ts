import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Namespace, type Socket } from 'socket.io';
import type { CaseView, VitalsEvent } from '@circulator/contracts';
import { LiveConnection, type TopicView } from './live.connection';
import { readBoardSnapshot, readRoomSnapshot, type RoomExtra } from './live.payload';
import { aCase } from './test.fixtures';
import { topicCases } from './topic.state';

/**
 * The connection against a real socket.io server in this process (listen(0)): subscribe, ack,
 * updates, gaps, several topics on one socket, vitals events, refusals and a refused token, as
 * CONTRACT §7 describes them.
 */
const board = 'board:2026-11-21';
const room = 'room:or1';

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

describe('LiveConnection', () => {
  let http: HttpServer;
  let io: Server;
  let live: Namespace;
  let origin: string;
  let subscriptions: Subscription[];
  let unsubscribed: string[];
  let handshakeTokens: string[];
  let handedTokens: string[];
  let connection: LiveConnection | undefined;

  beforeEach(async () => {
    subscriptions = [];
    unsubscribed = [];
    handshakeTokens = [];
    handedTokens = [];
    http = createServer();
    io = new Server(http);
    live = io.of('/live');
    live.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: unknown };
      handshakeTokens.push(String(auth.token));
      next(typeof auth.token === 'string' && auth.token.startsWith('good') ? undefined : new Error('unauthorized'));
    });
    live.on('connection', (socket) => {
      socket.on('subscribe', (request: { topic: string }, ack: (response: unknown) => void) => {
        subscriptions.push({ socket, topic: request.topic, ack });
      });
      socket.on('unsubscribe', (request: { topic: string }) => unsubscribed.push(request.topic));
      socket.on('auth', (request: { token: string }, ack: (response: unknown) => void) => {
        handedTokens.push(request.token);
        ack({ ok: true });
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    connection?.stop();
    connection = undefined;
    await io.close();
  });

  /** A connection (not connected yet: `start` connects it). */
  function create(token: () => string = () => 'good'): { unauthorized: () => boolean } {
    let unauthorized = false;
    connection = new LiveConnection(
      token,
      {
        onUnauthorized: () => {
          unauthorized = true;
        },
      },
      { origin, now: () => 1_000 },
    );
    return { unauthorized: () => unauthorized };
  }

  function start(token?: () => string): { unauthorized: () => boolean } {
    const created = connection === undefined ? create(token) : { unauthorized: () => false };
    conn().start();
    return created;
  }

  const conn = (): LiveConnection => connection as LiveConnection;
  const watchBoard = (topic = board) => {
    const changes = { count: 0 };
    const stop = conn().watch(topic, readBoardSnapshot, () => (changes.count += 1));
    return { changes, stop, view: (): TopicView | undefined => conn().view(topic) };
  };
  const snapshot = (topic: string, version: number, cases: CaseView[]) => ({
    ok: true,
    topic,
    version,
    snapshot: { cases },
  });

  it('hands a refreshed token to the open connection, and nothing while it is down', async () => {
    create();
    conn().reauthenticate('good-but-early');
    start();
    const watched = watchBoard();
    await until(() => subscriptions.length === 1, 'the subscribe');
    conn().reauthenticate('good-refreshed');
    await until(() => handedTokens.length === 1, 'the token handed over');
    expect(handedTokens).toEqual(['good-refreshed']);
    watched.stop();
  });

  it('subscribes on connect, shows the snapshot, applies updates and re-subscribes on a gap', async () => {
    create();
    const watched = watchBoard();
    start();
    await until(() => subscriptions.length === 1, 'the subscribe');
    const first = subscriptions[0] as Subscription;
    expect(first.topic).toBe(board);
    // An update that overtakes the ack is buffered, then applied on top of the snapshot.
    first.socket.emit('update', {
      topic: board,
      version: 6,
      cases: [aCase({ id: 'c1', version: 2, status: 'pre-op' })],
    });
    first.ack(snapshot(board, 5, [aCase({ id: 'c1' }), aCase({ id: 'c2' })]));
    await until(() => watched.view()?.state.version === 6, 'version 6');
    expect(conn().connectionState().kind).toBe('connected');
    expect(watched.view()?.state.syncing).toBe(false);
    expect(watched.view()?.state.snapshotAt).toBe(1_000);
    expect(watched.view()?.state.cases.get('c1')?.status).toBe('pre-op');

    first.socket.emit('update', { topic: board, version: 7, removed: ['c2'] });
    await until(() => watched.view()?.state.version === 7, 'version 7');
    expect(topicCases(watched.view()!.state).map((c) => c.id)).toEqual(['c1']);
    expect(watched.view()?.receivedAt).toEqual(expect.any(Number));

    first.socket.emit('update', { topic: board, version: 9, removed: ['c1'] });
    await until(() => subscriptions.length === 2, 'the re-subscribe after a gap');
    (subscriptions[1] as Subscription).ack(snapshot(board, 9, [aCase({ id: 'c3' })]));
    await until(() => watched.view()?.state.version === 9, 'version 9');
    expect(topicCases(watched.view()!.state).map((c) => c.id)).toEqual(['c3']);
  });

  it('keeps several topics on one socket, each with its own snapshot, and unsubscribes the last watcher', async () => {
    start();
    await until(() => conn().connectionState().kind === 'connected', 'the connection');
    const boardWatch = watchBoard();
    const extras: (RoomExtra | undefined)[] = [];
    const stopRoom = conn().watch(room, readRoomSnapshot, () => extras.push(conn().view<RoomExtra>(room)?.state.extra));
    await until(() => subscriptions.length === 2, 'both subscribes');
    expect(subscriptions.map((s) => s.topic).sort()).toEqual([board, room]);
    const roomSub = subscriptions.find((s) => s.topic === room) as Subscription;
    roomSub.ack({
      ok: true,
      topic: room,
      version: 3,
      snapshot: {
        room: { id: 'or1', name: 'OR 1', locations: ['OR1'] },
        cases: [aCase({ id: 'c1' })],
        environment: { at: '2026-11-21T08:00:00Z', temperatureC: 19.5 },
        devices: [{ id: 'mon-1', type: 'monitor', connectivity: 'online', lifecycle: 'active' }],
      },
    });
    await until(() => conn().view(room)?.state.version === 3, 'the room snapshot');
    expect(conn().view<RoomExtra>(room)?.state.extra).toMatchObject({
      room: { name: 'OR 1' },
      environment: { temperatureC: 19.5 },
      devices: [{ id: 'mon-1' }],
    });
    // An update of the room leaves the board alone.
    roomSub.socket.emit('update', {
      topic: room,
      version: 4,
      cases: [aCase({ id: 'c1', version: 2, status: 'in-room' })],
    });
    await until(() => conn().view(room)?.state.version === 4, 'the room update');
    expect(boardWatch.view()?.state.version).toBeUndefined();
    // The room's extras stay as the snapshot gave them: updates carry cases only.
    expect(conn().view<RoomExtra>(room)?.state.extra?.devices).toHaveLength(1);

    // A second watcher of the board shares the subscription; only the last one to leave unsubscribes.
    const second = watchBoard();
    second.stop();
    expect(unsubscribed).toEqual([]);
    boardWatch.stop();
    stopRoom();
    await until(() => unsubscribed.length === 2, 'the unsubscribes');
    expect(unsubscribed.sort()).toEqual([board, room]);
    expect(conn().view(board)).toBeUndefined();
  });

  it('hands vitals events to the listeners of their topic', async () => {
    start();
    await until(() => conn().connectionState().kind === 'connected', 'the connection');
    const seen: VitalsEvent[] = [];
    const stop = conn().onVitals(room, (event) => seen.push(event));
    conn().onVitals('room:other', () => {
      throw new Error('another room');
    });
    const stopWatch = conn().watch(room, readRoomSnapshot, () => undefined);
    await until(() => subscriptions.length === 1, 'the subscribe');
    const socket = (subscriptions[0] as Subscription).socket;
    socket.emit('vitals', {
      topic: room,
      caseId: 'c1',
      roomId: 'or1',
      at: '2026-11-21T08:00:01Z',
      values: { hr: { value: 72, unit: '/min', at: '2026-11-21T08:00:01Z' }, bad: { value: 'x' } },
    });
    await until(() => seen.length === 1, 'the vitals event');
    expect(seen[0]).toEqual({
      topic: room,
      caseId: 'c1',
      roomId: 'or1',
      at: '2026-11-21T08:00:01Z',
      values: { hr: { value: 72, unit: '/min', at: '2026-11-21T08:00:01Z' } },
    });
    stop();
    stopWatch();
  });

  it('shows a refused subscribe', async () => {
    create();
    const watched = watchBoard();
    start();
    await until(() => subscriptions.length === 1, 'the subscribe');
    subscriptions[0]?.ack({ ok: false, error: 'forbidden' });
    await until(() => watched.view()?.error !== undefined, 'the error');
    expect(watched.view()?.error).toMatch(/forbidden/);
  });

  it('ends the session when the server refuses the token', async () => {
    const { unauthorized } = start(() => 'expired');
    await until(unauthorized, 'onUnauthorized');
  });

  it('reads the token at each connect, and subscribes again after the server drops it', async () => {
    let token = 'good-1';
    create(() => token);
    const watched = watchBoard();
    start();
    await until(() => subscriptions.length === 1, 'the subscribe');
    subscriptions[0]?.ack(snapshot(board, 1, []));
    await until(() => watched.view()?.state.version === 1, 'the snapshot');
    token = 'good-2';
    // The server checks tokens again and drops a socket whose token has expired.
    subscriptions[0]?.socket.disconnect(true);
    await until(() => subscriptions.length === 2, 'the subscribe after the reconnect');
    expect(handshakeTokens).toEqual(['good-1', 'good-2']);
    expect(watched.view()?.state.syncing).toBe(true);
  });
});
