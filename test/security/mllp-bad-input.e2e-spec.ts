import { connect, type Socket } from 'node:net';
import { Client } from 'pg';
import request from 'supertest';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

const VT = 0x0b;
const END = Buffer.from([0x1c, 0x0d]);
const frame = (payload: Buffer | string): Buffer =>
  Buffer.concat([Buffer.of(VT), Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'latin1'), END]);

/** A raw TCP peer of the MLLP port that keeps everything it receives and notices the close. */
class RawPeer {
  readonly socket: Socket;
  received = Buffer.alloc(0);
  closed = false;
  readonly ready: Promise<void>;
  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (c: Buffer) => (this.received = Buffer.concat([this.received, c])));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => (this.closed = true));
  }
  /** The ACKs received so far, unframed. */
  acks(): string[] {
    return this.received
      .toString('latin1')
      .split('\x1c\r')
      .filter((a) => a.includes('MSA|'))
      .map((a) => (a.charCodeAt(0) === VT ? a.slice(1) : a));
  }
  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }
  destroy(): void {
    this.socket.destroy();
  }
}

const msaOf = (ack: string): string | undefined =>
  ack
    .split('\r')
    .find((s) => s.startsWith('MSA|'))
    ?.split('|')[1];
const errTextOf = (ack: string): string =>
  ack
    .split('\r')
    .find((s) => s.startsWith('ERR|'))
    ?.split('|')
    .slice(3)
    .join('|') ?? '';

/**
 * Issue 10, bad-input catalogue (MLLP): each gets a bounded, clear refusal, the platform stays
 * healthy, and an ordinary sender on another connection keeps getting AA meanwhile.
 */
describe('MLLP bad input', () => {
  let t: TestPlatform;
  let db: Client;
  let good: MllpClient;
  let n = 0;
  const normal = (): string => {
    n += 1;
    return siu({
      trigger: 'S12',
      controlId: `BAD-OK-${n}`,
      placerId: `PL-BAD-${n}`,
      fillerId: `FL-BAD-${n}`,
      start: '20261123083000',
      minutes: 60,
      room: 'OR1',
      mrn: `MRN-BAD-${n}`,
      family: 'Steady',
      given: `Sender${n}`,
    });
  };
  /** The ordinary sender still gets AA for a normal message (correctness, not time). */
  const stillAccepted = async (): Promise<void> => {
    expect(msaOf(await good.send(normal()))).toBe('AA');
  };

  beforeAll(async () => {
    t = await startTestPlatform({
      env: {
        MLLP_FRAME_TIMEOUT_SECONDS: '2',
        MLLP_MAX_CONNECTIONS_PER_ADDRESS: '6',
      },
    });
    db = new Client({ connectionString: t.database!.url });
    await db.connect();
    good = new MllpClient({ ackTimeoutMs: 20_000 });
    await good.connect('127.0.0.1', t.platform.mllpPort!);
  }, 120_000);
  afterEach(async () => {
    await stillAccepted();
    await request(t.url).get('/health/ready').expect(200);
  });
  afterAll(async () => {
    await good?.close();
    await db?.end();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('refuses a frame over 1 MiB with AR naming the limit, keeps its head, and goes on on the same connection', async () => {
    const peer = new RawPeer(t.platform.mllpPort!);
    await peer.ready;
    const big = normal().replace('BAD-OK-', 'BAD-BIG-') + `\rNTE|1||${'x'.repeat(1024 * 1024 + 10)}`;
    await peer.write(frame(big));
    await waitFor(() => peer.acks().length === 1, { timeoutMs: 20_000, what: 'the refusal' });
    const [ack = ''] = peer.acks();
    expect(msaOf(ack)).toBe('AR');
    expect(errTextOf(ack)).toMatch(/message larger than 1048576 bytes refused/);
    expect(ack).toMatch(/MSA\|AR\|BAD-BIG-/);
    const kept = await db.query<{ status: string; error: string; size: number }>(
      `SELECT status, error, octet_length(raw) AS size FROM inbox WHERE control_id LIKE 'BAD-BIG-%'`,
    );
    expect(kept.rows).toEqual([{ status: 'rejected', error: expect.stringMatching(/larger than/), size: 4096 }]);
    // The same connection is still usable.
    await peer.write(frame(normal()));
    await waitFor(() => peer.acks().length === 2, { timeoutMs: 20_000, what: 'the next ACK' });
    expect(msaOf(peer.acks()[1] ?? '')).toBe('AA');
    peer.destroy();
  });

  it('closes a connection whose frame never ends (MLLP_FRAME_TIMEOUT_SECONDS)', async () => {
    const peer = new RawPeer(t.platform.mllpPort!);
    await peer.ready;
    await peer.write(Buffer.concat([Buffer.of(VT), Buffer.from(normal().slice(0, 200), 'latin1')]));
    await stillAccepted();
    await waitFor(() => peer.closed, { timeoutMs: 20_000, what: 'the server to close the connection' });
    expect(peer.acks()).toEqual([]);
  });

  it('closes a byte-a-moment sender (slowloris) before its frame completes', async () => {
    const peer = new RawPeer(t.platform.mllpPort!);
    await peer.ready;
    const bytes = frame(normal());
    let sent = 0;
    // The attacker's pace: one byte every 100 ms, far slower than the frame timeout allows.
    const dribble = setInterval(() => {
      if (peer.closed || sent >= bytes.length) return;
      peer.socket.write(bytes.subarray(sent, sent + 1));
      sent += 1;
    }, 100);
    try {
      await stillAccepted();
      await waitFor(() => peer.closed, { timeoutMs: 30_000, what: 'the server to close the slow connection' });
    } finally {
      clearInterval(dribble);
    }
    expect(sent).toBeLessThan(bytes.length);
    expect(peer.acks()).toEqual([]);
  });

  it('answers framed non-HL7 bytes with AR, and ignores unframed ones', async () => {
    const peer = new RawPeer(t.platform.mllpPort!);
    await peer.ready;
    await peer.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'));
    await peer.write(frame(Buffer.from('\x00\x01\x02 not hl7 at all \xff\xfe', 'latin1')));
    await waitFor(() => peer.acks().length === 1, { timeoutMs: 20_000, what: 'the refusal' });
    expect(msaOf(peer.acks()[0] ?? '')).toBe('AR');
    expect(peer.closed).toBe(false);
    peer.destroy();
  });

  it('stores a message with invalid UTF-8 byte for byte and answers it', async () => {
    const message = Buffer.from(normal().replace('Steady', 'St\u00ffe\u00c3\u0028dy'), 'latin1');
    const peer = new RawPeer(t.platform.mllpPort!);
    await peer.ready;
    await peer.write(frame(message));
    await waitFor(() => peer.acks().length === 1, { timeoutMs: 20_000, what: 'the ACK' });
    expect(['AA', 'AE']).toContain(msaOf(peer.acks()[0] ?? ''));
    const { rows } = await db.query<{ raw: Buffer }>(`SELECT raw FROM inbox WHERE control_id = $1`, [`BAD-OK-${n}`]);
    expect(rows[0]?.raw.equals(message)).toBe(true);
    peer.destroy();
  });

  it('shrugs off a port scan (connect and close, no data) and caps connections per address', async () => {
    for (let i = 0; i < 50; i++) {
      const peer = new RawPeer(t.platform.mllpPort!);
      await peer.ready;
      peer.destroy();
    }
    // Six per address (this test's setting): the good sender holds one, five more fit, the next is closed.
    const held: RawPeer[] = [];
    for (let i = 0; i < 5; i++) {
      const peer = new RawPeer(t.platform.mllpPort!);
      await peer.ready;
      held.push(peer);
    }
    const extra = new RawPeer(t.platform.mllpPort!);
    await extra.ready.catch(() => undefined);
    await waitFor(() => extra.closed, { timeoutMs: 10_000, what: 'the connection over the per-address limit closed' });
    for (const peer of held) peer.destroy();
    await waitFor(() => held.every((p) => p.closed), { what: 'held connections closed' });
  });
});
