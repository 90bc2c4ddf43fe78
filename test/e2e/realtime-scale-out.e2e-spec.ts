import { Redis } from 'ioredis';
import request from 'supertest';
import { io, type Socket } from 'socket.io-client';
import { requestAs } from '../support/platform';
import { updateFit, type CaseView, type SubscribeAck, type UpdateEvent } from '@circulator/contracts';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import {
  createTestDatabase,
  dropRedisPrefix,
  TEST_REDIS_URL,
  uniqueName,
  waitFor,
  type TestDatabase,
} from '../support/services';

const PASSWORD = 'scale-out-admin-password';
const DATE = '2026-12-01';
const TOPIC = `board:${DATE}`;

/** HL7 TS (facility-local) `seconds` after 2026-11-20 12:00:00: later messages are newer facts. */
function sentAt(seconds: number): string {
  const d = new Date(Date.UTC(2026, 10, 20, 12, 0, 0) + seconds * 1000);
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** When case `n` starts once moved by `shift` minutes (UTC ms). */
function startOf(n: number, shift: number): number {
  return Date.UTC(2026, 11, 1, 7, 0) + (n * 45 + shift) * 60_000;
}

/** The last move sent for each case: what the server must end up showing. */
const lastShift = new Map<number, number>();

/** Case `n`'s booking, moved by `shift` minutes: each call with a new `seq` is a newer fact. */
function booking(n: number, seq: number, shift: number, trigger: 'S12' | 'S13'): string {
  lastShift.set(n, shift);
  const start = new Date(startOf(n, shift));
  return siu({
    trigger,
    controlId: `SO-${seq}`,
    sent: sentAt(seq),
    placerId: `PL-SO-${n}`,
    fillerId: `FL-SO-${n}`,
    start: start.toISOString().replace(/[-:T]/g, '').slice(0, 14),
    minutes: 40,
    room: `OR${(n % 4) + 1}`,
    mrn: `MRN-SO-${n}`,
    family: `Family${n}`,
    given: 'Pat',
  });
}

/**
 * A board as a careful client keeps it (CONTRACT §7): a snapshot on subscribe, then updates
 * that follow on from its version (`updateFit`); a gap means subscribing again. It records every
 * update it applied, to compare what clients on different gateways saw.
 */
class BoardClient {
  readonly socket: Socket;
  version = -1;
  cases = new Map<string, CaseView>();
  applied: UpdateEvent[] = [];
  connects = 0;
  recovered = 0;
  /** Recovered on the other gateway than the one it dropped from. */
  recoveredElsewhere = 0;
  gaps = 0;
  errors: string[] = [];
  private syncing = false;
  private switched = false;
  private buffer: UpdateEvent[] = [];

  constructor(url: string, token: string) {
    this.socket = io(`${url}/live`, {
      auth: { token },
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 5,
      reconnectionDelayMax: 20,
      randomizationFactor: 0,
    });
    this.socket.on('connect', () => {
      this.connects += 1;
      // A recovered connection keeps its subscription, unless one was still being answered when
      // the connection dropped (that ack never comes): then subscribe again.
      if (this.socket.recovered && this.version >= 0 && !this.syncing) {
        this.recovered += 1;
        if (this.switched) this.recoveredElsewhere += 1;
      } else void this.subscribe();
      this.switched = false;
    });
    this.socket.on('update', (u: UpdateEvent) => this.onUpdate(u));
  }

  async subscribe(): Promise<void> {
    this.syncing = true;
    const ack = await new Promise<SubscribeAck>((resolve) => this.socket.emit('subscribe', { topic: TOPIC }, resolve));
    if (!ack.ok) {
      this.errors.push(ack.error);
      return;
    }
    this.cases = new Map((ack.snapshot as { cases: CaseView[] }).cases.map((c) => [c.id, c]));
    this.version = ack.version;
    this.syncing = false;
    // Updates that came while the subscribe was answered: those newer than the snapshot apply.
    const buffered = this.buffer.splice(0);
    for (const u of buffered) this.onUpdate(u);
  }

  private onUpdate(u: UpdateEvent): void {
    if (u.topic !== TOPIC) return;
    if (this.syncing || this.version < 0) {
      this.buffer.push(u);
      return;
    }
    switch (updateFit(this.version, u)) {
      case 'stale':
        return;
      case 'gap':
        this.gaps += 1;
        void this.subscribe();
        return;
      case 'apply':
        for (const c of u.cases ?? []) {
          const had = this.cases.get(c.id);
          if (!had || had.version < c.version) this.cases.set(c.id, c);
        }
        for (const id of u.removed ?? []) this.cases.delete(id);
        this.version = u.version;
        this.applied.push(u);
    }
  }

  /** Connected with its board in hand: no subscribe (snapshot) is still being answered. */
  get settled(): boolean {
    return this.socket.connected && !this.syncing && this.version >= 0;
  }

  /** What the client shows: case id → case version. */
  shown(): Record<string, number> {
    const entries: [string, number][] = [...this.cases.values()].map((c) => [c.id, c.version]);
    return Object.fromEntries(entries.sort());
  }

  /** Drops the connection as a network fault would; socket.io reconnects to the same gateway. */
  drop(): void {
    (this.socket.io as unknown as { engine: { close(): void } }).engine.close();
  }

  /** Drops the connection and comes back on another gateway (see {@link moveSocket}). */
  async moveTo(url: string, sessionKey: (pid: string) => string, redis: Redis): Promise<void> {
    this.switched = true;
    await moveSocket(this.socket, url, sessionKey, redis);
  }
}

/**
 * Drops a socket's connection and brings it back on another gateway once the old one has kept
 * the session (as in a rolling restart, where a gateway shutting down keeps every session).
 */
async function moveSocket(
  socket: Socket,
  url: string,
  sessionKey: (pid: string) => string,
  redis: Redis,
): Promise<void> {
  const pid = (socket as unknown as { _pid?: string })._pid;
  socket.io.reconnection(false);
  (socket.io as unknown as { uri: string }).uri = `${url}/live`;
  (socket.io as unknown as { engine: { close(): void } }).engine.close();
  if (pid) {
    await waitFor(async () => (await redis.exists(sessionKey(pid))) === 1, {
      what: 'the old gateway to keep the session',
    });
  }
  socket.io.reconnection(true);
  socket.connect();
}

/** A `/live` socket that reconnects (and recovers) by itself; resolves once connected. */
async function liveSocket(url: string, token: string): Promise<Socket> {
  const socket = io(`${url}/live`, { auth: { token }, transports: ['websocket'], forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

function subscribe(socket: Socket, topic: string): Promise<SubscribeAck> {
  return new Promise((resolve) => socket.emit('subscribe', { topic }, resolve));
}

describe('realtime scale-out: two gateway processes and one worker on one Redis', () => {
  let db: TestDatabase;
  const prefix = uniqueName('scale');
  let worker: ServerProcess;
  let gateways: ServerProcess[] = [];
  let token: string;
  let mllp: MllpClient;
  let seq = 0;

  async function send(message: string): Promise<void> {
    const ack: string = await mllp.send(message);
    expect(ack).toMatch(/MSA\|AA\|/);
  }

  /**
   * The board as the server has it once every message sent has been applied (an AA means
   * stored, not yet applied): its version and what it shows.
   */
  async function serverBoard(url: string): Promise<{ version: number; shown: Record<string, number> }> {
    await waitFor(
      async () => {
        const res = await request(url).get(`/api/cases?date=${DATE}`).set('Authorization', `Bearer ${token}`);
        const cases = res.body as CaseView[];
        return (
          cases.length === lastShift.size &&
          cases.every((c) => {
            const n = Number(c.identifiers.placerAppointmentId?.slice('PL-SO-'.length));
            // The HL7 times are facility-local (Europe/Paris, UTC+1 in December).
            return Date.parse(c.scheduledStart) === startOf(n, lastShift.get(n) ?? NaN) - 3_600_000;
          })
        );
      },
      { timeoutMs: 20_000, intervalMs: 50, what: 'every message applied' },
    );
    const probe = new BoardClient(url, token);
    try {
      await waitFor(() => probe.version >= 0 || undefined, { timeoutMs: 5_000, what: 'a probe snapshot' });
      return { version: probe.version, shown: probe.shown() };
    } finally {
      probe.socket.close();
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      DATABASE_URL: db.url,
      REDIS_PREFIX: prefix,
      ADMIN_PASSWORD: PASSWORD,
      FACILITY_TZ: 'Europe/Paris',
      PREDICTIONS: 'off',
      RULE_TICK: 'off',
    };
    // The worker first: it runs the migrations the gateways then find done.
    worker = await startServerProcess({ ...env, ROLES: 'ingest,worker' });
    gateways = await Promise.all([
      startServerProcess({ ...env, ROLES: 'gateway' }),
      startServerProcess({ ...env, ROLES: 'gateway' }),
    ]);
    const res = await request(gateways[0]!.url)
      .post('/api/auth/token')
      .send({ username: 'admin', password: PASSWORD })
      .expect(200);
    token = (res.body as { access_token: string }).access_token;
    mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', worker.ports.mllpPort!);
    for (let n = 0; n < 12; n += 1) await send(booking(n, ++seq, 0, 'S12'));
  }, 120_000);

  afterAll(async () => {
    await mllp?.close();
    await Promise.all([...gateways, worker].filter(Boolean).map((p) => p.stop()));
    await db?.drop();
    await dropRedisPrefix(prefix);
  });

  it('shows clients on either gateway the same updates in the same order', async () => {
    const [g1, g2] = gateways as [ServerProcess, ServerProcess];
    const a = new BoardClient(g1.url, token);
    const b = new BoardClient(g2.url, token);
    try {
      await waitFor(() => (a.version >= 0 && b.version >= 0) || undefined, { what: 'both snapshots' });
      const start = Math.max(a.version, b.version);
      for (let i = 0; i < 60; i += 1) await send(booking(i % 12, ++seq, (i + 1) * 5, 'S13'));
      const server = await serverBoard(g1.url);
      expect(server.version).toBeGreaterThanOrEqual(start + 60);
      await waitFor(() => (a.version === server.version && b.version === server.version) || undefined, {
        timeoutMs: 15_000,
        what: 'both clients at the server version',
      });
      // Every version after the snapshot was covered exactly once, in order, on both gateways;
      // a gateway may fold several versions into one update (`from`), never skip or repeat one.
      const covered = (c: BoardClient): number[] =>
        c.applied.flatMap((u) =>
          Array.from({ length: u.version - (u.from ?? u.version) + 1 }, (_, k) => (u.from ?? u.version) + k),
        );
      const after = (c: BoardClient): number[] => covered(c).filter((v) => v > start);
      const expected = Array.from({ length: server.version - start }, (_, k) => start + 1 + k);
      expect(after(a)).toEqual(expected);
      expect(after(b)).toEqual(expected);
      // The same case states in the same order, and the same board as the server's.
      const states = (c: BoardClient): string[] =>
        c.applied.filter((u) => u.version > start).flatMap((u) => (u.cases ?? []).map((x) => `${x.id}@${x.version}`));
      const order = (list: string[]): string[] => list.filter((s, i) => list.indexOf(s) === i);
      expect(order(states(a)).filter((s) => states(b).includes(s))).toEqual(
        order(states(b)).filter((s) => states(a).includes(s)),
      );
      expect(a.shown()).toEqual(server.shown);
      expect(b.shown()).toEqual(server.shown);
      expect(a.gaps + b.gaps).toBe(0);
    } finally {
      a.socket.close();
      b.socket.close();
    }
  }, 60_000);

  it('after 1,000 forced disconnects, across gateways and while updates flow, every client shows what the server has', async () => {
    const [g1, g2] = gateways as [ServerProcess, ServerProcess];
    const clients = Array.from({ length: 20 }, (_, i) => new BoardClient(i % 2 ? g2.url : g1.url, token));
    try {
      await waitFor(() => clients.every((c) => c.version >= 0) || undefined, {
        timeoutMs: 10_000,
        what: 'every client subscribed',
      });
      const redis = new Redis(TEST_REDIS_URL);
      const sessionKey = (pid: string): string => `${prefix}:live-session:${pid}`;
      let drops = 0;
      let moves = 0;
      for (let round = 0; round < 50; round += 1) {
        const connectsBefore = clients.map((c) => c.connects);
        // Every client drops: even rounds back to the same gateway as soon as it can, odd rounds
        // to the other gateway (client i is on gateway i % 2 after even rounds).
        if (round % 2 === 0) clients.forEach((c) => c.drop());
        else {
          await Promise.all(clients.map((c, i) => c.moveTo(i % 2 ? g1.url : g2.url, sessionKey, redis)));
          moves += clients.length;
        }
        drops += clients.length;
        // Updates made while they are away…
        await send(booking(round % 12, ++seq, 300 + round, 'S13'));
        // …and every client back with its board before the next drop: a client dropped while its
        // subscribe is still answered can only subscribe again, whatever the gateway kept (on a
        // busy machine, with the other test files running beside this one, that was 20 % of them).
        await waitFor(() => clients.every((c, i) => c.connects > connectsBefore[i]! && c.settled) || undefined, {
          timeoutMs: 10_000,
          what: `every client back after round ${round}`,
        });
      }
      expect(drops).toBe(1_000);
      redis.disconnect();
      const server = await serverBoard(g2.url);
      await waitFor(() => clients.every((c) => c.version === server.version) || undefined, {
        timeoutMs: 15_000,
        what: 'every client at the server version',
      });
      for (const c of clients) expect(c.shown()).toEqual(server.shown);
      // Most came back by connection-state recovery (no snapshot), also on the other gateway.
      // Not all: a reconnect that reaches a gateway before it has seen the old connection close
      // finds no session yet (socket.io keeps it at close) and takes a snapshot instead.
      expect(clients.reduce((n, c) => n + c.recovered, 0)).toBeGreaterThan(drops / 2);
      expect(clients.reduce((n, c) => n + c.recoveredElsewhere, 0)).toBeGreaterThan(moves * 0.9);
      expect(clients.flatMap((c) => c.errors)).toEqual([]);
    } finally {
      for (const c of clients) c.socket.close();
    }
  }, 120_000);
  it('keeps a display to its own room after a recovered connection on the other gateway, and revocation on one gateway cuts it off on the other at once', async () => {
    const [g1, g2] = gateways as [ServerProcess, ServerProcess];
    const admin = requestAs(g1.url, () => token);
    const rooms = (await admin.get('/api/rooms').expect(200)).body as { id: string }[];
    const [own, other] = rooms.map((r) => r.id).sort() as [string, string];
    const created = (await admin.post('/api/displays', { roomId: own }).expect(201)).body as {
      id: string;
      token: string;
    };
    const display = await liveSocket(g2.url, created.token);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect(await subscribe(display, `room:${own}`)).toMatchObject({ ok: true });
      expect(await subscribe(display, `room:${other}`)).toEqual({ ok: false, error: 'forbidden' });
      const back = new Promise<void>((resolve) => display.once('connect', () => resolve()));
      await moveSocket(display, g1.url, (pid) => `${prefix}:live-session:${pid}`, redis);
      await back;
      expect(display.recovered).toBe(true);
      expect(await subscribe(display, `room:${other}`)).toEqual({ ok: false, error: 'forbidden' });
      expect(await subscribe(display, TOPIC)).toEqual({ ok: false, error: 'forbidden' });

      const gone = new Promise<string>((resolve) => display.once('disconnect', resolve));
      await requestAs(g2.url, () => token)
        .delete(`/api/displays/${created.id}`)
        .expect(204);
      // At once: well before the gateways' 15-second re-check of every token.
      const reason = await Promise.race([
        gone,
        new Promise<string>((resolve) => setTimeout(() => resolve('still connected'), 5_000)),
      ]);
      expect(reason).toBe('io server disconnect');
      display.io.reconnection(false);
      const refused = await new Promise<string>((resolve) => {
        display.once('connect_error', (err) => resolve(err.message));
        display.connect();
      });
      expect(refused).toBe('unauthorized');
    } finally {
      display.close();
      redis.disconnect();
    }
  }, 60_000);

  it('gives a remote consultant the one case it was granted, and nothing else', async () => {
    const [g1, g2] = gateways as [ServerProcess, ServerProcess];
    const admin = requestAs(g1.url, () => token);
    await admin
      .post('/api/users', {
        username: 'surgeon-scale',
        password: 'violet-scalpel-river-9',
        displayName: 'Dr Scale',
        roles: ['surgeon'],
      })
      .expect(201);
    const surgeon = (
      (
        await request(g1.url)
          .post('/api/auth/token')
          .send({ username: 'surgeon-scale', password: 'violet-scalpel-river-9' })
          .expect(200)
      ).body as { access_token: string }
    ).access_token;
    const cases = (await admin.get(`/api/cases?date=${DATE}`).expect(200)).body as CaseView[];
    const [granted, otherCase] = cases as [CaseView, CaseView];
    const grant = (
      await requestAs(g1.url, () => surgeon)
        .post(`/api/cases/${granted.id}/consultations`, { consultant: 'Dr Remote', minutes: 30 })
        .expect(201)
    ).body as { token: string };
    const consultant = await liveSocket(g2.url, grant.token);
    try {
      expect(await subscribe(consultant, `case:${granted.id}`)).toMatchObject({
        ok: true,
        snapshot: { case: { id: granted.id } },
      });
      expect(await subscribe(consultant, `case:${otherCase.id}`)).toEqual({ ok: false, error: 'forbidden' });
      expect(await subscribe(consultant, TOPIC)).toEqual({ ok: false, error: 'forbidden' });
    } finally {
      consultant.close();
    }
  }, 30_000);
});
