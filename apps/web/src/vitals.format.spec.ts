import { describe, expect, it } from '@jest/globals';
import { vitalTiles } from './vitals.format';
import { addReadings } from './vitals.trend';

const now = Date.parse('2026-11-21T08:10:00Z');

describe('vitalTiles', () => {
  it('shows the core four always and the others once they report', () => {
    expect(vitalTiles({}, {}, now).map((t) => [t.key, t.value, t.age])).toEqual([
      ['hr', '—', undefined],
      ['spo2', '—', undefined],
      ['nibp', '—', undefined],
      ['etco2', '—', undefined],
    ]);
    const temp = { temp: { value: 36.45, unit: '°C', at: '2026-11-21T08:09:00Z' } };
    expect(vitalTiles(temp, {}, now).map((t) => t.key)).toContain('temp');
    expect(vitalTiles({}, {}, now, { all: true })).toHaveLength(7);
  });

  it('formats values and NIBP as systolic/diastolic, with the age and the range', () => {
    const vitals = {
      hr: { value: 72, unit: '/min', at: '2026-11-21T08:09:48Z' },
      nibpSys: { value: 121, unit: 'mmHg', at: '2026-11-21T08:05:00Z' },
      nibpDia: { value: 79.6, unit: 'mmHg', at: '2026-11-21T08:05:00Z' },
      temp: { value: 36.45, unit: '°C', at: '2026-11-21T08:09:00Z' },
    };
    let trends = addReadings({}, { hr: { value: 70, at: '2026-11-21T08:09:00Z' } });
    trends = addReadings(trends, { hr: { value: 72, at: '2026-11-21T08:09:48Z' } });
    const tiles = Object.fromEntries(vitalTiles(vitals, trends, now).map((t) => [t.key, t]));
    expect(tiles.hr).toMatchObject({
      value: '72',
      unit: '/min',
      age: '12 s ago',
      stale: false,
      rangeText: '70–72 in 10 min',
    });
    expect(tiles.nibp).toMatchObject({ value: '121/80', unit: 'mmHg', age: '5 min ago', stale: false });
    expect(tiles.temp).toMatchObject({ value: '36.5', unit: '°C' });
    expect(tiles.hr?.series[0]).toBe(trends.hr);
  });

  it('marks a vital stale after the time the stale-data rule allows it (a minute for HR, 15 for NIBP)', () => {
    const old = (minutes: number) => new Date(now - minutes * 60_000 - 1).toISOString();
    const tiles = vitalTiles(
      {
        hr: { value: 72, unit: '/min', at: old(1) },
        nibpSys: { value: 120, unit: 'mmHg', at: old(14) },
        nibpDia: { value: 80, unit: 'mmHg', at: old(14) },
      },
      {},
      now,
    );
    expect(tiles.map((t) => [t.key, t.stale])).toEqual([
      ['hr', true],
      ['spo2', false],
      ['nibp', false],
      ['etco2', false],
    ]);
  });
});
