/**
 * A registered device as the biomed console and the REST API show it (issue 5). Never carries a
 * secret or its hash: `credentials` says only whether one is issued.
 */
export interface DeviceView {
  id: string;
  type: string;
  label?: string;
  vendor?: string;
  model?: string;
  serial?: string;
  firmware?: string;
  roomId?: string;
  networkSegment?: string;
  serviceIntervalUses?: number;
  serviceIntervalDays?: number;
  lastServiceAt?: string;
  usesSinceService: number;
  /** The usage counter the device last reported. */
  usageCount?: number;
  heartbeatSeconds: number;
  lifecycle: 'active' | 'maintenance' | 'retired';
  connectivity: 'unknown' | 'online' | 'offline' | 'error';
  connectivitySince?: string;
  errorCode?: string;
  lastSeenAt?: string;
  /** Why integration engineers should look at its feed (a bad payload, implausible readings), and since when. */
  flagged?: { reason: string; at: string };
  /** What an RTLS tag is attached to. */
  binding?: unknown;
  /** Where an RTLS tag was last seen. */
  tagRoomId?: string;
  credentials: { issued: boolean; version: number; issuedAt?: string };
}

/** One line of a device's history (registration, credentials, connectivity, security, service). */
export interface DeviceEventView {
  id: string;
  deviceId: string;
  at: string;
  kind: string;
  priority?: string;
  message: string;
  detail?: unknown;
  actor?: string;
}

/** A device as a room's screens show it (`room:` snapshot): what it is and whether it works. */
export interface RoomDeviceView {
  id: string;
  type: string;
  label?: string;
  connectivity: DeviceView['connectivity'];
  connectivitySince?: string;
  lastSeenAt?: string;
  errorCode?: string;
  lifecycle: DeviceView['lifecycle'];
}

/** A room's latest environment reading (`room:` snapshot). */
export interface RoomEnvironmentView {
  at: string;
  temperatureC?: number;
  humidityPct?: number;
  pressurePa?: number;
}
