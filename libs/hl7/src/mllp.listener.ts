import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { DEFAULT_MAX_FRAME_BYTES, MllpDeframer } from './mllp.deframer';
import { frame } from './mllp.framing';

/**
 * The minimal logger the listener needs. A pino logger, a console or Nest's `Logger` (which names
 * its info level `log`) fit as they are. Contexts carry peer, sizes and codes — never message content,
 * which is patient data.
 */
export interface MllpLogger {
  /** Routine events (listening, connections opening and closing); falls back to `log`. */
  info?(message: string, context?: Record<string, unknown>): void;
  /** Nest's name for the info level. */
  log?(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/** Who sent a frame. */
export interface MllpPeer {
  remoteAddress: string;
  remotePort: number;
  /** Sequence number of the connection on this listener, for logs. */
  connectionId: number;
}

/**
 * Handles one frame and returns the ACK to send (unframed), or `null` to send none (e.g. enhanced
 * mode with MSH-15 = NE). It should resolve only once the message is durably stored (CONTRACT §4).
 */
export type MllpFrameHandler = (frame: Buffer, peer: MllpPeer) => Promise<Buffer | string | null>;

/**
 * Answers a frame refused for its size: `head` is its first bytes (its MSH, for the ACK and for
 * keeping), `limit` the largest payload accepted. Returns the ACK to send (e.g. AR with ERR), or null.
 */
export type MllpOversizedHandler = (
  head: Buffer,
  peer: MllpPeer,
  size: { limit: number; receivedBytes: number },
) => Promise<Buffer | string | null>;

/** Where a connection comes from, as seen before anything is read from it. */
export interface MllpConnectionSource {
  remoteAddress: string;
  remotePort: number;
}

/**
 * Decides whether a connection may stay open: `false` closes it at once (before any TLS handshake),
 * with a warning naming the address. Also re-applied to open connections by
 * {@link MllpListener.reapplyConnectionFilter}, e.g. after an allow-list changed.
 */
export type MllpConnectionFilter = (source: MllpConnectionSource) => boolean;

/** TLS material; when given, the listener speaks MLLP over TLS. */
export interface MllpTlsOptions {
  cert: Buffer;
  key: Buffer;
  /** CA certificates to verify client certificates with (mutual TLS). */
  ca?: Buffer;
  /** Ask for and verify a client certificate. */
  requestCert?: boolean;
}

/** Options of {@link MllpListener}. */
export interface MllpListenerOptions {
  /** Interface to bind; default all interfaces. */
  host?: string;
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /** Largest frame payload accepted; default 1 MiB. */
  maxFrameBytes?: number;
  /** Simultaneous connections; further ones are refused by the kernel-level accept. */
  maxConnections?: number;
  /**
   * Simultaneous connections from one source address; a further one is closed at once with a
   * warning (a sender that leaks connections, or a flood, cannot take every slot). Default none.
   */
  maxConnectionsPerAddress?: number;
  /** Close a connection after this long without any byte received; default none. */
  idleTimeoutMs?: number;
  /**
   * How long a frame may take from its 0x0B to its 0x1C 0x0D. A frame still open then (one that
   * never ends, or a byte-a-second sender) is dropped, unacknowledged, and its connection closed.
   * Default none.
   */
  frameTimeoutMs?: number;
  /** Answers a frame larger than `maxFrameBytes`; default: dropped without an answer. */
  onOversizedFrame?: MllpOversizedHandler;
  /** How long `close()` waits for in-flight handlers before destroying sockets; default 5 000 ms. */
  closeGraceMs?: number;
  /** Turns on TLS. */
  tls?: MllpTlsOptions;
  /** Refuses connections by source (e.g. an allow-list of sender addresses); default: all accepted. */
  connectionFilter?: MllpConnectionFilter;
  handler: MllpFrameHandler;
  /** Default: warnings and errors to the console, info dropped. */
  logger?: MllpLogger;
}

/** Frames waiting per connection before we stop reading from it (TCP back-pressure does the rest). */
const MAX_QUEUED_FRAMES = 100;
const KEEPALIVE_MS = 60_000;

const consoleLogger: MllpLogger = {
  info: () => undefined,
  warn: (message, context) => console.warn(message, context ?? ''),
  error: (message, context) => console.error(message, context ?? ''),
};

/** A frame waiting for its handler, or the head of one refused for its size. */
type QueuedFrame = Buffer | { oversized: Buffer; limit: number; receivedBytes: number };

class Connection {
  readonly deframer: MllpDeframer;
  readonly queue: QueuedFrame[] = [];
  /** Closes the connection when the frame being received takes longer than frameTimeoutMs. */
  frameTimer: NodeJS.Timeout | undefined;
  /** The handler currently running for this connection, if any. */
  inFlight: Promise<void> | undefined;
  peerEnded = false;
  warnedDiscard = false;

  constructor(
    readonly socket: Socket,
    readonly peer: MllpPeer,
    maxFrameBytes: number,
  ) {
    this.deframer = new MllpDeframer({ maxFrameBytes });
  }
}

/**
 * An MLLP (HL7 v2.5.1 Transport Specification, MLLP Release 1) listener on node:net, or node:tls
 * when given a certificate.
 *
 * Per connection, frames are handled strictly one at a time and in arrival order: a frame leaves
 * the queue before its handler runs, so no frame is ever handled twice (node-hl7-server 2.5 re-handles
 * every earlier frame on a kept-open connection, its issue #102). The handler's ACK is written framed.
 *
 * A handler that throws or rejects is logged and its frame gets no ACK: the message was not stored,
 * so AA would be a lie, and AE/AR would tell most senders not to resend; silence makes the sender
 * time out and retransmit, which the MLLP/original-mode contract expects (HL7 v2.5.1 §2.9.2). The
 * connection stays open and later frames are still handled.
 */
export class MllpListener {
  private readonly options: MllpListenerOptions;
  private readonly logger: Required<Pick<MllpLogger, 'info' | 'warn' | 'error'>>;
  private readonly maxFrameBytes: number;
  /** The TCP server that listens; with TLS it hands admitted sockets to {@link tlsServer}. */
  private readonly server: Server;
  private readonly tlsServer: TlsServer | undefined;
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;
  private closing = false;

  constructor(options: MllpListenerOptions) {
    this.options = options;
    const logger = options.logger ?? consoleLogger;
    this.logger = {
      info: (message, context) => (logger.info ?? logger.log)?.call(logger, message, context),
      warn: (message, context) => logger.warn(message, context),
      error: (message, context) => logger.error(message, context),
    };
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const onSocket = (socket: Socket): void => this.accept(socket);
    if (options.tls === undefined) {
      this.tlsServer = undefined;
    } else {
      const tls = options.tls;
      // Never listens itself: the TCP server below injects the sockets it admits (the 'connection'
      // event of node:tls is documented for exactly that), so a refused source is closed before
      // any handshake and cannot make us spend a TLS handshake or log one as failed.
      const tlsServer = createTlsServer(
        {
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca === undefined ? {} : { ca: tls.ca }),
          requestCert: tls.requestCert ?? false,
          rejectUnauthorized: tls.requestCert ?? false,
        },
        (socket: TLSSocket) => onSocket(socket),
      );
      tlsServer.on('tlsClientError', (err: Error, socket: TLSSocket) =>
        this.logger.warn('MLLP TLS handshake failed', { error: err.message, remoteAddress: socket.remoteAddress }),
      );
      this.tlsServer = tlsServer;
    }
    // allowHalfOpen: a sender that half-closes after its last frame still gets that frame's ACK
    // (a TLS socket inherits it from the TCP socket it wraps).
    this.server = createTcpServer({ allowHalfOpen: true, noDelay: true }, (socket: Socket) => {
      if (!this.admits(socket)) return;
      if (this.tlsServer === undefined) onSocket(socket);
      else this.tlsServer.emit('connection', socket);
    });
    if (options.maxConnections !== undefined) this.server.maxConnections = options.maxConnections;
    this.server.on('drop', (data?: { remoteAddress?: string }) =>
      this.logger.warn('MLLP connection refused: maxConnections reached', {
        remoteAddress: data?.remoteAddress,
        maxConnections: options.maxConnections,
      }),
    );
  }

  /**
   * Starts listening.
   * @returns the bound port (useful with port 0)
   * @throws Error naming the host and port when binding fails (e.g. EADDRINUSE); its `code` is kept
   */
  listen(): Promise<{ port: number }> {
    const { host, port } = this.options;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        this.server.off('listening', onListening);
        const where = `${host ?? '0.0.0.0'}:${port}`;
        const hint = err.code === 'EADDRINUSE' ? ' (address already in use: is another listener on this port?)' : '';
        const error = new Error(`MLLP listener cannot listen on ${where}: ${err.code ?? err.message}${hint}`, {
          cause: err,
        }) as NodeJS.ErrnoException;
        if (err.code !== undefined) error.code = err.code;
        reject(error);
      };
      const onListening = (): void => {
        this.server.off('error', onError);
        this.server.on('error', (err: Error) => this.logger.error('MLLP listener error', { error: err.message }));
        const address = this.server.address() as AddressInfo;
        this.logger.info('MLLP listener listening', { host: address.address, port: address.port });
        resolve({ port: address.port });
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen(port, host);
    });
  }

  /** The bound address, or `null` when not listening. */
  address(): AddressInfo | null {
    const address = this.server.address();
    return address !== null && typeof address === 'object' ? address : null;
  }

  /** True between a successful `listen()` and `close()`. */
  isListening(): boolean {
    return this.server.listening;
  }

  /** Number of open connections. */
  connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Runs the connection filter again over the open connections and closes those it now refuses
   * (e.g. after an address was removed from an allow-list). Their in-flight frames get no ACK, so
   * the senders resend them once they are allowed again.
   * @returns how many connections were closed
   */
  reapplyConnectionFilter(): number {
    let closed = 0;
    for (const conn of this.connections) {
      if (conn.socket.destroyed || this.filterAllows(conn.peer)) continue;
      this.logger.warn('MLLP connection closed: source address no longer allowed', { ...conn.peer });
      conn.queue.length = 0;
      conn.socket.destroy();
      closed++;
    }
    return closed;
  }

  /**
   * Stops accepting, stops reading, lets in-flight handlers finish (and their ACKs go out) for up to
   * `closeGraceMs`, then ends every socket. Queued frames not yet handled get no ACK, so their senders
   * will resend them to whoever listens next.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const serverClosed = new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
    for (const conn of this.connections) {
      conn.socket.pause();
      conn.queue.length = 0;
    }
    const grace = this.options.closeGraceMs ?? 5_000;
    const inFlight = [...this.connections].map((c) => c.inFlight).filter((p) => p !== undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(inFlight),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, grace);
      }),
    ]);
    clearTimeout(timer);
    const closed = [...this.connections].map(
      (conn) =>
        new Promise<void>((resolve) => {
          if (conn.socket.destroyed) return resolve();
          conn.socket.once('close', () => resolve());
          conn.socket.end();
          // A peer that never acknowledges our FIN must not hold close() forever.
          setTimeout(() => conn.socket.destroy(), grace).unref();
        }),
    );
    await Promise.all([...closed, serverClosed]);
    this.logger.info('MLLP listener closed');
  }

  /** Applies the connection filter to a new socket; a refused one is destroyed here. */
  private admits(socket: Socket): boolean {
    const source: MllpConnectionSource = {
      remoteAddress: socket.remoteAddress ?? 'unknown',
      remotePort: socket.remotePort ?? 0,
    };
    if (this.closing) {
      socket.destroy();
      return false;
    }
    if (!this.filterAllows(source)) {
      this.logger.warn('MLLP connection refused: source address not allowed', { ...source });
      socket.destroy();
      return false;
    }
    const perAddress = this.options.maxConnectionsPerAddress;
    if (perAddress !== undefined && perAddress > 0) {
      let open = 0;
      for (const conn of this.connections) if (conn.peer.remoteAddress === source.remoteAddress) open++;
      if (open >= perAddress) {
        this.logger.warn('MLLP connection refused: too many connections from this address', {
          ...source,
          maxConnectionsPerAddress: perAddress,
        });
        socket.destroy();
        return false;
      }
    }
    return true;
  }

  private filterAllows(source: MllpConnectionSource): boolean {
    const filter = this.options.connectionFilter;
    if (filter === undefined) return true;
    try {
      return filter({ remoteAddress: source.remoteAddress, remotePort: source.remotePort });
    } catch (err: unknown) {
      // Fail closed: a filter that cannot decide must not let an unknown sender in.
      this.logger.error('MLLP connection filter failed; connection refused', {
        ...source,
        error: err instanceof Error ? err.message : String(err),
      });
      return false;
    }
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const peer: MllpPeer = {
      remoteAddress: socket.remoteAddress ?? 'unknown',
      remotePort: socket.remotePort ?? 0,
      connectionId: this.nextConnectionId++,
    };
    const conn = new Connection(socket, peer, this.maxFrameBytes);
    this.connections.add(conn);
    socket.setNoDelay(true);
    // Detects peers that vanished without FIN (half-open: cable pulled, NAT entry expired).
    socket.setKeepAlive(true, KEEPALIVE_MS);
    if (this.options.idleTimeoutMs !== undefined && this.options.idleTimeoutMs > 0) {
      socket.setTimeout(this.options.idleTimeoutMs, () => {
        this.logger.info('MLLP connection idle; closing', { ...peer });
        socket.end();
        setTimeout(() => socket.destroy(), 1_000).unref();
      });
    }
    this.logger.info('MLLP connection opened', { ...peer });

    socket.on('data', (chunk: Buffer) => this.receive(conn, chunk));
    socket.on('end', () => {
      conn.peerEnded = true;
      if (conn.inFlight === undefined && conn.queue.length === 0) socket.end();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // ECONNRESET and EPIPE are ordinary for MLLP senders that drop the connection; 'close' follows.
      const level = err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'info' : 'warn';
      this.logger[level]('MLLP connection error', { ...peer, code: err.code, error: err.message });
    });
    socket.on('close', () => {
      clearTimeout(conn.frameTimer);
      this.connections.delete(conn);
      conn.queue.length = 0;
      if (conn.deframer.bufferedBytes > 0) {
        this.logger.warn('MLLP connection closed in the middle of a frame', {
          ...peer,
          bytes: conn.deframer.bufferedBytes,
        });
      }
      this.logger.info('MLLP connection closed', { ...peer });
    });
  }

  private receive(conn: Connection, chunk: Buffer): void {
    // Closing: nothing new is handled; the sender will resend what we did not acknowledge.
    if (this.closing) return;
    const { frames, errors, discardedBytes } = conn.deframer.push(chunk);
    if (discardedBytes > 0 && !conn.warnedDiscard) {
      // Once per connection: some senders put a newline between frames on every message.
      conn.warnedDiscard = true;
      this.logger.warn('MLLP bytes outside a frame discarded', { ...conn.peer, bytes: discardedBytes });
    }
    for (const error of errors) {
      if (error.kind === 'frame-too-large') {
        // Never the head itself in a log: it is patient data.
        const { head, ...sizes } = error;
        const answered = this.options.onOversizedFrame !== undefined;
        this.logger.error(
          `MLLP frame too large; dropped${answered ? ', answered with a refusal' : ', not acknowledged'}`,
          { ...conn.peer, ...sizes },
        );
        if (answered) conn.queue.push({ oversized: head, limit: error.limit, receivedBytes: error.receivedBytes });
      } else {
        this.logger.error('MLLP framing error; frame dropped, not acknowledged', { ...conn.peer, ...error });
      }
    }
    this.watchFrame(conn);
    conn.queue.push(...frames);
    if (conn.queue.length === 0) return;
    if (conn.queue.length >= MAX_QUEUED_FRAMES) conn.socket.pause();
    if (conn.inFlight === undefined) conn.inFlight = this.drain(conn);
  }

  /**
   * Starts the frame timer when a frame has begun and none runs; stops it between frames. A frame
   * open longer than frameTimeoutMs closes the connection: its sender gets no ACK and resends.
   */
  private watchFrame(conn: Connection): void {
    const limit = this.options.frameTimeoutMs;
    if (limit === undefined || limit <= 0) return;
    if (conn.deframer.bufferedBytes === 0) {
      clearTimeout(conn.frameTimer);
      conn.frameTimer = undefined;
      return;
    }
    if (conn.frameTimer !== undefined) return;
    conn.frameTimer = setTimeout(() => {
      conn.frameTimer = undefined;
      if (conn.deframer.bufferedBytes === 0 || conn.socket.destroyed) return;
      this.logger.warn('MLLP frame not completed in time; connection closed', {
        ...conn.peer,
        frameTimeoutMs: limit,
        bytes: conn.deframer.bufferedBytes,
      });
      conn.socket.destroy();
    }, limit);
    conn.frameTimer.unref();
  }

  /** Handles the connection's queued frames one at a time, in order. */
  private async drain(conn: Connection): Promise<void> {
    try {
      for (let next = conn.queue.shift(); next !== undefined; next = conn.queue.shift()) {
        if (conn.socket.isPaused() && conn.queue.length < MAX_QUEUED_FRAMES / 2 && !this.closing) conn.socket.resume();
        await this.handleOne(conn, next);
      }
    } finally {
      conn.inFlight = undefined;
      if (conn.peerEnded && !conn.socket.destroyed) conn.socket.end();
    }
  }

  private async handleOne(conn: Connection, item: QueuedFrame): Promise<void> {
    let ack: Buffer | string | null;
    const payload = Buffer.isBuffer(item) ? item : item.oversized;
    try {
      ack = Buffer.isBuffer(item)
        ? await this.options.handler(item, conn.peer)
        : await (this.options.onOversizedFrame?.(item.oversized, conn.peer, item) ?? Promise.resolve(null));
    } catch (err: unknown) {
      this.logger.error('MLLP handler failed; no ACK sent so that the sender retransmits', {
        ...conn.peer,
        bytes: payload.length,
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    if (ack === null) return;
    if (conn.socket.destroyed || !conn.socket.writable) {
      this.logger.warn('MLLP connection gone before its ACK could be written', { ...conn.peer });
      return;
    }
    conn.socket.write(frame(ack));
  }
}
