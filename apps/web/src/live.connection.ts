import { LIVE_NAMESPACE, type AlertView, type SubscribeRequest, type VitalsEvent } from '@circulator/contracts';
import { io, type Socket } from 'socket.io-client';
import type { ConnectionState } from './connection.state';
import { parseAck, parseAlertEvent, parseUpdate, parseVitals, type SnapshotReader } from './live.payload';
import { applySnapshot, applyUpdate, beginSubscribe, initialTopicState, type TopicState } from './topic.state';

/** socket.io events of CONTRACT §7. */
interface ServerToClientEvents {
  update: (payload: unknown) => void;
  vitals: (payload: unknown) => void;
  alert: (payload: unknown) => void;
}
interface ClientToServerEvents {
  subscribe: (request: SubscribeRequest, ack: (response: unknown) => void) => void;
  auth: (request: { token: string }, ack: (response: unknown) => void) => void;
  unsubscribe: (request: SubscribeRequest) => void;
}

/** What a screen renders of one topic. A new object whenever anything in it changed. */
export interface TopicView<X = undefined> {
  state: TopicState<X>;
  /** Why the topic cannot be shown (a refused subscribe), if so. */
  error?: string;
  /**
   * `performance.now()` when the socket event behind this view arrived (for the render-time
   * probe of the browser benchmark); undefined for changes that came from no event.
   */
  receivedAt?: number;
}

export interface LiveConnectionHandlers {
  /** The server refused the token (expired or revoked): the session is over. */
  onUnauthorized(): void;
}

export interface LiveConnectionOptions {
  /** Server origin, e.g. http://127.0.0.1:3000; the page's own origin when omitted. */
  origin?: string;
  /** Clock (epoch ms) for the connection indicator's "since" and the snapshots' age. */
  now?: () => number;
  /** Monotonic clock for `receivedAt`; performance.now by default. */
  monotonic?: () => number;
}

const SUBSCRIBE_TIMEOUT_MS = 10_000;
const RETRY_AFTER_MS = 3_000;

interface Entry<X> {
  topic: string;
  read: SnapshotReader<X>;
  state: TopicState<X>;
  error: string | undefined;
  view: TopicView<X>;
  listeners: Set<() => void>;
  /** Only the latest subscribe's ack counts; older ones (a retry, a re-subscribe) are ignored. */
  seq: number;
  retry: ReturnType<typeof setTimeout> | undefined;
}

type Listener<T> = (event: T, receivedAt: number) => void;

/**
 * One socket.io connection to `/live`, shared by every topic a screen shows. Subscribes each
 * watched topic on every (re)connect, applies updates through the pure transitions of
 * topic.state.ts, re-subscribes a topic when they report a gap, and hands `vitals` and `alert`
 * events to whoever listens on their topic. A connection recovered by socket.io (under two
 * minutes away) keeps its subscriptions and gets what it missed: no snapshot needed.
 *
 * The token is read at each (re)connect, so a refreshed token is used from the next one on.
 */
export class LiveConnection {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private connection: ConnectionState = { kind: 'connecting' };
  // Entries of different topics hold different snapshot types; each is only read back through
  // the reader it was created with.
  private readonly entries = new Map<string, Entry<unknown>>();
  private readonly connectionListeners = new Set<() => void>();
  private readonly vitalsListeners = new Map<string, Set<Listener<VitalsEvent>>>();
  private readonly alertListeners = new Map<string, Set<Listener<AlertView>>>();
  private stopped = false;
  private readonly now: () => number;
  private readonly monotonic: () => number;

  constructor(
    token: () => string,
    private readonly handlers: LiveConnectionHandlers,
    options: LiveConnectionOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.socket = io(`${options.origin ?? ''}${LIVE_NAMESPACE}`, {
      auth: (cb) => cb({ token: token() }),
      autoConnect: false,
      reconnectionDelayMax: 10_000,
    });
    this.socket.on('connect', () => {
      this.setConnection({ kind: 'connected' });
      for (const entry of this.entries.values()) {
        if (this.socket.recovered && !entry.state.syncing) this.publish(entry);
        else this.subscribe(entry);
      }
    });
    this.socket.on('disconnect', (reason) => {
      if (this.connection.kind !== 'disconnected') this.setConnection({ kind: 'disconnected', since: this.now() });
      // socket.io does not reconnect by itself after a server-side disconnect (a token checked
      // again and found expired: the next handshake carries the refreshed one).
      if (reason === 'io server disconnect' && !this.stopped) this.socket.connect();
    });
    this.socket.on('connect_error', (error) => {
      if (error.message === 'unauthorized') {
        this.stop();
        this.handlers.onUnauthorized();
        return;
      }
      if (this.connection.kind === 'connected') this.setConnection({ kind: 'disconnected', since: this.now() });
    });
    this.socket.on('update', (payload) => {
      const receivedAt = this.monotonic();
      const update = parseUpdate(payload);
      const entry = update && this.entries.get(update.topic);
      if (update === undefined || entry === undefined) return;
      const step = applyUpdate(entry.state, update);
      if (step.state === entry.state) return;
      entry.state = step.state;
      if (step.resubscribe) this.subscribe(entry);
      else this.publish(entry, receivedAt);
    });
    this.socket.on('vitals', (payload) => {
      const receivedAt = this.monotonic();
      const event = parseVitals(payload);
      if (event) for (const listener of this.vitalsListeners.get(event.topic) ?? []) listener(event, receivedAt);
    });
    this.socket.on('alert', (payload) => {
      const receivedAt = this.monotonic();
      const event = parseAlertEvent(payload);
      if (event) for (const listener of this.alertListeners.get(event.topic) ?? []) listener(event.alert, receivedAt);
    });
  }

  start(): void {
    this.stopped = false;
    this.socket.connect();
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) {
      clearTimeout(entry.retry);
      entry.seq += 1;
    }
    this.socket.disconnect();
  }

  connectionState(): ConnectionState {
    return this.connection;
  }

  onConnectionChange(listener: () => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** The topic as last seen; undefined while nobody watches it. Stable until it changes. */
  view<X>(topic: string): TopicView<X> | undefined {
    return this.entries.get(topic)?.view as TopicView<X> | undefined;
  }

  /**
   * Watches a topic: the first watcher subscribes it, the last one to leave unsubscribes it.
   * `listener` is called after every change of the topic's view.
   */
  watch<X>(topic: string, read: SnapshotReader<X>, listener: () => void): () => void {
    let entry = this.entries.get(topic) as Entry<X> | undefined;
    if (entry === undefined) {
      const state = initialTopicState<X>(topic);
      const created: Entry<X> = {
        topic,
        read,
        state,
        error: undefined,
        view: { state },
        listeners: new Set(),
        seq: 0,
        retry: undefined,
      };
      entry = created;
      this.entries.set(topic, created);
      if (this.socket.connected) this.subscribe(created);
    }
    const watched = entry;
    watched.listeners.add(listener);
    return () => {
      watched.listeners.delete(listener);
      if (watched.listeners.size > 0 || this.entries.get(topic) !== (watched as Entry<unknown>)) return;
      this.entries.delete(topic);
      clearTimeout(watched.retry);
      watched.seq += 1;
      if (this.socket.connected) this.socket.emit('unsubscribe', { topic });
    };
  }

  /**
   * Hands a refreshed access token to the live connection, so that it is not dropped when the
   * token it connected with expires (a reconnect would otherwise carry the new one).
   */
  reauthenticate(token: string): void {
    if (this.socket.connected) this.socket.emit('auth', { token }, () => undefined);
  }

  /** Asks for a fresh snapshot of a watched topic (e.g. to refresh what updates do not carry). */
  refresh(topic: string): void {
    const entry = this.entries.get(topic);
    if (entry && this.socket.connected) this.subscribe(entry);
  }

  /** `vitals` events of a topic (CONTRACT §7: `room:` and `case:` topics, at most once a second per room). */
  onVitals(topic: string, listener: Listener<VitalsEvent>): () => void {
    return addTo(this.vitalsListeners, topic, listener);
  }

  /** `alert` events of a topic (CONTRACT §7). */
  onAlert(topic: string, listener: Listener<AlertView>): () => void {
    return addTo(this.alertListeners, topic, listener);
  }

  private subscribe<X>(entry: Entry<X>): void {
    clearTimeout(entry.retry);
    const seq = ++entry.seq;
    const { topic } = entry;
    entry.state = beginSubscribe(entry.state);
    this.publish(entry);
    this.socket.timeout(SUBSCRIBE_TIMEOUT_MS).emit('subscribe', { topic }, (timeout, response) => {
      if (seq !== entry.seq || this.entries.get(topic) !== entry) return;
      const ack = timeout ? undefined : parseAck(response, entry.read);
      if (ack === undefined) {
        // No answer, or not one we can read: try again while connected.
        entry.retry = setTimeout(() => {
          if (this.socket.connected && seq === entry.seq) this.subscribe(entry);
        }, RETRY_AFTER_MS);
        return;
      }
      if (!ack.ok) {
        entry.error = `The server refused ${topic}: ${ack.error}`;
        this.publish(entry);
        return;
      }
      entry.error = undefined;
      const step = applySnapshot(entry.state, ack, this.now());
      entry.state = step.state;
      if (step.resubscribe) this.subscribe(entry);
      else this.publish(entry);
    });
  }

  private publish<X>(entry: Entry<X>, receivedAt?: number): void {
    entry.view = {
      state: entry.state,
      ...(entry.error !== undefined ? { error: entry.error } : {}),
      ...(receivedAt !== undefined ? { receivedAt } : {}),
    };
    for (const listener of [...entry.listeners]) listener();
  }

  private setConnection(next: ConnectionState): void {
    this.connection = next;
    for (const listener of [...this.connectionListeners]) listener();
  }
}

function addTo<T>(map: Map<string, Set<T>>, topic: string, listener: T): () => void {
  let set = map.get(topic);
  if (set === undefined) {
    set = new Set();
    map.set(topic, set);
  }
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0 && map.get(topic) === set) map.delete(topic);
  };
}
