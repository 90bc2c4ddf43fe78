import { pbkdf2Sync, randomBytes } from 'node:crypto';
import type { DeviceType } from '../device.model';
import { FEED_SUBSCRIPTION, FEED_TOPIC_PREFIX } from '../feed/feed.topics';

/**
 * The password file and ACL file of an external Mosquitto 2.x broker (issue 5: "for an external
 * broker, generate the password file and ACL for Mosquitto"). Each device logs in with its id and
 * its secret and may write only its own topics (CONTRACT §6) and read nothing; the platform's
 * service user reads everything under the topic root. The functions return the files' text;
 * writing them (mode 0640, owned by the broker's user) and sending the broker SIGHUP to reload them
 * is the caller's. Deterministic given the salt source, so tests can pin the output.
 */

/** The root of every topic of CONTRACT §6. */
export const MQTT_TOPIC_ROOT = FEED_TOPIC_PREFIX.slice(0, -1);

/**
 * Mosquitto's `$7$` password hash (2.0, `mosquitto_passwd -H sha512-pbkdf2`, its default):
 * `$7$<iterations>$<base64 salt>$<base64 hash>`, PBKDF2-HMAC-SHA512 over the password's bytes with
 * the raw salt bytes, a 64-byte hash, standard base64 with padding. The broker reads the iteration
 * count from each line; it requires a 12-byte salt.
 */
export const MOSQUITTO_HASH_PREFIX = '$7$';
export const MOSQUITTO_SALT_BYTES = 12;
export const MOSQUITTO_HASH_BYTES = 64;
/**
 * `mosquitto_passwd`'s own count. Low by today's standards for human passwords, but device secrets
 * are random 32-byte values the platform made, which no iteration count needs to slow guessing of;
 * and the broker pays the count on every connection of every device.
 */
export const MOSQUITTO_PBKDF2_ITERATIONS = 101;

/** Where salt comes from: `n` random bytes. Tests pass a fixed one. */
export type SaltSource = (bytes: number) => Uint8Array;

/** Salt from the system's CSPRNG. */
export const randomSalt: SaltSource = (bytes) => randomBytes(bytes);

export const MOSQUITTO_FILE_ERROR_CODES = [
  'unsafe-id',
  'duplicate-user',
  'bad-secret',
  'bad-salt',
  'bad-iterations',
  'bad-hash',
] as const;
export type MosquittoFileErrorCode = (typeof MOSQUITTO_FILE_ERROR_CODES)[number];

/** Why a file cannot be generated; nothing is written for a refused input. */
export class MosquittoFileError extends Error {
  constructor(
    readonly code: MosquittoFileErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MosquittoFileError';
  }
}

// A lone UTF-16 surrogate cannot be encoded as UTF-8, and MQTT strings are UTF-8 (MQTT 3.1.1 §1.5.3).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** MQTT strings are at most 65,535 bytes long (MQTT 3.1.1 §1.5.3). */
const MAX_MQTT_STRING_BYTES = 65_535;

/**
 * Why `id` may not be a user name or a topic level, or undefined when it may. An id becomes a topic
 * level in the ACL, so `+` or `#` in it would be a wildcard (device `+` could write every device's
 * topics) and `/` a level of another device's tree; whitespace would split the ACL's and the
 * password file's lines, `:` ends the user name in the password file, NUL and control characters
 * are forbidden in MQTT strings (3.1.1 §1.5.3, [MQTT-1.5.3-2]).
 */
export function mqttIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (/[+#/]/.test(id)) return 'contains an MQTT wildcard or level separator (+ # /)';
  if (/\s/.test(id)) return 'contains whitespace';
  if (CONTROL.test(id)) return 'contains NUL or a control character';
  if (id.includes(':')) return "contains ':' (the password file's separator)";
  if (LONE_SURROGATE.test(id)) return 'is not valid UTF-8';
  if (Buffer.byteLength(id, 'utf8') > MAX_MQTT_STRING_BYTES) return 'is longer than an MQTT string';
  return undefined;
}

/** Throws `unsafe-id` unless `id` is safe as a user name and a topic level ({@link mqttIdProblem}). */
export function assertSafeMqttId(id: string, what = 'id'): void {
  const problem = mqttIdProblem(id);
  if (problem) throw new MosquittoFileError('unsafe-id', `${what} ${JSON.stringify(id)} ${problem}`);
}

/** The `$7$…` hash of `secret` with `salt` (12 bytes), as `mosquitto_passwd` writes it. */
export function mosquittoPasswordHash(
  secret: string,
  salt: Uint8Array,
  iterations: number = MOSQUITTO_PBKDF2_ITERATIONS,
): string {
  if (secret.length === 0) throw new MosquittoFileError('bad-secret', 'a secret may not be empty');
  // Mosquitto hashes the password up to its first NUL (strlen): a secret with one would be cut short.
  if (secret.includes('\u0000')) throw new MosquittoFileError('bad-secret', 'a secret may not contain NUL');
  if (salt.length !== MOSQUITTO_SALT_BYTES) {
    throw new MosquittoFileError('bad-salt', `salt must be ${MOSQUITTO_SALT_BYTES} bytes, got ${salt.length}`);
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new MosquittoFileError('bad-iterations', `iterations must be a positive integer, got ${iterations}`);
  }
  const hash = pbkdf2Sync(Buffer.from(secret, 'utf8'), salt, iterations, MOSQUITTO_HASH_BYTES, 'sha512');
  return `${MOSQUITTO_HASH_PREFIX}${iterations}$${Buffer.from(salt).toString('base64')}$${hash.toString('base64')}`;
}

/** A broker user: a device (its id) or the platform's service user, with its secret in clear. */
export interface MosquittoUser {
  username: string;
  secret: string;
}

export interface PasswordFileOptions {
  salt?: SaltSource;
  iterations?: number;
}

/** One line of the password file, `username:$7$…`, without its newline. */
export function mosquittoPasswordLine(user: MosquittoUser, options: PasswordFileOptions = {}): string {
  assertSafeMqttId(user.username, 'user name');
  const salt = (options.salt ?? randomSalt)(MOSQUITTO_SALT_BYTES);
  return `${user.username}:${mosquittoPasswordHash(user.secret, salt, options.iterations)}`;
}

export interface PasswordFileInput {
  /** The platform's own user (reads every feed). */
  service: MosquittoUser;
  /** Devices by id, with the secret issued at registration or rotation. */
  devices: readonly { id: string; secret: string }[];
}

/**
 * The password file: the service user, then the devices by id. A duplicate user name is refused:
 * the broker would keep one of the two lines, and a device named like the service user would read
 * every feed. Each line takes its own salt, in that order.
 */
export function mosquittoPasswordFile(input: PasswordFileInput, options: PasswordFileOptions = {}): string {
  // Every name is checked before any line is made: a refused input makes no partial file.
  assertSafeMqttId(input.service.username, 'service user');
  for (const d of input.devices) assertSafeMqttId(d.id, 'device id');
  const users: MosquittoUser[] = [
    input.service,
    ...sortById(input.devices).map((d) => ({ username: d.id, secret: d.secret })),
  ];
  assertUnique(users.map((u) => u.username));
  const salt = options.salt ?? randomSalt;
  return mosquittoPasswordFileFromHashes(
    users.map((u) => ({
      username: u.username,
      hash: mosquittoPasswordHash(u.secret, salt(MOSQUITTO_SALT_BYTES), options.iterations),
    })),
  );
}

/** A user with the `$7$` hash of its secret (from {@link mosquittoPasswordHash}), kept in place of the secret. */
export interface HashedMosquittoUser {
  username: string;
  hash: string;
}

const HASH_LINE = /^\$7\$[1-9]\d*\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/;

/**
 * The password file from stored hashes, in the order given. Secrets are in clear only when issued
 * or rotated, and the registry keeps none: storing each device's `$7$` hash then (it is a hash,
 * and as safe to keep as the platform's own) lets the file be rebuilt at any time. Each hash is
 * checked for the `$7$` layout, so that a line from elsewhere cannot slip a second user into the file.
 */
export function mosquittoPasswordFileFromHashes(users: readonly HashedMosquittoUser[]): string {
  for (const u of users) {
    assertSafeMqttId(u.username, 'user name');
    if (!HASH_LINE.test(u.hash)) {
      throw new MosquittoFileError('bad-hash', `the hash of ${JSON.stringify(u.username)} is not a $7$ hash`);
    }
  }
  assertUnique(users.map((u) => u.username));
  return users.map((u) => `${u.username}:${u.hash}\n`).join('');
}

/** What the ACL needs to know of a device. */
export interface AclDevice {
  id: string;
  type: DeviceType;
  /** For an `environment-sensor`: the room it reports on. */
  roomId?: string;
}

/**
 * The topics a device may publish to (CONTRACT §6): everything under its own
 * `devices/{id}/`; an RTLS tag also `rtls/{id}`; an environment sensor with a room also that
 * room's `environment`. A sensor moved to another room needs the file regenerated.
 */
export function deviceWriteTopics(device: AclDevice): string[] {
  assertSafeMqttId(device.id, 'device id');
  const topics = [`${MQTT_TOPIC_ROOT}/devices/${device.id}/#`];
  if (device.type === 'rtls-tag') topics.push(`${MQTT_TOPIC_ROOT}/rtls/${device.id}`);
  if (device.type === 'environment-sensor' && device.roomId !== undefined) {
    assertSafeMqttId(device.roomId, 'room id');
    topics.push(`${MQTT_TOPIC_ROOT}/rooms/${device.roomId}/environment`);
  }
  return topics;
}

export interface AclFileInput {
  /** The platform's service user name. */
  serviceUser: string;
  devices: readonly AclDevice[];
}

/**
 * The ACL file. Mosquitto denies whatever no line grants, so a device gets only `topic write`
 * lines: it can publish to its own topics and receives nothing (a subscription is accepted but
 * delivers nothing). No line comes before the first `user` line, where it would apply to every
 * client. `topic` lines are used, not `pattern` ones, so that nothing in an id is substituted.
 */
export function mosquittoAclFile(input: AclFileInput): string {
  assertSafeMqttId(input.serviceUser, 'service user');
  const devices = sortById(input.devices);
  assertUnique([input.serviceUser, ...devices.map((d) => d.id)]);
  const blocks = [
    `user ${input.serviceUser}\ntopic read ${FEED_SUBSCRIPTION}\n`,
    ...devices.map(
      (d) =>
        `user ${d.id}\n${deviceWriteTopics(d)
          .map((t) => `topic write ${t}\n`)
          .join('')}`,
    ),
  ];
  return `# Generated by Circulator: devices write only their own topics and read nothing.\n\n${blocks.join('\n')}`;
}

function sortById<T extends { id: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function assertUnique(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new MosquittoFileError('duplicate-user', `user ${JSON.stringify(name)} appears twice`);
    seen.add(name);
  }
}
