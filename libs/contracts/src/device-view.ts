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
  /** Usage against the service interval and the forecast service date (GET /api/devices and /{id}). */
  maintenance?: DeviceMaintenanceView;
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

/**
 * A device alert as the biomed console shows it: a maintenance alert computed from the forecast
 * and the error rate when read (`maint:{deviceId}:{level}`), or a prioritised line of the device's
 * history (security refusals, feed anomalies: `event:{id}`). Equipment data only.
 */
export interface DeviceAlertView {
  id: string;
  deviceId: string;
  /** `maintenance`, or the history line's kind (`security`, `feed-rate`, …). */
  kind: string;
  /** Maintenance alerts: `upcoming`, `imminent`, `overdue`, `uses-low`, `error-rate`. */
  level?: string;
  priority: 'high' | 'medium' | 'low';
  message: string;
  at: string;
}

/** The service forecast and usage of a device, computed when read (`DeviceView.maintenance`). */
export interface DeviceMaintenanceView {
  /** When it was computed. */
  at: string;
  usesSinceService?: number;
  /** Uses since service over the uses interval (1 = reached); absent without a uses interval. */
  usedFraction?: number;
  usesRemaining?: number;
  /** Where the usage rate came from: the device's counter, RTLS, the uses since service, or none. */
  rateMethod: 'counter' | 'rtls' | 'since-service' | 'none';
  usesPerDay?: number;
  /** The forecast service date (the earlier of by uses and by days), and which one it is. */
  dueAt?: string;
  dueBy?: 'uses' | 'days';
  /** The forecast in words, with its numbers. */
  explanation: string;
  /** Errors reported over the last week (error episodes, not heartbeats). */
  errorsLastWeek: number;
  alerts: DeviceAlertView[];
}

/** A biomed work order on one device (`/api/work-orders`). */
export interface WorkOrderView {
  id: string;
  deviceId: string;
  status: 'open' | 'closed';
  note: string;
  assignee?: string;
  openedAt: string;
  openedBy: string;
  closedAt?: string;
  closedBy?: string;
  closeNote?: string;
  serviced: boolean;
}
