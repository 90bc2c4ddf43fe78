import type { DeviceAlertView, DeviceEventView, DeviceView, WorkOrderView } from '@circulator/contracts';

/**
 * The biomed compliance export (issue 5): one CSV of every device with its service state and
 * forecast, its service and security history, its work orders and its current alerts, one line per
 * record, oldest history first per device. RFC 4180: CRLF line ends, fields with a comma, quote or
 * line break quoted. A field that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
 * CR first) is prefixed with `'` (OWASP "CSV injection"): device names and notes are typed by people.
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

type Line = Record<(typeof COMPLIANCE_COLUMNS)[number], string | number | undefined>;

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

export interface ComplianceInput {
  devices: readonly DeviceView[];
  /** History lines, any order (filtered to {@link COMPLIANCE_EVENT_KINDS}). */
  events: readonly DeviceEventView[];
  workOrders: readonly WorkOrderView[];
  alerts: readonly DeviceAlertView[];
}

export function complianceCsv(input: ComplianceInput): string {
  const lines: string[] = [COMPLIANCE_COLUMNS.join(',')];
  const ids = [...input.devices].map((d) => d.id).sort();
  const byId = new Map(input.devices.map((d) => [d.id, d]));
  const push = (line: Line) => lines.push(COMPLIANCE_COLUMNS.map((c) => csvField(line[c])).join(','));
  for (const id of ids) {
    const d = byId.get(id)!;
    const base = { device_id: d.id, device_type: d.type, serial: d.serial, room: d.roomId };
    const m = d.maintenance;
    const interval = [
      d.serviceIntervalUses !== undefined ? `every ${d.serviceIntervalUses} uses` : '',
      d.serviceIntervalDays !== undefined ? `every ${d.serviceIntervalDays} days` : '',
    ]
      .filter(Boolean)
      .join(' or ');
    push({
      ...base,
      record: 'device',
      at: d.lastServiceAt,
      status: d.lifecycle,
      priority: undefined,
      detail: [
        `interval: ${interval || 'none'}`,
        `uses since service: ${d.usesSinceService}`,
        `forecast due: ${m?.dueAt ? `${m.dueAt} (by ${m.dueBy})` : 'unknown'}`,
      ].join('; '),
      actor: undefined,
    });
    const history = input.events
      .filter((e) => e.deviceId === id && COMPLIANCE_EVENT_KINDS.has(e.kind))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : Number(a.id) - Number(b.id)));
    for (const e of history) {
      push({
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
      push({
        ...base,
        record: 'work-order-opened',
        at: w.openedAt,
        status: `#${w.id} open`,
        priority: undefined,
        detail: w.assignee ? `${w.note} (assigned to ${w.assignee})` : w.note,
        actor: w.openedBy,
      });
      if (w.status === 'closed') {
        push({
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
      push({
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
  return lines.join('\r\n') + '\r\n';
}

/** One CSV field (RFC 4180), formula-looking text defused. */
export function csvField(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
