import type { DeviceStatus } from '../alerts/rules.model';
import { applyFact } from '../case.engine';
import type { CaseState } from '../case.model';
import type { ConditionsFact, Fact } from '../fact';
import { conditionsWorthWriting, evaluateConditions } from './conditions.apply';
import {
  applyAll,
  booking,
  bookedCase,
  ctx,
  manualSource,
  milestone,
  observations,
  source,
  t,
} from '../testing/facts.fixture';

const TICKS = { kind: 'engine' as const, id: 'rules:or-1', label: 'rule tick' };

function tick(at: string, overrides: Partial<ConditionsFact> = {}): ConditionsFact {
  return { kind: 'conditions', at, source: TICKS, target: { caseId: 'case-1' }, ...overrides };
}

function hr(value: number, at: string, sequence: number): Fact {
  return observations({ at, source: source(sequence, 'ORU^R01'), vitals: [{ name: 'hr', value, unit: '/min', at }] });
}

const C_ARM = { code: 'c-arm', text: 'C-arm' };
const carm1: DeviceStatus = { id: 'carm-1', type: 'c-arm', roomId: 'or-1', state: 'online', since: t('06:00') };

/** The case in OR 1 (07:30–09:00), in the room since 07:35, with HR at 08:00:00. */
function inRoomWithHr(overrides: Parameters<typeof booking>[0] = {}): CaseState {
  return applyAll(bookedCase(overrides), [
    milestone({ milestone: 'inRoom', value: t('07:35'), source: manualSource(640) }),
    hr(72, t('08:00'), 900),
  ]);
}

describe('conditions at a tick: stale data, room environment, maintenance due, equipment conflicts (docs/alert-rules.md)', () => {
  describe('stale data', () => {
    it('HR last at 08:00:00: nothing at 08:01:00 (60 s is not more than 60 s); low alert at 08:01:01', () => {
      const state = inRoomWithHr();
      const quiet = applyFact(state, tick(t('08:01')), ctx);
      expect(quiet.events).toEqual([]);
      const stale = applyFact(quiet.state, tick(t('08:01', 1)), ctx);
      expect(stale.state?.alerts).toEqual([
        {
          id: 'rule:stale:hr',
          kind: 'stale-data',
          priority: 'low',
          message: 'No HR reading for over 60 s',
          raisedAt: t('08:01', 1),
        },
      ]);
      expect(stale.events.map((e) => [e.kind, e.source.kind])).toEqual([['alert-raised', 'engine']]);
    });

    it('a new reading, then the next tick, clears it (alert-cleared); the reading itself is observations-recorded', () => {
      const stale = applyAll(inRoomWithHr(), [tick(t('08:01', 1))]);
      const reading = applyFact(stale, hr(75, t('08:01', 30), 901), ctx);
      expect(reading.events.map((e) => e.kind)).toEqual(['observations-recorded']);
      const cleared = applyFact(reading.state, tick(t('08:01', 35)), ctx);
      expect(cleared.state?.alerts).toEqual([]);
      expect(cleared.events.map((e) => [e.kind, e.change.alerts])).toEqual([
        ['alert-cleared', { cleared: ['rule:stale:hr'] }],
      ]);
    });

    it("the case's own staleSeconds (limits fact) apply: HR stale after 120 s instead of 60", () => {
      const state = applyAll(inRoomWithHr(), [
        {
          kind: 'limits',
          at: t('07:40'),
          source: manualSource(700),
          target: { caseId: 'case-1' },
          limits: { hr: { staleSeconds: 120 } },
        },
      ]);
      expect(applyFact(state, tick(t('08:01', 1)), ctx).events).toEqual([]);
      expect(applyFact(state, tick(t('08:02', 1)), ctx).state?.alerts.map((a) => a.message)).toEqual([
        'No HR reading for over 2 min',
      ]);
    });

    it('out of the room (phase none) clears it', () => {
      const stale = applyAll(inRoomWithHr(), [tick(t('08:01', 1))]);
      const out = applyAll(stale, [
        milestone({ milestone: 'outOfRoom', value: t('08:30'), source: manualSource(641) }),
      ]);
      const cleared = applyFact(out, tick(t('08:30', 5)), ctx);
      expect(cleared.state?.alerts).toEqual([]);
    });
  });

  describe('room environment', () => {
    const env = (at: string, temp: number, pressure: number) => [
      { parameter: 'temp' as const, value: temp, unit: '°C', at },
      { parameter: 'pressure' as const, value: pressure, unit: 'Pa', at },
    ];

    it('worked example: 25.0 °C and +1 Pa at 08:00, again at 08:05 (5 min sustained): two low alerts', () => {
      // In the room, no vitals yet (so no stale data either).
      const state = applyAll(bookedCase(), [
        milestone({ milestone: 'inRoom', value: t('07:35'), source: manualSource(640) }),
      ]);
      const first = applyFact(state, tick(t('08:00', 10), { environment: env(t('08:00'), 25, 1) }), ctx);
      expect(first.state?.alerts).toEqual([]);
      const raised = applyFact(first.state, tick(t('08:05', 10), { environment: env(t('08:05'), 25.2, 1.2) }), ctx);
      expect(raised.state?.alerts).toEqual([
        expect.objectContaining({
          id: 'rule:env:or-1:pressure:low',
          kind: 'environment',
          priority: 'low',
          message: 'Room pressure low: 1.2 Pa < 2.5 Pa',
        }),
        expect.objectContaining({
          id: 'rule:env:or-1:temp:high',
          kind: 'environment',
          priority: 'low',
          message: 'Room temperature high: 25.2 °C > 24 °C',
        }),
      ]);
      expect(raised.events[0]?.kind).toBe('alert-raised');
      expect(raised.events[0]?.change.environment).toEqual(env(t('08:05'), 25.2, 1.2));
      // The same stored reading at the next tick is no new reading: nothing changes.
      const again = applyFact(raised.state, tick(t('08:05', 15), { environment: env(t('08:05'), 25.2, 1.2) }), ctx);
      expect(again.events).toEqual([]);
      // 23.4 °C is back inside by the 0.5 margin: the temperature alert clears, the pressure one stays.
      const back = applyFact(again.state, tick(t('08:06'), { environment: env(t('08:06'), 23.4, 1.1) }), ctx);
      expect(back.state?.alerts.map((a) => a.id)).toEqual(['rule:env:or-1:pressure:low']);
      expect(back.events[0]?.kind).toBe('alert-cleared');
    });

    it('before the patient is in the room the room is not judged on the case', () => {
      const state = bookedCase();
      const out = applyAll(state, [
        tick(t('07:00'), { environment: env(t('07:00'), 26, 0) }),
        tick(t('07:06'), { environment: env(t('07:06'), 26, 0) }),
      ]);
      expect(out.alerts).toEqual([]);
    });
  });

  describe('equipment conflicts', () => {
    const other = {
      id: 'case-2',
      roomId: 'or-2',
      scheduledStart: t('08:00'),
      scheduledEnd: t('10:00'),
      equipment: [C_ARM],
    };

    it('worked example: OR 1 07:30–09:00 and OR 2 08:00–10:00 both need the one C-arm: a low conflict', () => {
      const state = bookedCase({ equipment: [C_ARM] });
      const out = applyFact(
        state,
        tick(t('06:00'), { equipment: { tracked: ['c-arm'], devices: [carm1], cases: [other] } }),
        ctx,
      );
      expect(out.state?.alerts).toEqual([
        {
          id: 'rule:equipment-conflict:c-arm',
          kind: 'equipment-conflict',
          priority: 'low',
          message: 'C-arm: 2 overlapping cases need one, 1 fit for use',
          raisedAt: t('06:00'),
        },
      ]);
      // A second C-arm is registered: the conflict clears.
      const carm2: DeviceStatus = { ...carm1, id: 'carm-2', roomId: 'or-3' };
      const solved = applyFact(
        out.state,
        tick(t('06:05'), { equipment: { tracked: ['c-arm'], devices: [carm1, carm2], cases: [other] } }),
        ctx,
      );
      expect(solved.state?.alerts).toEqual([]);
      expect(solved.events[0]?.kind).toBe('alert-cleared');
    });

    it('a type the registry does not track is not judged; the only C-arm, flagged by biomed: maintenance due and a conflict', () => {
      const robot = { code: 'robot', text: 'Surgical robot' };
      const due: DeviceStatus = { ...carm1, maintenanceDue: true };
      const state = bookedCase({ equipment: [C_ARM, robot] });
      const out = applyFact(
        state,
        tick(t('06:00'), { equipment: { tracked: ['c-arm'], devices: [due], cases: [] } }),
        ctx,
      );
      // The only C-arm is due for service: none fit for use either; nothing on the robot.
      expect(out.state?.alerts.map((a) => [a.id, a.message])).toEqual([
        ['rule:equipment-conflict:c-arm', 'C-arm: none fit for use'],
        ['rule:maintenance-due:carm-1', 'c-arm carm-1 due for service (flagged by biomed); no other C-arm fit for use'],
      ]);
    });

    it('worked example: the C-arm in OR 1 at 250/250 uses, another in OR 3: maintenance due naming it; serviced, it clears', () => {
      const worn: DeviceStatus = { ...carm1, label: 'C-arm #1', usesSinceService: 250, serviceIntervalUses: 250 };
      const spare: DeviceStatus = { ...carm1, id: 'carm-2', roomId: 'or-3', state: 'offline' };
      const state = bookedCase({ equipment: [C_ARM] });
      const out = applyFact(
        state,
        tick(t('06:00'), { equipment: { tracked: ['c-arm'], devices: [worn, spare], cases: [] } }),
        ctx,
      );
      // One of two fit for use and one case: no conflict. The spare is powered off in OR 3: it counts.
      expect(out.state?.alerts).toEqual([
        {
          id: 'rule:maintenance-due:carm-1',
          kind: 'maintenance-due',
          priority: 'low',
          message: 'C-arm #1 due for service (250/250 uses); use c-arm carm-2 (or-3)',
          raisedAt: t('06:00'),
        },
      ]);
      expect(out.events[0]?.kind).toBe('alert-raised');
      // A next-service date of the case's own day is due too (the date alone, no time zone needed).
      const dated: DeviceStatus = { ...carm1, nextServiceDue: '2026-11-23' };
      const byDate = evaluateConditions(out.state!, out.state!.track?.rules, {
        kind: 'conditions',
        at: t('06:01'),
        target: { caseId: 'case-1' },
        equipment: { tracked: ['c-arm'], devices: [dated, spare], cases: [] },
      });
      expect(byDate.updated.map((a) => a.message)).toEqual([
        'c-arm carm-1 due for service (service due 2026-11-23); use c-arm carm-2 (or-3)',
      ]);
      // Biomed records the service (uses back to 0, next service in 30 days): the next tick clears it.
      const serviced: DeviceStatus = { ...worn, usesSinceService: 0, nextServiceDue: '2026-12-23T06:05:00.000Z' };
      const cleared = applyFact(
        out.state,
        tick(t('06:05'), { equipment: { tracked: ['c-arm'], devices: [serviced, spare], cases: [] } }),
        ctx,
      );
      expect(cleared.state?.alerts).toEqual([]);
      expect(cleared.events[0]?.kind).toBe('alert-cleared');
    });

    it('with the site’s zones (ROOM_ZONES) the alert names the spare in the case’s suite, not the lower id elsewhere', () => {
      const worn: DeviceStatus = { ...carm1, maintenanceDue: true };
      const far: DeviceStatus = { ...carm1, id: 'carm-0', roomId: 'or-9' };
      const near: DeviceStatus = { ...carm1, id: 'carm-5', roomId: 'or-2' };
      const fact = tick(t('06:00'), { equipment: { tracked: ['c-arm'], devices: [worn, far, near], cases: [] } });
      const zoned = { ...ctx, policy: { roomZones: { 'suite-a': ['or-1', 'or-2'], 'suite-b': ['or-9'] } } };
      expect(applyFact(bookedCase({ equipment: [C_ARM] }), fact, zoned).state?.alerts.map((a) => a.message)).toEqual([
        'c-arm carm-1 due for service (flagged by biomed); use c-arm carm-5 (or-2)',
      ]);
      expect(applyFact(bookedCase({ equipment: [C_ARM] }), fact, ctx).state?.alerts.map((a) => a.message)).toEqual([
        'c-arm carm-1 due for service (flagged by biomed); use c-arm carm-0 (or-9)',
      ]);
    });

    it('a cancelled case clears its conflict', () => {
      const state = applyAll(bookedCase({ equipment: [C_ARM] }), [
        tick(t('06:00'), { equipment: { tracked: ['c-arm'], devices: [carm1], cases: [other] } }),
        booking({ action: 'cancelled', at: t('06:30'), source: source(2, 'SIU^S15') }),
      ]);
      expect(state.status).toBe('cancelled');
      const out = applyFact(
        state,
        tick(t('06:35'), { equipment: { tracked: ['c-arm'], devices: [carm1], cases: [other] } }),
        ctx,
      );
      expect(out.state?.alerts).toEqual([]);
    });
  });

  it('ticks are newest-wins: an older tick arriving late changes nothing; a tick applied twice changes nothing', () => {
    const stale = applyAll(inRoomWithHr(), [tick(t('08:01', 1))]);
    expect(applyFact(stale, tick(t('08:00', 30)), ctx).events).toEqual([]);
    const again = applyFact(stale, tick(t('08:01', 1)), ctx);
    expect(again.events).toEqual([]);
    expect(again.state).toBe(stale);
  });

  it('evaluateConditions says what a tick would change without changing the case', () => {
    const state = inRoomWithHr();
    const outcome = evaluateConditions(state, state.track?.rules, {
      kind: 'conditions',
      at: t('08:01', 1),
      target: { caseId: 'case-1' },
    });
    expect(outcome.raised.map((a) => a.id)).toEqual(['rule:stale:hr']);
    expect(state.alerts).toEqual([]);
  });

  it('conditionsWorthWriting: a first room reading out of range shows nothing yet but must be kept (its sustain starts)', () => {
    const state = applyAll(bookedCase(), [
      milestone({ milestone: 'inRoom', value: t('07:35'), source: manualSource(640) }),
    ]);
    const fact = {
      kind: 'conditions' as const,
      at: t('08:00', 10),
      target: { caseId: 'case-1' },
      environment: [{ parameter: 'temp' as const, value: 25, unit: '°C', at: t('08:00') }],
    };
    const first = evaluateConditions(state, state.track?.rules, fact);
    expect([first.raised, first.cleared]).toEqual([[], []]);
    expect(conditionsWorthWriting(state.track?.rules, first)).toBe(true);
    const kept = applyAll(state, [{ ...fact, source: TICKS }]);
    const again = evaluateConditions(kept, kept.track?.rules, { ...fact, at: t('08:00', 15) });
    expect(conditionsWorthWriting(kept.track?.rules, again)).toBe(false);
  });
});
