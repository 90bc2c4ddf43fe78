import { LIVE_NAMESPACE, type SubscribeRequest } from '@circulator/contracts';
import { io, type Socket } from 'socket.io-client';
import { applySnapshot, applyUpdate, beginSubscribe, initialBoardState, type BoardState } from './board.state';
import type { ConnectionState } from './connection.state';
import { parseBoardAck, parseUpdate } from './live.payload';

/** socket.io events of CONTRACT §7 that the board uses. */
interface ServerToClientEvents {
  update: (payload: unknown) => void;
}
interface ClientToServerEvents {
  subscribe: (request: SubscribeRequest, ack: (response: unknown) => void) => void;
  unsubscribe: (request: SubscribeRequest) => void;
}

export interface LiveView {
  board: BoardState;
  connection: ConnectionState;
  /** Why the board cannot be shown (a refused subscribe), if so. */
  error?: string;
}

export interface LiveBoardHandlers {
  onChange(view: LiveView): void;
  /** The server refused the token (expired or revoked): the session is over. */
  onUnauthorized(): void;
}

export interface LiveClientOptions {
  /** Server origin, e.g. http://127.0.0.1:3000; the page's own origin when omitted. */
  origin?: string;
  /** Clock for the connection indicator's "since" times. */
  now?: () => number;
}

const SUBSCRIBE_TIMEOUT_MS = 10_000;
const RETRY_AFTER_MS = 3_000;

/**
 * Keeps one board topic in sync over socket.io: subscribes on every (re)connect, applies updates
 * through the pure transitions of board.state.ts and re-subscribes when they report a gap.
 */
export class LiveBoardClient {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private board: BoardState;
  private connection: ConnectionState = { kind: 'connecting' };
  private error: string | undefined;
  /** Only the latest subscribe's ack counts; older ones (another date, a retry) are ignored. */
  private subscribeSeq = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly now: () => number;

  constructor(
    token: string,
    topic: string,
    private readonly handlers: LiveBoardHandlers,
    options: LiveClientOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.board = initialBoardState(topic);
    this.socket = io(`${options.origin ?? ''}${LIVE_NAMESPACE}`, {
      auth: { token },
      autoConnect: false,
      reconnectionDelayMax: 10_000,
    });
    this.socket.on('connect', () => {
      this.connection = { kind: 'connected' };
      // A recovered connection (socket.io connection-state recovery, under two minutes away)
      // keeps its subscription and gets what it missed: no snapshot needed.
      if (this.socket.recovered && !this.board.syncing) this.emitChange();
      else this.subscribe();
    });
    this.socket.on('disconnect', (reason) => {
      if (this.connection.kind !== 'disconnected') this.connection = { kind: 'disconnected', since: this.now() };
      // socket.io does not reconnect by itself after a server-side disconnect.
      if (reason === 'io server disconnect') this.socket.connect();
      this.emitChange();
    });
    this.socket.on('connect_error', (error) => {
      if (error.message === 'unauthorized') {
        this.stop();
        this.handlers.onUnauthorized();
        return;
      }
      if (this.connection.kind === 'connected') this.connection = { kind: 'disconnected', since: this.now() };
      this.emitChange();
    });
    this.socket.on('update', (payload) => {
      const update = parseUpdate(payload);
      if (update === undefined) return;
      const step = applyUpdate(this.board, update);
      this.board = step.state;
      if (step.resubscribe) this.subscribe();
      this.emitChange();
    });
  }

  start(): void {
    this.socket.connect();
    this.emitChange();
  }

  /** Switches the board to another topic (another day). */
  setTopic(topic: string): void {
    if (topic === this.board.topic) return;
    if (this.socket.connected) this.socket.emit('unsubscribe', { topic: this.board.topic });
    this.board = initialBoardState(topic);
    this.error = undefined;
    if (this.socket.connected) this.subscribe();
    this.emitChange();
  }

  stop(): void {
    clearTimeout(this.retryTimer);
    this.subscribeSeq += 1;
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }

  view(): LiveView {
    return { board: this.board, connection: this.connection, error: this.error };
  }

  private subscribe(): void {
    clearTimeout(this.retryTimer);
    const seq = ++this.subscribeSeq;
    const topic = this.board.topic;
    this.board = beginSubscribe(this.board);
    this.socket.timeout(SUBSCRIBE_TIMEOUT_MS).emit('subscribe', { topic }, (timeout, response) => {
      if (seq !== this.subscribeSeq) return;
      const ack = timeout ? undefined : parseBoardAck(response);
      if (ack === undefined) {
        // No answer, or not one we can read: try again while connected.
        this.retryTimer = setTimeout(() => {
          if (this.socket.connected && seq === this.subscribeSeq) this.subscribe();
        }, RETRY_AFTER_MS);
        return;
      }
      if (!ack.ok) {
        this.error = `The server refused the board: ${ack.error}`;
        this.emitChange();
        return;
      }
      this.error = undefined;
      const step = applySnapshot(this.board, ack);
      this.board = step.state;
      if (step.resubscribe) this.subscribe();
      this.emitChange();
    });
  }

  private emitChange(): void {
    this.handlers.onChange(this.view());
  }
}
