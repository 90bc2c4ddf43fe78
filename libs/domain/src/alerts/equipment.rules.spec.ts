import {
  equipmentConflictAlertId,
  evaluateEquipment,
  maintenanceAlertId,
  type EquipmentRuleInput,
  type UpcomingCase,
} from './equipment.rules';
import type { DeviceStatus } from './rules.model';
import { at } from './testing/rules.fixture';

const C_ARM = { code: 'c-arm', text: 'C-arm' };
const ROBOT = { code: 'robot', text: 'Robot' };

function upcoming(id: string, roomId: string, start: string, end: string, equipment = [C_ARM]): UpcomingCase {
  return { id, roomId, scheduledStart: at(start), scheduledEnd: at(end), equipment };
}
function device(id: string, type: string, overrides: Partial<DeviceStatus> = {}): DeviceStatus {
  return { id, type, state: 'online', since: at('06:00'), ...overrides };
}

const afternoon = upcoming('case-2', 'or-1', '13:00', '15:00');
const worn = device('carm-1', 'c-arm', { roomId: 'or-1', usesSinceService: 120, serviceIntervalUses: 120 });
const stored = device('carm-2', 'C-Arm', { roomId: 'or-3', state: 'offline' });
const ctx = { now: at('08:00') };

function check(input: Partial<EquipmentRuleInput> & Pick<EquipmentRuleInput, 'devices'>, now = ctx.now) {
  return evaluateEquipment(undefined, { case: afternoon, ...input }, { now });
}

describe('equipment an upcoming case needs: maintenance due, conflicts', () => {
  it('C-arm carm-1 in OR 1 at 120/120 uses: the 13:00 case gets a maintenance-due alert naming carm-2 (OR 3, stored powered off)', () => {
    const out = check({ devices: [worn, stored] });
    expect(out.raised).toEqual([
      {
        id: maintenanceAlertId('carm-1'),
        kind: 'maintenance-due',
        priority: 'low',
        message: 'c-arm carm-1 due for service (120/120 uses); use C-Arm carm-2 (or-3)',
        raisedAt: at('08:00'),
        ruleId: 'maintenance-due',
        parameter: 'c-arm',
        roomId: 'or-1',
        deviceId: 'carm-1',
        backupDeviceId: 'carm-2',
      },
    ]);
  });

  it('the only C-arm due for service: maintenance-due says there is no other, and a conflict "C-arm: none fit for use"', () => {
    const out = check({ devices: [worn] });
    expect(out.raised.map((a) => [a.id, a.message])).toEqual([
      [equipmentConflictAlertId('c-arm'), 'C-arm: none fit for use'],
      [maintenanceAlertId('carm-1'), 'c-arm carm-1 due for service (120/120 uses); no other C-arm fit for use'],
    ]);
  });

  it("kinds: each wiring raises and owns only its kinds, and never clears the other's alerts", () => {
    const conflictsOnly = evaluateEquipment(
      undefined,
      { case: afternoon, devices: [worn] },
      { ...ctx, kinds: ['equipment-conflict'] },
    );
    expect(conflictsOnly.raised.map((a) => a.kind)).toEqual(['equipment-conflict']);
    const both = check({ devices: [worn] });
    // A conflicts-only evaluation with the C-arm fixed clears the conflict and keeps the maintenance alert.
    const fixed = evaluateEquipment(
      both.state,
      { case: afternoon, devices: [{ ...worn, usesSinceService: 0 }] },
      { ...ctx, kinds: ['equipment-conflict'] },
    );
    expect(fixed.cleared).toEqual([equipmentConflictAlertId('c-arm')]);
    expect(Object.keys(fixed.state.active)).toEqual([maintenanceAlertId('carm-1')]);
  });

  it('a service date on the day of the case is due; the day after is not', () => {
    const dated = (day: string) => device('carm-1', 'c-arm', { roomId: 'or-1', nextServiceDue: day });
    expect(check({ devices: [dated('2026-11-23'), stored] }).raised.map((a) => a.kind)).toEqual(['maintenance-due']);
    expect(check({ devices: [dated('2026-11-24'), stored] }).raised).toEqual([]);
  });

  it('a device due for service in another room is not this case’s alert', () => {
    const elsewhere = { ...worn, roomId: 'or-2' };
    expect(check({ devices: [elsewhere, stored] }).raised).toEqual([]);
  });

  it('two overlapping cases need the only robot: a conflict on each; back to back they do not conflict', () => {
    const a = upcoming('case-a', 'or-1', '13:00', '15:00', [ROBOT]);
    const b = upcoming('case-b', 'or-2', '14:00', '16:00', [ROBOT]);
    const robot = device('robot-1', 'robot', { roomId: 'or-2' });
    for (const mine of [a, b]) {
      const out = evaluateEquipment(undefined, { case: mine, cases: [a, b], devices: [robot] }, ctx);
      expect(out.raised).toEqual([
        expect.objectContaining({
          id: equipmentConflictAlertId('robot'),
          kind: 'equipment-conflict',
          message: 'Robot: 2 overlapping cases need one, 1 fit for use',
          value: 2,
          limit: 1,
          roomId: mine.roomId,
        }),
      ]);
    }
    const later = upcoming('case-b', 'or-2', '15:00', '17:00', [ROBOT]);
    expect(evaluateEquipment(undefined, { case: a, cases: [a, later], devices: [robot] }, ctx).raised).toEqual([]);
  });

  it('a device in error does not count as fit; two fit robots serve two overlapping cases', () => {
    const a = upcoming('case-a', 'or-1', '13:00', '15:00', [ROBOT]);
    const b = upcoming('case-b', 'or-2', '14:00', '16:00', [ROBOT]);
    const robots = [device('robot-1', 'robot'), device('robot-2', 'robot')];
    expect(evaluateEquipment(undefined, { case: a, cases: [b], devices: robots }, ctx).raised).toEqual([]);
    const broken = [robots[0]!, { ...robots[1]!, state: 'error' as const }];
    expect(evaluateEquipment(undefined, { case: a, cases: [b], devices: broken }, ctx).raised).toHaveLength(1);
  });

  it('a caller mapping names the type: "Mobile C-arm (Ziehm)" needs a c-arm', () => {
    const needs = { ...afternoon, equipment: [{ text: 'Mobile C-arm (Ziehm)' }] };
    const typeOf = (need: { text: string }) => (/c-arm/i.test(need.text) ? 'c-arm' : undefined);
    const out = evaluateEquipment(undefined, { case: needs, devices: [worn, stored], typeOf }, ctx);
    expect(out.raised.map((a) => a.id)).toEqual([maintenanceAlertId('carm-1')]);
  });

  it('checked from 24 h ahead until the case ends, then cleared', () => {
    expect(check({ devices: [worn, stored] }, '2026-11-22T12:59:59.000Z').raised).toEqual([]);
    const inHorizon = check({ devices: [worn, stored] }, '2026-11-22T13:00:00.000Z');
    expect(inHorizon.raised).toHaveLength(1);
    const over = evaluateEquipment(inHorizon.state, { case: afternoon, devices: [worn, stored] }, { now: at('15:00') });
    expect(over.cleared).toEqual([maintenanceAlertId('carm-1')]);
  });

  it('the same input twice changes nothing; a fixed device clears the alert', () => {
    const first = check({ devices: [worn, stored] });
    const again = evaluateEquipment(first.state, { case: afternoon, devices: [worn, stored] }, { now: at('08:05') });
    expect(again.state).toBe(first.state);
    const serviced = { ...worn, usesSinceService: 0 };
    const fixed = evaluateEquipment(first.state, { case: afternoon, devices: [serviced, stored] }, ctx);
    expect(fixed.cleared).toEqual([maintenanceAlertId('carm-1')]);
  });
});
