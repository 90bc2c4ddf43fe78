import { caseEnd, finalSchedule, planOrDay, type OrDayOptions, type PlannedCase } from './or-day.plan';

const base: OrDayOptions = {
  date: '2026-11-21',
  timeZone: 'America/Chicago',
  seed: 42,
  now: '2026-11-21T06:00:00-06:00',
};

function byRoom(cases: PlannedCase[]): Map<string, PlannedCase[]> {
  const rooms = new Map<string, PlannedCase[]>();
  for (const c of cases) rooms.set(c.roomCode, [...(rooms.get(c.roomCode) ?? []), c]);
  return rooms;
}

describe('planOrDay', () => {
  it('is deterministic for a seed', () => {
    expect(planOrDay(base)).toEqual(planOrDay(base));
  });

  it('gives a different day for a different seed', () => {
    const a = planOrDay(base);
    const b = planOrDay({ ...base, seed: 43 });
    expect(b.cases.map((c) => [c.procedure.code, c.durationMin, c.patient.mrn])).not.toEqual(
      a.cases.map((c) => [c.procedure.code, c.durationMin, c.patient.mrn]),
    );
  });

  it.each([1, 3, 5, 7])('has the requested %i rooms, each with 3 to 5 booked cases from 07:30', (rooms) => {
    const plan = planOrDay({ ...base, rooms });
    expect(plan.rooms.map((r) => r.code)).toEqual(Array.from({ length: rooms }, (_, i) => `OR${i + 1}`));
    const booked = byRoom(plan.cases);
    expect(booked.size).toBe(rooms);
    for (const list of booked.values()) {
      expect(list.length).toBeGreaterThanOrEqual(3);
      expect(list.length).toBeLessThanOrEqual(5);
      expect(list[0]?.start).toBe('2026-11-21T07:30:00-06:00');
    }
  });

  it.each([1, 2, 3, 4, 42, 1234, 99_999])(
    'never overlaps two cases in a room, after every change (seed %i)',
    (seed) => {
      for (const rooms of [1, 2, 3, 6]) {
        const plan = planOrDay({ ...base, seed, rooms });
        for (const schedule of [plan.cases, finalSchedule(plan)]) {
          for (const list of byRoom(schedule.filter((c) => c.status === 'Booked')).values()) {
            const sorted = [...list].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
            for (let i = 1; i < sorted.length; i += 1) {
              const previous = sorted[i - 1] as PlannedCase;
              const current = sorted[i] as PlannedCase;
              expect(Date.parse(current.start)).toBeGreaterThanOrEqual(Date.parse(caseEnd(previous)));
            }
          }
        }
      }
    },
  );

  it('books every case with an S12, then reschedules (S13) and cancels (S15)', () => {
    const plan = planOrDay(base);
    const triggers = plan.events.map((e) => e.trigger);
    expect(triggers.filter((t) => t === 'S12')).toHaveLength(plan.cases.length);
    expect(triggers.filter((t) => t === 'S13').length).toBeGreaterThanOrEqual(1);
    expect(triggers.filter((t) => t === 'S15')).toHaveLength(1);
    // Every case is booked before anything happens to it.
    const firstChange = plan.events.findIndex((e) => e.trigger !== 'S12');
    expect(firstChange).toBe(plan.cases.length);
    const cancelled = plan.events.find((e) => e.trigger === 'S15');
    expect(cancelled?.case.status).toBe('Cancelled');
  });

  it('moves one case to another room when there are several rooms', () => {
    const plan = planOrDay(base);
    const booked = new Map(plan.cases.map((c) => [c.placerId, c.roomCode]));
    const moves = plan.events.filter((e) => e.trigger === 'S13' && booked.get(e.case.placerId) !== e.case.roomCode);
    expect(moves).toHaveLength(1);
  });

  it('keeps events in time order, from `now`, in the facility zone', () => {
    const plan = planOrDay(base);
    const offsets = plan.events.map((e) => e.offsetMs);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(plan.events[0]?.at).toBe('2026-11-21T06:00:00-06:00');
    expect(plan.events[1]?.at).toBe('2026-11-21T06:00:02-06:00');
  });

  it('uses fictional but well-formed people and unique identifiers', () => {
    const plan = planOrDay({ ...base, rooms: 6 });
    const mrns = plan.cases.map((c) => c.patient.mrn);
    expect(new Set(mrns).size).toBe(mrns.length);
    expect(new Set(plan.cases.map((c) => c.placerId)).size).toBe(plan.cases.length);
    for (const c of plan.cases) {
      expect(c.patient.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(c.durationMin % 5).toBe(0);
      expect(c.surgeon.id).toMatch(/^S\d+$/);
      expect(c.anesthesiologist.id).toMatch(/^A\d+$/);
    }
  });

  it('follows daylight saving time: the first case stays at 07:30 local', () => {
    const plan = planOrDay({ ...base, date: '2026-03-29', timeZone: 'Europe/Paris', now: '2026-03-29T05:00:00+02:00' });
    expect(plan.cases[0]?.start).toBe('2026-03-29T07:30:00+02:00');
  });

  it.each<[Partial<OrDayOptions>, RegExp]>([
    [{ rooms: 0 }, /rooms/],
    [{ rooms: 21 }, /rooms/],
    [{ seed: -1 }, /seed/],
    [{ seed: 1.5 }, /seed/],
    [{ date: '2026-02-30' }, /date/],
    [{ timeZone: 'Mars/Olympus' }, /time zone/],
    [{ now: 'yesterday' }, /now/],
  ])('rejects %j', (override, message) => {
    expect(() => planOrDay({ ...base, ...override })).toThrow(message);
  });
});
