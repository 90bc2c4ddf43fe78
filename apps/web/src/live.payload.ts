import type { BoardSnapshot, CaseView, UpdateEvent } from '@circulator/contracts';

/**
 * Shape checks for what the server sends over socket.io. The server is ours, but a client that
 * renders a half-formed payload shows wrong data on a wall display; it is safer to drop it.
 */

export type BoardAck =
  { ok: true; topic: string; version: number; snapshot: BoardSnapshot } | { ok: false; error: string };

export function parseBoardAck(raw: unknown): BoardAck | undefined {
  if (!isRecord(raw)) return undefined;
  if (raw.ok === false) return { ok: false, error: typeof raw.error === 'string' ? raw.error : 'subscribe refused' };
  if (raw.ok !== true || typeof raw.topic !== 'string' || !isVersion(raw.version)) return undefined;
  const snapshot = raw.snapshot;
  if (!isRecord(snapshot) || !Array.isArray(snapshot.cases)) return undefined;
  const cases = snapshot.cases.filter(isCaseView);
  return { ok: true, topic: raw.topic, version: raw.version, snapshot: { cases } };
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

/** The fields the board reads; the rest of CaseView is passed through untouched. */
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
    typeof procedure.text === 'string'
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
