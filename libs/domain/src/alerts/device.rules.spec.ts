import { maintenanceDue, maintenanceReason, pickBackup, zoneDistance } from './device.availability';
import { deviceOfflineAlertId, evaluateDeviceOffline, type DeviceRuleInput } from './device.rules';
import type { DeviceStatus } from './rules.model';
import { at } from './testing/rules.fixture';

const MON1 = deviceOfflineAlertId('mon-1');

function device(id: string, overrides: Partial<DeviceStatus> = {}): DeviceStatus {
  return { id, type: 'monitor', state: 'online', since: at('07:00'), ...overrides };
}

const failed = device('mon-1', { roomId: 'or-1', state: 'offline', since: at('08:10'), inUseBy: 'case-1' });
const spare = device('mon-2', { roomId: 'or-1' });
const others = [
  device('mon-3', { roomId: 'or-2' }),
  device('mon-4', { location: 'store-a' }),
  device('mon-5', { roomId: 'or-3', inUseBy: 'case-3' }),
  device('mon-6', { roomId: 'or-4', maintenanceDue: true }),
  device('mon-7', { roomId: 'or-2', state: 'offline' }),
  device('pump-1', { type: 'pump', roomId: 'or-2' }),
];
const DISTANCE: Record<string, number> = { 'or-2': 10, 'or-3': 5, 'store-a': 3, 'or-4': 1 };
const distance = (_from: string, to: string): number => DISTANCE[to] ?? Infinity;

function input(devices: DeviceStatus[], extra: Partial<DeviceRuleInput> = {}): DeviceRuleInput {
  return { case: { id: 'case-1', roomId: 'or-1' }, devices, activeCaseIds: ['case-1', 'case-3'], ...extra };
}
const ctx = { now: at('08:10', 30), phase: 'maintenance' } as const;

describe('device offline during a case, with the nearest backup', () => {
  it('monitor mon-1 in OR 1 offline for 30 s raises a medium alert naming the spare mon-2 in the same room', () => {
    const out = evaluateDeviceOffline(undefined, input([failed, spare, ...others], { distance }), ctx);
    expect(out.raised).toEqual([
      {
        id: MON1,
        kind: 'device-offline',
        priority: 'medium',
        message: 'monitor mon-1 offline; backup: monitor mon-2 (same room)',
        raisedAt: at('08:10', 30),
        ruleId: 'device-offline',
        parameter: 'monitor',
        since: at('08:10'),
        roomId: 'or-1',
        deviceId: 'mon-1',
        backupDeviceId: 'mon-2',
      },
    ]);
  });

  it('offline for 29 s raises nothing yet (sustain 30 s, by the device’s own since)', () => {
    const out = evaluateDeviceOffline(undefined, input([failed, spare]), { ...ctx, now: at('08:10', 29) });
    expect(out.raised).toEqual([]);
  });

  it('no spare in the room: the nearest by distance that is online, not due for service and not in use (mon-4 in store A)', () => {
    const out = evaluateDeviceOffline(undefined, input([failed, ...others], { distance }), ctx);
    expect(out.raised.map((a) => [a.backupDeviceId, a.message])).toEqual([
      ['mon-4', 'monitor mon-1 offline; backup: monitor mon-4 (store-a)'],
    ]);
  });

  it('without a distance function, other rooms are tried by device id (mon-3)', () => {
    const out = evaluateDeviceOffline(undefined, input([failed, ...others]), ctx);
    expect(out.raised.map((a) => a.backupDeviceId)).toEqual(['mon-3']);
  });

  it('a device in use by a case that is no longer active is a backup again (mon-5 once case-3 is over)', () => {
    const candidates = [failed, device('mon-5', { roomId: 'or-3', inUseBy: 'case-3' })];
    const busy = evaluateDeviceOffline(undefined, input(candidates), ctx);
    expect(busy.raised.map((a) => a.message)).toEqual(['monitor mon-1 offline; no backup available']);
    const free = evaluateDeviceOffline(undefined, input(candidates, { activeCaseIds: ['case-1'] }), ctx);
    expect(free.raised.map((a) => a.backupDeviceId)).toEqual(['mon-5']);
    const unknown = evaluateDeviceOffline(undefined, input(candidates, { activeCaseIds: undefined }), ctx);
    expect(unknown.raised.map((a) => a.backupDeviceId)).toEqual([undefined]);
  });

  it('a device in error is named so, with its label', () => {
    const broken = { ...failed, state: 'error' as const, label: 'Monitor MX800 #1' };
    const out = evaluateDeviceOffline(undefined, input([broken, spare]), ctx);
    expect(out.raised.map((a) => a.message)).toEqual(['Monitor MX800 #1 in error; backup: monitor mon-2 (same room)']);
  });

  it('the backup going offline updates the alert to the next one; the device back online clears it', () => {
    const first = evaluateDeviceOffline(undefined, input([failed, spare, ...others], { distance }), ctx);
    const spareDown = { ...spare, state: 'offline' as const, since: at('08:10', 40) };
    const updated = evaluateDeviceOffline(first.state, input([failed, spareDown, ...others], { distance }), {
      ...ctx,
      now: at('08:10', 50),
    });
    expect(updated.raised).toEqual([]);
    expect(updated.updated.map((a) => [a.id, a.backupDeviceId, a.raisedAt])).toEqual([
      [MON1, 'mon-4', at('08:10', 30)],
    ]);
    const back = { ...failed, state: 'online' as const, since: at('08:11') };
    const cleared = evaluateDeviceOffline(updated.state, input([back, spare, ...others]), { ...ctx, now: at('08:11') });
    expect(cleared.cleared).toEqual([MON1]);
  });

  it('the same input twice changes nothing (same state object)', () => {
    const first = evaluateDeviceOffline(undefined, input([failed, spare]), ctx);
    const again = evaluateDeviceOffline(first.state, input([failed, spare]), ctx);
    expect(again.state).toBe(first.state);
    expect([...again.raised, ...again.updated, ...again.cleared]).toEqual([]);
  });

  it('only while the case is in the room: phase none raises nothing and clears what showed', () => {
    expect(evaluateDeviceOffline(undefined, input([failed]), { ...ctx, phase: 'none' }).raised).toEqual([]);
    const shown = evaluateDeviceOffline(undefined, input([failed]), ctx);
    expect(evaluateDeviceOffline(shown.state, input([failed]), { ...ctx, phase: 'none' }).cleared).toEqual([MON1]);
  });

  it('devices of other rooms that are offline are not this case’s alerts', () => {
    const out = evaluateDeviceOffline(undefined, input([device('mon-7', { roomId: 'or-2', state: 'offline' })]), ctx);
    expect(out.raised).toEqual([]);
  });
});

describe('maintenance due and backup choice', () => {
  it.each([
    [{ maintenanceDue: true }, 'flagged by biomed'],
    [{ usesSinceService: 120, serviceIntervalUses: 120 }, '120/120 uses'],
    [{ usesSinceService: 119, serviceIntervalUses: 120 }, undefined],
    [{ nextServiceDue: '2026-11-23' }, 'service due 2026-11-23'],
    [{ nextServiceDue: '2026-11-24' }, undefined],
    [{ nextServiceDue: '2026-11-23T08:00:00Z' }, 'service due 2026-11-23T08:00:00Z'],
    [{ nextServiceDue: '2026-11-23T09:00:00Z' }, undefined],
    [{ nextServiceDue: 'next week' }, undefined],
  ] as const)('%j on 23 Nov 08:10 → %s', (fields, reason) => {
    const d = device('x', fields);
    expect(maintenanceReason(d, at('08:10'))).toBe(reason);
    expect(maintenanceDue(d, at('08:10'))).toBe(reason !== undefined);
  });

  it('a date-only due date is compared with the case’s own local date (23 Nov 23:30 at -05:00 is still the 23rd)', () => {
    expect(maintenanceDue(device('x', { nextServiceDue: '2026-11-24' }), '2026-11-23T23:30:00-05:00')).toBe(false);
  });

  it('ties in distance go by id; an unknown distance (NaN) counts as farthest', () => {
    const devices = [device('b', { roomId: 'or-5' }), device('a', { roomId: 'or-6' }), device('c', { roomId: 'or-7' })];
    const pick = (d: (from: string, to: string) => number) =>
      pickBackup(devices, {
        type: 'Monitor ',
        roomId: 'or-1',
        exclude: new Set(),
        on: at('08:00'),
        inUse: () => false,
        distance: d,
      })?.id;
    expect(pick(() => 1)).toBe('a');
    expect(pick((_f, to) => (to === 'or-6' ? Number.NaN : to === 'or-7' ? 2 : 3))).toBe('c');
  });

  describe('zoneDistance: the nearest backup without a floor plan (ROOM_ZONES)', () => {
    // Suite A: OR 1, OR 2 and its store; suite B: OR 3, OR 4. OR 9 is in no zone.
    const zones = { 'suite-a': ['or-1', 'or-2', 'store-a'], 'suite-b': ['or-3', 'or-4'] };
    const distance = zoneDistance(zones);

    it.each([
      ['or-1', 'or-1', 0],
      ['or-1', 'or-2', 1],
      ['or-1', 'store-a', 1],
      ['or-1', 'or-3', 2],
      ['or-1', 'or-9', 2],
      ['or-9', 'or-8', 2],
      ['or-3', 'or-4', 1],
    ] as const)('from %s to %s: %d', (from, to, d) => {
      expect(distance(from, to)).toBe(d);
    });

    it('worked example: OR 1’s monitor fails; the same room, then suite A (by id), then elsewhere, then unknown', () => {
      const pool = [
        device('mon-9', { roomId: 'or-1', state: 'offline' }), // the failed one
        device('mon-2', { roomId: 'or-3' }), // suite B
        device('mon-3', { location: 'store-a' }), // RTLS sees it in suite A's store
        device('mon-4', { roomId: 'or-2' }), // suite A
        device('mon-1', { roomId: 'or-9' }), // no zone
        device('mon-0'), // nowhere known
        device('mon-5', { roomId: 'or-1' }), // same room
      ];
      const order: string[] = [];
      const exclude = new Set(['mon-9']);
      for (;;) {
        const next = pickBackup(pool, {
          type: 'monitor',
          roomId: 'or-1',
          exclude,
          on: at('08:00'),
          inUse: () => false,
          distance,
        });
        if (!next) break;
        order.push(next.id);
        exclude.add(next.id);
      }
      expect(order).toEqual(['mon-5', 'mon-3', 'mon-4', 'mon-1', 'mon-2', 'mon-0']);
    });

    it('the offline alert names the suite’s monitor over a lower id in another suite', () => {
      const devices = [failed, device('mon-3', { roomId: 'or-3' }), device('mon-8', { roomId: 'or-2' })];
      const out = evaluateDeviceOffline(undefined, input(devices, { distance }), ctx);
      expect(out.raised.map((a) => [a.message, a.backupDeviceId])).toEqual([
        ['monitor mon-1 offline; backup: monitor mon-8 (or-2)', 'mon-8'],
      ]);
      // Without zones, other rooms go by id.
      const plain = evaluateDeviceOffline(undefined, input(devices), ctx);
      expect(plain.raised.map((a) => a.backupDeviceId)).toEqual(['mon-3']);
    });
  });
});
