import { Inject, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import type { Namespace, Socket } from 'socket.io';
import type { Redis } from 'ioredis';
import {
  CASE_READER_ROLES,
  isCaseId,
  type AlertEvent,
  type AlertItem,
  type AlertsSnapshot,
  LIVE_NAMESPACE,
  parseTopic,
  type ParsedTopic,
  type RoomDeviceView,
  type RoomEnvironmentView,
  type SubscribeAck,
  type UpdateEvent,
  type VitalsEvent,
  type CaseView,
} from '@circulator/contracts';
import {
  boardCaseView,
  localDate,
  localDayBounds,
  toCaseView,
  type CaseState,
  type Clock,
  type NameDisclosure,
} from '@circulator/domain';
import {
  AuditService,
  endedBy,
  IdentityError,
  TokenService,
  type Principal,
  type RevokedSubject,
} from '@circulator/identity';
import {
  CaseRepository,
  DeviceRepository,
  RoomRepository,
  type DeviceRecord,
  type RoomEnvironmentRecord,
} from '@circulator/persistence';
import { ChangeBus, type CaseChangeMessage, type ChangeEntry } from './change.bus';
import { ChangeStreamReader } from './change.stream.reader';
import { createLiveAdapter, type RestoredSessionData } from './live.adapter';
import { RedisConnections } from './redis.connections';
import { TopicPacer, type PacedUpdate } from './topic.pacer';
import { UpdateAccumulator } from './update.accumulator';
import { newestAt, VitalsThrottle, type VitalsSample } from './vitals.throttle';
import { CLOCK, REALTIME_SETTINGS, type RealtimeSettings } from './realtime.tokens';
import { METRICS_SINK, type MetricsSink } from './metrics.sink';

const DISCLOSURES: readonly NameDisclosure[] = ['full', 'initials'];

/** A credential the identity service refused (as opposed to a fault while checking it). */
function isRefused(err: unknown): boolean {
  return err instanceof IdentityError && err.code === 'unauthorized';
}

/** Minimum necessary PHI: wall displays get initials; clinicians and staff get full names. */
export function disclosureFor(principal: Principal): NameDisclosure {
  return principal.roles.includes('display') && principal.roles.length === 1 ? 'initials' : 'full';
}

/** Whether a principal may read a topic (CONTRACT §2/§7): a display only its own room. */
export function mayRead(principal: Principal, topic: ParsedTopic): boolean {
  // A remote consultant reads the one case it was granted, nothing else.
  if (principal.kind === 'consult') return topic.kind === 'case' && topic.caseId === principal.caseId;
  const reader = principal.roles.some((r) => CASE_READER_ROLES.includes(r));
  switch (topic.kind) {
    case 'board':
    case 'case':
      return reader;
    case 'room':
      return reader || (principal.roles.includes('display') && principal.roomId === topic.roomId);
    case 'alerts':
      return reader || principal.roles.includes('biomed');
  }
}

interface SocketData {
  principal: Principal;
  /** Kept to check again: a token expires, a display credential is revoked. */
  token: string;
  /** Set on a recovered connection until the gateway has replayed what it missed. */
  restoredFrom?: string;
}

/**
 * Packets engine.io holds for a client whose transport is still busy with earlier ones. The
 * field is public in engine.io's JavaScript and marked private only in its typings.
 */
function waitingPackets(conn: Socket['conn']): number {
  return (conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
}

/** A socket.io room of the gateway: a topic as seen with one disclosure of names. */
function topicRoom(topic: string, disclosure: NameDisclosure): string {
  return `${topic}#${disclosure}`;
}

/** The topic and disclosure of a room made by {@link topicRoom}; undefined for a socket's own room. */
function parseTopicRoom(room: string): { topic: string; disclosure: string } | undefined {
  const hash = room.lastIndexOf('#');
  return hash < 0 ? undefined : { topic: room.slice(0, hash), disclosure: room.slice(hash + 1) };
}

/** A case's alerts as the `alerts` topic lists them. */
function alertItems(view: CaseView): AlertItem[] {
  return view.alerts.map((a) => ({ ...a, caseId: view.id, roomId: view.roomId }));
}

/** A device as the room's screens show it: no serials, no credentials, no history. */
function roomDeviceView(d: DeviceRecord): RoomDeviceView {
  const view: RoomDeviceView = {
    id: d.id,
    type: d.type,
    connectivity: d.connectivity as RoomDeviceView['connectivity'],
    lifecycle: d.lifecycle as RoomDeviceView['lifecycle'],
  };
  if (d.label) view.label = d.label;
  if (d.connectivitySince) view.connectivitySince = d.connectivitySince;
  if (d.lastSeenAt) view.lastSeenAt = d.lastSeenAt;
  if (d.errorCode) view.errorCode = d.errorCode;
  return view;
}

function environmentView(e: RoomEnvironmentRecord): RoomEnvironmentView {
  const view: RoomEnvironmentView = { at: e.at };
  if (e.temperatureC !== null) view.temperatureC = e.temperatureC;
  if (e.humidityPct !== null) view.humidityPct = e.humidityPct;
  if (e.pressurePa !== null) view.pressurePa = e.pressurePa;
  return view;
}

/** How often connected sockets' tokens are checked again (expiry, revoked displays). */
const REVALIDATE_INTERVAL_MS = 15_000;

/** socket.io connection-state recovery: a client that drops for under two minutes resumes. */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

/**
 * A client with more packets than this waiting in its engine.io write buffer is lagging: it
 * stops getting every update and gets, once it has drained, one coalesced update per topic with
 * the latest state of each changed case. Others never wait for it.
 */
export const LAG_PACKETS = 32;

/** Replay of a recovered connection reads the stream in pages of this many entries… */
const REPLAY_PAGE = 1_000;
/**
 * A topic that has just had an update gathers what comes in the next 20 ms into one: a busy
 * topic costs each client at most 50 writes a second, and an update waits at most 20 ms. Writes
 * per client, not bytes, are what a fan-out to a thousand sockets spends its time on.
 */
export const COALESCE_TICK_MS = 20;
/** …and gives up (the client then takes snapshots) beyond this many pages. */
const REPLAY_MAX_PAGES = 50;

/**
 * The `/live` namespace: authenticated on connect, authorised on every subscribe; a snapshot on
 * subscribe and versioned updates after it (CONTRACT §7).
 */
@WebSocketGateway({
  namespace: LIVE_NAMESPACE,
  serveClient: false,
  // Per-message compression costs more than it saves at wall-display fan-out (DEPENDENCY-NOTES).
  perMessageDeflate: false,
  // The middleware runs on recovered connections too: a token is checked on every connect.
  connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: false },
})
export class LiveGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy
{
  private readonly logger = new Logger(LiveGateway.name);
  private reader?: ChangeStreamReader;
  private sessions?: Redis;
  /**
   * Sockets that get their updates later, coalesced: lagging ones until they drain, recovered
   * ones until the stream has been replayed to them.
   */
  private readonly held = new Map<string, UpdateAccumulator>();
  /** `vitals` events: at most one per room per second (CONTRACT §7). */
  private readonly vitals = new VitalsThrottle((sample) => this.sendVitals(sample));
  /** Per-topic coalescing of live updates (one write per topic per tick at most). */
  private readonly pacer: TopicPacer;
  /** The newest change stream entry handled. */
  private handled = '0-0';
  private revalidateTimer?: NodeJS.Timeout;
  private revalidating = false;
  /**
   * For /metrics' display latency: per socket.io room, when the oldest change of its update still
   * to be written was appended to the stream (ms since the epoch, the stream id's first part).
   */
  private readonly appendedAt = new Map<string, number>();

  @WebSocketServer()
  private readonly server!: Namespace;

  constructor(
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly cases: CaseRepository,
    private readonly rooms: RoomRepository,
    private readonly devices: DeviceRepository,
    private readonly bus: ChangeBus,
    private readonly connections: RedisConnections,
    @Inject(REALTIME_SETTINGS) private readonly settings: RealtimeSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(METRICS_SINK) private readonly metrics?: MetricsSink,
  ) {
    this.pacer = new TopicPacer(settings.coalesceMs ?? COALESCE_TICK_MS, (room, update) => this.deliver(room, update));
  }

  afterInit(namespace: Namespace): void {
    this.sessions = this.connections.create('live-sessions');
    namespace.server.adapter(
      createLiveAdapter({
        redis: this.sessions,
        sessionKey: (pid) => this.connections.key('live-session', pid),
        stream: this.bus.stream,
        // Never past a change whose update is still to be written (held for its tick).
        currentOffset: () => this.pacer.safeOffset(this.handled),
        subOf: (data) => (data as Partial<SocketData> | undefined)?.principal?.sub,
        maxDisconnectionMs: RECOVERY_WINDOW_MS,
      }),
    );
    namespace.use((socket, next) => {
      // A browser page of another site must not open a socket, even with a token it holds.
      const { origin, host } = socket.handshake.headers;
      if (this.settings.originAllowed && !this.settings.originAllowed(origin, host)) {
        return next(new Error('forbidden origin'));
      }
      const auth = socket.handshake.auth as { token?: unknown } | undefined;
      const token = typeof auth?.token === 'string' ? auth.token : '';
      this.tokens.verify(token).then(
        (principal) => {
          if (socket.recovered && !this.admitRestored(socket, principal)) return next(new Error('unavailable'));
          Object.assign(socket.data as SocketData, { principal, token });
          next();
        },
        // Only a refused credential is `unauthorized` (clients sign out on it); a server fault
        // (database away) is `unavailable`, and clients keep retrying.
        (err: unknown) => next(new Error(isRefused(err) ? 'unauthorized' : 'unavailable')),
      );
    });
  }

  /**
   * A recovered session is the same principal's, and keeps only the topics that principal may
   * still read with the names its role may see now.
   */
  private admitRestored(socket: Socket, principal: Principal): boolean {
    const restored = socket.data as Partial<RestoredSessionData>;
    if (restored.previousSub !== principal.sub) return false;
    for (const room of socket.rooms) {
      const parts = parseTopicRoom(room);
      if (!parts) continue;
      const topic = parseTopic(parts.topic);
      if (!topic || !mayRead(principal, topic) || parts.disclosure !== disclosureFor(principal)) {
        void socket.leave(room);
        this.held.get(socket.id)?.forget(room);
      }
    }
    return true;
  }

  async onModuleInit(): Promise<void> {
    this.reader = new ChangeStreamReader(this.connections.create('live-reader'), this.bus.stream, {
      batch: (entries) => this.onEntries(entries),
      // The reader was away longer than the stream keeps entries: clients reconnect and take
      // fresh snapshots, so that every missed update is replaced, never silently lost.
      gap: () => this.server.disconnectSockets(true),
    });
    await this.reader.start();
    this.handled = this.reader.offset;
    this.revalidateTimer = setInterval(() => void this.revalidate(), REVALIDATE_INTERVAL_MS);
    this.revalidateTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.revalidateTimer) clearInterval(this.revalidateTimer);
    this.vitals.stop();
    this.pacer.stop();
    await this.reader?.stop();
  }

  /** A recovered connection gets what it missed, replayed from the stream, before anything newer. */
  async handleConnection(socket: Socket): Promise<void> {
    const data = socket.data as SocketData & Partial<RestoredSessionData>;
    if (!socket.recovered || data.restoredFrom === undefined) return;
    const from = data.restoredFrom;
    delete data.restoredFrom;
    delete data.previousSub;
    // Held (live updates folded aside) until the replay is out; it may be held already, from
    // updates that came while it was still being checked.
    if (!this.held.has(socket.id)) this.hold(socket.id);
    const rooms = [...socket.rooms].filter((r) => parseTopicRoom(r) !== undefined);
    try {
      const missed = await this.replay(from, rooms, data.principal);
      if (!missed) {
        // Too far behind, or revoked meanwhile: a fresh start (the client re-subscribes).
        // Disconnecting also drops what was held (handleDisconnect).
        socket.disconnect(true);
        return;
      }
      await this.audit.record({
        principal: data.principal,
        action: 'live.resume',
        targetType: 'topic',
        targetId: rooms.map((r) => parseTopicRoom(r)?.topic).join(','),
      });
      for (const { update } of missed.drain()) socket.emit('update', update);
      this.release(socket.id);
    } catch (err) {
      this.logger.error(`could not replay to a recovered connection: ${(err as Error).message}`);
      socket.disconnect(true);
    }
  }

  handleDisconnect(socket: Socket): void {
    this.held.delete(socket.id);
  }

  /**
   * The updates a recovered connection missed in its rooms, coalesced per room; undefined when
   * the stream no longer reaches back that far or the principal was revoked meanwhile.
   */
  private async replay(from: string, rooms: string[], principal: Principal): Promise<UpdateAccumulator | undefined> {
    const acc = new UpdateAccumulator();
    const wanted = new Set(rooms);
    let start = `(${from}`;
    for (let page = 0; page < REPLAY_MAX_PAGES; page += 1) {
      const raw = (await (this.sessions as Redis).xrange(this.bus.stream, start, '+', 'COUNT', REPLAY_PAGE)) as [
        string,
        string[],
      ][];
      for (const [id, fields] of raw) {
        const entry = ChangeBus.decodeEntry(id, fields);
        if (entry?.kind === 'revoke' && entry.subject.sub === principal.sub) return undefined;
        if (entry?.kind === 'change') this.collect(acc, entry.change, (room) => wanted.has(room));
      }
      if (raw.length < REPLAY_PAGE) return acc;
      start = `(${(raw.at(-1) as [string, string[]])[0]}`;
    }
    return undefined;
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscribeAck> {
    const principal = await this.stillValid(socket);
    if (!principal) return { ok: false, error: 'unauthorized' };
    const name = (body as { topic?: unknown } | undefined)?.topic;
    const topic = parseTopic(name);
    if (!topic || typeof name !== 'string') return { ok: false, error: 'unknown topic' };
    if (!mayRead(principal, topic)) return { ok: false, error: 'forbidden' };
    const room = topicRoom(name, disclosureFor(principal));
    // Join before reading the version and the snapshot: an update published in between is then
    // delivered (and is at worst a repeat of what the snapshot holds, which clients ignore by
    // case version) rather than lost.
    await socket.join(room);
    try {
      const version = await this.bus.version(name);
      const snapshot = await this.snapshot(topic, disclosureFor(principal));
      if (snapshot === undefined) {
        await socket.leave(room);
        return { ok: false, error: 'not found' };
      }
      await this.audit.record({ principal, action: 'live.subscribe', targetType: 'topic', targetId: name });
      // Carries the stream offset (as every event does): a client whose topics stay quiet can
      // still resume a dropped connection without a snapshot.
      socket.emit('subscribed', { topic: name, version });
      return { ok: true, topic: name, version, snapshot };
    } catch (err) {
      // Always answer the ack: a client waiting on it must not hang on a server fault.
      await socket.leave(room);
      const errorId = randomUUID();
      this.logger.error(`subscribe ${name} failed (error ${errorId}): ${(err as Error).message}`);
      return { ok: false, error: `unavailable (error ${errorId})` };
    }
  }

  /**
   * The socket's principal if its token is still good; otherwise the socket is disconnected —
   * on the next turn of the event loop, so that an ack being answered still reaches the client.
   */
  private async stillValid(socket: Socket): Promise<Principal | undefined> {
    const data = socket.data as SocketData;
    try {
      return await this.tokens.verify(data.token);
    } catch (err) {
      // A database blip must not throw every wall display out: only a refused credential does.
      if (!isRefused(err)) return data.principal;
      setImmediate(() => socket.disconnect(true));
      return undefined;
    }
  }

  /** Disconnects sockets whose token expired or whose display credential was revoked. */
  async revalidate(): Promise<number> {
    if (this.revalidating) return 0; // the previous sweep is still running
    this.revalidating = true;
    try {
      // Screens of one room often share a credential: each distinct token is checked once, and
      // the event loop gets a turn between checks, so a sweep over a thousand sockets never holds
      // fan-out up (the embedded database answers in this very thread).
      const byToken = new Map<string, Socket[]>();
      for (const socket of this.server.sockets.values()) {
        const token = (socket.data as SocketData).token;
        const group = byToken.get(token);
        if (group) group.push(socket);
        else byToken.set(token, [socket]);
      }
      let dropped = 0;
      for (const [token, sockets] of byToken) {
        await new Promise((resolve) => setImmediate(resolve));
        const open = sockets.filter((socket) => socket.connected && (socket.data as SocketData).token === token);
        const first = open[0];
        if (!first) continue;
        if (await this.stillValid(first)) continue;
        for (const socket of open.slice(1)) setImmediate(() => socket.disconnect(true));
        dropped += open.length;
      }
      if (dropped) this.logger.log(`disconnected ${dropped} socket(s) whose credential is no longer valid`);
      // Recovered sockets that never completed their connection (refused by the middleware).
      for (const id of this.held.keys()) {
        if (!this.server.sockets.has(id) && !this.server.adapter.sids.has(id)) this.held.delete(id);
      }
      return dropped;
    } finally {
      this.revalidating = false;
    }
  }

  /**
   * `auth {token}`: a client that refreshed its access token hands the new one over, so that its
   * connection outlives the old token (checked again every 15 s) without a reconnect. Only a token
   * of the same principal and sign-in is taken; anything else is refused and changes nothing.
   */
  @SubscribeMessage('auth')
  async reauthenticate(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: unknown,
  ): Promise<{ ok: boolean; error?: string }> {
    const token = (body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') return { ok: false, error: 'unauthorized' };
    const data = socket.data as SocketData;
    let principal: Principal;
    try {
      principal = await this.tokens.verify(token);
    } catch (err) {
      return { ok: false, error: isRefused(err) ? 'unauthorized' : 'unavailable' };
    }
    const same =
      principal.sub === data.principal.sub &&
      principal.kind === data.principal.kind &&
      principal.sessionId === data.principal.sessionId;
    if (!same) return { ok: false, error: 'unauthorized' };
    Object.assign(data, { principal, token });
    return { ok: true };
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<{ ok: boolean }> {
    const name = (body as { topic?: unknown } | undefined)?.topic;
    if (typeof name !== 'string') return { ok: false };
    for (const d of DISCLOSURES) {
      await socket.leave(topicRoom(name, d));
      this.held.get(socket.id)?.forget(topicRoom(name, d));
    }
    return { ok: true };
  }

  private async snapshot(topic: ParsedTopic, disclosure: NameDisclosure): Promise<unknown> {
    switch (topic.kind) {
      case 'board': {
        const { start, end } = localDayBounds(topic.date, this.settings.facilityTz);
        const cases = await this.cases.listBetween(start, end);
        return { cases: cases.map((c) => boardCaseView(this.view(c, disclosure))) };
      }
      case 'room': {
        const room = await this.rooms.get(topic.roomId);
        if (!room) return undefined;
        const today = localDate(this.clock.now().toISOString(), this.settings.facilityTz);
        const { start, end } = localDayBounds(today, this.settings.facilityTz);
        const cases = await this.cases.listBetween(start, end, topic.roomId);
        const [devices, environment] = await Promise.all([
          this.devices.list({ roomId: topic.roomId }),
          this.devices.environment(topic.roomId),
        ]);
        return {
          room,
          cases: cases.map((c) => this.view(c, disclosure)),
          ...(environment ? { environment: environmentView(environment) } : {}),
          devices: devices.filter((d) => d.lifecycle !== 'retired').map(roomDeviceView),
        };
      }
      case 'case': {
        const state = isCaseId(topic.caseId) ? await this.cases.get(topic.caseId) : undefined;
        return state ? { case: this.view(state, disclosure) } : undefined;
      }
      case 'alerts': {
        // Today's (facility-local) alerts, with the cases they belong to.
        const today = localDate(this.clock.now().toISOString(), this.settings.facilityTz);
        const { start, end } = localDayBounds(today, this.settings.facilityTz);
        const cases = (await this.cases.listBetween(start, end)).filter((c) => c.alerts.length > 0);
        const views = cases.map((c) => this.view(c, disclosure));
        const snapshot: AlertsSnapshot = { alerts: views.flatMap(alertItems), cases: views };
        return snapshot;
      }
    }
  }

  /** One `vitals` event to the room's and the case's subscribers (vitals carry no names: every disclosure). */
  private sendVitals(sample: VitalsSample): void {
    const at = newestAt(sample.values);
    for (const topic of [`room:${sample.roomId}`, `case:${sample.caseId}`]) {
      const event: VitalsEvent = { topic, caseId: sample.caseId, roomId: sample.roomId, at, values: sample.values };
      // Volatile: a lagging client skips a reading rather than queueing it (the next one is newer).
      for (const disclosure of DISCLOSURES) this.server.volatile.to(topicRoom(topic, disclosure)).emit('vitals', event);
    }
  }

  /**
   * A batch read from the change stream: coalesced per room, then handed to the pacer, which
   * sends each room's update now or at the end of its tick.
   */
  private onEntries(entries: ChangeEntry[]): void {
    const batch = new UpdateAccumulator();
    const rooms = this.server.adapter.rooms;
    // For each room: the entry handled before its first change in this batch.
    const before = new Map<string, string>();
    let previous = this.handled;
    for (const entry of entries) {
      if (entry.kind === 'revoke') {
        this.disconnectSubject(entry.subject);
      } else {
        try {
          const wanted = (room: string): boolean => {
            if (!rooms.has(room)) return false;
            if (!before.has(room)) before.set(room, previous);
            if (this.metrics && !this.appendedAt.has(room)) this.appendedAt.set(room, appendedAtOf(entry.id));
            return true;
          };
          const view = this.collect(batch, entry.change, wanted);
          // Nobody here shows the case: no vitals to send either.
          if (view) this.offerVitals(entry.change, view);
          this.announceAlerts(entry.change, rooms);
        } catch (err) {
          this.logger.error(`dropped an unusable change ${entry.id}: ${(err as Error).message}`);
        }
      }
      previous = entry.id;
    }
    this.handled = previous;
    const paced: PacedUpdate[] = batch
      .drain()
      .map(({ room, update }) => ({ room, update, before: before.get(room) ?? previous }));
    this.pacer.offer(paced);
  }

  /**
   * Adds a change's updates for the rooms `wanted` says someone listens to; returns a view of
   * the case if any was needed.
   */
  private collect(
    acc: UpdateAccumulator,
    change: CaseChangeMessage,
    wanted: (room: string) => boolean,
  ): CaseView | undefined {
    let any: CaseView | undefined;
    for (const disclosure of DISCLOSURES) {
      let view: CaseView | undefined;
      for (const t of change.topics) {
        const room = topicRoom(t.topic, disclosure);
        if (!wanted(room)) continue;
        if (t.removed) {
          acc.add(room, t.topic, t.version, { removed: change.caseId });
        } else {
          view ??= this.view(change.state, disclosure);
          any ??= view;
          acc.add(room, t.topic, t.version, { case: t.topic.startsWith('board:') ? boardCaseView(view) : view });
        }
      }
    }
    return any;
  }

  /** A case as a reader with this disclosure sees it (displays: as the site's setting says). */
  private view(state: CaseState, disclosure: NameDisclosure): CaseView {
    return toCaseView(state, disclosure, this.settings.displayPatient);
  }

  /** An `alert` event for each alert a change raised, to the `alerts` topic's subscribers. */
  private announceAlerts(change: CaseChangeMessage, rooms: Map<string, Set<string>>): void {
    const raised = change.topics.find((t) => t.topic === 'alerts' && t.raised?.length)?.raised;
    if (!raised) return;
    for (const disclosure of DISCLOSURES) {
      const room = topicRoom('alerts', disclosure);
      if (!rooms.has(room)) continue;
      for (const alert of alertItems(this.view(change.state, disclosure))) {
        if (!raised.includes(alert.id)) continue;
        const event: AlertEvent = { topic: 'alerts', alert };
        this.server.to(room).emit('alert', event);
      }
    }
  }

  /** Vitals go to the room's screens while the case is on today's room topic. */
  private offerVitals(change: CaseChangeMessage, view: CaseView): void {
    const room = change.topics.find((t) => t.topic.startsWith('room:') && !t.removed);
    if (!room || Object.keys(view.vitals).length === 0) return;
    this.vitals.offer({ roomId: room.topic.slice('room:'.length), caseId: change.caseId, values: view.vitals });
  }

  /**
   * One update to a room: every socket that keeps up gets it now in one broadcast; held sockets
   * (lagging, or recovered and not yet caught up) have it folded into their pending update.
   */
  private deliver(room: string, update: UpdateEvent): void {
    const appended = this.appendedAt.get(room);
    this.appendedAt.delete(room);
    const members = this.server.adapter.rooms.get(room);
    if (!members) return;
    // The wall clock, not the injected one: the stream id is Redis's wall clock, on the same hosts.
    if (appended !== undefined) this.metrics?.displayUpdate(Math.max(0, Date.now() - appended));
    const skip: string[] = [];
    for (const id of members) {
      let pending = this.held.get(id);
      if (!pending) {
        const socket = this.server.sockets.get(id);
        // Not connected yet: a recovered session waiting for its checks and its replay.
        if (!socket) pending = this.hold(id);
        else if (waitingPackets(socket.conn) > LAG_PACKETS) pending = this.holdLagging(socket);
      }
      if (pending) {
        pending.merge(room, update);
        skip.push(id);
      }
    }
    if (skip.length === members.size) return;
    (skip.length ? this.server.to(room).except(skip) : this.server.to(room)).emit('update', update);
  }

  private hold(id: string): UpdateAccumulator {
    const acc = new UpdateAccumulator();
    this.held.set(id, acc);
    return acc;
  }

  /** Holds a lagging socket's updates until its write buffer has drained. */
  private holdLagging(socket: Socket): UpdateAccumulator {
    const acc = this.hold(socket.id);
    const conn = socket.conn;
    const drained = (): void => {
      if (waitingPackets(conn) > 0) return;
      conn.off('drain', drained);
      this.release(socket.id);
    };
    conn.on('drain', drained);
    socket.once('disconnect', () => conn.off('drain', drained));
    return acc;
  }

  /** Sends a held socket its pending updates, one per room, and lets it have updates live again. */
  private release(id: string): void {
    const acc = this.held.get(id);
    this.held.delete(id);
    const socket = this.server.sockets.get(id);
    if (!acc || !socket) return;
    for (const { update } of acc.drain()) socket.emit('update', update);
  }

  /** Open socket.io connections on this gateway's `/live` namespace (for /metrics). */
  clientCount(): number {
    return this.server?.sockets.size ?? 0;
  }

  /** Ends, on this gateway, every live connection of a revoked credential or user. */
  private disconnectSubject(subject: RevokedSubject): void {
    let n = 0;
    for (const socket of this.server.sockets.values()) {
      const principal = (socket.data as Partial<SocketData>).principal;
      if (principal && endedBy(subject, principal)) {
        socket.disconnect(true);
        n += 1;
      }
    }
    if (n) this.logger.log(`disconnected ${n} socket(s) of a revoked ${subject.kind}`);
  }
}

/** A stream entry id's first part: when Redis appended it, in ms since the epoch. */
function appendedAtOf(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}
