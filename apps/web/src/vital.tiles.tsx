import type { CSSProperties } from 'react';
import type { CaseView } from '@circulator/contracts';
import { Sparkline } from './sparkline';
import { vitalTiles } from './vitals.format';
import type { Trends } from './vitals.trend';

export interface VitalTilesProps {
  vitals: CaseView['vitals'];
  trends: Trends;
  nowMs: number;
  /** Every vital, reported or not (the anesthesia view); else the core four and whatever reports. */
  all?: boolean;
  themeKey: string;
  className?: string;
}

/**
 * One tile per vital: value and unit, how old it is, and its ten-minute trend line. The value has
 * the tile's whole width, its size the smaller of the screen's and what that width allows for
 * `fitEms` (styles.css): it is never cut, however narrow the tile.
 */
export function VitalTiles({ vitals, trends, nowMs, all, themeKey, className }: VitalTilesProps) {
  const tiles = vitalTiles(vitals, trends, nowMs, { all: all ?? false });
  return (
    <ul className={`vitals ${className ?? ''}`} aria-label="Vital signs">
      {tiles.map((tile) => (
        <li
          key={tile.key}
          className={`vital vital-${tile.key}${tile.stale ? ' vital-stale' : ''}`}
          data-vital={tile.key}
        >
          <div className="vital-head">
            <span className="vital-label">
              <span aria-hidden="true">{tile.label}</span>
              <span className="sr-only">{tile.spoken}</span>
            </span>
            {tile.unit !== '' && <span className="vital-unit">{tile.unit}</span>}
          </div>
          <div
            className="vital-value"
            data-testid={`vital-${tile.key}`}
            style={{ '--value-ems': String(tile.fitEms) } as CSSProperties}
          >
            {tile.value}
          </div>
          <div className="vital-meta">
            {tile.stale && <span className="stale-tag">Stale</span>}
            <span className="age">{tile.age ?? 'no reading yet'}</span>
          </div>
          <Sparkline
            series={tile.series}
            endMs={nowMs}
            themeKey={themeKey}
            label={`${tile.spoken} trend: ${tile.rangeText ?? 'no readings in the last 10 minutes'}`}
          />
          {tile.rangeText !== undefined && <div className="vital-range">{tile.rangeText}</div>}
        </li>
      ))}
    </ul>
  );
}
