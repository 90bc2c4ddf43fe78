import { createElement as h, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { complianceRecords, serviceInterval, type ComplianceInput, type ComplianceRecord } from './compliance.csv';

/**
 * The printable compliance report (issue 5): the same records as the CSV export
 * ({@link complianceRecords}), as one self-contained HTML page to print or save as PDF from the
 * browser. A summary per device, then the table of events (history lines, work orders, current
 * alerts); the facility, the period and the time it was made on top and in every table's repeated
 * header on paper.
 *
 * Device names, notes and messages are typed by people and by devices: the page is rendered with
 * React's server renderer, which escapes every text and attribute value, rather than by string
 * concatenation. The only raw text is the constant style sheet.
 */

export interface ComplianceReportMeta {
  /** When the report was made (ISO 8601 instant). */
  generatedAt: string;
  /** FACILITY_NAME; the report says "not configured" without it. */
  facilityName?: string;
  /** Times are shown in the facility's zone (FACILITY_TZ); each keeps its instant in `datetime`. */
  timeZone: string;
}

/** No script, nothing loaded from elsewhere: the page is text and its own style sheet. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'";

/** A4 landscape; the table header (with the running header row) repeats on every printed page. */
const STYLE = `
@page { size: A4 landscape; margin: 14mm 10mm 16mm;
  @bottom-left { content: "Device compliance report"; font: 8pt system-ui, sans-serif; color: #555; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt system-ui, sans-serif; color: #555; } }
:root { color-scheme: light; }
body { font: 10pt/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; margin: 2rem; }
h1 { font-size: 16pt; margin: 0 0 .5rem; }
h2 { font-size: 12pt; margin: 1.5rem 0 .5rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: .2rem .35rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.detail { white-space: pre-wrap; overflow-wrap: anywhere; }
tr.running th { background: none; border: none; font-weight: 400; color: #555; font-size: 8pt; padding: 0 0 .25rem; }
.empty { color: #555; font-style: italic; }
@media screen { tr.running { display: none; } }
@media print {
  body { margin: 0; font-size: 8.5pt; }
  thead { display: table-header-group; }
  tr, td, th { break-inside: avoid; }
  section.summary { break-after: page; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

/** `2026-11-21 10:00` in the zone. */
export function localTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(iso));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/** A `<time>` showing the instant in the facility's zone, or a dash. */
function at(iso: string | undefined, timeZone: string): ReactNode {
  return iso ? h('time', { dateTime: iso }, localTime(iso, timeZone)) : '–';
}

/** The period in words: `2026-11-01 00:00 – 2026-12-01 00:00 (end excluded)`, `from …`, `until …`, `all records`. */
export function periodText(period: ComplianceInput['period'], timeZone: string): string {
  const from = period?.from !== undefined ? localTime(period.from, timeZone) : undefined;
  const to = period?.to !== undefined ? localTime(period.to, timeZone) : undefined;
  if (from && to) return `${from} – ${to} (end excluded)`;
  if (from) return `from ${from}`;
  if (to) return `until ${to} (excluded)`;
  return 'all records';
}

/** Per device, what the period's records come to. */
export interface DeviceTally {
  history: number;
  service: number;
  security: number;
  opened: number;
  closed: number;
  alerts: number;
}

const SECURITY_KINDS = new Set([
  'event:security',
  'event:firmware-unapproved',
  'event:feed-rate',
  'event:new-address',
  'event:wrong-room',
  'event:bad-payload',
]);

/** Counts the records of each device (its own `device` record aside). */
export function tallies(records: readonly ComplianceRecord[]): Map<string, DeviceTally> {
  const out = new Map<string, DeviceTally>();
  for (const r of records) {
    const id = String(r.device_id);
    const t = out.get(id) ?? { history: 0, service: 0, security: 0, opened: 0, closed: 0, alerts: 0 };
    out.set(id, t);
    const kind = String(r.record);
    if (kind.startsWith('event:')) t.history += 1;
    if (kind === 'event:service') t.service += 1;
    if (SECURITY_KINDS.has(kind)) t.security += 1;
    if (kind === 'work-order-opened') t.opened += 1;
    if (kind === 'work-order-closed') t.closed += 1;
    if (kind.startsWith('alert:')) t.alerts += 1;
  }
  return out;
}

const cell = (content: ReactNode, className?: string) => h('td', className ? { className } : null, content);
const text = (value: string | number | undefined) => (value === undefined || value === '' ? '–' : String(value));

/** The thead of a table: the running header row for paper, then the column names. */
function head(running: string, columns: readonly string[]): ReactNode {
  return h(
    'thead',
    null,
    h('tr', { className: 'running' }, h('th', { colSpan: columns.length }, running)),
    h(
      'tr',
      null,
      columns.map((c) => h('th', { key: c, scope: 'col' }, c)),
    ),
  );
}

/** The whole page, `<!DOCTYPE html>` first. */
export function complianceHtml(input: ComplianceInput, meta: ComplianceReportMeta): string {
  const { timeZone } = meta;
  const records = complianceRecords(input);
  const counts = tallies(records);
  const byId = new Map(input.devices.map((d) => [d.id, d]));
  const devices = records.filter((r) => r.record === 'device').map((r) => byId.get(String(r.device_id))!);
  const events = records.filter((r) => r.record !== 'device');
  const facility = meta.facilityName ?? 'not configured (FACILITY_NAME)';
  const period = periodText(input.period, timeZone);
  const running = `${meta.facilityName ?? ''}${meta.facilityName ? ' · ' : ''}Device compliance report · ${period} · made ${localTime(meta.generatedAt, timeZone)} (${timeZone})`;
  const title = `Device compliance report${meta.facilityName ? ` – ${meta.facilityName}` : ''}`;

  const summaryColumns = [
    'Device',
    'Type',
    'Vendor / model',
    'Serial',
    'Room',
    'State',
    'Last service',
    'Service interval',
    'Uses since service',
    'Forecast due',
    'History lines',
    'Service records',
    'Security lines',
    'Work orders opened',
    'Work orders closed',
    'Current alerts',
  ] as const;
  const summary = h(
    'table',
    { className: 'summary' },
    head(running, summaryColumns),
    h(
      'tbody',
      null,
      devices.map((d) => {
        const t = counts.get(d.id)!;
        const m = d.maintenance;
        return h(
          'tr',
          { key: d.id, 'data-device': d.id },
          h('td', null, h('strong', null, d.id), d.label ? h('div', null, d.label) : null),
          cell(d.type),
          cell(text([d.vendor, d.model].filter(Boolean).join(' ') || undefined)),
          cell(text(d.serial)),
          cell(text(d.roomId)),
          cell(d.lifecycle),
          cell(at(d.lastServiceAt, timeZone)),
          cell(serviceInterval(d)),
          cell(d.usesSinceService, 'num'),
          cell(m?.dueAt ? h('span', null, at(m.dueAt, timeZone), ` (by ${m.dueBy})`) : 'unknown'),
          cell(t.history, 'num'),
          cell(t.service, 'num'),
          cell(t.security, 'num'),
          cell(t.opened, 'num'),
          cell(t.closed, 'num'),
          cell(t.alerts, 'num'),
        );
      }),
    ),
  );

  const eventColumns = ['When', 'Device', 'Record', 'Status', 'Priority', 'Detail', 'By'] as const;
  const table = h(
    'table',
    { className: 'events' },
    head(running, eventColumns),
    h(
      'tbody',
      null,
      events.map((r, i) =>
        h(
          'tr',
          { key: i, 'data-record': r.record, 'data-device': r.device_id },
          cell(at(r.at === undefined ? undefined : String(r.at), timeZone)),
          cell(text(r.device_id)),
          cell(text(r.record)),
          cell(text(r.status)),
          cell(text(r.priority)),
          cell(text(r.detail), 'detail'),
          cell(text(r.actor)),
        ),
      ),
    ),
  );

  const page = h(
    'html',
    { lang: 'en' },
    h(
      'head',
      null,
      h('meta', { charSet: 'utf-8' }),
      // The page also holds when opened from memory (a blob: URL, which no response header covers).
      h('meta', { httpEquiv: 'Content-Security-Policy', content: REPORT_CSP }),
      h('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
      h('title', null, title),
      h('style', null, STYLE),
    ),
    h(
      'body',
      null,
      h(
        'header',
        null,
        h('h1', null, 'Device compliance report'),
        h(
          'dl',
          { className: 'meta' },
          h('dt', null, 'Facility'),
          h('dd', null, facility),
          h('dt', null, 'Period'),
          h('dd', null, period),
          h('dt', null, 'Generated at'),
          h('dd', null, at(meta.generatedAt, timeZone)),
          h('dt', null, 'Time zone'),
          h('dd', null, timeZone),
          h('dt', null, 'Devices'),
          h('dd', null, devices.length),
          h('dt', null, 'Events'),
          h('dd', null, events.length),
        ),
        h(
          'p',
          null,
          'Device state, forecast and alerts are as of the time the report was made; history lines and work orders are those of the period. The CSV export of the same period holds the same records.',
        ),
      ),
      h(
        'section',
        { className: 'summary' },
        h('h2', null, 'Summary per device'),
        devices.length ? summary : h('p', { className: 'empty' }, 'No devices are registered.'),
      ),
      h(
        'section',
        { className: 'events' },
        h('h2', null, 'Events'),
        events.length ? table : h('p', { className: 'empty' }, 'No events in the period.'),
      ),
    ),
  );
  return `<!DOCTYPE html>\n${renderToStaticMarkup(page)}\n`;
}
