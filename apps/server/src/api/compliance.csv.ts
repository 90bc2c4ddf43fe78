import type { DeviceAlertView, DeviceEventView, DeviceView, WorkOrderView } from '@circulator/contracts';

/**
 * The biomed compliance export (issue 5): every device with its service state and forecast, its
 * service and security history, its work orders and its current alerts, one record per line,
 * oldest history first per device. {@link complianceRecords} chooses and orders the records; the
 * CSV ({@link complianceCsv}) and the printable report (compliance.html.ts) are two renderings of
 * the same records, so they cannot disagree.
 *
 * CSV: RFC 4180, CRLF line ends, fields with a comma, quote or line break quoted. A field that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) is prefixed with `'`
 * (OWASP "CSV injection"): device names and notes are typed by people.
 */

export const COMPLIANCE_COLUMNS = [
  'record',
  'device_id',
  'device_type',
  'serial',
  'room',
  'at',
  'status',
  'priority',
  'detail',
  'actor',
] as const;

/** One record of the export: a CSV line, a row of the report. */
export type ComplianceRecord = Record<(typeof COMPLIANCE_COLUMNS)[number], string | number | undefined>;

/** The history lines that belong in a compliance export: service, registry changes, security, errors. */
export const COMPLIANCE_EVENT_KINDS = new Set([
  'registered',
  'updated',
  'credentials',
  'service',
  'security',
  'firmware',
  'firmware-unapproved',
  'error-code',
  'bad-payload',
  'feed-rate',
  'new-address',
  'wrong-room',
]);

/**
 * The reporting period: history lines and work-order openings and closings at or after `from` and
 * before `to` (ISO 8601 instants; either may be open). Each device's state and its current alerts
 * are as of the export, whatever the period.
 */
export interface CompliancePeriod {
  from?: string;
  to?: string;
}

export interface ComplianceInput {
  devices: readonly DeviceView[];
  /** History lines, any order (filtered to {@link COMPLIANCE_EVENT_KINDS} and the period). */
  events: readonly DeviceEventView[];
  workOrders: readonly WorkOrderView[];
  alerts: readonly DeviceAlertView[];
  period?: CompliancePeriod;
}

/** Whether an instant falls in the period (`from` inclusive, `to` exclusive); no instant, no. */
export function inPeriod(at: string | undefined, period: CompliancePeriod = {}): boolean {
  if (at === undefined) return false;
  const t = Date.parse(at);
  if (period.from !== undefined && t < Date.parse(period.from)) return false;
  if (period.to !== undefined && t >= Date.parse(period.to)) return false;
  return true;
}

/** A device's service interval in words: `every 100 uses or every 365 days`, or `none`. */
export function serviceInterval(d: DeviceView): string {
  const parts = [
    d.serviceIntervalUses !== undefined ? `every ${d.serviceIntervalUses} uses` : '',
    d.serviceIntervalDays !== undefined ? `every ${d.serviceIntervalDays} days` : '',
  ].filter(Boolean);
  return parts.join(' or ') || 'none';
}

/**
 * The export's records, devices by id: each device's own record (its state now), then its history
 * lines in the period oldest first, its work orders by number (opened, closed, each when in the
 * period), its current alerts.
 */
export function complianceRecords(input: ComplianceInput): ComplianceRecord[] {
  const records: ComplianceRecord[] = [];
  const period = input.period ?? {};
  const ids = [...input.devices].map((d) => d.id).sort();
  const byId = new Map(input.devices.map((d) => [d.id, d]));
  for (const id of ids) {
    const d = byId.get(id)!;
    const base = { device_id: d.id, device_type: d.type, serial: d.serial, room: d.roomId };
    const m = d.maintenance;
    records.push({
      ...base,
      record: 'device',
      at: d.lastServiceAt,
      status: d.lifecycle,
      priority: undefined,
      detail: [
        `interval: ${serviceInterval(d)}`,
        `uses since service: ${d.usesSinceService}`,
        `forecast due: ${m?.dueAt ? `${m.dueAt} (by ${m.dueBy})` : 'unknown'}`,
      ].join('; '),
      actor: undefined,
    });
    const history = input.events
      .filter((e) => e.deviceId === id && COMPLIANCE_EVENT_KINDS.has(e.kind) && inPeriod(e.at, period))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : Number(a.id) - Number(b.id)));
    for (const e of history) {
      records.push({
        ...base,
        record: `event:${e.kind}`,
        at: e.at,
        status: '',
        priority: e.priority,
        detail: e.message,
        actor: e.actor,
      });
    }
    const orders = input.workOrders.filter((w) => w.deviceId === id).sort((a, b) => Number(a.id) - Number(b.id));
    for (const w of orders) {
      if (inPeriod(w.openedAt, period)) {
        records.push({
          ...base,
          record: 'work-order-opened',
          at: w.openedAt,
          status: `#${w.id} open`,
          priority: undefined,
          detail: w.assignee ? `${w.note} (assigned to ${w.assignee})` : w.note,
          actor: w.openedBy,
        });
      }
      if (w.status === 'closed' && inPeriod(w.closedAt, period)) {
        records.push({
          ...base,
          record: 'work-order-closed',
          at: w.closedAt,
          status: `#${w.id} closed${w.serviced ? ', serviced' : ''}`,
          priority: undefined,
          detail: w.closeNote,
          actor: w.closedBy,
        });
      }
    }
    for (const a of input.alerts.filter((x) => x.deviceId === id)) {
      records.push({
        ...base,
        record: `alert:${a.kind}`,
        at: a.at,
        status: a.level ?? '',
        priority: a.priority,
        detail: a.message,
        actor: undefined,
      });
    }
  }
  return records;
}

export function complianceCsv(input: ComplianceInput): string {
  const lines = [COMPLIANCE_COLUMNS.join(',')];
  for (const r of complianceRecords(input)) lines.push(COMPLIANCE_COLUMNS.map((c) => csvField(r[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** One CSV field (RFC 4180), formula-looking text defused. */
export function csvField(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
