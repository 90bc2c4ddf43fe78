import { describe, expect, it } from '@jest/globals';
import { valueEms, vitalTiles } from './vitals.format';
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

  it('sizes each tile for its widest plausible value, or the value itself when that is wider', () => {
    const at = '2026-11-21T08:09:58Z';
    const tiles = Object.fromEntries(
      vitalTiles(
        {
          hr: { value: 72, unit: '/min', at },
          nibpSys: { value: 221, unit: 'mmHg', at },
          nibpDia: { value: 131, unit: 'mmHg', at },
          temp: { value: 36.5, unit: '°C', at },
        },
        {},
        now,
      ).map((t) => [t.key, t.fitEms]),
    );
    // '72' is sized as '888': the digits keep their size from 72 to 100.
    expect(tiles.hr).toBe(valueEms('888'));
    expect(tiles.temp).toBe(valueEms('88.8'));
    // '221/131' is wider than '888/88': sized for itself.
    expect(tiles.nibp).toBe(valueEms('221/131'));
    expect(tiles.nibp).toBeGreaterThan(valueEms('888/88'));
    expect(tiles.spo2).toBe(valueEms('888'));
  });
});

describe('valueEms', () => {
  it('is at least the widest bold face’s advances: digits 0.70, slash 0.37, point 0.38, dash 1.00', () => {
    expect(valueEms('107/68')).toBeGreaterThanOrEqual(5 * 0.7 + 0.37);
    expect(valueEms('36.5')).toBeGreaterThanOrEqual(3 * 0.7 + 0.38);
    expect(valueEms('—')).toBeGreaterThanOrEqual(1);
    expect(valueEms('—/68')).toBeGreaterThan(valueEms('8/68'));
    expect(valueEms('')).toBe(0);
  });
});
