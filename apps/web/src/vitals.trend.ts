import { VITAL_NAMES, type CaseEventView, type VitalName } from '@circulator/contracts';
import { isRecord } from './live.payload';
import { timeOf } from './time.format';

/**
 * Ten-minute trend lines of a case's vitals, built in the browser. The server keeps only each
 * vital's latest reading, so a wall display's trend starts when it opened and fills from the
 * `vitals` events and case updates it receives; the anesthesia view seeds it from the case's
 * event log (`observations-recorded` entries), which clinicians may read.
 *
 * Pure and immutable: every change returns new arrays, so React sees what changed.
 */

/** Points `[time (epoch ms), value]`, oldest first, one per reading time. */
export type Series = readonly (readonly [number, number])[];
export type Trends = Readonly<Partial<Record<VitalName, Series>>>;

export const TREND_WINDOW_MS = 10 * 60_000;

/** A reading as the feeds give it. */
export interface Reading {
  value: number;
  at: string;
}

const KNOWN: ReadonlySet<string> = new Set(VITAL_NAMES);

/**
 * Adds readings (by vital name) to the trends. A reading no newer than the series' last point is
 * a repeat (the same reading arrives as a `vitals` event and in a case update) or out of order
 * (dropped: a trend line does not go back in time). Points older than the window before the
 * newest are dropped. Returns `trends` itself when nothing changed.
 */
export function addReadings(
  trends: Trends,
  readings: Readonly<Partial<Record<string, Reading>>>,
  windowMs = TREND_WINDOW_MS,
): Trends {
  let next: Partial<Record<VitalName, Series>> | undefined;
  for (const [name, reading] of Object.entries(readings)) {
    if (reading === undefined || !KNOWN.has(name) || !Number.isFinite(reading.value)) continue;
    const at = timeOf(reading.at);
    if (at === undefined) continue;
    const series = trends[name as VitalName] ?? [];
    const last = series.at(-1);
    if (last !== undefined && at <= last[0]) continue;
    const from = at - windowMs;
    const kept = series[0] !== undefined && series[0][0] < from ? series.filter(([t]) => t >= from) : series;
    next ??= { ...trends };
    next[name as VitalName] = [...kept, [at, reading.value]];
  }
  return next ?? trends;
}

/** The readings of a case's event log (oldest first), in the order they were recorded. */
export function readingsFromEvents(events: readonly CaseEventView[]): Partial<Record<string, Reading>>[] {
  const out: Partial<Record<string, Reading>>[] = [];
  for (const event of events) {
    const vitals = event.change.vitals;
    if (!isRecord(vitals)) continue;
    const readings: Partial<Record<string, Reading>> = {};
    for (const [name, reading] of Object.entries(vitals)) {
      if (isRecord(reading) && typeof reading.value === 'number' && typeof reading.at === 'string') {
        readings[name] = { value: reading.value, at: reading.at };
      }
    }
    out.push(readings);
  }
  return out;
}

/**
 * Trends from a case's event log. Readings may have been recorded out of their own time order
 * (a late HL7 message), so they are sorted by reading time first.
 */
export function trendsFromEvents(events: readonly CaseEventView[], windowMs = TREND_WINDOW_MS): Trends {
  const points: { name: string; reading: Reading; at: number }[] = [];
  for (const readings of readingsFromEvents(events)) {
    for (const [name, reading] of Object.entries(readings)) {
      const at = reading && timeOf(reading.at);
      if (reading && at !== undefined) points.push({ name, reading, at });
    }
  }
  points.sort((a, b) => a.at - b.at);
  let trends: Trends = {};
  for (const { name, reading } of points) trends = addReadings(trends, { [name]: reading }, windowMs);
  return trends;
}

/** A series cut to the window ending at `endMs` (for drawing: the x axis is the last ten minutes). */
export function windowed(series: Series, endMs: number, windowMs = TREND_WINDOW_MS): Series {
  const from = endMs - windowMs;
  return series[0] !== undefined && series[0][0] < from ? series.filter(([t]) => t >= from) : series;
}

/** Lowest and highest value of a series, for its accessible description. */
export function range(series: Series): { min: number; max: number } | undefined {
  if (series.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (const [, v] of series) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { min, max };
}

/**
 * Both trends' points, one per reading time, within the window before each series' newest point
 * (a log read while live readings were already arriving: neither is lost, none is doubled).
 */
export function mergeTrends(a: Trends, b: Trends, windowMs = TREND_WINDOW_MS): Trends {
  const out: Partial<Record<VitalName, Series>> = {};
  for (const name of VITAL_NAMES) {
    const left = a[name] ?? [];
    const right = b[name] ?? [];
    if (left.length === 0 && right.length === 0) continue;
    const byTime = new Map<number, readonly [number, number]>();
    for (const point of [...left, ...right]) byTime.set(point[0], point);
    const merged = [...byTime.values()].sort((x, y) => x[0] - y[0]);
    const newest = merged.at(-1)?.[0] ?? 0;
    out[name] = merged.filter(([t]) => t >= newest - windowMs);
  }
  return out;
}
