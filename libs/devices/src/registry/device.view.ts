import type { DeviceEventView, DeviceView } from '@circulator/contracts';
import type { DeviceEventRecord, DeviceRecord } from '@circulator/persistence';

/** A stored device as the API shows it: no secret, no hash, no internal anomaly state. */
export function toDeviceView(d: DeviceRecord): DeviceView {
  const view: DeviceView = {
    id: d.id,
    type: d.type,
    usesSinceService: d.usesSinceService,
    heartbeatSeconds: d.heartbeatSeconds,
    lifecycle: d.lifecycle as DeviceView['lifecycle'],
    connectivity: d.connectivity as DeviceView['connectivity'],
    credentials: { issued: d.secretHash !== null, version: d.secretVersion },
  };
  const optional: [keyof DeviceView, unknown][] = [
    ['label', d.label],
    ['vendor', d.vendor],
    ['model', d.model],
    ['serial', d.serial],
    ['firmware', d.firmware],
    ['roomId', d.roomId],
    ['networkSegment', d.networkSegment],
    ['serviceIntervalUses', d.serviceIntervalUses],
    ['serviceIntervalDays', d.serviceIntervalDays],
    ['lastServiceAt', d.lastServiceAt],
    ['usageCount', d.usageCount],
    ['connectivitySince', d.connectivitySince],
    ['errorCode', d.errorCode],
    ['lastSeenAt', d.lastSeenAt],
    ['binding', d.binding],
    ['tagRoomId', d.tagRoomId],
  ];
  for (const [key, value] of optional) if (value !== null && value !== undefined) Object.assign(view, { [key]: value });
  if (d.flagged) view.flagged = { reason: d.flagged, at: d.flaggedAt ?? d.updatedAt };
  if (d.secretIssuedAt) view.credentials.issuedAt = d.secretIssuedAt;
  return view;
}

export function toDeviceEventView(e: DeviceEventRecord): DeviceEventView {
  const view: DeviceEventView = { id: e.id, deviceId: e.deviceId, at: e.at, kind: e.kind, message: e.message };
  if (e.priority !== null) view.priority = e.priority;
  if (e.detail !== null && e.detail !== undefined) view.detail = e.detail;
  if (e.actor !== null) view.actor = e.actor;
  return view;
}
