import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Clock } from '@circulator/domain';
import { DeviceRepository, type DeviceRecord } from '@circulator/persistence';
import { CLOCK } from '@circulator/realtime';
import type { DeviceType } from '../device.model';
import { parseFeedTopic, publisherMayUse } from '../feed/feed.topics';
import { DeviceRegistry } from '../registry/device.registry';
import { EmbeddedBroker } from './embedded.broker';
import { ExternalConsumer } from './external.consumer';
import { FEED_SINK, MQTT_SETTINGS, type FeedSink, type MqttSettings } from './feed.sink';

/** How often sessions are checked against the registry (a revocation made by another process). */
const SESSION_CHECK_MS = 5_000;
/** How long a registry read serves topic checks for an external broker. */
const OWNER_CACHE_MS = 5_000;

/**
 * The MQTT edge of the ingest role: the embedded broker when `MQTT_URL` is unset, else a shared
 * subscription on the external broker. Either way a message reaches the feed sink (the inbox) only
 * from, or for, a registered device, and is acknowledged only once stored.
 */
@Injectable()
export class MqttEdge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MqttEdge.name);
  private embedded?: EmbeddedBroker;
  private external?: ExternalConsumer;
  private bound?: { port: number; tlsPort?: number };
  private sessionTimer?: NodeJS.Timeout;
  private readonly owners = new Map<string, { deviceId: string | undefined; until: number }>();
  private readonly onCredentials = (deviceId: string): void => {
    this.owners.clear();
    const n = this.embedded?.disconnect(deviceId) ?? 0;
    if (n) this.logger.log(`device ${deviceId}: ${n} session(s) closed after a credential change`);
  };

  constructor(
    private readonly registry: DeviceRegistry,
    private readonly devices: DeviceRepository,
    @Inject(FEED_SINK) private readonly sink: FeedSink,
    @Inject(MQTT_SETTINGS) private readonly settings: MqttSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.registry.changes.on('credentials', this.onCredentials);
    const refused = (deviceId: string, message: string, detail: Record<string, unknown>): void =>
      void this.registry.securityEvent(deviceId, message, detail);
    const now = (): Date => this.clock.now();
    if (this.settings.url) {
      this.external = new ExternalConsumer({
        owner: (topic) => this.ownerOf(topic),
        accept: (m) => this.sink.accept(m),
        refused,
        log: (m) => this.logger.warn(m),
        now,
      });
      await this.external.start(this.settings.url, { group: this.settings.shareGroup ?? 'circulator' });
      this.logger.log('MQTT: consuming device feeds from the external broker (shared subscription)');
      return;
    }
    this.embedded = new EmbeddedBroker({
      authenticate: (u, p) => this.registry.authenticate(u, p),
      accept: (m) => this.sink.accept(m),
      refused,
      connected: (device, address) => void this.registry.connected(device, address),
      log: (m) => this.logger.warn(m),
      now,
    });
    try {
      this.bound = await this.embedded.start({
        port: this.settings.port,
        host: this.settings.host,
        tls: this.settings.tls,
      });
    } catch (err) {
      throw new Error(`MQTT_PORT: cannot listen on port ${this.settings.port}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.sessionTimer = setInterval(() => void this.checkSessions(), SESSION_CHECK_MS);
    this.sessionTimer.unref();
    this.logger.log(
      `MQTT broker listening on port ${this.bound.port}${this.bound.tlsPort ? `, TLS on ${this.bound.tlsPort}` : ''}`,
    );
  }

  /**
   * Whether device feeds can arrive (readiness): the embedded broker listening, or the external
   * broker connected; `detail` says what is wrong when not.
   */
  status(): { up: boolean; detail?: string } {
    if (this.external)
      return this.external.isConnected() ? { up: true } : { up: false, detail: 'external broker not connected' };
    if (this.embedded?.isListening()) return { up: true };
    return { up: false, detail: 'embedded broker not listening' };
  }

  /** The embedded broker's ports as bound (undefined with an external broker). */
  ports(): { port: number; tlsPort?: number } | undefined {
    return this.bound;
  }

  /**
   * Drops sessions whose device was revoked, rotated or retired since it connected, including by
   * another process (the registry's event reaches only this one).
   */
  async checkSessions(): Promise<void> {
    const sessions = this.embedded?.connected() ?? [];
    if (!sessions.length) return;
    try {
      const current = new Map(
        (await this.devices.getMany([...new Set(sessions.map((s) => s.deviceId))])).map((d) => [d.id, d]),
      );
      for (const s of sessions) {
        const device = current.get(s.deviceId);
        if (!device || device.secretVersion !== s.secretVersion || device.lifecycle === 'retired') {
          this.onCredentials(s.deviceId);
        }
      }
    } catch (err) {
      this.logger.warn(`MQTT session check skipped: ${(err as Error).message}`);
    }
  }

  /** The registered device that may publish on a topic (external broker), cached briefly. */
  private async ownerOf(topic: string): Promise<string | undefined> {
    const parsed = parseFeedTopic(topic);
    if (!parsed) return undefined;
    const key = topic;
    const cached = this.owners.get(key);
    const nowMs = this.clock.now().getTime();
    if (cached && cached.until > nowMs) return cached.deviceId;
    let candidates: DeviceRecord[];
    if (parsed.kind === 'environment')
      candidates = await this.devices.list({ roomId: parsed.roomId, type: 'environment-sensor' });
    else {
      const device = await this.devices.get(parsed.kind === 'rtls' ? parsed.tagId : parsed.deviceId);
      candidates = device ? [device] : [];
    }
    const owner = candidates.find(
      (d) =>
        d.lifecycle !== 'retired' &&
        publisherMayUse(parsed, { id: d.id, type: d.type as DeviceType, roomId: d.roomId ?? undefined }),
    );
    if (this.owners.size > 10_000) this.owners.clear();
    this.owners.set(key, { deviceId: owner?.id, until: nowMs + OWNER_CACHE_MS });
    return owner?.id;
  }

  async onApplicationShutdown(): Promise<void> {
    this.registry.changes.off('credentials', this.onCredentials);
    if (this.sessionTimer) clearInterval(this.sessionTimer);
    await this.embedded?.stop();
    await this.external?.stop();
  }
}
