import type { Principal } from '@circulator/identity';
import { disclosureFor, mayRead } from './live.gateway';
import type { AlertView } from '@circulator/contracts';
import { alertChanges, topicsForChange } from './topics';

describe('alertChanges', () => {
  const alert = (id: string, more: Partial<AlertView> = {}): AlertView => ({
    id,
    kind: 'checklist',
    priority: 'high',
    message: 'Time Out missing at incision',
    raisedAt: '2026-11-23T08:00:00.000Z',
    ...more,
  });

  it('names the alerts a change raised', () => {
    expect(alertChanges(undefined, [alert('a1')])).toEqual({ raised: ['a1'] });
    expect(alertChanges([alert('a1')], [alert('a1'), alert('a2')])).toEqual({ raised: ['a2'] });
  });

  it('sees a cleared, acknowledged, reprioritised or reworded alert as a change that raised nothing', () => {
    expect(alertChanges([alert('a1')], [])).toEqual({ raised: [] });
    expect(alertChanges([alert('a1')], [alert('a1', { acknowledgedAt: '2026-11-23T08:01:00.000Z' })])).toEqual({
      raised: [],
    });
    expect(alertChanges([alert('a1')], [alert('a1', { priority: 'medium' })])).toEqual({ raised: [] });
    expect(alertChanges([alert('a1')], [alert('a1', { message: 'Time Out done late' })])).toEqual({ raised: [] });
  });

  it('is undefined when the alerts a reader sees did not change', () => {
    expect(alertChanges([alert('a1')], [alert('a1')])).toBeUndefined();
    expect(alertChanges(undefined, [])).toBeUndefined();
  });
});

describe('topicsForChange', () => {
  const TODAY = '2026-11-23';

  it('updates the board, the room and the case where the case is now', () => {
    expect(topicsForChange('c1', { date: TODAY, roomId: 'or-1' }, { date: TODAY, roomId: 'or-1' }, TODAY)).toEqual([
      { topic: 'board:2026-11-23', removed: false },
      { topic: 'room:or-1', removed: false },
      { topic: 'case:c1', removed: false },
    ]);
  });

  it('leaves the board out of a change it does not show, unless the case moved to another day', () => {
    const here = { date: TODAY, roomId: 'or-1' };
    expect(topicsForChange('c1', here, here, TODAY, undefined, false)).toEqual([
      { topic: 'room:or-1', removed: false },
      { topic: 'case:c1', removed: false },
    ]);
    expect(topicsForChange('c1', { date: '2026-11-24', roomId: 'or-1' }, here, TODAY, undefined, false)).toEqual(
      topicsForChange('c1', { date: '2026-11-24', roomId: 'or-1' }, here, TODAY),
    );
  });

  it("removes the case from the day it left, and from today's room it left", () => {
    expect(
      topicsForChange('c1', { date: '2026-11-24', roomId: 'or-2' }, { date: TODAY, roomId: 'or-1' }, TODAY),
    ).toEqual([
      { topic: 'board:2026-11-24', removed: false },
      { topic: 'case:c1', removed: false },
      { topic: 'board:2026-11-23', removed: true },
      { topic: 'room:or-1', removed: true },
      // Today's alerts drop a case that left today.
      { topic: 'alerts', removed: true },
    ]);
  });

  it("tells today's alerts topic of a change to a case's alerts, with the ones it raised", () => {
    const here = { date: TODAY, roomId: 'or-1' };
    expect(topicsForChange('c1', here, here, TODAY, { raised: ['a1'] })).toContainEqual({
      topic: 'alerts',
      removed: false,
      raised: ['a1'],
    });
    expect(topicsForChange('c1', here, here, TODAY, { raised: [] })).toContainEqual({
      topic: 'alerts',
      removed: false,
    });
    expect(topicsForChange('c1', here, here, TODAY).map((t) => t.topic)).not.toContain('alerts');
    // Another day's case is not on today's alerts.
    const later = { date: '2026-11-25', roomId: 'or-1' };
    expect(topicsForChange('c1', later, later, TODAY, { raised: ['a1'] }).map((t) => t.topic)).not.toContain('alerts');
  });

  it('keeps room displays, which show today, out of other days', () => {
    expect(topicsForChange('c1', { date: '2026-11-25', roomId: 'or-1' }, undefined, TODAY)).toEqual([
      { topic: 'board:2026-11-25', removed: false },
      { topic: 'case:c1', removed: false },
    ]);
    // Moved onto today within the same room: the room hears of it.
    expect(
      topicsForChange('c1', { date: TODAY, roomId: 'or-1' }, { date: '2026-11-25', roomId: 'or-1' }, TODAY),
    ).toContainEqual({
      topic: 'room:or-1',
      removed: false,
    });
  });
});

describe('topic access', () => {
  const user = (roles: Principal['roles'], roomId?: string): Principal => ({
    kind: roles.includes('display') ? 'display' : 'user',
    sub: 'x',
    username: 'x',
    roles,
    ...(roomId ? { roomId } : {}),
  });

  it('lets a display read only its own room, with initials', () => {
    const display = user(['display'], 'or-1');
    expect(mayRead(display, { kind: 'room', roomId: 'or-1' })).toBe(true);
    expect(mayRead(display, { kind: 'room', roomId: 'or-2' })).toBe(false);
    expect(mayRead(display, { kind: 'board', date: '2026-11-23' })).toBe(false);
    expect(mayRead(display, { kind: 'case', caseId: 'c1' })).toBe(false);
    expect(disclosureFor(display)).toBe('initials');
  });

  it('lets schedulers and clinicians read boards, rooms and cases with full names', () => {
    for (const role of ['scheduler', 'nurse', 'surgeon', 'anesthesiologist', 'admin'] as const) {
      const p = user([role]);
      expect(mayRead(p, { kind: 'board', date: '2026-11-23' })).toBe(true);
      expect(mayRead(p, { kind: 'case', caseId: 'c1' })).toBe(true);
      expect(disclosureFor(p)).toBe('full');
    }
  });

  it('keeps biomed to the alerts feed', () => {
    const biomed = user(['biomed']);
    expect(mayRead(biomed, { kind: 'alerts' })).toBe(true);
    expect(mayRead(biomed, { kind: 'board', date: '2026-11-23' })).toBe(false);
  });
});
