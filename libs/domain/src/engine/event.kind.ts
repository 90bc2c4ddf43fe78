import type { CaseEventKind } from '../case.model';

/**
 * The kind of the one event a fact makes, when it may change alerts: the most important thing it
 * did, in the order raising an alert, clearing one, changing one (priority, text, backup), then
 * what the fact itself is (`otherwise`: `observations-recorded`, `limits-changed`…). The change
 * always holds everything the fact did (the readings with the alert they raised or cleared), so
 * the kind only says where to look first: a reading that raises SpO2 low is an `alert-raised`, the
 * reading that ends it an `alert-cleared`, and readings that change no alert stay
 * `observations-recorded` (docs/alert-rules.md §event log).
 */
export function alertEventKind(change: Record<string, unknown>, otherwise: CaseEventKind): CaseEventKind {
  const alerts = change.alerts as { raised?: unknown; cleared?: unknown; updated?: unknown } | undefined;
  if (alerts?.raised) return 'alert-raised';
  if (alerts?.cleared) return 'alert-cleared';
  if (alerts?.updated) return 'alert-updated';
  return otherwise;
}
