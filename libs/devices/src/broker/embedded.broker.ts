import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { DeviceRecord } from '@circulator/persistence';
import { topicAllowed } from '../feed/feed.topics';
import type { DeviceType } from '../device.model';
import type { AuthResult } from '../registry/device.registry';
import type { FeedPublish } from './feed.sink';
import { MqttPacketGuard } from './mqtt.packet-guard';

/** What the embedded broker asks of the platform. */
export interface EmbeddedBrokerHooks {
  authenticate(username: string | undefined, password: Buffer | undefined): Promise<AuthResult>;
  /** Stores a message; resolves when durable (then the device gets its PUBACK). */
  accept(message: FeedPublish): Promise<void>;
  /** A refusal worth a security alert: who, what, from where. */
  refused(deviceId: string, message: string, detail: Record<string, unknown>): void;
  /** A device connected (for the registry: last address, anomaly rules). */
  connected?(device: DeviceRecord, address: string | null): void;
  log?(message: string): void;
  /** The clock (tests inject one). */
  now(): Date;
}

/** MQTT CONNACK return code 4: bad user name or password. */
const BAD_CREDENTIALS = 4;

function authError(message: string, returnCode: number): AuthenticateError {
  const error = new Error(message) as AuthenticateError;
  error.returnCode = returnCode;
  return error;
}

function addressOf(client: Client): string | null {
  const socket = client.conn as Partial<Socket>;
  return socket.remoteAddress ?? null;
}

/**
 * The embedded MQTT broker (Aedes) for device feeds (CONTRACT §6): every connection authenticates
 * as a registered device (user name = device id, password = its secret); a device may publish only
 * under its own topics and may subscribe to nothing; messages reach the platform through `accept`,
 * and a QoS 1 publish is acknowledged only once `accept` has stored it. Nothing is forwarded
 * between devices.
 */
export class EmbeddedBroker {
  private aedes?: Aedes;
  private server?: Server;
  private tlsServer?: TlsServer;
  /** The device of each connected client (set at authentication). */
  private readonly devices = new WeakMap<Client, DeviceRecord>();
  private readonly clients = new Set<Client>();

  constructor(private readonly hooks: EmbeddedBrokerHooks) {}

  async start(options: {
    port: number;
    host?: string;
    tls?: { cert: Buffer; key: Buffer; port: number };
  }): Promise<{ port: number; tlsPort?: number }> {
    const hooks = this.hooks;
    const aedes = await Aedes.createBroker({
      // A device's client id is its own business, but a long one is a probe, not a device.
      maxClientsIdLength: 128,
      authenticate: (client, username, password, done) => {
        hooks.authenticate(username, password).then(
          (result) => {
            if (result.ok) {
              this.devices.set(client, result.device);
              hooks.connected?.(result.device, addressOf(client));
              done(null, true);
              return;
            }
            hooks.refused(username ?? '(anonymous)', `connection refused: ${result.reason}`, {
              reason: result.reason,
              address: addressOf(client),
              clientId: client.id,
            });
            done(authError('refused', BAD_CREDENTIALS), false);
          },
          (err: unknown) => {
            hooks.log?.(`authentication failed: ${(err as Error).message}`);
            // Server unavailable (3): the device retries; no security alert for our own fault.
            done(authError('unavailable', 3), false);
          },
        );
      },
      authorizeSubscribe: (client, subscription, done) => {
        const device = this.devices.get(client);
        hooks.refused(device?.id ?? '(unknown)', `subscription refused: ${subscription.topic}`, {
          topic: subscription.topic,
          address: addressOf(client),
        });
        // A null subscription is a refused one: SUBACK 0x80, and the session stays up.
        done(null, null);
      },
      authorizePublish: (client, packet, done) => {
        const device = client ? this.devices.get(client) : undefined;
        if (!client || !device) {
          done(new Error('not authenticated'));
          return;
        }
        if (
          !topicAllowed(packet.topic, {
            id: device.id,
            type: device.type as DeviceType,
            roomId: device.roomId ?? undefined,
          })
        ) {
          hooks.refused(device.id, `publish refused: ${packet.topic.slice(0, 200)}`, {
            topic: packet.topic.slice(0, 200),
            address: addressOf(client),
          });
          // MQTT 3.1.1 has no negative PUBACK: the connection is closed (§4.8.0).
          done(new Error('topic not allowed'));
          return;
        }
        hooks
          .accept({
            deviceId: device.id,
            topic: packet.topic,
            payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
            address: addressOf(client),
            receivedAt: hooks.now(),
          })
          .then(
            () => done(null),
            (err: unknown) => done(err as Error),
          );
      },
      // Devices read nothing: no message is ever forwarded to a client.
      authorizeForward: () => null,
    });
    this.aedes = aedes;
    aedes.on('client', (client) => this.clients.add(client));
    aedes.on('clientDisconnect', (client) => this.clients.delete(client));
    aedes.on('clientError', (client) => this.clients.delete(client));

    const noDelay = (socket: Socket): void => {
      // Aedes leaves Nagle on: ~15 ms added per PUBACK at 2k msg/s (DEPENDENCY-NOTES.md).
      socket.setNoDelay(true);
      aedes.handle(socket);
      // Aedes reads with 'readable'/read() (attached above, so it keeps the flow): a 'data' listener
      // sees each chunk as it is read; a packet over the limit closes the connection before its
      // payload is buffered.
      const guard = new MqttPacketGuard();
      socket.on('data', (chunk: Buffer) => {
        const problem = guard.push(chunk);
        if (problem === undefined || socket.destroyed) return;
        hooks.log?.(`MQTT connection from ${socket.remoteAddress ?? '?'} closed: ${problem}`);
        socket.destroy();
      });
    };
    this.server = createServer(noDelay);
    const port = await listen(this.server, options.port, options.host);
    let tlsPort: number | undefined;
    if (options.tls) {
      this.tlsServer = createTlsServer(
        { cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' },
        (socket) => noDelay(socket),
      );
      tlsPort = await listen(this.tlsServer, options.tls.port, options.host);
    }
    return { port, tlsPort };
  }

  /** True while the broker's port (and its TLS port, when configured) accepts connections. */
  isListening(): boolean {
    return this.server?.listening === true && (this.tlsServer === undefined || this.tlsServer.listening);
  }

  /** Drops every session of a device (its credentials changed, or it was retired or moved). */
  disconnect(deviceId: string): number {
    let n = 0;
    for (const client of this.clients) {
      if (this.devices.get(client)?.id === deviceId) {
        client.close();
        n += 1;
      }
    }
    return n;
  }

  /** Devices connected now, with their secret version at connection (for revocation checks). */
  connected(): { deviceId: string; secretVersion: number }[] {
    const out: { deviceId: string; secretVersion: number }[] = [];
    for (const client of this.clients) {
      const device = this.devices.get(client);
      if (device) out.push({ deviceId: device.id, secretVersion: device.secretVersion });
    }
    return out;
  }

  async stop(): Promise<void> {
    const close = (server?: Server | TlsServer): Promise<void> =>
      new Promise((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
    for (const client of this.clients) client.close();
    await Promise.all([close(this.server), close(this.tlsServer)]);
    await new Promise<void>((resolve) => (this.aedes ? this.aedes.close(() => resolve()) : resolve()));
  }
}

function listen(server: Server | TlsServer, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
