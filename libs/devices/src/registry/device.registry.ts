import { EventEmitter } from 'node:events';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Clock } from '@circulator/domain';
import { DeviceRepository, RoomRepository, type DeviceFields, type DeviceRecord } from '@circulator/persistence';
import { CLOCK } from '@circulator/realtime';
import { DEVICE_ID_PATTERN, type DeviceLifecycle, type DeviceType, type TagBinding } from '../device.model';
import { DEVICES_SETTINGS, type DevicesSettings } from '../devices.tokens';
import {
  mosquittoAclFile,
  mosquittoPasswordHash,
  mosquittoPasswordFileFromHashes,
  randomSalt,
  MOSQUITTO_SALT_BYTES,
} from '../security/mosquitto.files';
import { deviceSecretMatches, hashDeviceSecret, newDeviceSecret } from './device.credentials';

/** What biomed states when registering a device (CONTRACT §6 plus the registry's fields). */
export interface DeviceRegistration {
  id: string;
  type: DeviceType;
  roomId?: string;
  label?: string;
  vendor?: string;
  model?: string;
  serial?: string;
  firmware?: string;
  networkSegment?: string;
  serviceIntervalUses?: number;
  serviceIntervalDays?: number;
  lastServiceAt?: string;
  heartbeatSeconds?: number;
  binding?: TagBinding;
}

/** What biomed may change later; `null` clears a field. */
export interface DevicePatch {
  roomId?: string | null;
  label?: string | null;
  vendor?: string | null;
  model?: string | null;
  serial?: string | null;
  networkSegment?: string | null;
  serviceIntervalUses?: number | null;
  serviceIntervalDays?: number | null;
  heartbeatSeconds?: number;
  lifecycle?: DeviceLifecycle;
  binding?: TagBinding | null;
}

export type RegistryRefusal = 'exists' | 'not-found' | 'unknown-room';

/** Why a connection was refused, for the security log (never told to the client beyond "refused"). */
export type AuthRefusal =
  'anonymous' | 'bad-identity' | 'unknown-device' | 'no-credentials' | 'wrong-password' | 'retired';

export type AuthResult = { ok: true; device: DeviceRecord } | { ok: false; reason: AuthRefusal };

/** The platform's own broker user, from `MQTT_URL` (`mqtt://user:password@host:port`). */
function serviceUser(url: string | undefined): { username: string; password: string } | undefined {
  if (!url) return undefined;
  const parsed = new URL(url);
  const username = decodeURIComponent(parsed.username);
  return username ? { username, password: decodeURIComponent(parsed.password) } : undefined;
}

/**
 * The device registry (issue 5): registration, credentials shown once and stored hashed, rotation
 * and revocation, authentication of MQTT connections, and the device's history. Emits
 * `credentials` (device id) when a device's credentials change, so brokers drop its sessions.
 */
@Injectable()
export class DeviceRegistry {
  private readonly logger = new Logger(DeviceRegistry.name);
  readonly changes = new EventEmitter();

  constructor(
    private readonly devices: DeviceRepository,
    private readonly rooms: RoomRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DEVICES_SETTINGS) private readonly settings: DevicesSettings,
  ) {}

  async register(
    input: DeviceRegistration,
    actor: string,
  ): Promise<{ id: string; mqttPassword: string } | RegistryRefusal> {
    if (input.roomId !== undefined && !(await this.rooms.get(input.roomId))) return 'unknown-room';
    const secret = newDeviceSecret();
    const now = this.clock.now();
    const fields: DeviceFields = {
      type: input.type,
      roomId: input.roomId,
      label: input.label,
      vendor: input.vendor,
      model: input.model,
      serial: input.serial,
      firmware: input.firmware,
      networkSegment: input.networkSegment,
      serviceIntervalUses: input.serviceIntervalUses,
      serviceIntervalDays: input.serviceIntervalDays,
      lastServiceAt: input.lastServiceAt,
      heartbeatSeconds: input.heartbeatSeconds,
      binding: input.binding,
      secretHash: hashDeviceSecret(secret),
      mosquittoHash: mosquittoPasswordHash(secret, randomSalt(MOSQUITTO_SALT_BYTES)),
    };
    const created = await this.devices.transaction(async (manager) => {
      if (!(await this.devices.insert(input.id, fields, true, now, manager))) return false;
      await this.devices.addEvents(
        [
          {
            deviceId: input.id,
            at: now,
            kind: 'registered',
            message: `registered as ${input.type}${input.roomId ? ` in ${input.roomId}` : ''}`,
            detail: { ...input },
            actor,
          },
          { deviceId: input.id, at: now, kind: 'credentials', message: 'credentials issued', actor },
        ],
        manager,
      );
      return true;
    });
    return created ? { id: input.id, mqttPassword: secret } : 'exists';
  }

  async update(id: string, patch: DevicePatch, actor: string): Promise<DeviceRecord | RegistryRefusal> {
    if (typeof patch.roomId === 'string' && !(await this.rooms.get(patch.roomId))) return 'unknown-room';
    const now = this.clock.now();
    const fields: DeviceFields = { ...patch };
    const done = await this.devices.transaction(async (manager) => {
      if (!(await this.devices.update(id, fields, now, manager))) return false;
      await this.devices.addEvents(
        [
          {
            deviceId: id,
            at: now,
            kind: 'updated',
            message: `changed ${Object.keys(patch).join(', ')}`,
            detail: patch,
            actor,
          },
        ],
        manager,
      );
      return true;
    });
    if (!done) return 'not-found';
    // A retired device, or one moved out of its room, must not keep publishing on the old terms.
    if (patch.lifecycle === 'retired' || patch.roomId !== undefined) this.changes.emit('credentials', id);
    return (await this.devices.get(id))!;
  }

  /** New credentials; the old ones stop working and the device's sessions are dropped. */
  async rotate(id: string, actor: string): Promise<{ id: string; mqttPassword: string } | undefined> {
    const secret = newDeviceSecret();
    const now = this.clock.now();
    const done = await this.devices.transaction(async (manager) => {
      const hashes = {
        secretHash: hashDeviceSecret(secret),
        mosquittoHash: mosquittoPasswordHash(secret, randomSalt(MOSQUITTO_SALT_BYTES)),
      };
      if (!(await this.devices.setSecret(id, hashes, now, manager))) return false;
      await this.devices.addEvents(
        [{ deviceId: id, at: now, kind: 'credentials', message: 'credentials rotated', actor }],
        manager,
      );
      return true;
    });
    if (!done) return undefined;
    this.changes.emit('credentials', id);
    return { id, mqttPassword: secret };
  }

  /** Revokes the device's credentials: it can no longer connect until new ones are issued. */
  async revoke(id: string, actor: string): Promise<boolean> {
    const now = this.clock.now();
    const done = await this.devices.transaction(async (manager) => {
      if (!(await this.devices.setSecret(id, null, now, manager))) return false;
      await this.devices.addEvents(
        [{ deviceId: id, at: now, kind: 'credentials', message: 'credentials revoked', actor }],
        manager,
      );
      return true;
    });
    if (done) this.changes.emit('credentials', id);
    return done;
  }

  /** Checks an MQTT connection's username (the device id) and password. */
  async authenticate(username: string | undefined, password: Buffer | string | undefined): Promise<AuthResult> {
    if (username === undefined || username === '' || password === undefined) return { ok: false, reason: 'anonymous' };
    if (!DEVICE_ID_PATTERN.test(username)) return { ok: false, reason: 'bad-identity' };
    const device = await this.devices.get(username);
    const secret = typeof password === 'string' ? password : password.toString('utf8');
    if (!device) return { ok: false, reason: 'unknown-device' };
    if (!device.secretHash) return { ok: false, reason: 'no-credentials' };
    if (!deviceSecretMatches(device.secretHash, secret)) return { ok: false, reason: 'wrong-password' };
    if (device.lifecycle === 'retired') return { ok: false, reason: 'retired' };
    return { ok: true, device };
  }

  /** A device connected: its address is kept (the anomaly rules compare the next ones with it). */
  async connected(device: DeviceRecord, address: string | null): Promise<void> {
    if (address === null || address === device.lastAddress) return;
    try {
      await this.devices.update(device.id, { lastAddress: address }, this.clock.now());
    } catch (err) {
      this.logger.warn(`device ${device.id}: address not recorded: ${(err as Error).message}`);
    }
  }

  /**
   * The password file and ACL for an external Mosquitto (README: devices): the platform's user from
   * `MQTT_URL` reading every feed, and each device with credentials writing only its own topics.
   * Device lines carry the `$7$` hash made when the secret was issued (the secret itself is not
   * kept). Undefined when `MQTT_URL` names no user (the embedded broker needs no files).
   */
  async mosquittoFiles(): Promise<{ passwd: string; acl: string } | undefined> {
    const service = serviceUser(this.settings.mqttUrl);
    if (!service) return undefined;
    const devices = (await this.devices.list()).filter(
      (d) => d.mosquittoHash && d.lifecycle !== 'retired' && d.id !== service.username,
    );
    // Checked line by line (the `$7$` layout, unique safe names): nothing stored can add a user.
    const passwd = mosquittoPasswordFileFromHashes([
      {
        username: service.username,
        hash: mosquittoPasswordHash(service.password, randomSalt(MOSQUITTO_SALT_BYTES)),
      },
      ...devices.map((d) => ({ username: d.id, hash: d.mosquittoHash! })),
    ]);
    const acl = mosquittoAclFile({
      serviceUser: service.username,
      devices: devices.map((d) => ({
        id: d.id,
        type: d.type as DeviceType,
        ...(d.roomId ? { roomId: d.roomId } : {}),
      })),
    });
    return { passwd, acl };
  }

  get(id: string): Promise<DeviceRecord | undefined> {
    return this.devices.get(id);
  }

  /** Records a security event in the device's history (the id may be unregistered or hostile). */
  async securityEvent(
    deviceId: string,
    message: string,
    detail: Record<string, unknown>,
    priority = 'high',
  ): Promise<void> {
    const id = deviceId.slice(0, 128) || '(anonymous)';
    try {
      await this.devices.addEvents([
        { deviceId: id, at: this.clock.now(), kind: 'security', priority, message, detail },
      ]);
    } catch (err) {
      this.logger.error(`security event for ${id} not recorded: ${(err as Error).message}`);
    }
    this.logger.warn(`security: ${id}: ${message}`);
    this.changes.emit('security', { deviceId: id, message, detail, priority });
  }
}
