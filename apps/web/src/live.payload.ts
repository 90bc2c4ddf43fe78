import type {
  AlertView,
  CaseView,
  RoomDeviceView,
  RoomEnvironmentView,
  RoomView,
  UpdateEvent,
  VitalsEvent,
} from '@circulator/contracts';
import type { TopicSnapshot } from './topic.state';

/**
 * Shape checks for what the server sends over socket.io (CONTRACT §7). The server is ours, but a
 * client that renders a half-formed payload shows wrong data on a wall display; it is safer to
 * drop it.
 */

export type TopicAck<X = undefined> =
  { ok: true; topic: string; version: number; snapshot: TopicSnapshot<X> } | { ok: false; error: string };

/** Reads one topic kind's snapshot into cases (and what else it carries); undefined when malformed. */
export type SnapshotReader<X> = (snapshot: unknown) => TopicSnapshot<X> | undefined;

/** What a `room:` snapshot carries besides its cases. */
export interface RoomExtra {
  room: RoomView;
  environment?: RoomEnvironmentView;
  devices: RoomDeviceView[];
}

export function parseAck<X>(raw: unknown, read: SnapshotReader<X>): TopicAck<X> | undefined {
  if (!isRecord(raw)) return undefined;
  if (raw.ok === false) return { ok: false, error: typeof raw.error === 'string' ? raw.error : 'subscribe refused' };
  if (raw.ok !== true || typeof raw.topic !== 'string' || !isVersion(raw.version)) return undefined;
  const snapshot = read(raw.snapshot);
  return snapshot === undefined ? undefined : { ok: true, topic: raw.topic, version: raw.version, snapshot };
}

/** `board:` snapshot `{cases}`. */
export const readBoardSnapshot: SnapshotReader<undefined> = (snapshot) =>
  isRecord(snapshot) && Array.isArray(snapshot.cases) ? { cases: snapshot.cases.filter(isCaseView) } : undefined;

/** `case:` snapshot `{case}`: one case, kept as the topic's only case. */
export const readCaseSnapshot: SnapshotReader<undefined> = (snapshot) =>
  isRecord(snapshot) && isCaseView(snapshot.case) ? { cases: [snapshot.case] } : undefined;

/** `room:` snapshot `{room, cases, environment?, devices}`. */
export const readRoomSnapshot: SnapshotReader<RoomExtra> = (snapshot) => {
  if (!isRecord(snapshot) || !Array.isArray(snapshot.cases)) return undefined;
  const { room, environment, devices } = snapshot;
  if (!isRecord(room) || typeof room.id !== 'string' || typeof room.name !== 'string') return undefined;
  const extra: RoomExtra = {
    room: {
      id: room.id,
      name: room.name,
      locations: Array.isArray(room.locations) ? room.locations.filter((l): l is string => typeof l === 'string') : [],
      ...(room.unmapped === true ? { unmapped: true } : {}),
    },
    devices: Array.isArray(devices) ? devices.filter(isRoomDevice) : [],
  };
  if (isRecord(environment) && typeof environment.at === 'string') {
    extra.environment = {
      at: environment.at,
      ...numberField(environment, 'temperatureC'),
      ...numberField(environment, 'humidityPct'),
      ...numberField(environment, 'pressurePa'),
    };
  }
  return { cases: snapshot.cases.filter(isCaseView), extra };
};

/** Kept for the board's callers: a `board:` ack. */
export function parseBoardAck(raw: unknown): TopicAck | undefined {
  return parseAck(raw, readBoardSnapshot);
}

export function parseUpdate(raw: unknown): UpdateEvent | undefined {
  if (!isRecord(raw) || typeof raw.topic !== 'string' || !isVersion(raw.version)) return undefined;
  const update: UpdateEvent = { topic: raw.topic, version: raw.version };
  if (raw.from !== undefined) {
    if (!isVersion(raw.from) || raw.from > raw.version) return undefined;
    update.from = raw.from;
  }
  if (raw.cases !== undefined) {
    if (!Array.isArray(raw.cases)) return undefined;
    update.cases = raw.cases.filter(isCaseView);
  }
  if (raw.removed !== undefined) {
    if (!Array.isArray(raw.removed)) return undefined;
    update.removed = raw.removed.filter((id): id is string => typeof id === 'string');
  }
  return update;
}

/** `vitals {topic, caseId?, roomId, at, values}`; values that are not finite numbers are dropped. */
export function parseVitals(raw: unknown): VitalsEvent | undefined {
  if (!isRecord(raw) || typeof raw.topic !== 'string' || typeof raw.roomId !== 'string') return undefined;
  if (typeof raw.at !== 'string' || !isRecord(raw.values)) return undefined;
  const values: VitalsEvent['values'] = {};
  for (const [name, reading] of Object.entries(raw.values)) {
    if (!isRecord(reading) || !Number.isFinite(reading.value)) continue;
    values[name] = {
      value: reading.value as number,
      unit: typeof reading.unit === 'string' ? reading.unit : '',
      // A reading without its own time is as old as the event's newest one.
      at: typeof reading.at === 'string' ? reading.at : raw.at,
    };
  }
  return {
    topic: raw.topic,
    roomId: raw.roomId,
    at: raw.at,
    values,
    ...(typeof raw.caseId === 'string' ? { caseId: raw.caseId } : {}),
  };
}

/** `alert {topic, alert}` (CONTRACT §7). */
export function parseAlertEvent(raw: unknown): { topic: string; alert: AlertView } | undefined {
  if (!isRecord(raw) || typeof raw.topic !== 'string' || !isAlertView(raw.alert)) return undefined;
  return { topic: raw.topic, alert: raw.alert };
}

/** The fields the screens read; the rest of CaseView is passed through untouched. */
export function isCaseView(value: unknown): value is CaseView {
  if (!isRecord(value)) return false;
  const { patient, procedure } = value;
  return (
    typeof value.id === 'string' &&
    isVersion(value.version) &&
    typeof value.status === 'string' &&
    typeof value.roomId === 'string' &&
    typeof value.roomName === 'string' &&
    typeof value.scheduledStart === 'string' &&
    typeof value.scheduledEnd === 'string' &&
    isRecord(patient) &&
    typeof patient.name === 'string' &&
    isRecord(procedure) &&
    typeof procedure.text === 'string' &&
    isRecord(value.milestones) &&
    isRecord(value.vitals) &&
    Array.isArray(value.alerts) &&
    value.alerts.every(isAlertView)
  );
}

export function isAlertView(value: unknown): value is AlertView {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.kind === 'string' &&
    (value.priority === 'high' || value.priority === 'medium' || value.priority === 'low') &&
    typeof value.message === 'string' &&
    typeof value.raisedAt === 'string'
  );
}

function isRoomDevice(value: unknown): value is RoomDeviceView {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.type === 'string' &&
    typeof value.connectivity === 'string' &&
    typeof value.lifecycle === 'string'
  );
}

function numberField<K extends string>(record: Record<string, unknown>, key: K): Partial<Record<K, number>> {
  const value = record[key];
  return typeof value === 'number' && Number.isFinite(value) ? ({ [key]: value } as Record<K, number>) : {};
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
