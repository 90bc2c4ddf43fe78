import { describe, expect, it } from '@jest/globals';
import type { KpiView } from '@circulator/contracts';
import { firstCaseText, kpiHeadline, minutes, percent } from './desk.kpis';

describe('KPI words', () => {
  it('percent and minutes, with a dash while undecided', () => {
    expect(percent(0.8333)).toBe('83 %');
    expect(percent(null)).toBe('—');
    expect(minutes(24.4)).toBe('24 min');
    expect(minutes(null)).toBe('—');
  });

  it("a room's first case", () => {
    const first = { caseId: 'c', scheduledStart: '2026-11-23T07:00:00Z', actualStart: null };
    expect(firstCaseText(null)).toBe('no case');
    expect(firstCaseText({ ...first, status: 'pending', onTime: null, minutesLate: 0 })).toBe('pending');
    expect(firstCaseText({ ...first, status: 'started', onTime: true, minutesLate: 2 })).toBe('on time');
    expect(firstCaseText({ ...first, status: 'started', onTime: false, minutesLate: 12.4 })).toBe('12 min late');
    expect(firstCaseText({ ...first, status: 'not-started', onTime: false, minutesLate: 8 })).toBe(
      'not in yet (8 min late)',
    );
  });

  it("the facility's headline", () => {
    const facility = {
      cases: { total: 5, counted: 5, cancelled: 0, noShow: 0 },
      firstCase: { rooms: 3, onTime: 2, late: 1, pending: 0, onTimeFraction: 0.6667 },
      turnovers: { count: 4, meanMinutes: 31, medianMinutes: 28.5, excludedCount: 0 },
      utilisation: {
        inRoomMinutes: 300,
        staffedMinutes: 600,
        staffedMinutesDay: 600,
        outsideHoursMinutes: 0,
        fraction: 0.5,
      },
      durations: { cases: 0, scheduledMinutes: 0, actualMinutes: 0, differenceMinutes: 0 },
    };
    const h = kpiHeadline({ facility } as unknown as KpiView);
    expect(h).toEqual({
      firstCaseOnTime: '67 %',
      firstCaseDetail: '2 of 3 rooms',
      turnoverMedian: '29 min',
      turnoverDetail: '4 turnovers',
      utilisation: '50 %',
      utilisationDetail: '300 of 600 staffed min',
    });
    const pending = { ...facility, firstCase: { rooms: 2, onTime: 0, late: 0, pending: 2, onTimeFraction: null } };
    expect(kpiHeadline({ facility: pending } as unknown as KpiView).firstCaseDetail).toBe('2 pending');
  });
});
