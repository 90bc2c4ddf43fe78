import type { AlertView, CaseView } from './case-view';

/** socket.io namespace and events of CONTRACT §7. */
export const LIVE_NAMESPACE = '/live';

export type Topic = `board:${string}` | `room:${string}` | `case:${string}` | 'alerts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Case ids are UUIDs; anything else names no case. */
export function isCaseId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** A real YYYY-MM-DD day (not 2026-02-30 or 2026-13-45). */
export function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export type ParsedTopic =
  | { kind: 'board'; date: string }
  | { kind: 'room'; roomId: string }
  | { kind: 'case'; caseId: string }
  | { kind: 'alerts' };

/** Parses a topic name; undefined when it is not one of CONTRACT §7's topics. */
export function parseTopic(topic: unknown): ParsedTopic | undefined {
  if (typeof topic !== 'string') return undefined;
  if (topic === 'alerts') return { kind: 'alerts' };
  const colon = topic.indexOf(':');
  if (colon < 0) return undefined;
  const kind = topic.slice(0, colon);
  const rest = topic.slice(colon + 1);
  switch (kind) {
    case 'board':
      return isCalendarDate(rest) ? { kind: 'board', date: rest } : undefined;
    case 'room':
      return ID.test(rest) ? { kind: 'room', roomId: rest } : undefined;
    case 'case':
      return ID.test(rest) ? { kind: 'case', caseId: rest } : undefined;
    default:
      return undefined;
  }
}

export interface SubscribeRequest {
  topic: string;
}

export type SubscribeAck =
  { ok: true; topic: string; version: number; snapshot: unknown } | { ok: false; error: string };

export interface BoardSnapshot {
  cases: CaseView[];
}

export interface UpdateEvent {
  topic: string;
  /** Rises by one per update on a topic; a client that sees a gap re-subscribes. */
  version: number;
  /**
   * Present when this update stands for several versions at once (`from` … `version`): a
   * gateway that fell behind, a lagging client or a recovered connection gets the latest state
   * of each changed case instead of every intermediate step. Added beside CONTRACT §7's v1
   * fields: a client that ignores it sees a gap and re-subscribes, which is still correct.
   */
  from?: number;
  cases?: CaseView[];
  removed?: string[];
}

/** What a client holding a topic at `known` should do with an update. */
export type UpdateFit = 'apply' | 'stale' | 'gap';

/**
 * Whether an update follows on from the version a client holds: `apply` when it starts at or
 * before the next version and brings something newer, `stale` when the client already has it
 * all (a repeat after a recovery or a snapshot), `gap` when versions were missed.
 */
export function updateFit(known: number, update: Pick<UpdateEvent, 'version' | 'from'>): UpdateFit {
  if (update.version <= known) return 'stale';
  return (update.from ?? update.version) <= known + 1 ? 'apply' : 'gap';
}

/**
 * `vitals` on `room:` and `case:` topics (CONTRACT §7): the latest value of each vital of the
 * room's case, at most once per second per room.
 */
export interface VitalsEvent {
  topic: string;
  caseId?: string;
  roomId: string;
  /** The newest reading's time. */
  at: string;
  values: Partial<Record<string, { value: number; unit: string; at: string }>>;
}

/** An alert as the `alerts` topic lists it: the case's alert, with where it is. */
export interface AlertItem extends AlertView {
  caseId: string;
  roomId: string;
}

/**
 * `alerts` topic (CONTRACT §7): today's (facility-local) alerts. The snapshot lists them and the
 * cases they belong to; `update` events carry changed cases in full (a case whose `alerts` is
 * empty has none left); an `alert` event announces each newly raised one.
 */
export interface AlertsSnapshot {
  alerts: AlertItem[];
  cases: CaseView[];
}

export interface AlertEvent {
  topic: 'alerts';
  alert: AlertItem;
}
