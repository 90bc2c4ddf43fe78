import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface FaultProxyOptions {
  /** Where connections go; changed with {@link FaultProxy.setTarget} (e.g. a restarted platform). */
  targetPort: number;
  random: () => number;
  /** Cut each chunk into pieces of 1–7 bytes, written one event-loop turn apart. */
  slice?: boolean;
  /** Added delay per chunk, ms (0–this, drawn per chunk). */
  maxLatencyMs?: number;
  /** Probability, per chunk from the client, of resetting both sides instead of forwarding it. */
  resetProbability?: number;
}

export interface FaultProxy {
  port: number;
  setTarget(port: number): void;
  /** Connections reset by the proxy so far. */
  resets(): number;
  /**
   * Holds every byte in both directions (connections stay open, nothing is lost) until
   * {@link release}: a peer frozen in the middle of whatever it was sending.
   */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy written for the fault tests: between senders and the platform, it slices frames into
 * 1–7 byte pieces, adds latency and resets connections, all drawn from a seeded generator. A client
 * whose upstream cannot be reached (the platform is down) is closed at once, as a dead host would be.
 * Order within a direction is kept (pieces are written in sequence per socket).
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let target = options.targetPort;
  let resets = 0;
  let gate: Promise<void> = Promise.resolve();
  let open: (() => void) | undefined;
  const sockets = new Set<Socket>();
  const pipe = (from: Socket, to: Socket, mayReset: boolean): void => {
    // One chain per direction: pieces of later chunks wait for earlier ones.
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      if (mayReset && options.resetProbability && options.random() < options.resetProbability) {
        resets += 1;
        from.resetAndDestroy();
        to.resetAndDestroy();
        return;
      }
      const delay = options.maxLatencyMs ? Math.floor(options.random() * options.maxLatencyMs) : 0;
      const pieces: Buffer[] = [];
      if (options.slice) {
        for (let i = 0; i < chunk.length;) {
          const size = 1 + Math.floor(options.random() * 7);
          pieces.push(chunk.subarray(i, i + size));
          i += size;
        }
      } else {
        pieces.push(chunk);
      }
      from.pause();
      chain = chain.then(async () => {
        await gate;
        if (delay) await new Promise((r) => setTimeout(r, delay));
        for (const piece of pieces) {
          if (to.destroyed) return;
          to.write(piece);
          // A turn of the event loop between pieces, so that each goes out in its own segment.
          if (options.slice) await new Promise((r) => setImmediate(r));
        }
        if (!from.destroyed) from.resume();
      });
    });
    from.on('end', () => void chain.then(() => to.end()));
  };
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    client.setNoDelay(true);
    sockets.add(client);
    const upstream = connect({ port: target, host: '127.0.0.1', allowHalfOpen: true });
    upstream.setNoDelay(true);
    sockets.add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    pipe(client, upstream, true);
    pipe(upstream, client, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    setTarget(port) {
      target = port;
    },
    resets: () => resets,
    hold() {
      if (open) return;
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      open?.();
      open = undefined;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
