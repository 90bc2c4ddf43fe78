import type { DeviceAlertView, DeviceView, WorkOrderView } from '@circulator/contracts';
import { zonedToIso } from './integration.model';

/** Pure: what the biomed console shows of devices, their service state, alerts and work orders. */

/** `95 / 100 uses (95 %)`, `12 uses` without a uses interval. */
export function usageText(d: DeviceView): string {
  const used = d.maintenance?.usesSinceService ?? d.usesSinceService;
  if (d.serviceIntervalUses === undefined) return `${used} ${used === 1 ? 'use' : 'uses'}`;
  const pct = Math.round((used / d.serviceIntervalUses) * 100);
  return `${used} / ${d.serviceIntervalUses} uses (${pct} %)`;
}

/** How far through its uses interval a device is, 0–1 (for the meter); undefined without one. */
export function usageFraction(d: DeviceView): number | undefined {
  const f = d.maintenance?.usedFraction;
  return f === undefined ? undefined : Math.min(1, Math.max(0, f));
}

/** The service interval in words: `100 uses or 365 days`, `–`. */
export function intervalText(d: DeviceView): string {
  const parts = [
    d.serviceIntervalUses !== undefined ? `${d.serviceIntervalUses} uses` : '',
    d.serviceIntervalDays !== undefined ? `${d.serviceIntervalDays} days` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' or ') : '–';
}

/** The facility-local date of an ISO instant, `2026-12-11`. */
export function dateText(iso: string | undefined, timeZone?: string): string {
  if (iso === undefined) return '–';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '–';
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

/** The forecast service date with what drives it: `2026-12-11 (by uses)`, `overdue since …`. */
export function forecastText(d: DeviceView, nowMs: number, timeZone?: string): string {
  const m = d.maintenance;
  if (m?.dueAt === undefined) return 'unknown';
  const date = dateText(m.dueAt, timeZone);
  return Date.parse(m.dueAt) <= nowMs ? `overdue (due ${date})` : `${date} (by ${m.dueBy ?? '?'})`;
}

/** A device's state in one word: lifecycle first (maintenance, retired), else its connectivity. */
export function stateText(d: DeviceView): string {
  if (d.lifecycle !== 'active') return d.lifecycle;
  return d.errorCode && d.connectivity === 'error' ? `error ${d.errorCode}` : d.connectivity;
}

export function stateTone(d: DeviceView): 'ok' | 'warn' | 'bad' | 'muted' {
  if (d.lifecycle === 'retired') return 'muted';
  if (d.lifecycle === 'maintenance') return 'warn';
  switch (d.connectivity) {
    case 'online':
      return 'ok';
    case 'error':
    case 'offline':
      return 'bad';
    case 'unknown':
      return 'muted';
  }
}

/** The most severe alert of a device, for the table's flag. */
export function worstAlert(alerts: readonly DeviceAlertView[], deviceId: string): DeviceAlertView | undefined {
  const rank = { high: 0, medium: 1, low: 2 } as const;
  return alerts.filter((a) => a.deviceId === deviceId).sort((a, b) => rank[a.priority] - rank[b.priority])[0];
}

/** Devices in the table's order: by room (none last), then id. */
export function sortDevices(devices: readonly DeviceView[]): DeviceView[] {
  return [...devices].sort((a, b) => {
    const ra = a.roomId ?? '\uffff';
    const rb = b.roomId ?? '\uffff';
    if (ra !== rb) return ra.localeCompare(rb, 'en', { numeric: true });
    return a.id.localeCompare(b.id, 'en', { numeric: true });
  });
}

/** Open work orders first (oldest first: the queue), then closed ones (newest first). */
export function sortWorkOrders(orders: readonly WorkOrderView[]): WorkOrderView[] {
  const open = orders.filter((o) => o.status === 'open').sort((a, b) => Number(a.id) - Number(b.id));
  const closed = orders.filter((o) => o.status === 'closed').sort((a, b) => Number(b.id) - Number(a.id));
  return [...open, ...closed];
}

/** IEC 60601-1-8 marks for those who do not see colour (as the wall display's alerts). */
export function priorityMark(priority: DeviceAlertView['priority']): string {
  return priority === 'high' ? '!!!' : priority === 'medium' ? '!!' : '!';
}

/**
 * The `from`/`to` of the compliance export for whole days of the facility, as date fields give
 * them (`YYYY-MM-DD`, both days included: `to` is the start of the day after). An empty or
 * malformed field leaves that end open.
 */
export function compliancePeriod(
  fromDay: string,
  toDay: string,
  timeZone?: string,
): { from: string | undefined; to: string | undefined } {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const next = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return {
    from: day.test(fromDay) ? zonedToIso(`${fromDay}T00:00`, timeZone) : undefined,
    to: day.test(toDay) ? zonedToIso(`${next(toDay)}T00:00`, timeZone) : undefined,
  };
}
