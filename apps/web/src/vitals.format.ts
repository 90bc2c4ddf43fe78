import type { CaseView, VitalName } from '@circulator/contracts';
import { formatAge, timeOf } from './time.format';
import { range, windowed, type Series, type Trends } from './vitals.trend';

/**
 * The vitals tiles of a case: what each shows, how old it is and whether it is stale. Pure.
 *
 * "Stale after" is the alert rules' (docs/alert-rules.md): the time after which the stale-data
 * rule would report a vital as missing. A stale tile still shows its last value, marked stale.
 */
interface TileSpec {
  key: string;
  label: string;
  /** Spoken name (the label uses subscripts a screen reader may not say well). */
  spoken: string;
  names: readonly VitalName[];
  decimals: number;
  staleAfterMs: number;
  unit: string;
}

export const TILE_SPECS: readonly TileSpec[] = [
  { key: 'hr', label: 'HR', spoken: 'Heart rate', names: ['hr'], decimals: 0, staleAfterMs: 60_000, unit: '/min' },
  { key: 'spo2', label: 'SpO₂', spoken: 'SpO2', names: ['spo2'], decimals: 0, staleAfterMs: 60_000, unit: '%' },
  {
    key: 'nibp',
    label: 'NIBP',
    spoken: 'Non-invasive blood pressure',
    names: ['nibpSys', 'nibpDia'],
    decimals: 0,
    staleAfterMs: 15 * 60_000,
    unit: 'mmHg',
  },
  {
    key: 'etco2',
    label: 'EtCO₂',
    spoken: 'End-tidal CO2',
    names: ['etco2'],
    decimals: 0,
    staleAfterMs: 60_000,
    unit: 'mmHg',
  },
  {
    key: 'rr',
    label: 'RR',
    spoken: 'Respiratory rate',
    names: ['rr'],
    decimals: 0,
    staleAfterMs: 60_000,
    unit: '/min',
  },
  {
    key: 'temp',
    label: 'Temp',
    spoken: 'Temperature',
    names: ['temp'],
    decimals: 1,
    staleAfterMs: 30 * 60_000,
    unit: '°C',
  },
  {
    key: 'bis',
    label: 'BIS',
    spoken: 'Bispectral index',
    names: ['bis'],
    decimals: 0,
    staleAfterMs: 120_000,
    unit: '',
  },
];

const NO_POINTS: Series = [];

/** Shown even before a first reading (the core of anaesthesia monitoring); the others once they report. */
const ALWAYS: ReadonlySet<string> = new Set(['hr', 'spo2', 'nibp', 'etco2']);

export interface VitalTile {
  key: string;
  label: string;
  spoken: string;
  /** `72`, `120/80`, `36.4`; `—` before any reading. */
  value: string;
  unit: string;
  /** `12 s ago`; undefined before any reading. */
  age?: string;
  stale: boolean;
  /**
   * The series (one, or two for NIBP) as the trends hold them: the same objects until a reading
   * changes them, so a chart redraws only then (it cuts them to its window itself).
   */
  series: Series[];
  /** `range 72–88 in 10 min`, for the text beside the line and its description. */
  rangeText?: string;
}

export function vitalTiles(
  vitals: CaseView['vitals'],
  trends: Trends,
  nowMs: number,
  options: { all?: boolean } = {},
): VitalTile[] {
  const tiles: VitalTile[] = [];
  for (const spec of TILE_SPECS) {
    const readings = spec.names.map((n) => vitals[n]);
    const series = spec.names.map((n) => trends[n] ?? NO_POINTS);
    const recent = series.map((s) => windowed(s, nowMs));
    const any = readings.some((r) => r !== undefined) || recent.some((s) => s.length > 0);
    if (!any && !options.all && !ALWAYS.has(spec.key)) continue;
    const newest = Math.max(...readings.map((r) => timeOf(r?.at) ?? -Infinity));
    const value = readings.every((r) => r === undefined)
      ? '—'
      : readings.map((r) => (r === undefined ? '—' : r.value.toFixed(spec.decimals))).join('/');
    const unit = readings.find((r) => r !== undefined)?.unit || spec.unit;
    const ranges = recent.map(range).filter((r) => r !== undefined);
    const tile: VitalTile = {
      key: spec.key,
      label: spec.label,
      spoken: spec.spoken,
      value,
      unit,
      stale: Number.isFinite(newest) && nowMs - newest > spec.staleAfterMs,
      series,
    };
    if (Number.isFinite(newest)) tile.age = formatAge(newest, nowMs);
    if (ranges.length > 0) {
      tile.rangeText = ranges
        .map((r) => `${r.min.toFixed(spec.decimals)}–${r.max.toFixed(spec.decimals)}`)
        .join(' / ')
        .concat(' in 10 min');
    }
    tiles.push(tile);
  }
  return tiles;
}
