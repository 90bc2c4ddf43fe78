import { describe, expect, it } from '@jest/globals';
import type { CaseEventView } from '@circulator/contracts';
import {
  addReadings,
  mergeTrends,
  range,
  trendsFromEvents,
  TREND_WINDOW_MS,
  windowed,
  type Trends,
} from './vitals.trend';

const t0 = Date.parse('2026-11-21T08:00:00Z');
const iso = (sec: number) => new Date(t0 + sec * 1000).toISOString();

describe('addReadings', () => {
  it('appends newer readings and returns the same object when nothing is new', () => {
    let trends: Trends = {};
    trends = addReadings(trends, { hr: { value: 70, at: iso(0) }, spo2: { value: 98, at: iso(0) } });
    trends = addReadings(trends, { hr: { value: 72, at: iso(1) } });
    expect(trends.hr).toEqual([
      [t0, 70],
      [t0 + 1000, 72],
    ]);
    // The same reading again (as a vitals event after the case update), or an older one: no change.
    const same = addReadings(trends, { hr: { value: 72, at: iso(1) }, spo2: { value: 97, at: iso(-5) } });
    expect(same).toBe(trends);
  });

  it('keeps only the other series objects when one vital changes', () => {
    const trends = addReadings({}, { hr: { value: 70, at: iso(0) }, spo2: { value: 98, at: iso(0) } });
    const next = addReadings(trends, { hr: { value: 71, at: iso(1) } });
    expect(next.spo2).toBe(trends.spo2);
    expect(next.hr).not.toBe(trends.hr);
  });

  it('drops points older than the window before the newest, unknown names, bad values and times', () => {
    let trends = addReadings({}, { hr: { value: 60, at: iso(0) } });
    trends = addReadings(trends, {
      hr: { value: 61, at: iso(TREND_WINDOW_MS / 1000 + 1) },
      pulse: { value: 1, at: iso(2) },
      rr: { value: Number.NaN, at: iso(2) },
      bis: { value: 40, at: 'later' },
    });
    expect(trends).toEqual({ hr: [[t0 + TREND_WINDOW_MS + 1000, 61]] });
  });
});

describe('trendsFromEvents', () => {
  it('reads the vitals of observation events in reading-time order', () => {
    const event = (vitals: unknown): CaseEventView => ({
      at: iso(0),
      receivedAt: iso(0),
      kind: 'observations-recorded',
      source: { kind: 'device', id: 'mon-1' },
      change: { vitals },
    });
    const events = [
      event({ hr: { value: 80, unit: '/min', at: iso(20) } }),
      // A late HL7 message recorded after a newer reading.
      event({ hr: { value: 75, unit: '/min', at: iso(10) }, spo2: { value: 97, unit: '%', at: iso(10) } }),
      { ...event(undefined), kind: 'milestone-recorded', change: { milestones: [] } },
      event({ hr: { value: 'x', at: iso(30) } }),
    ];
    expect(trendsFromEvents(events)).toEqual({
      hr: [
        [t0 + 10_000, 75],
        [t0 + 20_000, 80],
      ],
      spo2: [[t0 + 10_000, 97]],
    });
  });
});

describe('mergeTrends', () => {
  it('unites two trends, one point per time, within the window', () => {
    const log: Trends = {
      hr: [
        [t0, 70],
        [t0 + 1000, 71],
      ],
    };
    const live: Trends = {
      hr: [
        [t0 + 1000, 71],
        [t0 + 2000, 72],
      ],
      spo2: [[t0 + 2000, 98]],
    };
    expect(mergeTrends(log, live)).toEqual({
      hr: [
        [t0, 70],
        [t0 + 1000, 71],
        [t0 + 2000, 72],
      ],
      spo2: [[t0 + 2000, 98]],
    });
  });
});

describe('windowed and range', () => {
  it('cuts a series to the window ending at a time, and gives its range', () => {
    const series = [
      [t0, 50],
      [t0 + TREND_WINDOW_MS, 70],
      [t0 + TREND_WINDOW_MS + 1000, 65],
    ] as const;
    expect(windowed(series, t0 + TREND_WINDOW_MS + 1000)).toEqual(series.slice(1));
    expect(windowed(series, t0 + TREND_WINDOW_MS)).toBe(series);
    expect(range(series)).toEqual({ min: 50, max: 70 });
    expect(range([])).toBeUndefined();
  });
});
