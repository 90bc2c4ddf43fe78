import { describe, expect, it } from '@jest/globals';
import { badgeLabel, delayBadges, filterCases, filterChoices, isFiltering, NO_FILTER } from './desk.status';
import { aCase } from './test.fixtures';

const ms = (iso: string) => Date.parse(iso);
const base = { scheduledStart: '2026-11-23T07:00:00Z', scheduledEnd: '2026-11-23T08:00:00Z' };

describe('delayBadges', () => {
  it('none for a case on time, or not due yet', () => {
    expect(delayBadges(aCase({ id: 'a', ...base }), ms('2026-11-23T07:05:00Z'))).toEqual([]);
    expect(
      delayBadges(
        aCase({ id: 'a', ...base, milestones: { inRoom: '2026-11-23T07:04:00Z' } }),
        ms('2026-11-23T09:00:00Z'),
      ),
    ).toEqual([]);
  });

  it('a late start: in room after the grace, or still not in', () => {
    const late = delayBadges(
      aCase({ id: 'a', ...base, status: 'in-room', milestones: { inRoom: '2026-11-23T07:20:00Z' } }),
      ms('2026-11-23T07:30:00Z'),
    );
    expect(late).toEqual([{ kind: 'late-start', minutes: 20, inRoom: true }]);
    expect(badgeLabel(late[0]!)).toBe('started 20 min late');
    const waiting = delayBadges(aCase({ id: 'a', ...base }), ms('2026-11-23T07:45:00Z'));
    expect(waiting).toEqual([{ kind: 'late-start', minutes: 45, inRoom: false }]);
    expect(badgeLabel(waiting[0]!)).toBe('45 min late, not in');
  });

  it('a predicted end past the scheduled end, until the patient is out', () => {
    const c = aCase({ id: 'a', ...base, predictedEnd: '2026-11-23T08:25:00Z' });
    expect(delayBadges(c, ms('2026-11-23T06:00:00Z'))).toEqual([{ kind: 'overrun', minutes: 25 }]);
    expect(badgeLabel({ kind: 'overrun', minutes: 25 })).toBe('ends 25 min late');
    expect(delayBadges({ ...c, predictedEnd: '2026-11-23T08:04:00Z' }, ms('2026-11-23T06:00:00Z'))).toEqual([]);
    const out = {
      ...c,
      status: 'recovery' as const,
      milestones: { inRoom: base.scheduledStart, outOfRoom: '2026-11-23T08:25:00Z' },
    };
    expect(delayBadges(out, ms('2026-11-23T09:00:00Z'))).toEqual([]);
  });

  it('none for cancelled cases and no-shows', () => {
    expect(delayBadges(aCase({ id: 'a', ...base, status: 'cancelled' }), ms('2026-11-23T09:00:00Z'))).toEqual([]);
    expect(delayBadges(aCase({ id: 'a', ...base, status: 'no-show' }), ms('2026-11-23T09:00:00Z'))).toEqual([]);
  });
});

describe('filters', () => {
  const now = ms('2026-11-23T07:30:00Z');
  const cases = [
    aCase({ id: 'a', roomId: 'r1', roomName: 'OR1', ...base, surgeon: { name: 'House, Gregory' } }),
    aCase({
      id: 'b',
      roomId: 'r2',
      roomName: 'OR2',
      ...base,
      status: 'in-room',
      milestones: { inRoom: base.scheduledStart },
    }),
    aCase({
      id: 'c',
      roomId: 'r10',
      roomName: 'OR10',
      scheduledStart: '2026-11-23T09:00:00Z',
      scheduledEnd: '2026-11-23T10:00:00Z',
    }),
  ];
  const ids = (filter: Partial<typeof NO_FILTER>) =>
    filterCases(cases, { ...NO_FILTER, ...filter }, now).map((c) => c.id);

  it('by room, status, surgeon and delay, together', () => {
    expect(ids({})).toEqual(['a', 'b', 'c']);
    expect(ids({ roomId: 'r2' })).toEqual(['b']);
    expect(ids({ status: 'scheduled' })).toEqual(['a', 'c']);
    expect(ids({ surgeon: 'House, Gregory' })).toEqual(['a']);
    // a is 30 min past its start and not in: late; b came in on time; c is not due.
    expect(ids({ delayedOnly: true })).toEqual(['a']);
    expect(ids({ status: 'scheduled', roomId: 'r2' })).toEqual([]);
    expect(isFiltering(NO_FILTER)).toBe(false);
    expect(isFiltering({ ...NO_FILTER, delayedOnly: true })).toBe(true);
  });

  it('offers the day’s rooms (natural order), statuses and surgeons', () => {
    expect(filterChoices(cases)).toEqual({
      rooms: [
        { id: 'r1', name: 'OR1' },
        { id: 'r2', name: 'OR2' },
        { id: 'r10', name: 'OR10' },
      ],
      statuses: ['in-room', 'scheduled'],
      surgeons: ['House, Gregory', 'Marchetti, Elena'],
    });
  });
});
