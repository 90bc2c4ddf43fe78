import fc from 'fast-check';
import type { CaseStatus } from '@circulator/contracts';
import { equipmentConflicts, scheduleConflicts } from './conflicts';
import { type PlanCase, predictCases, sameEquipment } from './predict';

/** The surgical day's instant `hh:mm` (UTC), 23 Nov 2026. */
function t(hhmm: string): string {
  return `2026-11-23T${hhmm}:00.000Z`;
}

function planCase(id: string, overrides: Partial<PlanCase> = {}): PlanCase {
  return {
    id,
    roomId: 'or-1',
    status: 'scheduled',
    scheduledStart: t('08:00'),
    scheduledEnd: t('09:30'),
    milestones: {},
    procedure: { code: '47562', text: 'Laparoscopic cholecystectomy' },
    surgeon: { id: 'S1', name: 'Gregory House' },
    ...overrides,
  };
}

const CARM = { code: 'CARM', text: 'C-arm' };
const ROBOT = { code: 'ROBOT', text: 'da Vinci Xi' };

describe('scheduleConflicts', () => {
  /** OR 2's day: x 08:00–10:00, y 11:00–12:00. */
  const or2 = [
    planCase('x', { roomId: 'or-2', scheduledStart: t('08:00'), scheduledEnd: t('10:00') }),
    planCase('y', { roomId: 'or-2', scheduledStart: t('11:00'), scheduledEnd: t('12:00') }),
  ];
  const moving = planCase('m');

  it('moving m to OR 2 at 10:00–11:00 fits exactly between x and y (touching ends are fine)', () => {
    expect(
      scheduleConflicts(moving, { roomId: 'or-2', scheduledStart: t('10:00'), scheduledEnd: t('11:00') }, or2),
    ).toEqual([]);
  });

  it('OR 2 at 09:30–11:30 overlaps x 09:30–10:00 and y 11:00–11:30, by start', () => {
    expect(
      scheduleConflicts(
        moving,
        { roomId: 'or-2', scheduledStart: t('09:30'), scheduledEnd: t('11:30') },
        [...or2].reverse(),
      ),
    ).toEqual([
      {
        kind: 'overlap',
        caseId: 'x',
        from: t('09:30'),
        to: t('10:00'),
        message: `overlaps case x from ${t('09:30')} to ${t('10:00')}`,
      },
      { kind: 'overlap', caseId: 'y', from: t('11:00'), to: t('11:30'), message: expect.any(String) },
    ]);
  });

  it('a slot inside a case (08:30–09:00 within x) overlaps it by the whole slot', () => {
    expect(
      scheduleConflicts(moving, { roomId: 'or-2', scheduledStart: t('08:30'), scheduledEnd: t('09:00') }, or2),
    ).toMatchObject([{ kind: 'overlap', caseId: 'x', from: t('08:30'), to: t('09:00') }]);
  });

  it.each<CaseStatus>(['cancelled', 'no-show', 'completed', 'recovery'])(
    'a %s case of the target room is no obstacle',
    (status) => {
      const cases = [planCase('x', { roomId: 'or-2', status })];
      expect(
        scheduleConflicts(moving, { roomId: 'or-2', scheduledStart: t('08:00'), scheduledEnd: t('09:00') }, cases),
      ).toEqual([]);
    },
  );

  it('a case of another room, and the moving case itself, are skipped', () => {
    const cases = [planCase('other', { roomId: 'or-3' }), { ...moving, roomId: 'or-2' }];
    expect(
      scheduleConflicts(moving, { roomId: 'or-2', scheduledStart: t('08:00'), scheduledEnd: t('09:00') }, cases),
    ).toEqual([]);
  });

  it('a case in the room (in room 08:05) cannot be moved to OR 2, nor to 09:00 in its own room', () => {
    const inRoom = planCase('m', { status: 'in-room', milestones: { inRoom: t('08:05') } });
    expect(
      scheduleConflicts(inRoom, { roomId: 'or-2', scheduledStart: t('10:00'), scheduledEnd: t('11:00') }, or2),
    ).toEqual([
      { kind: 'in-progress', status: 'in-room', message: 'case m is in the room (in-room): it cannot be moved' },
    ]);
    expect(
      scheduleConflicts(inRoom, { roomId: 'or-1', scheduledStart: t('09:00'), scheduledEnd: t('10:30') }, []),
    ).toMatchObject([{ kind: 'in-progress' }]);
  });

  it('a case in procedure may have its scheduled end extended (same room and start: no move)', () => {
    const running = planCase('m', { status: 'in-procedure', milestones: { inRoom: t('08:00') } });
    expect(
      scheduleConflicts(
        running,
        { roomId: 'or-1', scheduledStart: '2026-11-23T09:00:00+01:00', scheduledEnd: t('10:30') },
        [],
      ),
    ).toEqual([]);
  });

  it('a case out of the room cannot be moved: finished', () => {
    const done = planCase('m', { status: 'recovery', milestones: { inRoom: t('08:00'), outOfRoom: t('09:30') } });
    expect(
      scheduleConflicts(done, { roomId: 'or-2', scheduledStart: t('10:00'), scheduledEnd: t('11:00') }, or2),
    ).toMatchObject([{ kind: 'finished', status: 'recovery' }]);
  });

  it('end not after start: 11:00–11:00 and 11:00–10:00 are refused (no overlap looked for)', () => {
    for (const scheduledEnd of [t('11:00'), t('10:00')]) {
      expect(scheduleConflicts(moving, { roomId: 'or-2', scheduledStart: t('11:00'), scheduledEnd }, or2)).toEqual([
        { kind: 'end-not-after-start', message: `the end ${scheduledEnd} is not after the start ${t('11:00')}` },
      ]);
    }
  });

  it('times that are no instants are refused, each named', () => {
    expect(scheduleConflicts(moving, { roomId: 'or-2', scheduledStart: 'soon', scheduledEnd: '' }, or2)).toEqual([
      { kind: 'invalid-time', field: 'scheduledStart', message: 'scheduledStart is not an ISO 8601 instant: soon' },
      { kind: 'invalid-time', field: 'scheduledEnd', message: 'scheduledEnd is not an ISO 8601 instant: ' },
    ]);
  });

  it('an in-room case moved onto a busy slot gets both conflicts, its own first', () => {
    const inRoom = planCase('m', { status: 'in-room', milestones: { inRoom: t('08:05') } });
    expect(
      scheduleConflicts(inRoom, { roomId: 'or-2', scheduledStart: t('09:00'), scheduledEnd: t('10:30') }, or2).map(
        (c) => c.kind,
      ),
    ).toEqual(['in-progress', 'overlap']);
  });

  it('property: an overlap is reported exactly when the half-open intervals intersect, in any order of the cases', () => {
    const slot = fc.tuple(fc.integer({ min: 0, max: 48 }), fc.integer({ min: 1, max: 16 }));
    fc.assert(
      fc.property(fc.array(slot, { maxLength: 8 }), slot, (others, [start, length]) => {
        const at = (step: number) => new Date(Date.parse(t('06:00')) + step * 15 * 60_000).toISOString();
        const cases = others.map(([s, l], i) =>
          planCase(`c${i}`, { roomId: 'or-2', scheduledStart: at(s), scheduledEnd: at(s + l) }),
        );
        const conflicts = scheduleConflicts(
          moving,
          { roomId: 'or-2', scheduledStart: at(start), scheduledEnd: at(start + length) },
          cases,
        );
        const expected = others
          .map(([s, l], i) => ({ id: `c${i}`, hit: s < start + length && start < s + l }))
          .filter((x) => x.hit)
          .map((x) => x.id)
          .sort();
        expect(conflicts.map((c) => (c.kind === 'overlap' ? c.caseId : c.kind)).sort()).toEqual(expected);
        expect(
          scheduleConflicts(
            moving,
            { roomId: 'or-2', scheduledStart: at(start), scheduledEnd: at(start + length) },
            [...cases].reverse(),
          ),
        ).toEqual(conflicts);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('equipmentConflicts', () => {
  it('the C-arm booked in OR 1 08:00–09:30 and OR 2 09:00–10:00: a conflict 09:00–09:30', () => {
    const cases = [
      planCase('b', {
        roomId: 'or-2',
        scheduledStart: t('09:00'),
        scheduledEnd: t('10:00'),
        equipment: [{ text: 'c-arm' }],
      }),
      planCase('a', { equipment: [CARM, ROBOT] }),
    ];
    expect(equipmentConflicts(cases)).toEqual([
      { equipment: CARM, caseIds: ['a', 'b'], from: t('09:00'), to: t('09:30') },
    ]);
  });

  it('back to back (09:30 start after a 09:30 end) is no conflict', () => {
    const cases = [
      planCase('a', { equipment: [CARM] }),
      planCase('b', { roomId: 'or-2', scheduledStart: t('09:30'), scheduledEnd: t('10:00'), equipment: [CARM] }),
    ];
    expect(equipmentConflicts(cases)).toEqual([]);
  });

  it('different codes are different items, whatever the text (CARM-1 and CARM-2)', () => {
    const cases = [
      planCase('a', { equipment: [{ code: 'CARM-1', text: 'C-arm' }] }),
      planCase('b', { roomId: 'or-2', equipment: [{ code: 'CARM-2', text: 'C-arm' }] }),
    ];
    expect(equipmentConflicts(cases)).toEqual([]);
  });

  it('one entry per item: a pair sharing the C-arm and the robot gives two, by text', () => {
    const cases = [
      planCase('a', { equipment: [ROBOT, CARM] }),
      planCase('b', { roomId: 'or-2', equipment: [CARM, ROBOT] }),
    ];
    expect(equipmentConflicts(cases).map((c) => [c.equipment.text, c.caseIds])).toEqual([
      ['C-arm', ['a', 'b']],
      ['da Vinci Xi', ['a', 'b']],
    ]);
  });

  it('an item a case lists twice (by code and by text) is one item: one entry', () => {
    const cases = [
      planCase('a', { equipment: [CARM, { text: 'C-ARM' }] }),
      planCase('b', { roomId: 'or-2', equipment: [{ text: 'c-arm' }] }),
    ];
    expect(equipmentConflicts(cases)).toEqual([
      { equipment: CARM, caseIds: ['a', 'b'], from: t('08:00'), to: t('09:30') },
    ]);
  });

  it.each<CaseStatus>(['cancelled', 'no-show', 'recovery', 'completed'])(
    'a %s case needs nothing any more',
    (status) => {
      const cases = [
        planCase('a', { equipment: [CARM] }),
        planCase('b', { roomId: 'or-2', status, equipment: [CARM] }),
      ];
      expect(equipmentConflicts(cases)).toEqual([]);
    },
  );

  it('with predictions: a knock-on delay that brings two C-arm cases together shows', () => {
    // OR 1: a1 08:00–09:30 runs long (in room 08:00, still in at 10:00 → 10:10); a2 (C-arm) then 10:40–11:40.
    // OR 2: b (C-arm) 11:00–12:00 by the schedule: free of a2 as scheduled (10:00–11:00), not as predicted.
    const cases = [
      planCase('a1', { status: 'in-room', milestones: { inRoom: t('08:00') } }),
      planCase('a2', { scheduledStart: t('10:00'), scheduledEnd: t('11:00'), equipment: [CARM], surgeon: undefined }),
      planCase('b', { roomId: 'or-2', scheduledStart: t('11:00'), scheduledEnd: t('12:00'), equipment: [CARM] }),
    ];
    expect(equipmentConflicts(cases)).toEqual([]);
    const predictions = predictCases(cases, { now: t('10:00'), history: { bySurgeonProcedure: {}, byProcedure: {} } });
    expect(equipmentConflicts(cases, { predictions })).toEqual([
      { equipment: CARM, caseIds: ['a2', 'b'], from: t('11:00'), to: t('11:40') },
    ]);
  });

  it('property: exactly the overlapping pairs of active cases sharing an item, in any order of the cases', () => {
    const items = [CARM, { text: 'c-arm' }, ROBOT, { code: 'CARM-2', text: 'C-arm' }, { text: 'Microscope' }];
    const gen = fc.array(
      fc.record({
        start: fc.integer({ min: 0, max: 32 }),
        length: fc.integer({ min: 1, max: 12 }),
        needs: fc.subarray(items, { maxLength: 3 }),
        status: fc.constantFrom<CaseStatus>('scheduled', 'scheduled', 'pre-op', 'cancelled', 'completed'),
      }),
      { maxLength: 10 },
    );
    fc.assert(
      fc.property(gen, (specs) => {
        const at = (step: number) => new Date(Date.parse(t('06:00')) + step * 15 * 60_000).toISOString();
        const cases = specs.map((s, i) =>
          planCase(`c${String(i).padStart(2, '0')}`, {
            roomId: `or-${i % 3}`,
            status: s.status,
            scheduledStart: at(s.start),
            scheduledEnd: at(s.start + s.length),
            equipment: s.needs,
          }),
        );
        const conflicts = equipmentConflicts(cases);
        const active = (s: (typeof specs)[number]) => s.status !== 'cancelled' && s.status !== 'completed';
        const pairs = new Set<string>();
        specs.forEach((a, i) =>
          specs.forEach((b, j) => {
            const overlap = a.start < b.start + b.length && b.start < a.start + a.length;
            const shared = a.needs.some((x) => b.needs.some((y) => sameEquipment(x, y)));
            if (i !== j && active(a) && active(b) && overlap && shared) {
              pairs.add([cases[i]?.id, cases[j]?.id].map(String).sort().join('+'));
            }
          }),
        );
        expect(new Set(conflicts.map((c) => [...c.caseIds].sort().join('+')))).toEqual(pairs);
        for (const c of conflicts) expect(Date.parse(c.from)).toBeLessThan(Date.parse(c.to));
        expect(equipmentConflicts([...cases].reverse())).toEqual(conflicts);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('the worked example of docs/predictions.md', () => {
  const c1 = planCase('c1', { status: 'in-procedure', milestones: { inRoom: t('08:00') } });
  const c2 = planCase('c2', {
    surgeon: { id: 'S2', name: 'James Wilson' },
    scheduledStart: t('10:00'),
    scheduledEnd: t('11:30'),
    equipment: [{ text: 'C-arm' }],
  });
  const d2 = planCase('d2', {
    roomId: 'or-2',
    procedure: { text: 'Hernia repair' },
    scheduledStart: t('11:30'),
    scheduledEnd: t('12:30'),
    equipment: [CARM],
  });
  const day = [c1, c2, d2];

  it('moving c2 to OR 3 at 10:00–11:30 is free; to OR 2 at 10:30–12:00 overlaps d2 11:30–12:00; c1 cannot move', () => {
    expect(
      scheduleConflicts(c2, { roomId: 'or-3', scheduledStart: t('10:00'), scheduledEnd: t('11:30') }, day),
    ).toEqual([]);
    expect(
      scheduleConflicts(c2, { roomId: 'or-2', scheduledStart: t('10:30'), scheduledEnd: t('12:00') }, day),
    ).toMatchObject([{ kind: 'overlap', caseId: 'd2', from: t('11:30'), to: t('12:00') }]);
    expect(
      scheduleConflicts(c1, { roomId: 'or-2', scheduledStart: t('14:00'), scheduledEnd: t('15:00') }, day),
    ).toMatchObject([{ kind: 'in-progress', status: 'in-procedure' }]);
  });

  it('the C-arm: free by the schedule (c2 ends 11:30 as d2 starts); c2 predicted until 12:00 takes it 11:30–12:00', () => {
    expect(equipmentConflicts(day)).toEqual([]);
    const history = {
      bySurgeonProcedure: { '["id:S1","code:47562"]': { medianMinutes: 95, count: 5 } },
      byProcedure: { 'code:47562': { medianMinutes: 80, count: 12 } },
    };
    const predictions = predictCases(day, { now: t('10:00'), history });
    expect(equipmentConflicts(day, { predictions })).toEqual([
      { equipment: { text: 'C-arm' }, caseIds: ['c2', 'd2'], from: t('11:30'), to: t('12:00') },
    ]);
  });
});
