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
  /** The widest value the tile is sized for (a wider one makes its digits smaller still). */
  widest: string;
}

export const TILE_SPECS: readonly TileSpec[] = [
  {
    key: 'hr',
    label: 'HR',
    spoken: 'Heart rate',
    names: ['hr'],
    decimals: 0,
    staleAfterMs: 60_000,
    unit: '/min',
    widest: '888',
  },
  {
    key: 'spo2',
    label: 'SpO₂',
    spoken: 'SpO2',
    names: ['spo2'],
    decimals: 0,
    staleAfterMs: 60_000,
    unit: '%',
    widest: '888',
  },
  {
    key: 'nibp',
    label: 'NIBP',
    spoken: 'Non-invasive blood pressure',
    names: ['nibpSys', 'nibpDia'],
    decimals: 0,
    staleAfterMs: 15 * 60_000,
    unit: 'mmHg',
    widest: '888/88',
  },
  {
    key: 'etco2',
    label: 'EtCO₂',
    spoken: 'End-tidal CO2',
    names: ['etco2'],
    decimals: 0,
    staleAfterMs: 60_000,
    unit: 'mmHg',
    widest: '888',
  },
  {
    key: 'rr',
    label: 'RR',
    spoken: 'Respiratory rate',
    names: ['rr'],
    decimals: 0,
    staleAfterMs: 60_000,
    unit: '/min',
    widest: '888',
  },
  {
    key: 'temp',
    label: 'Temp',
    spoken: 'Temperature',
    names: ['temp'],
    decimals: 1,
    staleAfterMs: 30 * 60_000,
    unit: '°C',
    widest: '88.8',
  },
  {
    key: 'bis',
    label: 'BIS',
    spoken: 'Bispectral index',
    names: ['bis'],
    decimals: 0,
    staleAfterMs: 120_000,
    unit: '',
    widest: '888',
  },
];

const NO_POINTS: Series = [];

/**
 * Advance widths in ems, rounded up from the widest bold sans-serif the screens may fall back to
 * (DejaVu Sans Bold: tabular digits 0.70, slash 0.37, full stop 0.38, em dash 1.00).
 */
const ADVANCE: Readonly<Record<string, number>> = { '/': 0.42, '.': 0.42, '—': 1.04 };
const DIGIT_ADVANCE = 0.74;
const OTHER_ADVANCE = 0.8;

/**
 * How wide `text` is set in the tiles' bold tabular figures, in ems, a little more than any font
 * the screens use: a value sized by it fits the width it was sized for.
 */
export function valueEms(text: string): number {
  let ems = 0;
  for (const ch of text) ems += ADVANCE[ch] ?? (ch >= '0' && ch <= '9' ? DIGIT_ADVANCE : OTHER_ADVANCE);
  return Math.round(ems * 100) / 100;
}

/** Shown even before a first reading (the core of anaesthesia monitoring); the others once they report. */
const ALWAYS: ReadonlySet<string> = new Set(['hr', 'spo2', 'nibp', 'etco2']);

export interface VitalTile {
  key: string;
  label: string;
  spoken: string;
  /** `72`, `120/80`, `36.4`; `—` before any reading. */
  value: string;
  unit: string;
  /**
   * How wide the value is to be sized for, in ems of its own font: the wider of the tile's widest
   * plausible value and the value itself (see `valueEms`). The tile's digits are as large as its
   * width allows for this, so that a value is never cut, and keep their size while it changes.
   */
  fitEms: number;
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
      fitEms: Math.max(valueEms(spec.widest), valueEms(value)),
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
