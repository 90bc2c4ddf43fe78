import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { MllpDeframer } from './mllp.deframer';
import { frame } from './mllp.framing';

/** Options of {@link MllpClient}. */
export interface MllpClientOptions {
  /** How long `send()` waits for the ACK; default 10 000 ms. */
  ackTimeoutMs?: number;
  /** How long `connect()` may take; default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Connect with TLS using these options (e.g. `{ ca, servername }` or `{ rejectUnauthorized: false }`). */
  tls?: ConnectionOptions;
  /** Largest ACK frame accepted; default 1 MiB. */
  maxFrameBytes?: number;
}

interface Pending {
  payload: string;
  resolve: (ack: string) => void;
  reject: (err: Error) => void;
}

/**
 * A small MLLP sender for tests, the simulator and the benchmark: one connection, one message in
 * flight at a time (MLLP has no correlation other than order), later `send()` calls queue.
 *
 * When an ACK does not arrive in time the connection is destroyed: a late ACK would otherwise be
 * taken as the answer to the next message. Pending sends then fail; reconnect to continue.
 */
export class MllpClient {
  private socket: Socket | undefined;
  private deframer: MllpDeframer;
  private readonly queue: Pending[] = [];
  private current: (Pending & { timer: NodeJS.Timeout }) | undefined;
  private readonly ackTimeoutMs: number;

  constructor(private readonly options: MllpClientOptions = {}) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.deframer = new MllpDeframer({ maxFrameBytes: options.maxFrameBytes });
  }

  /** True while connected. */
  isConnected(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  /** Opens the connection (TLS when configured). */
  connect(host: string, port: number): Promise<void> {
    if (this.isConnected()) return Promise.reject(new Error('MLLP client already connected'));
    this.deframer = new MllpDeframer({ maxFrameBytes: this.options.maxFrameBytes });
    return new Promise((resolve, reject) => {
      const tls = this.options.tls;
      const socket = tls === undefined ? connectTcp({ host, port, noDelay: true }) : connectTls({ ...tls, host, port });
      const event = tls === undefined ? 'connect' : 'secureConnect';
      const timer = setTimeout(() => {
        socket.destroy(new Error(`MLLP connect to ${host}:${port} timed out`));
      }, this.options.connectTimeoutMs ?? 10_000);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once('error', onError);
      socket.once(event, () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.setNoDelay(true);
        this.socket = socket;
        socket.on('data', (chunk: Buffer) => this.receive(chunk));
        socket.on('error', (err: Error) => this.fail(err));
        socket.on('close', () => {
          if (this.socket === socket) this.socket = undefined;
          this.fail(new Error('MLLP connection closed'));
        });
        resolve();
      });
    });
  }

  /**
   * Sends one message and resolves with the ACK's text (segments separated by CR).
   * @throws when not connected, on timeout (the connection is then closed), or when it drops
   */
  send(message: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (!this.isConnected()) {
        reject(new Error('MLLP client is not connected'));
        return;
      }
      this.queue.push({ payload: message, resolve, reject });
      this.next();
    });
  }

  /** Ends the connection after the peer acknowledges the FIN; pending sends fail. */
  close(): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 2_000).unref();
    });
  }

  private next(): void {
    if (this.current !== undefined || this.socket === undefined) return;
    const item = this.queue.shift();
    if (item === undefined) return;
    const timer = setTimeout(() => {
      this.socket?.destroy();
      this.fail(new Error(`MLLP ACK not received within ${this.ackTimeoutMs} ms`));
    }, this.ackTimeoutMs);
    this.current = { ...item, timer };
    this.socket.write(frame(item.payload));
  }

  private receive(chunk: Buffer): void {
    const { frames } = this.deframer.push(chunk);
    for (const ack of frames) {
      const current = this.current;
      if (current === undefined) continue; // An unsolicited frame: nothing waits for it.
      clearTimeout(current.timer);
      this.current = undefined;
      current.resolve(ack.toString('utf8'));
      this.next();
    }
  }

  /** Fails the message in flight and every queued one. */
  private fail(err: Error): void {
    const current = this.current;
    this.current = undefined;
    if (current !== undefined) {
      clearTimeout(current.timer);
      current.reject(err);
    }
    for (const item of this.queue.splice(0)) item.reject(err);
  }
}
