import fc from 'fast-check';
import { CASE_STATUSES, type CaseStatus, type KpiView } from '@circulator/contracts';
import { DEFAULT_KPI_CONFIG, computeKpis, type KpiCase, type KpiInput, type RoomStaffedHours } from './kpi';

/** The surgical day: 23 Nov 2026, times in UTC. */
const DATE = '2026-11-23';
const T = (hhmm: string): string => `${DATE}T${hhmm}:00.000Z`;

interface CaseSpec {
  room?: string;
  start: string;
  end: string;
  in?: string;
  out?: string;
  status?: CaseStatus;
}

/** A case in OR 1 unless told; times are `hh:mm` of the day. */
function kase(id: string, spec: CaseSpec): KpiCase {
  const room = spec.room ?? 'or-1';
  const c: KpiCase = {
    id,
    roomId: room,
    roomName: room.toUpperCase().replace('-', ' '),
    status: spec.status ?? (spec.out ? 'recovery' : spec.in ? 'in-room' : 'scheduled'),
    scheduledStart: T(spec.start),
    scheduledEnd: T(spec.end),
    milestones: {},
  };
  if (spec.in) c.milestones.inRoom = T(spec.in);
  if (spec.out) c.milestones.outOfRoom = T(spec.out);
  return c;
}

function hours(roomId: string, open: string, close: string): RoomStaffedHours {
  return { roomId, open: T(open), close: T(close) };
}

/** KPIs of the day as of `now` (default: the evening, the day done), OR 1 staffed 07:00–17:00. */
function kpis(cases: KpiCase[], overrides: Partial<KpiInput> = {}): KpiView {
  return computeKpis({
    date: DATE,
    cases,
    staffedHours: [hours('or-1', '07:00', '17:00')],
    now: T('20:00'),
    ...overrides,
  });
}

function room(view: KpiView, roomId = 'or-1') {
  const r = view.rooms.find((x) => x.roomId === roomId);
  if (!r) throw new Error(`no room ${roomId} in the view`);
  return r;
}

describe('first-case on-time start', () => {
  it('first case in room at 07:34 with a 07:30 start and 5 min grace is on time, 4 min late', () => {
    const view = kpis([kase('a', { start: '07:30', end: '09:00', in: '07:34', out: '09:10' })]);
    expect(room(view).firstCase).toEqual({
      caseId: 'a',
      scheduledStart: T('07:30'),
      actualStart: T('07:34'),
      status: 'started',
      onTime: true,
      minutesLate: 4,
    });
  });

  it('in room at 07:35, exactly start + grace, is still on time; at 07:35:01 it is late', () => {
    const onTheDot = kpis([kase('a', { start: '07:30', end: '09:00', in: '07:35' })]);
    expect(room(onTheDot).firstCase).toMatchObject({ onTime: true, minutesLate: 5 });
    const oneSecondLater = kase('a', { start: '07:30', end: '09:00' });
    oneSecondLater.milestones.inRoom = `${DATE}T07:35:01.000Z`;
    expect(room(kpis([oneSecondLater])).firstCase).toMatchObject({ onTime: false, minutesLate: 5 });
  });

  it('first case in room at 07:42 with a 07:30 start is late by 12 min', () => {
    const view = kpis([kase('a', { start: '07:30', end: '09:00', in: '07:42' })]);
    expect(room(view).firstCase).toMatchObject({ status: 'started', onTime: false, minutesLate: 12 });
  });

  it('first case in room at 07:20 with a 07:30 start is on time and 0 min late', () => {
    const view = kpis([kase('a', { start: '07:30', end: '09:00', in: '07:20' })]);
    expect(room(view).firstCase).toMatchObject({ onTime: true, minutesLate: 0 });
  });

  it('with 10 min grace, in room at 07:38 for a 07:30 start is on time', () => {
    const c = [kase('a', { start: '07:30', end: '09:00', in: '07:38' })];
    expect(room(kpis(c)).firstCase?.onTime).toBe(false);
    expect(room(kpis(c, { config: { firstCaseGraceMinutes: 10 } })).firstCase?.onTime).toBe(true);
  });

  it('is the case scheduled first (07:30), measured against its own start, even if the 09:00 patient came in first', () => {
    const view = kpis([
      kase('b', { start: '09:00', end: '10:00', in: '07:25', out: '08:30' }),
      kase('a', { start: '07:30', end: '08:30', in: '08:50' }),
    ]);
    expect(room(view).firstCase).toMatchObject({ caseId: 'a', onTime: false, minutesLate: 80 });
  });

  it('a cancelled 07:30 case and a no-show 08:00 case leave the 09:00 case as the first case', () => {
    const view = kpis([
      kase('a', { start: '07:30', end: '08:30', status: 'cancelled' }),
      kase('n', { start: '08:00', end: '08:45', status: 'no-show' }),
      kase('b', { start: '09:00', end: '10:00', in: '09:03' }),
    ]);
    expect(room(view).firstCase).toMatchObject({ caseId: 'b', onTime: true, minutesLate: 3 });
  });

  it('at 07:33, not in yet for a 07:30 start with 5 min grace, is pending (3 min so far)', () => {
    const view = kpis([kase('a', { start: '07:30', end: '09:00' })], { now: T('07:33') });
    expect(room(view).firstCase).toEqual({
      caseId: 'a',
      scheduledStart: T('07:30'),
      actualStart: null,
      status: 'pending',
      onTime: null,
      minutesLate: 3,
    });
  });

  it('at 07:40, not in yet for a 07:30 start with 5 min grace, is already late: not started, 10 min late', () => {
    const view = kpis([kase('a', { start: '07:30', end: '09:00' })], { now: T('07:40') });
    expect(room(view).firstCase).toMatchObject({
      actualStart: null,
      status: 'not-started',
      onTime: false,
      minutesLate: 10,
    });
  });

  it('at 07:00, a 07:30 case that is in room at 07:32 by a clock running ahead is pending, 0 min late', () => {
    const view = kpis([kase('a', { start: '07:30', end: '09:00', in: '07:32' })], { now: T('07:00') });
    expect(room(view).firstCase).toMatchObject({ status: 'pending', onTime: null, minutesLate: 0, actualStart: null });
  });

  it('two cases scheduled at 07:30 take the smaller id as the first case', () => {
    const view = kpis([
      kase('b', { start: '07:30', end: '08:30', in: '07:50' }),
      kase('a', { start: '07:30', end: '08:30', in: '07:31' }),
    ]);
    expect(room(view).firstCase?.caseId).toBe('a');
  });
});

describe('turnover time', () => {
  it('out of room 09:10, next in 09:40, out 11:05, next in 11:25: turnovers of 30 and 20 min, mean and median 25', () => {
    const view = kpis([
      kase('a', { start: '07:30', end: '09:00', in: '07:34', out: '09:10' }),
      kase('b', { start: '09:30', end: '11:00', in: '09:40', out: '11:05' }),
      kase('c', { start: '11:30', end: '13:00', in: '11:25', out: '12:55' }),
    ]);
    expect(room(view).turnovers).toEqual({
      count: 2,
      meanMinutes: 25,
      medianMinutes: 25,
      excludedCount: 0,
      turnovers: [
        { fromCaseId: 'a', toCaseId: 'b', outOfRoom: T('09:10'), inRoom: T('09:40'), minutes: 30 },
        { fromCaseId: 'b', toCaseId: 'c', outOfRoom: T('11:05'), inRoom: T('11:25'), minutes: 20 },
      ],
      excluded: [],
    });
  });

  it('turnovers of 30, 20 and 45 min have a mean of 31.7 and a median of 30', () => {
    const view = kpis([
      kase('a', { start: '07:30', end: '08:00', in: '07:30', out: '08:00' }),
      kase('b', { start: '08:30', end: '09:00', in: '08:30', out: '09:00' }),
      kase('c', { start: '09:20', end: '10:00', in: '09:20', out: '10:00' }),
      kase('d', { start: '10:45', end: '11:00', in: '10:45', out: '11:00' }),
    ]);
    expect(room(view).turnovers).toMatchObject({ count: 3, meanMinutes: 31.7, medianMinutes: 30 });
  });

  it('a 150 min gap, over the 120 min maximum, is idle time: excluded, not a turnover', () => {
    const view = kpis([
      kase('a', { start: '07:30', end: '09:00', in: '07:30', out: '09:00' }),
      kase('b', { start: '11:30', end: '12:30', in: '11:30', out: '12:30' }),
    ]);
    expect(room(view).turnovers).toEqual({
      count: 0,
      meanMinutes: null,
      medianMinutes: null,
      excludedCount: 1,
      turnovers: [],
      excluded: [
        { fromCaseId: 'a', toCaseId: 'b', outOfRoom: T('09:00'), inRoom: T('11:30'), minutes: 150, reason: 'over-max' },
      ],
    });
  });

  it('a gap of exactly 120 min is still a turnover; with a 60 min maximum it is idle time', () => {
    const cases = [
      kase('a', { start: '07:30', end: '09:00', in: '07:30', out: '09:00' }),
      kase('b', { start: '11:00', end: '12:00', in: '11:00', out: '12:00' }),
    ];
    expect(room(kpis(cases)).turnovers).toMatchObject({ count: 1, meanMinutes: 120, excludedCount: 0 });
    expect(room(kpis(cases, { config: { turnoverMaxMinutes: 60 } })).turnovers).toMatchObject({
      count: 0,
      excludedCount: 1,
    });
  });

  it('pairs cases by the order the patients came in, not by schedule', () => {
    const view = kpis([
      kase('a', { start: '07:30', end: '09:00', in: '09:40', out: '11:00' }),
      kase('b', { start: '09:30', end: '11:00', in: '07:30', out: '09:10' }),
    ]);
    expect(room(view).turnovers.turnovers).toEqual([
      { fromCaseId: 'b', toCaseId: 'a', outOfRoom: T('09:10'), inRoom: T('09:40'), minutes: 30 },
    ]);
  });

  it('the next patient in at 09:00 before the previous one is out at 09:10 is an overlap, excluded at -10 min', () => {
    const view = kpis([
      kase('a', { start: '07:30', end: '09:00', in: '07:30', out: '09:10' }),
      kase('b', { start: '09:00', end: '10:00', in: '09:00', out: '10:00' }),
    ]);
    expect(room(view).turnovers.excluded).toEqual([
      { fromCaseId: 'a', toCaseId: 'b', outOfRoom: T('09:10'), inRoom: T('09:00'), minutes: -10, reason: 'overlap' },
    ]);
    expect(room(view).turnovers.count).toBe(0);
  });

  it('a previous case without out of room, the next patient in at 09:40, is excluded as no-out-of-room', () => {
    const view = kpis([
      kase('a', { start: '07:30', end: '09:00', in: '07:30' }),
      kase('b', { start: '09:30', end: '10:30', in: '09:40', out: '10:30' }),
    ]);
    expect(room(view).turnovers.excluded).toEqual([
      { fromCaseId: 'a', toCaseId: 'b', outOfRoom: null, inRoom: T('09:40'), minutes: null, reason: 'no-out-of-room' },
    ]);
  });

  it('at 09:20, out at 09:10 and the next patient not in yet, no turnover is counted yet', () => {
    const cases = [
      kase('a', { start: '07:30', end: '09:00', in: '07:30', out: '09:10' }),
      kase('b', { start: '09:30', end: '10:30', in: '09:40' }),
    ];
    expect(room(kpis(cases, { now: T('09:20') })).turnovers).toMatchObject({ count: 0, excludedCount: 0 });
    expect(room(kpis(cases, { now: T('09:40') })).turnovers).toMatchObject({ count: 1, meanMinutes: 30 });
  });

  it('cancelled cases between two patients do not split the turnover', () => {
    const view = kpis([
      kase('a', { start: '07:30', end: '09:00', in: '07:30', out: '09:00' }),
      kase('x', { start: '09:00', end: '09:30', in: '09:05', out: '09:25', status: 'cancelled' }),
      kase('b', { start: '09:30', end: '10:30', in: '09:30', out: '10:30' }),
    ]);
    expect(room(view).turnovers.turnovers).toEqual([
      { fromCaseId: 'a', toCaseId: 'b', outOfRoom: T('09:00'), inRoom: T('09:30'), minutes: 30 },
    ]);
  });
});

describe('raw utilisation', () => {
  it('staffed 07:00–17:00, patients in 07:30–09:10 and 09:40–12:00: 240 of 600 min = 0.4', () => {
    const view = kpis([
      kase('a', { start: '07:30', end: '09:00', in: '07:30', out: '09:10' }),
      kase('b', { start: '09:30', end: '12:00', in: '09:40', out: '12:00' }),
    ]);
    expect(room(view).utilisation).toEqual({
      staffedHours: [{ open: T('07:00'), close: T('17:00') }],
      inRoomMinutes: 240,
      staffedMinutes: 600,
      staffedMinutesDay: 600,
      outsideHoursMinutes: 0,
      fraction: 0.4,
    });
  });

  it('a case in room 16:00–18:30 across the 17:00 close counts 60 min; the 90 min overrun is outside hours', () => {
    const view = kpis([kase('a', { start: '16:00', end: '17:00', in: '16:00', out: '18:30' })]);
    expect(room(view).utilisation).toMatchObject({
      inRoomMinutes: 60,
      outsideHoursMinutes: 90,
      staffedMinutes: 600,
      fraction: 0.1,
    });
    expect(room(view).durations.cases[0]).toMatchObject({ actualMinutes: 150, differenceMinutes: 90 });
  });

  it('at 10:00, in 07:30–09:10 and in again since 09:40: 120 of the 180 staffed min so far = 0.6667', () => {
    const view = kpis(
      [
        kase('a', { start: '07:30', end: '09:00', in: '07:30', out: '09:10' }),
        kase('b', { start: '09:30', end: '11:00', in: '09:40' }),
        kase('c', { start: '11:30', end: '13:00' }),
      ],
      { now: T('10:00') },
    );
    expect(room(view).utilisation).toMatchObject({
      inRoomMinutes: 120,
      staffedMinutes: 180,
      staffedMinutesDay: 600,
      fraction: 0.6667,
    });
  });

  it('at 06:30, before the 07:00 opening, no staffed time has passed: fraction null', () => {
    const view = kpis([kase('a', { start: '07:30', end: '09:00' })], { now: T('06:30') });
    expect(room(view).utilisation).toMatchObject({ inRoomMinutes: 0, staffedMinutes: 0, fraction: null });
  });

  it('a room with a case and no staffed hours has a null fraction and all its in-room time outside hours', () => {
    const view = kpis([kase('a', { room: 'or-9', start: '07:30', end: '09:00', in: '07:30', out: '09:00' })]);
    expect(room(view, 'or-9').utilisation).toEqual({
      staffedHours: [],
      inRoomMinutes: 0,
      staffedMinutes: 0,
      staffedMinutesDay: 0,
      outsideHoursMinutes: 90,
      fraction: null,
    });
    expect(room(view).utilisation.fraction).toBe(0);
  });

  it('split sessions 07:00–12:00 and 11:00–17:00 count 600 staffed min once; a case 11:30–12:30 counts 60', () => {
    const view = kpis([kase('a', { start: '11:30', end: '12:30', in: '11:30', out: '12:30' })], {
      staffedHours: [hours('or-1', '11:00', '17:00'), hours('or-1', '07:00', '12:00')],
    });
    expect(room(view).utilisation).toMatchObject({
      staffedHours: [
        { open: T('07:00'), close: T('12:00') },
        { open: T('11:00'), close: T('17:00') },
      ],
      staffedMinutes: 600,
      inRoomMinutes: 60,
      fraction: 0.1,
    });
  });

  it('two patients recorded in room at once, 08:00–10:00 and 09:00–11:00, occupy the room 180 min, not 240', () => {
    const view = kpis([
      kase('a', { start: '08:00', end: '10:00', in: '08:00', out: '10:00' }),
      kase('b', { start: '09:00', end: '11:00', in: '09:00', out: '11:00' }),
    ]);
    expect(room(view).utilisation).toMatchObject({ inRoomMinutes: 180, fraction: 0.3 });
  });

  it('on the spring-forward day (Berlin, 29 Mar 2026) 00:00–06:00 local is 300 staffed min and 01:30–03:30 local is 60 min in room', () => {
    const c: KpiCase = {
      id: 'night',
      roomId: 'or-1',
      roomName: 'OR 1',
      status: 'recovery',
      scheduledStart: '2026-03-29T01:30:00+01:00',
      scheduledEnd: '2026-03-29T03:30:00+02:00',
      milestones: { inRoom: '2026-03-29T01:30:00+01:00', outOfRoom: '2026-03-29T03:30:00+02:00' },
    };
    const view = computeKpis({
      date: '2026-03-29',
      cases: [c],
      staffedHours: [{ roomId: 'or-1', open: '2026-03-29T00:00:00+01:00', close: '2026-03-29T06:00:00+02:00' }],
      now: '2026-03-29T20:00:00+02:00',
    });
    expect(room(view).utilisation).toMatchObject({ staffedMinutes: 300, inRoomMinutes: 60, fraction: 0.2 });
    expect(room(view).durations.cases[0]).toMatchObject({
      scheduledMinutes: 60,
      actualMinutes: 60,
      differenceMinutes: 0,
    });
  });

  it('on the fall-back day (Berlin, 25 Oct 2026) 00:00–06:00 local is 420 staffed min', () => {
    const view = computeKpis({
      date: '2026-10-25',
      cases: [],
      staffedHours: [{ roomId: 'or-1', open: '2026-10-25T00:00:00+02:00', close: '2026-10-25T06:00:00+01:00' }],
      now: '2026-10-25T20:00:00+01:00',
    });
    expect(room(view).utilisation).toMatchObject({ staffedMinutes: 420, fraction: 0 });
  });
});

describe('case duration versus schedule', () => {
  it('scheduled 07:30–09:00 (90) in room 07:34–09:10 (96) ran 6 over; 09:30–10:30 (60) in 09:40–10:30 (50) ran 10 under; totals 150 vs 146, -4', () => {
    const view = kpis([
      kase('b', { start: '09:30', end: '10:30', in: '09:40', out: '10:30' }),
      kase('a', { start: '07:30', end: '09:00', in: '07:34', out: '09:10' }),
    ]);
    expect(room(view).durations).toEqual({
      cases: [
        {
          caseId: 'a',
          scheduledStart: T('07:30'),
          scheduledEnd: T('09:00'),
          scheduledMinutes: 90,
          inRoom: T('07:34'),
          outOfRoom: T('09:10'),
          phase: 'out',
          actualMinutes: 96,
          differenceMinutes: 6,
        },
        {
          caseId: 'b',
          scheduledStart: T('09:30'),
          scheduledEnd: T('10:30'),
          scheduledMinutes: 60,
          inRoom: T('09:40'),
          outOfRoom: T('10:30'),
          phase: 'out',
          actualMinutes: 50,
          differenceMinutes: -10,
        },
      ],
      totals: { cases: 2, scheduledMinutes: 150, actualMinutes: 146, differenceMinutes: -4 },
    });
  });

  it('at 10:00, a case in room since 09:40 shows 20 min so far and stays out of the totals; one not started shows nothing', () => {
    const view = kpis(
      [
        kase('a', { start: '07:30', end: '09:00', in: '07:30', out: '09:00' }),
        kase('b', { start: '09:30', end: '11:00', in: '09:40', out: '11:10' }),
        kase('c', { start: '11:30', end: '12:00' }),
      ],
      { now: T('10:00') },
    );
    const { cases, totals } = room(view).durations;
    expect(cases.map((c) => [c.caseId, c.phase, c.outOfRoom, c.actualMinutes, c.differenceMinutes])).toEqual([
      ['a', 'out', T('09:00'), 90, 0],
      ['b', 'in-room', null, 20, null],
      ['c', 'not-started', null, null, null],
    ]);
    expect(totals).toEqual({ cases: 1, scheduledMinutes: 90, actualMinutes: 90, differenceMinutes: 0 });
  });

  it('an out of room without an in room is flagged and gives no in-room time', () => {
    const view = kpis([kase('a', { start: '07:30', end: '09:00', out: '09:00' })]);
    expect(room(view).durations.cases[0]).toMatchObject({
      phase: 'not-started',
      inRoom: null,
      outOfRoom: null,
      issue: 'out-of-room-without-in-room',
    });
    expect(room(view).utilisation.inRoomMinutes).toBe(0);
  });

  it('an out of room before the in room is ignored and flagged: at 10:00 the case in since 08:00 counts 120 min so far', () => {
    const view = kpis([kase('a', { start: '08:00', end: '09:00', in: '08:00', out: '07:50' })], { now: T('10:00') });
    expect(room(view).durations.cases[0]).toMatchObject({
      phase: 'in-room',
      outOfRoom: null,
      actualMinutes: 120,
      issue: 'out-of-room-before-in-room',
    });
    expect(room(view).utilisation.inRoomMinutes).toBe(120);
  });
});

describe('cancelled and no-show cases', () => {
  it('all cancelled or no-show: counted per room, measured nowhere, even with milestones', () => {
    const view = kpis([
      kase('a', { start: '07:30', end: '09:00', in: '07:30', out: '09:00', status: 'cancelled' }),
      kase('b', { start: '09:30', end: '10:30', status: 'cancelled' }),
      kase('c', { start: '11:00', end: '12:00', status: 'no-show' }),
    ]);
    const r = room(view);
    expect(r.cases).toEqual({ total: 3, counted: 0, cancelled: 2, noShow: 1 });
    expect(r.firstCase).toBeNull();
    expect(r.turnovers).toMatchObject({ count: 0, excludedCount: 0 });
    expect(r.utilisation).toMatchObject({ inRoomMinutes: 0, outsideHoursMinutes: 0, staffedMinutes: 600, fraction: 0 });
    expect(r.durations).toEqual({
      cases: [],
      totals: { cases: 0, scheduledMinutes: 0, actualMinutes: 0, differenceMinutes: 0 },
    });
    expect(view.facility.cases).toEqual({ total: 3, counted: 0, cancelled: 2, noShow: 1 });
  });
});

describe('the day as a whole', () => {
  it('no cases and no staffed hours: no rooms, zero totals, nothing to divide', () => {
    expect(computeKpis({ date: DATE, cases: [], staffedHours: [], now: T('20:00') })).toEqual({
      date: DATE,
      asOf: T('20:00'),
      settings: { firstCaseGraceMinutes: 5, turnoverMaxMinutes: 120 },
      rooms: [],
      facility: {
        cases: { total: 0, counted: 0, cancelled: 0, noShow: 0 },
        firstCase: { rooms: 0, onTime: 0, late: 0, pending: 0, onTimeFraction: null },
        turnovers: { count: 0, meanMinutes: null, medianMinutes: null, excludedCount: 0 },
        utilisation: {
          inRoomMinutes: 0,
          staffedMinutes: 0,
          staffedMinutesDay: 0,
          outsideHoursMinutes: 0,
          fraction: null,
        },
        durations: { cases: 0, scheduledMinutes: 0, actualMinutes: 0, differenceMinutes: 0 },
      },
    });
  });

  it('a staffed room without cases is listed, idle: fraction 0, no first case', () => {
    const view = kpis([]);
    expect(view.rooms.map((r) => [r.roomId, r.roomName, r.firstCase, r.utilisation.fraction])).toEqual([
      ['or-1', 'or-1', null, 0],
    ]);
  });

  it('names a room as configured with its hours, else as its latest-scheduled case does', () => {
    const a = kase('a', { start: '07:30', end: '08:00' });
    const b = { ...kase('b', { start: '09:00', end: '10:00' }), roomName: 'OR 1 (Cardiac)' };
    expect(room(kpis([b, a])).roomName).toBe('OR 1 (Cardiac)');
    expect(
      room(kpis([a, b], { staffedHours: [{ ...hours('or-1', '07:00', '17:00'), roomName: 'Theatre 1' }] })).roomName,
    ).toBe('Theatre 1');
  });

  it('facility totals: OR 1 on time and OR 2 late is 0.5 on time; the median is of all turnovers; minutes add up', () => {
    const view = kpis(
      [
        kase('a', { start: '07:30', end: '09:00', in: '07:30', out: '09:00' }),
        kase('b', { start: '09:30', end: '10:00', in: '09:30', out: '10:00' }),
        kase('c', { room: 'or-2', start: '07:30', end: '09:00', in: '07:50', out: '09:00' }),
        kase('d', { room: 'or-2', start: '09:00', end: '10:00', in: '09:10', out: '10:00' }),
        kase('e', { room: 'or-2', start: '10:00', end: '11:00', in: '10:50', out: '11:00' }),
        kase('f', { room: 'or-2', start: '11:00', end: '12:00', status: 'cancelled' }),
      ],
      { staffedHours: [hours('or-1', '07:00', '17:00'), hours('or-2', '07:00', '12:00')] },
    );
    expect(view.rooms.map((r) => r.roomId)).toEqual(['or-1', 'or-2']);
    expect(view.facility).toEqual({
      cases: { total: 6, counted: 5, cancelled: 1, noShow: 0 },
      firstCase: { rooms: 2, onTime: 1, late: 1, pending: 0, onTimeFraction: 0.5 },
      // 30 (OR 1); 10 and 50 (OR 2): the median of all three is 30, the mean 30.
      turnovers: { count: 3, meanMinutes: 30, medianMinutes: 30, excludedCount: 0 },
      // (90 + 30) + (70 + 50 + 10) = 250 of 600 + 300 staffed.
      utilisation: {
        inRoomMinutes: 250,
        staffedMinutes: 900,
        staffedMinutesDay: 900,
        outsideHoursMinutes: 0,
        fraction: 0.2778,
      },
      durations: { cases: 5, scheduledMinutes: 330, actualMinutes: 250, differenceMinutes: -80 },
    });
  });

  it('limited to OR 2, the view and its totals cover OR 2 only', () => {
    const view = kpis(
      [
        kase('a', { start: '07:30', end: '09:00', in: '07:30', out: '09:00' }),
        kase('c', { room: 'or-2', start: '07:30', end: '09:00', in: '07:50', out: '09:00' }),
      ],
      { staffedHours: [hours('or-1', '07:00', '17:00'), hours('or-2', '07:00', '12:00')], roomId: 'or-2' },
    );
    expect(view.roomId).toBe('or-2');
    expect(view.rooms.map((r) => r.roomId)).toEqual(['or-2']);
    expect(view.facility.cases.total).toBe(1);
    expect(view.facility.utilisation).toMatchObject({ inRoomMinutes: 70, staffedMinutes: 300 });
  });

  it('echoes the settings, defaults filled in, and rejects a negative one', () => {
    expect(kpis([], { config: { turnoverMaxMinutes: 90 } }).settings).toEqual({
      firstCaseGraceMinutes: DEFAULT_KPI_CONFIG.firstCaseGraceMinutes,
      turnoverMaxMinutes: 90,
    });
    expect(() => kpis([], { config: { firstCaseGraceMinutes: -1 } })).toThrow(RangeError);
    expect(() => kpis([], { config: { turnoverMaxMinutes: Number.NaN } })).toThrow(RangeError);
  });

  it('rejects a time without an offset, which would be read in the machine zone', () => {
    expect(() => kpis([], { now: '2026-11-23T20:00:00' })).toThrow(/now is not an ISO 8601 instant/);
    const c = kase('a', { start: '07:30', end: '09:00' });
    c.milestones.inRoom = '2026-11-23 07:30';
    expect(() => kpis([c])).toThrow(/inRoom of a/);
  });
});

describe('properties', () => {
  const SETTINGS = { seed: 7, numRuns: 300 };
  const ROOMS = ['or-1', 'or-2', 'or-3'];
  /** Times on a coarse 10-minute grid between 06:00 and 19:50, so that ties happen. */
  const slot = fc.integer({ min: 36, max: 119 }).map((n) => {
    const m = n * 10;
    return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  });
  const caseSpec = fc.record({
    room: fc.constantFrom(...ROOMS),
    start: slot,
    length: fc.integer({ min: 1, max: 24 }),
    in: fc.option(slot, { nil: undefined }),
    out: fc.option(slot, { nil: undefined }),
    status: fc.constantFrom(...CASE_STATUSES),
  });
  const day = fc.record({
    specs: fc.array(caseSpec, { maxLength: 14 }),
    hours: fc.array(fc.record({ room: fc.constantFrom(...ROOMS), open: slot, close: slot }), { maxLength: 5 }),
    now: slot,
    grace: fc.integer({ min: 0, max: 20 }),
    max: fc.integer({ min: 0, max: 180 }),
  });

  type Day = typeof day extends fc.Arbitrary<infer D> ? D : never;

  function input(d: Day): KpiInput {
    const cases = d.specs.map((s, i) => {
      const startMs = Date.parse(T(s.start));
      const c = kase(`c${i}`, { room: s.room, start: s.start, end: s.start, status: s.status });
      c.scheduledEnd = new Date(startMs + s.length * 600_000).toISOString();
      if (s.in) c.milestones.inRoom = T(s.in);
      if (s.out) c.milestones.outOfRoom = T(s.out);
      return c;
    });
    return {
      date: DATE,
      cases,
      staffedHours: d.hours.map((h) => hours(h.room, h.open, h.close)),
      now: T(d.now),
      config: { firstCaseGraceMinutes: d.grace, turnoverMaxMinutes: d.max },
    };
  }

  it('gives the same view whatever the order of the cases and the staffed hours', () => {
    fc.assert(
      fc.property(
        day.chain((d) => {
          const base = input(d);
          return fc.record({
            base: fc.constant(base),
            cases: fc.shuffledSubarray([...base.cases], { minLength: base.cases.length }),
            hours: fc.shuffledSubarray([...base.staffedHours], { minLength: base.staffedHours.length }),
          });
        }),
        ({ base, cases, hours: staffed }) => {
          expect(computeKpis({ ...base, cases, staffedHours: staffed })).toEqual(computeKpis(base));
        },
      ),
      SETTINGS,
    );
  });

  it('keeps utilisation within 0..1, counted turnovers within 0..max, and every counted case in one room row', () => {
    fc.assert(
      fc.property(day, (d) => {
        const base = input(d);
        const view = computeKpis(base);
        const max = base.config?.turnoverMaxMinutes ?? 0;
        for (const r of [...view.rooms.map((x) => x.utilisation), view.facility.utilisation]) {
          if (r.fraction !== null) expect(r.fraction).toBeGreaterThanOrEqual(0);
          if (r.fraction !== null) expect(r.fraction).toBeLessThanOrEqual(1);
          expect(r.inRoomMinutes).toBeLessThanOrEqual(r.staffedMinutes);
        }
        for (const t of view.rooms.flatMap((x) => x.turnovers.turnovers)) {
          expect(t.minutes).toBeGreaterThanOrEqual(0);
          expect(t.minutes).toBeLessThanOrEqual(max);
        }
        const counted = base.cases.filter((c) => c.status !== 'cancelled' && c.status !== 'no-show');
        expect(view.rooms.flatMap((x) => x.durations.cases.map((c) => c.caseId)).sort()).toEqual(
          counted.map((c) => c.id).sort(),
        );
        expect(view.facility.cases.total).toBe(base.cases.length);
      }),
      SETTINGS,
    );
  });
});
