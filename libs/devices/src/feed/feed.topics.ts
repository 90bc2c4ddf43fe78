import type { DeviceInfo } from '../device.model';

/**
 * The MQTT topics of the device feeds (CONTRACT §6), and who may publish to which. Pure: the
 * broker's authorisation hook and the feed mapper both ask these functions, so what a device may
 * publish and what the platform understands cannot drift apart.
 */

/** Every feed topic starts with this (the `v1` of the contract: a `v2` would sit beside it). */
export const FEED_TOPIC_PREFIX = 'circulator/v1/';

/** The filter the platform subscribes to: every v1 feed topic, checked one by one by {@link parseFeedTopic}. */
export const FEED_SUBSCRIPTION = 'circulator/v1/#';

/**
 * A device, tag, room or sensor id as it may appear in a topic level: letters, digits, `.`, `_`,
 * `-`, 1–64 characters, and not only dots. It can hold none of MQTT's `/` level separator, its `+`
 * and `#` wildcards (MQTT 3.1.1 §4.7.1, which a subscriber would read as a pattern) or NUL (which
 * MQTT 3.1.1 §4.7.3 forbids in a topic); `.` and `..` alone are refused because such an id looks
 * like a path step to anything that ever uses it in one.
 */
export const SAFE_ID_PATTERN = /^(?!\.+$)[A-Za-z0-9._-]{1,64}$/;

/** True when `id` may be a topic level (see {@link SAFE_ID_PATTERN}). */
export function isSafeId(id: string): boolean {
  return SAFE_ID_PATTERN.test(id);
}

/** The kinds of a device's own topics: `circulator/v1/devices/{deviceId}/{kind}`. */
export const DEVICE_TOPIC_KINDS = ['observations', 'status', 'alarms'] as const;
export type DeviceTopicKind = (typeof DEVICE_TOPIC_KINDS)[number];

/** Every feed kind. */
export type FeedKind = DeviceTopicKind | 'environment' | 'rtls';

/** A feed topic, understood. */
export type FeedTopic =
  | { kind: DeviceTopicKind; deviceId: string }
  | { kind: 'environment'; roomId: string }
  | { kind: 'rtls'; tagId: string };

const DEVICE_KINDS: ReadonlySet<string> = new Set(DEVICE_TOPIC_KINDS);

function isDeviceTopicKind(kind: string): kind is DeviceTopicKind {
  return DEVICE_KINDS.has(kind);
}

/**
 * The feed a topic names, or `undefined` when it is not exactly one of CONTRACT §6:
 * `circulator/v1/devices/{deviceId}/observations|status|alarms`, `circulator/v1/rooms/{roomId}/environment`,
 * `circulator/v1/rtls/{tagId}`. No trailing or doubled `/`, no extra level, ids per {@link SAFE_ID_PATTERN}.
 */
export function parseFeedTopic(topic: string): FeedTopic | undefined {
  // Longest valid topic: the prefix, `devices/`, a 64-character id and `/observations`.
  if (!topic.startsWith(FEED_TOPIC_PREFIX) || topic.length > 128) return undefined;
  const levels = topic.slice(FEED_TOPIC_PREFIX.length).split('/');
  const [area, id, kind] = levels;
  if (id === undefined || !isSafeId(id)) return undefined;
  if (levels.length === 3 && kind !== undefined) {
    if (area === 'devices' && isDeviceTopicKind(kind)) return { kind, deviceId: id };
    if (area === 'rooms' && kind === 'environment') return { kind: 'environment', roomId: id };
    return undefined;
  }
  if (levels.length === 2 && area === 'rtls') return { kind: 'rtls', tagId: id };
  return undefined;
}

/** What {@link topicAllowed} needs to know of the publishing device. */
export type TopicPublisher = Pick<DeviceInfo, 'id' | 'type' | 'roomId'>;

/**
 * May `device` publish to `topic`? CONTRACT §6: "A device may publish only under its own topic".
 * - `devices/{id}/…`: only the device `{id}` itself, whatever its type;
 * - `rtls/{id}`: only the tag `{id}` itself (type `rtls-tag`) — a tag reports its own position;
 * - `rooms/{roomId}/environment`: only an `environment-sensor` registered in that room, so a sensor
 *   moved to another room (or any other device) cannot speak for a room it is not in.
 * Anything that is not a feed topic is refused.
 */
export function topicAllowed(topic: string, device: TopicPublisher): boolean {
  const parsed = parseFeedTopic(topic);
  if (parsed === undefined) return false;
  return publisherMayUse(parsed, device);
}

/** {@link topicAllowed} for a topic already parsed. */
export function publisherMayUse(topic: FeedTopic, device: TopicPublisher): boolean {
  switch (topic.kind) {
    case 'observations':
    case 'status':
    case 'alarms':
      return topic.deviceId === device.id;
    case 'rtls':
      return device.type === 'rtls-tag' && topic.tagId === device.id;
    case 'environment':
      return device.type === 'environment-sensor' && device.roomId !== undefined && topic.roomId === device.roomId;
  }
}

/** The topic of a feed, for publishers (the simulator) and tests. */
export function feedTopic(topic: FeedTopic): string {
  switch (topic.kind) {
    case 'observations':
    case 'status':
    case 'alarms':
      return `${FEED_TOPIC_PREFIX}devices/${topic.deviceId}/${topic.kind}`;
    case 'environment':
      return `${FEED_TOPIC_PREFIX}rooms/${topic.roomId}/environment`;
    case 'rtls':
      return `${FEED_TOPIC_PREFIX}rtls/${topic.tagId}`;
  }
}
