import type { DeviceView } from '@circulator/contracts';
import { complianceCsv, complianceRecords, type ComplianceInput } from './compliance.csv';
import { complianceHtml, localTime, periodText, REPORT_CSP, tallies } from './compliance.html';

const pump: DeviceView = {
  id: 'pump-1',
  type: 'infusion-pump',
  label: '<script>alert("pwned")</script>',
  vendor: 'Acme & Sons',
  model: '"Flow" 3',
  serial: 'SN-1',
  roomId: 'or-1',
  serviceIntervalUses: 100,
  lastServiceAt: '2026-10-01T00:00:00.000Z',
  usesSinceService: 60,
  heartbeatSeconds: 60,
  lifecycle: 'active',
  connectivity: 'online',
  credentials: { issued: true, version: 1 },
  maintenance: {
    at: '2026-11-21T00:00:00.000Z',
    rateMethod: 'since-service',
    dueAt: '2026-12-11T00:00:00.000Z',
    dueBy: 'uses',
    explanation: '',
    errorsLastWeek: 0,
    alerts: [],
  },
};

const input: ComplianceInput = {
  devices: [{ ...pump, id: 'robot-1', type: 'surgical-robot', label: undefined, maintenance: undefined }, pump],
  events: [
    { id: '1', deviceId: 'pump-1', at: '2026-10-01T00:00:00.000Z', kind: 'registered', message: 'registered' },
    {
      id: '2',
      deviceId: 'pump-1',
      at: '2026-11-02T08:30:00.000Z',
      kind: 'security',
      priority: 'high',
      message: 'firmware changed to <img src=x onerror=alert(1)>',
    },
    { id: '3', deviceId: 'pump-1', at: '2026-11-03T00:00:00.000Z', kind: 'location', message: 'in or-1' },
    { id: '4', deviceId: 'pump-1', at: '2026-12-01T00:00:00.000Z', kind: 'service', message: 'serviced' },
  ],
  workOrders: [
    {
      id: '7',
      deviceId: 'pump-1',
      status: 'closed',
      note: 'check </td></tr></table> & more',
      openedAt: '2026-10-30T00:00:00.000Z',
      openedBy: 'user:b',
      closedAt: '2026-11-04T00:00:00.000Z',
      closedBy: 'user:b',
      closeNote: 'done',
      serviced: true,
    },
  ],
  alerts: [
    {
      id: 'maint:pump-1:upcoming',
      deviceId: 'pump-1',
      kind: 'maintenance',
      level: 'upcoming',
      priority: 'low',
      message: 'due soon',
      at: '2026-11-21T00:00:00.000Z',
    },
  ],
  period: { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' },
};
const meta = { generatedAt: '2026-11-21T09:15:00.000Z', facilityName: 'St. <Mary>', timeZone: 'Europe/Paris' };

/** The events table's rows as `record device at`, in page order. */
function eventRows(html: string): string[] {
  const table = html.slice(html.indexOf('<table class="events">'));
  return [...table.matchAll(/<tr data-record="([^"]*)" data-device="([^"]*)"><td>(?:<time dateTime="([^"]*)")?/g)].map(
    (m) => `${m[1]} ${m[2]} ${m[3] ?? '-'}`,
  );
}

describe('complianceRecords with a period', () => {
  it('keeps history lines and work-order steps in [from, to), devices and current alerts always', () => {
    expect(complianceRecords(input).map((r) => `${r.record} ${r.device_id} ${r.at}`)).toEqual([
      'device pump-1 2026-10-01T00:00:00.000Z',
      'event:security pump-1 2026-11-02T08:30:00.000Z',
      // opened before the period: only its closing is in it
      'work-order-closed pump-1 2026-11-04T00:00:00.000Z',
      'alert:maintenance pump-1 2026-11-21T00:00:00.000Z',
      'device robot-1 2026-10-01T00:00:00.000Z',
    ]);
    expect(complianceRecords({ ...input, period: {} }).filter((r) => r.record !== 'device')).toHaveLength(6);
  });
});

describe('complianceHtml', () => {
  const html = complianceHtml(input, meta);

  it('escapes every value people or devices typed', () => {
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    const whole = complianceHtml({ ...input, period: {} }, meta);
    expect(whole).not.toContain('</td></tr></table> &');
    expect(whole).toContain('<td class="detail">check &lt;/td&gt;&lt;/tr&gt;&lt;/table&gt; &amp; more</td>');
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(html).toContain('firmware changed to &lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('Acme &amp; Sons &quot;Flow&quot; 3');
    expect(html).toContain('St. &lt;Mary&gt;');
  });

  it('is one self-contained page: no script, nothing loaded, its own CSP', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    // No element but text and style: nothing to run, nothing to fetch (escaped text aside).
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed|base|form)\b|<[a-z]+[^>]*\s(src|href|on[a-z]+)=/i);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP.replaceAll("'", '&#x27;')}"/>`,
    );
  });

  it('prints: A4 pages, numbered, table headers repeated with the running header', () => {
    expect(html).toMatch(/@page \{ size: A4 landscape/);
    expect(html).toContain('counter(page) " of " counter(pages)');
    expect(html).toMatch(/thead \{ display: table-header-group; \}/);
    expect(html).toContain(
      '<tr class="running"><th colSpan="7">St. &lt;Mary&gt; · Device compliance report · 2026-11-01 01:00 – 2026-12-01 01:00 (end excluded) · made 2026-11-21 10:15 (Europe/Paris)</th></tr>',
    );
  });

  it('says the facility, the period and when it was made, in the facility zone', () => {
    expect(html).toContain('<dt>Facility</dt><dd>St. &lt;Mary&gt;</dd>');
    expect(html).toContain('<dt>Period</dt><dd>2026-11-01 01:00 – 2026-12-01 01:00 (end excluded)</dd>');
    expect(html).toContain(
      '<dt>Generated at</dt><dd><time dateTime="2026-11-21T09:15:00.000Z">2026-11-21 10:15</time></dd>',
    );
    expect(complianceHtml(input, { ...meta, facilityName: undefined })).toContain(
      '<dt>Facility</dt><dd>not configured (FACILITY_NAME)</dd>',
    );
  });

  it('lists exactly the CSV records: the devices in the summary, the rest in the events table', () => {
    const csv = complianceCsv(input)
      .split('\r\n')
      .slice(1, -1)
      .map((line) => line.split(','));
    const summaryIds = [...html.matchAll(/<tr data-device="([^"]*)">/g)].map((m) => m[1]);
    expect(summaryIds).toEqual(csv.filter((f) => f[0] === 'device').map((f) => f[1]));
    expect(eventRows(html)).toEqual(csv.filter((f) => f[0] !== 'device').map((f) => `${f[0]} ${f[1]} ${f[5]}`));
  });

  it('sums each device up from those records', () => {
    expect(tallies(complianceRecords(input)).get('pump-1')).toEqual({
      history: 1,
      service: 0,
      security: 1,
      opened: 0,
      closed: 1,
      alerts: 1,
    });
    expect(html).toMatch(
      /<tr data-device="pump-1">.*?<td class="num">1<\/td><td class="num">0<\/td><td class="num">1<\/td><td class="num">0<\/td><td class="num">1<\/td><td class="num">1<\/td><\/tr>/,
    );
  });

  it('says so when there is nothing to list', () => {
    const empty = complianceHtml({ devices: [], events: [], workOrders: [], alerts: [] }, meta);
    expect(empty).toContain('No devices are registered.');
    expect(empty).toContain('No events in the period.');
    expect(empty).toContain('<dt>Period</dt><dd>all records</dd>');
  });
});

describe('periodText and localTime', () => {
  it('words an open or closed period in the zone, across a DST change', () => {
    expect(localTime('2026-07-01T22:30:00Z', 'Europe/Paris')).toBe('2026-07-02 00:30');
    expect(periodText({ from: '2026-10-25T00:00:00Z' }, 'Europe/Paris')).toBe('from 2026-10-25 02:00');
    expect(periodText({ to: '2026-10-26T00:00:00Z' }, 'Europe/Paris')).toBe('until 2026-10-26 01:00 (excluded)');
  });
});
