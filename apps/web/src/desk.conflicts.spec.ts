import { describe, expect, it } from '@jest/globals';
import { describeConflict, isBlocking, moveConflicts, roomPhase, sameEquipment } from './desk.conflicts';
import { aCase } from './test.fixtures';

const ms = (iso: string) => Date.parse(iso);
const slot = (roomId: string, from: string, to: string) => ({ roomId, start: ms(from), end: ms(to) });
const HOURS = { open: ms('2026-11-23T06:00:00Z'), close: ms('2026-11-23T16:00:00Z') };

const moving = aCase({
  id: 'm',
  roomId: 'or1',
  scheduledStart: '2026-11-23T07:00:00Z',
  scheduledEnd: '2026-11-23T08:00:00Z',
  equipment: [{ code: 'CARM', text: 'C-arm' }],
});
const busy = aCase({
  id: 'b',
  roomId: 'or2',
  roomName: 'OR2',
  procedure: { text: 'Hip replacement' },
  scheduledStart: '2026-11-23T08:00:00Z',
  scheduledEnd: '2026-11-23T10:00:00Z',
});

describe('moveConflicts', () => {
  it('finds none on a free slot inside the hours', () => {
    expect(
      moveConflicts(moving, slot('or2', '2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z'), [moving, busy], HOURS),
    ).toEqual([]);
  });

  it('an overlap with another case of the target room blocks, with the overlapping time', () => {
    const conflicts = moveConflicts(moving, slot('or2', '2026-11-23T09:30:00Z', '2026-11-23T10:30:00Z'), [busy], HOURS);
    expect(conflicts).toEqual([
      {
        kind: 'overlap',
        caseId: 'b',
        procedure: 'Hip replacement',
        from: ms('2026-11-23T09:30:00Z'),
        to: ms('2026-11-23T10:00:00Z'),
      },
    ]);
    expect(conflicts.every(isBlocking)).toBe(true);
    expect(describeConflict(conflicts[0]!, 'Europe/Paris')).toBe(
      'Overlaps Hip replacement in that room from 10:30 to 11:00.',
    );
  });

  it('ignores cancelled, no-show and finished cases, and cases of other rooms', () => {
    const others = [
      { ...busy, id: 'x1', status: 'cancelled' as const },
      { ...busy, id: 'x2', status: 'no-show' as const },
      { ...busy, id: 'x3', status: 'recovery' as const, milestones: { outOfRoom: '2026-11-23T09:00:00Z' } },
      { ...busy, id: 'x4', roomId: 'or3' },
    ];
    expect(moveConflicts(moving, slot('or2', '2026-11-23T08:00:00Z', '2026-11-23T09:00:00Z'), others)).toEqual([]);
  });

  it('a slot touching the next case is free (half-open intervals)', () => {
    expect(moveConflicts(moving, slot('or2', '2026-11-23T07:00:00Z', '2026-11-23T08:00:00Z'), [busy])).toEqual([]);
  });

  it('warns outside the OR hours, without blocking', () => {
    const conflicts = moveConflicts(moving, slot('or1', '2026-11-23T15:30:00Z', '2026-11-23T16:30:00Z'), [], HOURS);
    expect(conflicts).toEqual([{ kind: 'outside-hours', open: HOURS.open, close: HOURS.close }]);
    expect(isBlocking(conflicts[0]!)).toBe(false);
    expect(describeConflict(conflicts[0]!, 'Europe/Paris')).toBe('Outside the OR hours (07:00–17:00).');
  });

  it('warns when equipment the case needs is booked in another room at that time', () => {
    const other = { ...busy, equipment: [{ code: 'CARM', text: 'Mobile C-arm' }] };
    const conflicts = moveConflicts(
      moving,
      slot('or1', '2026-11-23T09:00:00Z', '2026-11-23T10:00:00Z'),
      [other],
      HOURS,
    );
    expect(conflicts).toEqual([
      {
        kind: 'equipment',
        item: 'C-arm',
        caseId: 'b',
        roomName: 'OR2',
        from: ms('2026-11-23T09:00:00Z'),
        to: ms('2026-11-23T10:00:00Z'),
      },
    ]);
    expect(isBlocking(conflicts[0]!)).toBe(false);
  });

  it('refuses to move a case in the room, one that has left, or a closed one; only the end of a running case may change', () => {
    const inRoom = { ...moving, status: 'in-procedure' as const, milestones: { inRoom: '2026-11-23T07:00:00Z' } };
    expect(moveConflicts(inRoom, slot('or2', '2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z'), [])).toEqual([
      { kind: 'in-progress', status: 'in-procedure' },
    ]);
    expect(moveConflicts(inRoom, slot('or1', '2026-11-23T07:00:00Z', '2026-11-23T09:00:00Z'), [])).toEqual([]);
    const left = { ...moving, status: 'recovery' as const };
    expect(moveConflicts(left, slot('or2', '2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z'), [])[0]?.kind).toBe(
      'finished',
    );
    expect(
      moveConflicts(
        { ...moving, status: 'cancelled' },
        slot('or2', '2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z'),
        [],
      ),
    ).toEqual([{ kind: 'closed', status: 'cancelled' }]);
  });

  it('an empty interval is one conflict, and nothing else is looked for', () => {
    expect(moveConflicts(moving, slot('or2', '2026-11-23T09:00:00Z', '2026-11-23T09:00:00Z'), [busy])).toEqual([
      { kind: 'end-not-after-start' },
    ]);
  });

  it('orders overlaps by time', () => {
    const early = { ...busy, id: 'z', scheduledStart: '2026-11-23T06:00:00Z', scheduledEnd: '2026-11-23T07:30:00Z' };
    const kinds = moveConflicts(moving, slot('or2', '2026-11-23T07:00:00Z', '2026-11-23T09:00:00Z'), [busy, early]);
    expect(kinds.map((k) => ('caseId' in k ? k.caseId : k.kind))).toEqual(['z', 'b']);
  });
});

describe('roomPhase and sameEquipment', () => {
  it('reads milestones before status', () => {
    expect(roomPhase({ status: 'scheduled', milestones: {} })).toBe('planned');
    expect(roomPhase({ status: 'scheduled', milestones: { inRoom: '2026-11-23T07:00:00Z' } })).toBe('in-room');
    expect(roomPhase({ status: 'in-room', milestones: { outOfRoom: '2026-11-23T09:00:00Z' } })).toBe('left');
  });

  it('compares by code when both have one, else by text', () => {
    expect(sameEquipment({ code: 'A', text: 'x' }, { code: 'A', text: 'y' })).toBe(true);
    expect(sameEquipment({ code: 'A', text: 'x' }, { code: 'B', text: 'x' })).toBe(false);
    expect(sameEquipment({ text: ' C-arm  mobile' }, { code: 'B', text: 'c-arm mobile' })).toBe(true);
  });
});
