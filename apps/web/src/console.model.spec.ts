import { describe, expect, it } from '@jest/globals';
import type { DeviceView, MessageStatsView, RoomView, TrafficStats } from '@circulator/contracts';
import {
  compliancePeriod,
  forecastText,
  intervalText,
  sortDevices,
  sortWorkOrders,
  stateText,
  usageFraction,
  usageText,
  worstAlert,
} from './biomed.model';
import { problemText, queryString } from './console.api';
import {
  EMPTY_SEARCH,
  formatRate,
  formatShare,
  interfaceRows,
  mappableRooms,
  searchParams,
  segmentLines,
  unmappedLocations,
  withLocationMapping,
  zonedToIso,
  type InterfaceItem,
} from './integration.model';

const traffic = (over: Partial<TrafficStats> = {}): TrafficStats => ({
  messages: { lastMinute: 6, window: 100 },
  ratePerSecond: 0.1,
  errorRate: 0.05,
  byStatus: { received: 1, applied: 94, rejected: 3, failed: 2 },
  lastMessageAt: '2026-11-21T10:00:00.000Z',
  ...over,
});
const iface = (name: string, config: InterfaceItem['config'] = {}): InterfaceItem => ({
  name,
  origin: 'api',
  version: 1,
  updatedAt: null,
  updatedBy: null,
  config,
});

describe('integration console model', () => {
  it('joins interfaces with their traffic, and shows traffic on no interface last', () => {
    const stats: MessageStatsView = {
      at: '2026-11-21T10:00:05.000Z',
      windowSeconds: 3600,
      total: traffic(),
      interfaces: [
        { ...traffic(), interfaceName: 'epic' },
        { ...traffic({ messages: { lastMinute: 0, window: 2 } }), interfaceName: null },
      ],
      senders: [],
      queue: null,
    };
    const rows = interfaceRows([iface('epic', { port: 6661 }), iface('default', { enabled: false })], stats);
    expect(rows.map((r) => [r.name, r.enabled, r.port, r.perSecond, r.errors])).toEqual([
      ['default', false, 'shared', 0, 0],
      ['epic', true, '6661', 0.1, 5],
      ['(none)', true, '', 0.1, 5],
    ]);
    expect(interfaceRows([iface('epic')], undefined)[0]?.lastMessageAt).toBeNull();
  });

  it('formats rates and shares', () => {
    expect([formatRate(0), formatRate(0.25), formatRate(42.4)]).toEqual(['0/s', '0.25/s', '42/s']);
    expect([formatShare(null), formatShare(0.042)]).toEqual(['–', '4.2 %']);
  });

  it('reads search times as the facility’s wall clock, across daylight saving', () => {
    expect(zonedToIso('2026-11-21T08:30', 'Europe/Paris')).toBe('2026-11-21T07:30:00.000Z');
    expect(zonedToIso('2026-07-01T08:30', 'Europe/Paris')).toBe('2026-07-01T06:30:00.000Z');
    expect(zonedToIso('2026-11-21T08:30', 'America/New_York')).toBe('2026-11-21T13:30:00.000Z');
    expect(zonedToIso('21/11/2026', 'UTC')).toBeUndefined();
  });

  it('makes the search query of the set fields only', () => {
    const q = searchParams(
      { ...EMPTY_SEARCH, mrn: ' MRN-1 ', type: 'siu^s12', status: 'failed', from: '2026-11-21T08:00' },
      'Europe/Paris',
      '42',
    );
    expect(queryString(q)).toBe('?mrn=MRN-1&type=SIU%5ES12&status=failed&from=2026-11-21T07%3A00%3A00.000Z&before=42');
    expect(queryString(searchParams(EMPTY_SEARCH, 'UTC'))).toBe('');
  });

  it('splits raw text into segment lines whatever the line ends', () => {
    expect(segmentLines('MSH|^~\\&|A\rPID|1\r\nPV1|1\n\r')).toEqual(['MSH|^~\\&|A', 'PID|1', 'PV1|1']);
  });

  it('lists the locations of unmapped rooms, with the mapping that now covers each', () => {
    const rooms: RoomView[] = [
      { id: 'or-10', name: 'OR10', locations: ['OR10'] },
      { id: 'or-2', name: 'OR2', locations: ['OR2'] },
      { id: 'x-or3', name: 'X-OR3', locations: ['X^OR3', 'X^OR3B'], unmapped: true },
    ];
    const rows = unmappedLocations(rooms, [iface('epic', { locations: { 'X^OR3': 'or-2' } })]);
    expect(rows).toEqual([
      { code: 'X^OR3', roomId: 'x-or3', roomName: 'X-OR3', mappedBy: { interfaceName: 'epic', roomId: 'or-2' } },
      { code: 'X^OR3B', roomId: 'x-or3', roomName: 'X-OR3' },
    ]);
    expect(mappableRooms(rooms, 'x-or3').map((r) => r.name)).toEqual(['OR2', 'OR10']);
    expect(mappableRooms(rooms).map((r) => r.name)).toEqual(['OR2', 'OR10', 'X-OR3']);
  });

  it('adds a location mapping and leaves the rest of the configuration as it was', () => {
    const config = { enabled: true, locations: { A: 'or-1' }, roles: { surgeon: ['S'] } };
    expect(withLocationMapping(config, 'B', 'or-2')).toEqual({
      enabled: true,
      locations: { A: 'or-1', B: 'or-2' },
      roles: { surgeon: ['S'] },
    });
    expect(config.locations).toEqual({ A: 'or-1' });
  });

  it('says what a problem answer says', () => {
    expect(problemText('{"title":"Not found","detail":"no message 9"}', 404)).toBe('no message 9');
    expect(problemText('{"title":"Forbidden"}', 403)).toBe('Forbidden');
    expect(problemText('<html>', 502)).toBe('HTTP 502');
  });
});

const device = (over: Partial<DeviceView> = {}): DeviceView => ({
  id: 'pump-1',
  type: 'infusion-pump',
  usesSinceService: 95,
  heartbeatSeconds: 60,
  lifecycle: 'active',
  connectivity: 'online',
  credentials: { issued: true, version: 1 },
  ...over,
});

describe('biomed console model', () => {
  it('turns facility days into the compliance export period, the last day included', () => {
    expect(compliancePeriod('2026-11-01', '2026-11-30', 'Europe/Paris')).toEqual({
      from: '2026-10-31T23:00:00.000Z',
      to: '2026-11-30T23:00:00.000Z',
    });
    // Across the end of summer time: the day after 2026-10-24 starts at 22:00Z (UTC+2).
    expect(compliancePeriod('', '2026-10-24', 'Europe/Paris')).toEqual({
      from: undefined,
      to: '2026-10-24T22:00:00.000Z',
    });
    expect(compliancePeriod('2026-13', '', 'UTC')).toEqual({ from: undefined, to: undefined });
  });

  it('shows usage against the interval', () => {
    expect(usageText(device({ serviceIntervalUses: 100 }))).toBe('95 / 100 uses (95 %)');
    expect(usageText(device({ usesSinceService: 1 }))).toBe('1 use');
    expect(usageFraction(device({ maintenance: { usedFraction: 1.2 } as DeviceView['maintenance'] }))).toBe(1);
    expect(intervalText(device({ serviceIntervalUses: 100, serviceIntervalDays: 365 }))).toBe('100 uses or 365 days');
    expect(intervalText(device())).toBe('–');
  });

  it('shows the forecast service date in the facility’s zone, or overdue', () => {
    const m = { dueAt: '2026-12-10T23:30:00.000Z', dueBy: 'uses' } as DeviceView['maintenance'];
    const now = Date.parse('2026-11-21T00:00:00Z');
    expect(forecastText(device({ maintenance: m }), now, 'Europe/Paris')).toBe('2026-12-11 (by uses)');
    expect(forecastText(device({ maintenance: m }), Date.parse('2026-12-12T00:00:00Z'), 'UTC')).toBe(
      'overdue (due 2026-12-10)',
    );
    expect(forecastText(device(), now)).toBe('unknown');
  });

  it('says the state, lifecycle first', () => {
    expect(stateText(device({ connectivity: 'error', errorCode: 'E7' }))).toBe('error E7');
    expect(stateText(device({ lifecycle: 'maintenance' }))).toBe('maintenance');
  });

  it('orders devices by room then id, and work orders open first', () => {
    const ids = sortDevices([
      device({ id: 'b', roomId: 'or-10' }),
      device({ id: 'c' }),
      device({ id: 'a', roomId: 'or-2' }),
    ]).map((d) => d.id);
    expect(ids).toEqual(['a', 'b', 'c']);
    const base = { deviceId: 'p', note: '', openedAt: '', openedBy: '', serviced: false };
    const orders = sortWorkOrders([
      { ...base, id: '1', status: 'closed' },
      { ...base, id: '3', status: 'open' },
      { ...base, id: '2', status: 'open' },
      { ...base, id: '4', status: 'closed' },
    ]);
    expect(orders.map((o) => o.id)).toEqual(['2', '3', '4', '1']);
  });

  it('picks the most severe alert of a device', () => {
    const a = (id: string, priority: 'high' | 'medium' | 'low', deviceId = 'p') => ({
      id,
      deviceId,
      kind: 'maintenance',
      priority,
      message: id,
      at: '',
    });
    expect(worstAlert([a('x', 'low'), a('y', 'high', 'q'), a('z', 'medium')], 'p')?.id).toBe('z');
    expect(worstAlert([], 'p')).toBeUndefined();
  });
});
