import type { AlertPriority, AlertView, CaseEventView } from '@circulator/contracts';
import { isAlertView, isRecord } from './live.payload';
import { timeOf } from './time.format';

/**
 * A case's alarm history: what was raised, changed, acknowledged and cleared, newest first. Read
 * from the case's event log when a screen opens, then kept up to date from the live case updates
 * (the difference between one version's alerts and the next). Pure.
 */
export interface AlertHistoryEntry {
  /** When it happened (source time; for a live clearance, when this screen saw it). */
  at: string;
  alertId: string;
  what: 'raised' | 'updated' | 'acknowledged' | 'cleared';
  priority?: AlertPriority;
  message: string;
  by?: string;
  /** When the alert's episode was raised: one clearance per episode, however it was learned. */
  episode?: string;
}

/** The entries of a case's event log (oldest first in, newest first out). */
export function historyFromEvents(events: readonly CaseEventView[]): AlertHistoryEntry[] {
  const out: AlertHistoryEntry[] = [];
  const messages = new Map<string, { message: string; priority: AlertPriority; raisedAt: string }>();
  for (const event of events) {
    const change = event.change;
    if (event.kind === 'alert-acknowledged') {
      const alertId = typeof change.alertId === 'string' ? change.alertId : undefined;
      if (alertId === undefined) continue;
      const actor = isRecord(change.actor) ? change.actor : undefined;
      const by =
        typeof actor?.name === 'string' ? actor.name : typeof actor?.role === 'string' ? actor.role : undefined;
      const known = messages.get(alertId);
      out.push({
        at: event.at,
        alertId,
        what: 'acknowledged',
        message: known?.message ?? alertId,
        ...(known ? { priority: known.priority } : {}),
        ...(by !== undefined ? { by } : {}),
      });
      continue;
    }
    const alerts = isRecord(change.alerts) ? change.alerts : undefined;
    if (alerts === undefined) continue;
    for (const what of ['raised', 'updated'] as const) {
      const list = Array.isArray(alerts[what]) ? (alerts[what] as unknown[]).filter(isAlertView) : [];
      for (const alert of list) {
        messages.set(alert.id, { message: alert.message, priority: alert.priority, raisedAt: alert.raisedAt });
        out.push({
          at: what === 'raised' ? alert.raisedAt : event.at,
          alertId: alert.id,
          what,
          priority: alert.priority,
          message: alert.message,
        });
      }
    }
    const cleared = Array.isArray(alerts.cleared)
      ? alerts.cleared.filter((id): id is string => typeof id === 'string')
      : [];
    for (const alertId of cleared) {
      const known = messages.get(alertId);
      out.push({
        at: event.at,
        alertId,
        what: 'cleared',
        message: known?.message ?? alertId,
        ...(known ? { priority: known.priority, episode: known.raisedAt } : {}),
      });
    }
  }
  return newestFirst(out);
}

/**
 * What changed between a case's alerts at one version and the next. Clearances carry no time of
 * their own in a case update: `seenAt` (now) stands for it.
 */
export function diffAlerts(
  before: readonly AlertView[],
  after: readonly AlertView[],
  seenAt: string,
): AlertHistoryEntry[] {
  const old = new Map(before.map((a) => [a.id, a]));
  const out: AlertHistoryEntry[] = [];
  for (const alert of after) {
    const prior = old.get(alert.id);
    const base = { alertId: alert.id, priority: alert.priority, message: alert.message };
    if (prior === undefined) {
      out.push({ ...base, at: alert.raisedAt, what: 'raised' });
      if (alert.acknowledgedAt !== undefined) out.push({ ...base, at: alert.acknowledgedAt, what: 'acknowledged' });
      continue;
    }
    if (prior.raisedAt !== alert.raisedAt) out.push({ ...base, at: alert.raisedAt, what: 'raised' });
    else if (prior.priority !== alert.priority || prior.message !== alert.message) {
      out.push({ ...base, at: seenAt, what: 'updated' });
    }
    if (alert.acknowledgedAt !== undefined && alert.acknowledgedAt !== prior.acknowledgedAt) {
      out.push({ ...base, at: alert.acknowledgedAt, what: 'acknowledged' });
    }
  }
  const now = new Set(after.map((a) => a.id));
  for (const prior of before) {
    if (!now.has(prior.id)) {
      out.push({
        alertId: prior.id,
        priority: prior.priority,
        message: prior.message,
        at: seenAt,
        what: 'cleared',
        episode: prior.raisedAt,
      });
    }
  }
  return newestFirst(out);
}

/**
 * Adds entries to a history, dropping repeats (the same alert, event and time; for a clearance,
 * the same episode: one seen live and one read from the log are the same), newest first.
 */
export function mergeHistory(
  history: readonly AlertHistoryEntry[],
  entries: readonly AlertHistoryEntry[],
  max = 200,
): AlertHistoryEntry[] {
  if (entries.length === 0) return history as AlertHistoryEntry[];
  const key = (e: AlertHistoryEntry) => {
    const when = e.what === 'cleared' && e.episode !== undefined ? `episode ${timeOf(e.episode)}` : timeOf(e.at);
    return `${e.alertId}\u0000${e.what}\u0000${when ?? e.at}`;
  };
  const seen = new Set(history.map(key));
  const fresh = entries.filter((e) => !seen.has(key(e)));
  if (fresh.length === 0) return history as AlertHistoryEntry[];
  return newestFirst([...history, ...fresh]).slice(0, max);
}

function newestFirst(entries: AlertHistoryEntry[]): AlertHistoryEntry[] {
  // Stable: entries of one instant keep the order they happened in, reversed.
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (timeOf(b.e.at) ?? 0) - (timeOf(a.e.at) ?? 0) || b.i - a.i)
    .map(({ e }) => e);
}
