/**
 * The device registry's vocabulary (issue 5, CONTRACT §6), shared by the registry, the MQTT edge,
 * the feed mapper and the rules. Pure types and constants.
 */

/**
 * A device id as the registry takes it (and the database checks): safe as an MQTT user name, a
 * topic level, a URL segment and a file name.
 */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** What a device is. `other` keeps the registry open to kinds we do not model yet. */
export const DEVICE_TYPES = [
  'monitor',
  'anesthesia-machine',
  'infusion-pump',
  'surgical-robot',
  'endoscope',
  'imaging',
  'environment-sensor',
  'instrument',
  'instrument-counter',
  'rtls-tag',
  'other',
] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** Where a device is in its life: in use, out for service, or gone. A retired device cannot connect. */
export const DEVICE_LIFECYCLES = ['active', 'maintenance', 'retired'] as const;
export type DeviceLifecycle = (typeof DEVICE_LIFECYCLES)[number];

/**
 * What the device last said about itself (`status` topic), or `offline` from the watchdog when it
 * went silent; `unknown` until it first speaks.
 */
export const DEVICE_CONNECTIVITIES = ['unknown', 'online', 'offline', 'error'] as const;
export type DeviceConnectivity = (typeof DEVICE_CONNECTIVITIES)[number];

/** What an RTLS tag is attached to (CONTRACT §6: tags are bound to devices, staff or patients). */
export type TagBinding =
  | { kind: 'device'; deviceId: string }
  | { kind: 'staff'; staffId: string }
  | { kind: 'patient'; mrn: string; assigningAuthority?: string };

/** What the feed mapper needs to know of the publishing device (from the registry). */
export interface DeviceInfo {
  id: string;
  type: DeviceType;
  /** The room the device is in (registry, or RTLS for a device-bound tag). */
  roomId?: string;
  roomName?: string;
  /** For an `rtls-tag`: what it is attached to. */
  binding?: TagBinding;
  /** For an `rtls-tag`: the room it was last seen in. */
  tagRoomId?: string;
}
