import { Inject, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
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
import { localDate, localDayBounds, toCaseView, type Clock, type NameDisclosure } from '@circulator/domain';
import { AuditService, IdentityError, TokenService, type Principal } from '@circulator/identity';
import {
  CaseRepository,
  DeviceRepository,
  RoomRepository,
  type DeviceRecord,
  type RoomEnvironmentRecord,
} from '@circulator/persistence';
import { ChangeBus } from './change.bus';
import { RedisConnections } from './redis.connections';
import { newestAt, VitalsThrottle, type VitalsSample } from './vitals.throttle';
import { CLOCK, REALTIME_SETTINGS, type RealtimeSettings } from './realtime.tokens';

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

/**
 * The `/live` namespace: authenticated on connect, authorised on every subscribe; a snapshot on
 * subscribe and versioned updates after it (CONTRACT §7).
 */
@WebSocketGateway({ namespace: LIVE_NAMESPACE, serveClient: false, perMessageDeflate: false })
export class LiveGateway implements OnGatewayInit, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LiveGateway.name);
  private subscriber?: Redis;
  /** `vitals` events: at most one per room per second (CONTRACT §7). */
  private readonly vitals = new VitalsThrottle((sample) => this.sendVitals(sample));
  private revalidateTimer?: NodeJS.Timeout;
  private revalidating = false;

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
  ) {}

  afterInit(namespace: Namespace): void {
    namespace.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: unknown } | undefined;
      const token = typeof auth?.token === 'string' ? auth.token : '';
      this.tokens.verify(token).then(
        (principal) => {
          Object.assign(socket.data as SocketData, { principal, token });
          next();
        },
        // Only a refused credential is `unauthorized` (clients sign out on it); a server fault
        // (database away) is `unavailable`, and clients keep retrying.
        (err: unknown) => next(new Error(isRefused(err) ? 'unauthorized' : 'unavailable')),
      );
    });
  }

  async onModuleInit(): Promise<void> {
    const sub = this.connections.create('live-subscriber');
    this.subscriber = sub;
    sub.on('message', (_channel: string, raw: string) => this.fanOut(raw));
    // While the change bus was away, updates were published that this gateway never heard. Its
    // clients cannot know: drop their connections so that they reconnect and take fresh
    // snapshots (every missed update is then replaced by a snapshot, never silently lost).
    let connectedBefore = false;
    sub.on('ready', () => {
      if (connectedBefore) {
        // ioredis says ready before it has subscribed again: wait for the subscription, or a
        // client reconnecting at once could take its snapshot while updates still go unheard.
        sub.subscribe(this.bus.channel).then(
          () => {
            this.logger.warn('change bus reconnected: clients reconnect for fresh snapshots');
            this.server.disconnectSockets(true);
          },
          (err: unknown) => this.logger.error(`change bus: could not subscribe again: ${(err as Error).message}`),
        );
      }
      connectedBefore = true;
    });
    await sub.subscribe(this.bus.channel);
    this.revalidateTimer = setInterval(() => void this.revalidate(), REVALIDATE_INTERVAL_MS);
    this.revalidateTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.revalidateTimer) clearInterval(this.revalidateTimer);
    this.vitals.stop();
    await this.subscriber?.unsubscribe().catch(() => undefined);
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscribeAck> {
    const principal = await this.stillValid(socket);
    if (!principal) return { ok: false, error: 'unauthorized' };
    const name = (body as { topic?: unknown } | undefined)?.topic;
    const topic = parseTopic(name);
    if (!topic || typeof name !== 'string') return { ok: false, error: 'unknown topic' };
    if (!mayRead(principal, topic)) return { ok: false, error: 'forbidden' };
    const room = `${name}#${disclosureFor(principal)}`;
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
      let dropped = 0;
      for (const socket of this.server.sockets.values()) {
        if (!(await this.stillValid(socket))) dropped += 1;
      }
      if (dropped) this.logger.log(`disconnected ${dropped} socket(s) whose credential is no longer valid`);
      return dropped;
    } finally {
      this.revalidating = false;
    }
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<{ ok: boolean }> {
    const name = (body as { topic?: unknown } | undefined)?.topic;
    if (typeof name !== 'string') return { ok: false };
    for (const d of DISCLOSURES) await socket.leave(`${name}#${d}`);
    return { ok: true };
  }

  private async snapshot(topic: ParsedTopic, disclosure: NameDisclosure): Promise<unknown> {
    switch (topic.kind) {
      case 'board': {
        const { start, end } = localDayBounds(topic.date, this.settings.facilityTz);
        const cases = await this.cases.listBetween(start, end);
        return { cases: cases.map((c) => toCaseView(c, disclosure)) };
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
          cases: cases.map((c) => toCaseView(c, disclosure)),
          ...(environment ? { environment: environmentView(environment) } : {}),
          devices: devices.filter((d) => d.lifecycle !== 'retired').map(roomDeviceView),
        };
      }
      case 'case': {
        const state = isCaseId(topic.caseId) ? await this.cases.get(topic.caseId) : undefined;
        return state ? { case: toCaseView(state, disclosure) } : undefined;
      }
      case 'alerts':
        return { alerts: [] };
    }
  }

  /** One `vitals` event to the room's and the case's subscribers (vitals carry no names: every disclosure). */
  private sendVitals(sample: VitalsSample): void {
    const at = newestAt(sample.values);
    for (const topic of [`room:${sample.roomId}`, `case:${sample.caseId}`]) {
      const event: VitalsEvent = { topic, caseId: sample.caseId, roomId: sample.roomId, at, values: sample.values };
      for (const disclosure of DISCLOSURES) this.server.to(`${topic}#${disclosure}`).emit('vitals', event);
    }
  }

  private fanOut(raw: string): void {
    try {
      const change = ChangeBus.decode(raw);
      let vitals: CaseView['vitals'] | undefined;
      for (const disclosure of DISCLOSURES) {
        const view = toCaseView(change.state, disclosure);
        vitals ??= view.vitals;
        for (const t of change.topics) {
          const update: UpdateEvent = t.removed
            ? { topic: t.topic, version: t.version, removed: [change.caseId] }
            : { topic: t.topic, version: t.version, cases: [view] };
          this.server.to(`${t.topic}#${disclosure}`).emit('update', update);
        }
      }
      // Vitals go to the room's screens while the case is on today's room topic.
      const room = change.topics.find((t) => t.topic.startsWith('room:') && !t.removed);
      if (room && vitals && Object.keys(vitals).length) {
        this.vitals.offer({
          roomId: room.topic.slice('room:'.length),
          caseId: change.caseId,
          values: vitals,
        });
      }
    } catch (err) {
      this.logger.error(`dropped an undecodable change message: ${(err as Error).message}`);
    }
  }
}
