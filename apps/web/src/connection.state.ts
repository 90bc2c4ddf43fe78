import { formatClockMs } from './board.format';

/** The socket's state as the indicator needs it. Times are epoch ms, passed in (no clock reads). */
export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'connected' }
  /** `since`: when the connection dropped, i.e. since when the board may be out of date. */
  | { kind: 'disconnected'; since: number };

export type IndicatorTone = 'live' | 'reconnecting' | 'stale';

export interface Indicator {
  tone: IndicatorTone;
  text: string;
}

/** After this long without a connection the board says how old it is instead of "reconnecting". */
export const STALE_AFTER_MS = 15_000;

/**
 * "live" only when connected and the snapshot is in; "reconnecting…" right after a drop (or while
 * re-syncing); "stale since HH:MM" (in `timeZone`, the facility's) once the drop has lasted
 * STALE_AFTER_MS.
 */
export function indicatorFor(connection: ConnectionState, syncing: boolean, now: number, timeZone?: string): Indicator {
  switch (connection.kind) {
    case 'connecting':
      return { tone: 'reconnecting', text: 'connecting…' };
    case 'connected':
      return syncing ? { tone: 'reconnecting', text: 'reconnecting…' } : { tone: 'live', text: 'live' };
    case 'disconnected':
      return now - connection.since >= STALE_AFTER_MS
        ? { tone: 'stale', text: `stale since ${formatClockMs(connection.since, timeZone)}` }
        : { tone: 'reconnecting', text: 'reconnecting…' };
  }
}
