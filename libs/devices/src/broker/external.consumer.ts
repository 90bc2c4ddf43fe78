import { hostname } from 'node:os';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { FEED_SUBSCRIPTION } from '../feed/feed.topics';
import type { FeedPublish } from './feed.sink';

export interface ExternalConsumerHooks {
  /**
   * The registered device a topic belongs to, or undefined when none does: the external broker
   * authenticated the publisher, but we still refuse what no registered device may send.
   */
  owner(topic: string): Promise<string | undefined>;
  accept(message: FeedPublish): Promise<void>;
  refused(deviceId: string, message: string, detail: Record<string, unknown>): void;
  log?(message: string): void;
  now(): Date;
}

/** The platform's subscription: every feed topic, shared so that several ingest processes split the load. */
export function sharedFilter(group: string): string {
  return `$share/${group}/${FEED_SUBSCRIPTION}`;
}

/**
 * The platform as a client of an external broker (Mosquitto, a broker cluster): one shared QoS 1
 * subscription to every feed topic. A message is acknowledged to the broker only once it is stored
 * (mqtt.js sends the PUBACK when `handleMessage` calls back), and the session is persistent (a
 * stable client id, clean = false), so what arrives while we are down waits in the broker.
 */
export class ExternalConsumer {
  private client?: MqttClient;

  constructor(private readonly hooks: ExternalConsumerHooks) {}

  async start(url: string, options: { group: string; clientId?: string }): Promise<void> {
    const clientId = options.clientId ?? `circulator-${hostname()}`.slice(0, 64);
    const client = await connectAsync(url, { clientId, clean: false, reconnectPeriod: 1000, connectTimeout: 10_000 });
    this.client = client;
    client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => {
      this.handle(packet).then(
        () => callback(),
        (err: unknown) => {
          // Not stored: no PUBACK, and the connection is dropped so the broker delivers it again.
          this.hooks.log?.(`MQTT message not stored, reconnecting: ${(err as Error).message}`);
          client.stream.destroy();
        },
      );
    };
    await client.subscribeAsync(sharedFilter(options.group), { qos: 1 });
  }

  private async handle(packet: IPublishPacket): Promise<void> {
    const owner = await this.hooks.owner(packet.topic);
    if (!owner) {
      this.hooks.refused(
        '(unregistered)',
        `message refused: no registered device may publish ${packet.topic.slice(0, 200)}`,
        {
          topic: packet.topic.slice(0, 200),
        },
      );
      return; // acknowledged: a resend would be refused again
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload);
    await this.hooks.accept({
      deviceId: owner,
      topic: packet.topic,
      payload,
      address: null,
      receivedAt: this.hooks.now(),
    });
  }

  /** True while connected to the external broker (mqtt.js reconnects by itself meanwhile). */
  isConnected(): boolean {
    return this.client?.connected === true;
  }

  async stop(): Promise<void> {
    await this.client?.endAsync();
  }
}
