import type { CaseState } from '@circulator/domain';
import {
  applyByKind,
  applyWorkload,
  buildEngineWorkload,
  parseEngineBenchOptions,
  runEngineBench,
  type EngineWorkload,
} from './engine-bench';

describe('engine benchmark', () => {
  // 12 cases in 3 rooms: every kind of fact, the cancellation of case 3 and (seed 1) a move.
  const options = { facts: 3_000, cases: 12, seed: 1 };
  let workload: EngineWorkload;
  beforeAll(() => {
    workload = buildEngineWorkload(options);
  });

  it('makes exactly the facts asked for, mostly observations, every kind of the OR day present', () => {
    expect(workload.items).toHaveLength(3_000);
    expect(workload.rooms).toBe(3);
    expect(workload.caseIds).toHaveLength(12);
    const mix = workload.mix;
    expect(Object.values(mix).reduce((a, b) => a + b, 0)).toBe(3_000);
    expect(mix.observations).toBeGreaterThan(3_000 * 0.8);
    // 12 bookings, the cancellation of case 3 and (seed 1) at least one move the evening before.
    expect(mix.schedule).toBeGreaterThan(13);
    for (const kind of [
      'schedule',
      'patient',
      'order',
      'alarm',
      'milestone',
      'checklist',
      'acknowledgement',
    ] as const) {
      expect(mix[kind]).toBeGreaterThan(0);
    }
  });

  it('numbers the facts in arrival order and is reproducible from its seed', () => {
    workload.items.forEach((item, i) => expect(item.fact.source.sequence).toBe(i + 1));
    expect(JSON.stringify(buildEngineWorkload(options).items)).toBe(JSON.stringify(workload.items));
    expect(JSON.stringify(buildEngineWorkload({ ...options, seed: 2 }).items)).not.toBe(JSON.stringify(workload.items));
  });

  it('delivers some device facts out of order, as a real feed does', () => {
    const times = workload.items.map((item) => Date.parse(item.fact.at));
    expect(times.some((t, i) => i > 0 && t < (times[i - 1] ?? 0))).toBe(true);
  });

  it('refuses a budget too small for one observation per case', () => {
    expect(() => buildEngineWorkload({ facts: 100, cases: 12, seed: 7 })).toThrow(/--facts must be at least/);
  });

  it('applies every fact to a case, and the facts change the cases', () => {
    const eventsByCase = new Map<string, number>();
    const eventKinds = new Set<string>();
    const outcome = applyWorkload(workload.items, (item, result) => {
      for (const event of result.events) {
        expect(event.caseId).toBe(item.caseId);
        eventsByCase.set(item.caseId, (eventsByCase.get(item.caseId) ?? 0) + 1);
        eventKinds.add(event.kind);
      }
    });

    expect(outcome.withoutCase).toBe(0);
    expect(outcome.warnings['no-case']).toBeUndefined();
    expect(outcome.warnings['invalid-fact']).toBeUndefined();
    expect(outcome.events).toBeGreaterThan(workload.caseIds.length * 20);
    expect(outcome.states.size).toBe(12);

    // One event per version: each case's version counts the facts that changed it.
    for (const id of workload.caseIds) {
      const state = outcome.states.get(id);
      expect(state?.version).toBe(eventsByCase.get(id));
    }
    expect([...eventsByCase.values()].reduce((a, b) => a + b, 0)).toBe(outcome.events);
    for (const kind of [
      'case-created',
      'schedule-changed',
      'status-changed',
      'patient-updated',
      'milestone-recorded',
      'checklist-recorded',
      'order-recorded',
      'observations-recorded',
      'alert-raised',
      'alert-acknowledged',
      'alert-cleared',
    ]) {
      expect([kind, eventKinds.has(kind)]).toEqual([kind, true]);
    }
  });

  it('ends the day with every live case completed and the cancelled ones cancelled', () => {
    const { states } = applyWorkload(workload.items);
    const cancelled = new Set(workload.cancelledCaseIds);
    expect(cancelled.size).toBeGreaterThan(0);
    for (const id of workload.caseIds) {
      const state = states.get(id) as CaseState;
      if (cancelled.has(id)) {
        expect(state.status).toBe('cancelled');
        expect(state.milestones).toEqual({});
        continue;
      }
      expect(state.status).toBe('completed');
      expect(Object.keys(state.milestones).sort()).toEqual(
        [
          'anesthesiaEnd',
          'anesthesiaStart',
          'induction',
          'inRoom',
          'outOfRoom',
          'pacuIn',
          'pacuOut',
          'procedureEnd',
          'procedureStart',
        ].sort(),
      );
      expect(state.vitals.hr).toBeDefined();
      expect(state.vitals.spo2).toBeDefined();
      expect(state.vitals.nibpSys).toBeDefined();
      expect(state.checklist?.timeOut).toBeDefined();
      expect(state.results?.map((r) => r.code).sort()).toEqual(['2524-7', '2823-3']);
      expect(state.orders?.[0]?.orderStatus).toBe('CM');
      // Both alarm episodes ended: no device alarm still shows.
      expect(state.alerts.filter((a) => a.kind === 'device-alarm')).toEqual([]);
    }
  });

  it('gives the same cases whatever the pass (the timed passes apply the same facts)', () => {
    const a = applyWorkload(workload.items);
    const b = applyWorkload(workload.items);
    expect(b.events).toBe(a.events);
    expect(JSON.stringify([...b.states])).toBe(JSON.stringify([...a.states]));
    const byKind = applyByKind(workload.items);
    expect(Object.values(byKind).reduce((n, k) => n + k.facts, 0)).toBe(3_000);
    expect(byKind.observations?.facts).toBe(workload.mix.observations);
  });

  it('reports the run (figures not checked: they are the machine’s)', () => {
    const result = runEngineBench({ ...options, runs: 1 });
    expect(result.facts).toBe(3_000);
    expect(result.runs).toHaveLength(1);
    expect(result.events).toBeGreaterThan(0);
    expect(result.target).toBe(50_000);
    expect(typeof result.factsPerSecond).toBe('number');
  });

  it('reads its options', () => {
    expect(parseEngineBenchOptions([])).toEqual({ facts: 200_000, cases: 400, seed: 42, runs: 3 });
    expect(parseEngineBenchOptions(['--facts', '5000', '--cases', '8', '--out', 'e.json'])).toEqual({
      facts: 5_000,
      cases: 8,
      seed: 42,
      runs: 3,
      out: 'e.json',
    });
    expect(() => parseEngineBenchOptions(['--facts', '0'])).toThrow(/--facts must be a whole number from 1/);
    expect(() => parseEngineBenchOptions(['--bogus'])).toThrow(/Unknown option/);
  });
});
