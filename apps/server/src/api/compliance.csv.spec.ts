import type { DeviceView } from '@circulator/contracts';
import { complianceCsv, csvField } from './compliance.csv';

const pump: DeviceView = {
  id: 'pump-1',
  type: 'infusion-pump',
  serial: 'SN, 1',
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

describe('csvField', () => {
  it('quotes commas, quotes and line breaks, and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1')).toBe(`'-1`);
    expect(csvField(-1)).toBe('-1');
    expect(csvField(undefined)).toBe('');
  });
});

describe('complianceCsv', () => {
  it('lists each device, its kept history oldest first, its work orders and alerts', () => {
    const csv = complianceCsv({
      devices: [pump],
      events: [
        {
          id: '9',
          deviceId: 'pump-1',
          at: '2026-11-02T00:00:00.000Z',
          kind: 'security',
          priority: 'high',
          message: 'firmware changed',
        },
        {
          id: '3',
          deviceId: 'pump-1',
          at: '2026-10-01T00:00:00.000Z',
          kind: 'registered',
          message: 'registered',
          actor: 'user:1',
        },
        { id: '5', deviceId: 'pump-1', at: '2026-10-05T00:00:00.000Z', kind: 'location', message: 'in or-1' },
      ],
      workOrders: [
        {
          id: '2',
          deviceId: 'pump-1',
          status: 'closed',
          note: 'replace filter',
          openedAt: '2026-11-03T00:00:00.000Z',
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
    });
    expect(csv.split('\r\n')).toEqual([
      'record,device_id,device_type,serial,room,at,status,priority,detail,actor',
      'device,pump-1,infusion-pump,"SN, 1",or-1,2026-10-01T00:00:00.000Z,active,,interval: every 100 uses; uses since service: 60; forecast due: 2026-12-11T00:00:00.000Z (by uses),',
      'event:registered,pump-1,infusion-pump,"SN, 1",or-1,2026-10-01T00:00:00.000Z,,,registered,user:1',
      'event:security,pump-1,infusion-pump,"SN, 1",or-1,2026-11-02T00:00:00.000Z,,high,firmware changed,',
      'work-order-opened,pump-1,infusion-pump,"SN, 1",or-1,2026-11-03T00:00:00.000Z,#2 open,,replace filter,user:b',
      'work-order-closed,pump-1,infusion-pump,"SN, 1",or-1,2026-11-04T00:00:00.000Z,"#2 closed, serviced",,done,user:b',
      'alert:maintenance,pump-1,infusion-pump,"SN, 1",or-1,2026-11-21T00:00:00.000Z,upcoming,low,due soon,',
      '',
    ]);
  });
});
