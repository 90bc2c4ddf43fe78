import { describe, expect, it } from '@jest/globals';
import type { AlertView, RoomDeviceView } from '@circulator/contracts';
import { caseTimers, checklist, currentCase, deviceStates, sortAlerts, timeline, upcomingCases } from './room.model';
import { aCase } from './test.fixtures';

const at = (hhmm: string) => `2026-11-21T${hhmm}:00Z`;

function alert(
  id: string,
  priority: AlertView['priority'],
  raisedAt: string,
  extra: Partial<AlertView> = {},
): AlertView {
  return { id, kind: 'device-alarm', priority, message: id, raisedAt, ...extra };
}

describe('currentCase and upcomingCases', () => {
  const done = aCase({ id: 'done', status: 'completed', scheduledStart: at('06:00') });
  const inRoom = aCase({ id: 'now', status: 'in-procedure', milestones: { inRoom: at('08:00') } });
  const later = aCase({ id: 'later', status: 'scheduled', scheduledStart: at('13:00') });
  const sooner = aCase({ id: 'sooner', status: 'pre-op', scheduledStart: at('12:00') });
  const knocked = aCase({
    id: 'knocked',
    status: 'scheduled',
    scheduledStart: at('11:00'),
    predictedStart: at('14:00'),
  });
  const cancelled = aCase({ id: 'off', status: 'cancelled', scheduledStart: at('10:00') });

  it('takes the case whose patient is in the room, the latest in when the feeds show two', () => {
    expect(currentCase([done, later, inRoom])?.id).toBe('now');
    const newer = aCase({ id: 'newer', status: 'in-room', milestones: { inRoom: at('09:00') } });
    expect(currentCase([inRoom, newer])?.id).toBe('newer');
    expect(currentCase([done, later])).toBeUndefined();
  });

  it('lists the cases to come by expected start (a prediction moves a case), without done or cancelled ones', () => {
    expect(upcomingCases([later, done, knocked, inRoom, sooner, cancelled]).map((c) => c.id)).toEqual([
      'sooner',
      'later',
      'knocked',
    ]);
  });
});

describe('timeline', () => {
  it('marks reached milestones and the next one', () => {
    const c = aCase({
      id: 'c',
      milestones: { roomReady: at('07:50'), inRoom: at('08:00'), procedureStart: at('08:30') },
    });
    const steps = timeline(c);
    expect(steps.map((s) => s.key)).toEqual([
      'roomReady',
      'inRoom',
      'anesthesiaStart',
      'induction',
      'procedureStart',
      'procedureEnd',
      'anesthesiaEnd',
      'outOfRoom',
    ]);
    expect(steps.filter((s) => s.at !== undefined).map((s) => s.key)).toEqual([
      'roomReady',
      'inRoom',
      'procedureStart',
    ]);
    // Anesthesia start and induction were skipped by the feeds: the next one is after the last reached.
    expect(steps.filter((s) => s.next).map((s) => s.key)).toEqual(['procedureEnd']);
    expect(timeline(aCase({ id: 'd' }))[0]).toMatchObject({ key: 'roomReady', next: true });
  });
});

describe('caseTimers', () => {
  const now = Date.parse(at('09:10'));

  it('counts in room and since incision up to now', () => {
    const c = aCase({ id: 'c', milestones: { inRoom: at('08:00'), procedureStart: at('08:30') } });
    expect(caseTimers(c, now)).toEqual({
      inRoomMs: 70 * 60_000,
      sinceIncisionMs: 40 * 60_000,
      procedureDone: false,
      outOfRoom: false,
    });
  });

  it('stops at closure and out of room', () => {
    const c = aCase({
      id: 'c',
      milestones: {
        inRoom: at('08:00'),
        procedureStart: at('08:30'),
        procedureEnd: at('09:00'),
        outOfRoom: at('09:05'),
      },
    });
    expect(caseTimers(c, now)).toEqual({
      inRoomMs: 65 * 60_000,
      sinceIncisionMs: 30 * 60_000,
      procedureDone: true,
      outOfRoom: true,
    });
  });

  it('has no timer before the milestone', () => {
    expect(caseTimers(aCase({ id: 'c' }), now)).toEqual({ procedureDone: false, outOfRoom: false });
  });
});

describe('checklist', () => {
  it('says what is done, and what is due now (sign in and time out once in the room, sign out after closure)', () => {
    const before = checklist(aCase({ id: 'c', status: 'pre-op' }));
    expect(before.map((i) => [i.phase, i.due])).toEqual([
      ['signIn', false],
      ['timeOut', false],
      ['signOut', false],
    ]);
    const during = checklist(
      aCase({
        id: 'c',
        status: 'in-procedure',
        milestones: { inRoom: at('08:00'), procedureEnd: at('09:00') },
        checklist: { signIn: { at: at('08:02'), by: 'nurse1' } },
      }),
    );
    expect(during).toEqual([
      { phase: 'signIn', label: 'Sign in', at: at('08:02'), by: 'nurse1', due: false },
      { phase: 'timeOut', label: 'Time out', due: true },
      { phase: 'signOut', label: 'Sign out', due: true },
    ]);
  });
});

describe('sortAlerts', () => {
  it('puts unacknowledged first, then high before medium before low, then oldest first', () => {
    const sorted = sortAlerts([
      alert('low', 'low', at('08:00')),
      alert('high-acked', 'high', at('07:00'), { acknowledgedAt: at('07:01') }),
      alert('medium-new', 'medium', at('08:30')),
      alert('medium-old', 'medium', at('08:10')),
      alert('high', 'high', at('08:40')),
    ]);
    expect(sorted.map((a) => a.id)).toEqual(['high', 'medium-old', 'medium-new', 'low', 'high-acked']);
  });
});

describe('deviceStates', () => {
  const device = (id: string, connectivity: RoomDeviceView['connectivity']): RoomDeviceView => ({
    id,
    type: 'monitor',
    connectivity,
    lifecycle: 'active',
  });

  it("marks a device offline when the case's live device-offline alert names it, with the backup", () => {
    const offline: AlertView = {
      id: 'rule:device-offline:mon-1',
      kind: 'device-offline',
      priority: 'medium',
      message: 'monitor mon-1 offline; backup: Spare monitor (or2)',
      raisedAt: at('08:00'),
    };
    const states = deviceStates(
      [device('mon-1', 'online'), device('mon-2', 'online'), device('pump-1', 'error')],
      [offline, alert('rule:device-offline:pump-1', 'medium', at('08:00'))],
    );
    expect(states.map((s) => [s.device.id, s.connectivity, s.alert?.message])).toEqual([
      ['mon-1', 'offline', 'monitor mon-1 offline; backup: Spare monitor (or2)'],
      ['mon-2', 'online', undefined],
      ['pump-1', 'error', undefined],
    ]);
  });
});
