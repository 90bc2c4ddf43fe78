import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildAck } from './ack.builder';
import { MllpClient } from './mllp.client';
import { MllpDeframer } from './mllp.deframer';
import { frame } from './mllp.framing';
import { MllpListener, type MllpFrameHandler, type MllpListenerOptions, type MllpLogger } from './mllp.listener';
import { readMsh } from './msh.reader';

const message = (id: string, trigger = 'S12'): string =>
  `MSH|^~\\&|OR|HOSP|CIRC|HOSP|20240715073000||SIU^${trigger}^SIU_${trigger}|${id}|P|2.5.1\rSCH|${id}|F${id}`;

/** MSA-2 of an ACK: which message it answers. */
const acked = (ack: string): string => ack.split('\r')[1]?.split('|')[2] ?? '';

/** A handler that acknowledges with AA and records every frame it sees. */
function recordingHandler() {
  const seen: string[] = [];
  let active = 0;
  let maxActive = 0;
  const handler: MllpFrameHandler = async (payload) => {
    active++;
    maxActive = Math.max(maxActive, active);
    // Yield to the event loop so overlapping calls would show (no timer: never a sleep).
    await new Promise<void>((resolve) => setImmediate(resolve));
    const r = readMsh(payload);
    seen.push(r.ok ? r.header.controlId : '?');
    active--;
    if (!r.ok) return null;
    return buildAck(r.header, { code: 'accept' }, { now: new Date(), controlId: `A${seen.length}`, facilityTz: 'UTC' });
  };
  return { handler, seen, maxActive: () => maxActive };
}

function capturingLogger() {
  const lines: { level: string; message: string; context?: Record<string, unknown> }[] = [];
  const logger: MllpLogger = {
    info: (message, context) => lines.push({ level: 'info', message, context }),
    warn: (message, context) => lines.push({ level: 'warn', message, context }),
    error: (message, context) => lines.push({ level: 'error', message, context }),
  };
  return { logger, lines };
}

/** A raw TCP peer that collects deframed replies and lets a test await the next one. */
class RawPeer {
  readonly frames: string[] = [];
  private waiters: ((frame: string) => void)[] = [];
  private readonly deframer = new MllpDeframer();
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.deframer.push(chunk).frames) {
        const text = f.toString('utf8');
        const waiter = this.waiters.shift();
        if (waiter === undefined) this.frames.push(text);
        else waiter(text);
      }
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static open(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => resolve(new RawPeer(socket)));
    });
  }

  next(): Promise<string> {
    const ready = this.frames.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }
}

describe('MllpListener (real sockets)', () => {
  const listeners: MllpListener[] = [];
  const sockets: Socket[] = [];

  async function start(options: Partial<MllpListenerOptions> & Pick<MllpListenerOptions, 'handler'>) {
    const listener = new MllpListener({ host: '127.0.0.1', port: 0, logger: capturingLogger().logger, ...options });
    listeners.push(listener);
    const { port } = await listener.listen();
    return { listener, port };
  }

  async function peer(port: number): Promise<RawPeer> {
    const p = await RawPeer.open(port);
    sockets.push(p.socket);
    return p;
  }

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(listeners.splice(0).map((l) => l.close()));
  });

  it('handles several messages on one kept-open connection exactly once each, ACKs in order', async () => {
    const rec = recordingHandler();
    const { port, listener } = await start({ handler: rec.handler });
    expect(listener.isListening()).toBe(true);
    expect(listener.address()?.port).toBe(port);

    const client = new MllpClient({ ackTimeoutMs: 5_000 });
    await client.connect('127.0.0.1', port);
    const ids = Array.from({ length: 25 }, (_, i) => `M${i}`);
    const acks: string[] = [];
    for (const id of ids) acks.push(await client.send(message(id)));
    await client.close();

    expect(acks.map(acked)).toEqual(ids);
    expect(acks.every((a) => a.split('\r')[1]?.startsWith('MSA|AA|'))).toBe(true);
    expect(rec.seen).toEqual(ids);
  });

  it('handles pipelined frames (all written at once) one at a time, in order', async () => {
    const rec = recordingHandler();
    const { port } = await start({ handler: rec.handler });
    const p = await peer(port);
    const ids = Array.from({ length: 50 }, (_, i) => `P${i}`);
    await p.write(Buffer.concat(ids.map((id) => frame(message(id)))));
    const acks: string[] = [];
    for (let i = 0; i < ids.length; i++) acks.push(await p.next());
    expect(acks.map(acked)).toEqual(ids);
    expect(rec.seen).toEqual(ids);
    expect(rec.maxActive()).toBe(1);
  });

  it('reassembles a frame written one byte at a time', async () => {
    const rec = recordingHandler();
    const { port } = await start({ handler: rec.handler });
    const p = await peer(port);
    const bytes = frame(message('BYTEWISE'));
    for (let i = 0; i < bytes.length; i++) await p.write(bytes.subarray(i, i + 1));
    expect(acked(await p.next())).toBe('BYTEWISE');
    expect(rec.seen).toEqual(['BYTEWISE']);
  });

  it('serves two connections concurrently: a slow handler on one does not block the other', async () => {
    let releaseSlow: () => void = () => undefined;
    const slowGate = new Promise<void>((resolve) => (releaseSlow = resolve));
    const seen: string[] = [];
    const handler: MllpFrameHandler = async (payload, who) => {
      const r = readMsh(payload);
      if (!r.ok) return null;
      seen.push(`${who.connectionId}:${r.header.controlId}`);
      if (r.header.controlId === 'SLOW') await slowGate;
      return buildAck(r.header, { code: 'accept' }, { now: new Date(), controlId: 'X', facilityTz: 'UTC' });
    };
    const { port, listener } = await start({ handler });
    const a = await peer(port);
    const b = await peer(port);
    await a.write(frame(message('SLOW')));
    await b.write(frame(message('FAST')));
    expect(acked(await b.next())).toBe('FAST');
    expect(listener.connectionCount()).toBe(2);
    releaseSlow();
    expect(acked(await a.next())).toBe('SLOW');
    expect(new Set(seen.map((s) => s.split(':')[0])).size).toBe(2);
  });

  it('does not ACK a frame whose handler throws, logs it, and keeps serving', async () => {
    const { logger, lines } = capturingLogger();
    const rec = recordingHandler();
    const handler: MllpFrameHandler = async (payload, who) => {
      if (payload.includes('BOOM')) throw new Error('database down');
      return rec.handler(payload, who);
    };
    const { port } = await start({ handler, logger });
    const p = await peer(port);
    await p.write(Buffer.concat([frame(message('BOOM')), frame(message('AFTER'))]));
    // ACKs come in order, so if BOOM had been acknowledged its ACK would arrive first.
    expect(acked(await p.next())).toBe('AFTER');
    expect(lines.some((l) => l.level === 'error' && /no ACK/.test(l.message))).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('SIU^S12');
    // The listener is still up for new connections.
    const again = await peer(port);
    await again.write(frame(message('NEXT')));
    expect(acked(await again.next())).toBe('NEXT');
  });

  it('sends nothing when the handler returns null, and still answers the next frame', async () => {
    const handler: MllpFrameHandler = (payload) => {
      const r = readMsh(payload);
      if (!r.ok || r.header.controlId === 'SILENT') return Promise.resolve(null);
      return Promise.resolve(`MSA|AA|${r.header.controlId}`);
    };
    const { port } = await start({ handler });
    const p = await peer(port);
    await p.write(Buffer.concat([frame(message('SILENT')), frame(message('LOUD'))]));
    expect(await p.next()).toBe('MSA|AA|LOUD');
  });

  it('drops an oversized frame with an error log and keeps the connection usable', async () => {
    const { logger, lines } = capturingLogger();
    const rec = recordingHandler();
    const { port } = await start({ handler: rec.handler, logger, maxFrameBytes: 200 });
    const p = await peer(port);
    await p.write(Buffer.concat([frame(message('X'.repeat(300))), frame(message('SMALL'))]));
    expect(acked(await p.next())).toBe('SMALL');
    expect(rec.seen).toEqual(['SMALL']);
    expect(lines.some((l) => l.level === 'error' && l.context?.kind === 'frame-too-large')).toBe(true);
  });

  it('still ACKs the last frame of a sender that half-closes, then ends the connection', async () => {
    const rec = recordingHandler();
    const { port } = await start({ handler: rec.handler });
    const p = await peer(port);
    p.socket.end(frame(message('LAST')));
    expect(acked(await p.next())).toBe('LAST');
    await p.closed;
  });

  it('survives a peer that resets mid-frame', async () => {
    const { logger, lines } = capturingLogger();
    const rec = recordingHandler();
    const { port, listener } = await start({ handler: rec.handler, logger });
    const p = await peer(port);
    await p.write(frame(message('HALF')).subarray(0, 20));
    p.socket.resetAndDestroy();
    await p.closed;
    for (let i = 0; i < 200 && listener.connectionCount() > 0; i++) await new Promise((r) => setImmediate(r));
    expect(listener.connectionCount()).toBe(0);
    expect(rec.seen).toEqual([]);
    expect(lines.some((l) => /middle of a frame/.test(l.message))).toBe(true);
    const q = await peer(port);
    await q.write(frame(message('OK')));
    expect(acked(await q.next())).toBe('OK');
  });

  it('rejects listen() with a clear error naming the port when it is taken', async () => {
    const { port } = await start({ handler: recordingHandler().handler });
    const second = new MllpListener({ host: '127.0.0.1', port, handler: recordingHandler().handler });
    await expect(second.listen()).rejects.toMatchObject({
      code: 'EADDRINUSE',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
    expect(second.isListening()).toBe(false);
  });

  it('close() stops accepting and ends open connections', async () => {
    const { port, listener } = await start({ handler: recordingHandler().handler });
    const p = await peer(port);
    await listener.close();
    await p.closed;
    expect(listener.isListening()).toBe(false);
    await expect(RawPeer.open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('close() lets an in-flight handler finish and write its ACK first', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const handler: MllpFrameHandler = async (payload) => {
      entered();
      await gate;
      const r = readMsh(payload);
      return r.ok ? `MSA|AA|${r.header.controlId}` : null;
    };
    const { port, listener } = await start({ handler });
    const p = await peer(port);
    await p.write(frame(message('INFLIGHT')));
    await inHandler;
    const closing = listener.close();
    release();
    expect(await p.next()).toBe('MSA|AA|INFLIGHT');
    await closing;
    await p.closed;
  });

  it('closes a connection the filter refuses at once, without handling anything from it', async () => {
    const { logger, lines } = capturingLogger();
    const rec = recordingHandler();
    const sources: string[] = [];
    const { port, listener } = await start({
      handler: rec.handler,
      logger,
      connectionFilter: ({ remoteAddress }) => {
        sources.push(remoteAddress);
        return false;
      },
    });
    const p = await peer(port);
    // Written before the close is seen; it must never reach the handler.
    p.socket.write(frame(message('DENIED')));
    await p.closed;
    expect(rec.seen).toEqual([]);
    expect(listener.connectionCount()).toBe(0);
    expect(sources).toEqual([expect.stringMatching(/127\.0\.0\.1$/)]);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'MLLP connection refused: source address not allowed' }),
    );
  });

  it('fails closed when the filter throws', async () => {
    const { logger, lines } = capturingLogger();
    const rec = recordingHandler();
    const { port } = await start({
      handler: rec.handler,
      logger,
      connectionFilter: () => {
        throw new Error('allow-list unavailable');
      },
    });
    const p = await peer(port);
    await p.closed;
    expect(rec.seen).toEqual([]);
    expect(lines.some((l) => l.level === 'error' && /filter failed/.test(l.message))).toBe(true);
  });

  it('closes open connections the filter refuses after a change, and keeps the others', async () => {
    const rec = recordingHandler();
    const refused = new Set<number>();
    const { port, listener } = await start({
      handler: rec.handler,
      connectionFilter: ({ remotePort }) => !refused.has(remotePort),
    });
    const [a, b] = [await peer(port), await peer(port)];
    await a.write(frame(message('A1')));
    expect(acked(await a.next())).toBe('A1');
    expect(listener.reapplyConnectionFilter()).toBe(0);
    refused.add(a.socket.localPort ?? -1);
    expect(listener.reapplyConnectionFilter()).toBe(1);
    await a.closed;
    await b.write(frame(message('B1')));
    expect(acked(await b.next())).toBe('B1');
    expect(listener.connectionCount()).toBe(1);
  });

  describe('over TLS', () => {
    let dir = '';
    let cert: Buffer | undefined;
    let key: Buffer | undefined;

    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'mllp-tls-'));
      // A throwaway self-signed certificate; openssl is part of the base image.
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          'key.pem',
          '-out',
          'cert.pem',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
        ],
        { cwd: dir, stdio: 'ignore' },
      );
      cert = readFileSync(path.join(dir, 'cert.pem'));
      key = readFileSync(path.join(dir, 'key.pem'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('speaks MLLP over TLS with the same ordering guarantees', async () => {
      if (cert === undefined || key === undefined) throw new Error('no test certificate');
      const rec = recordingHandler();
      const { port } = await start({ handler: rec.handler, tls: { cert, key } });
      const client = new MllpClient({ tls: { ca: cert, servername: 'localhost', rejectUnauthorized: false } });
      await client.connect('127.0.0.1', port);
      const acks = [await client.send(message('T1')), await client.send(message('T2'))];
      await client.close();
      expect(acks.map(acked)).toEqual(['T1', 'T2']);
      expect(rec.seen).toEqual(['T1', 'T2']);
    });

    it('refuses a filtered source before the TLS handshake', async () => {
      if (cert === undefined || key === undefined) throw new Error('no test certificate');
      const { logger, lines } = capturingLogger();
      const { port } = await start({
        handler: recordingHandler().handler,
        logger,
        tls: { cert, key },
        connectionFilter: () => false,
      });
      const client = new MllpClient({ tls: { ca: cert, servername: 'localhost', rejectUnauthorized: false } });
      await expect(client.connect('127.0.0.1', port)).rejects.toThrow();
      expect(lines.some((l) => /refused: source address not allowed/.test(l.message))).toBe(true);
      // Closed before any handshake: none was attempted, so none failed.
      expect(lines.some((l) => /handshake failed/.test(l.message))).toBe(false);
    });
  });
});

describe('MllpClient', () => {
  it('fails a send whose ACK does not arrive in time and closes the connection', async () => {
    const listener = new MllpListener({
      host: '127.0.0.1',
      port: 0,
      handler: () => new Promise<never>(() => undefined),
      logger: capturingLogger().logger,
      closeGraceMs: 100,
    });
    const { port } = await listener.listen();
    const client = new MllpClient({ ackTimeoutMs: 150 });
    await client.connect('127.0.0.1', port);
    const first = client.send(message('NEVER'));
    const queued = client.send(message('QUEUED'));
    await expect(first).rejects.toThrow(/not received within 150 ms/);
    await expect(queued).rejects.toThrow();
    expect(client.isConnected()).toBe(false);
    await listener.close();
  });

  it('rejects send() when not connected', async () => {
    await expect(new MllpClient().send('MSH|')).rejects.toThrow(/not connected/);
  });
});
