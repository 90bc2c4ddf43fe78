import type { FirstCaseKpiView, KpiView } from '@circulator/contracts';

/** The KPI panel's words and figures (definitions: docs/kpis.md). Pure. */

/** `83 %`, or `—` when not decided yet. */
export function percent(fraction: number | null | undefined): string {
  return fraction === null || fraction === undefined || !Number.isFinite(fraction)
    ? '—'
    : `${Math.round(fraction * 100)} %`;
}

/** `24 min`, or `—`. */
export function minutes(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : `${Math.round(value)} min`;
}

/** A room's first case in words: `on time`, `12 min late`, `not in yet (8 min late)`, `pending`. */
export function firstCaseText(first: FirstCaseKpiView | null): string {
  if (first === null) return 'no case';
  switch (first.status) {
    case 'started':
      return first.onTime ? 'on time' : `${Math.round(first.minutesLate)} min late`;
    case 'pending':
      return 'pending';
    case 'not-started':
      return `not in yet (${Math.round(first.minutesLate)} min late)`;
  }
}

/** The facility's headline figures. */
export interface KpiHeadline {
  firstCaseOnTime: string;
  /** `3 of 4 rooms` */
  firstCaseDetail: string;
  turnoverMedian: string;
  turnoverDetail: string;
  utilisation: string;
  utilisationDetail: string;
}

export function kpiHeadline(kpis: KpiView): KpiHeadline {
  const f = kpis.facility;
  const decided = f.firstCase.onTime + f.firstCase.late;
  return {
    firstCaseOnTime: percent(f.firstCase.onTimeFraction),
    firstCaseDetail:
      decided === 0
        ? `${f.firstCase.pending} pending`
        : `${f.firstCase.onTime} of ${decided} rooms${f.firstCase.pending ? `, ${f.firstCase.pending} pending` : ''}`,
    turnoverMedian: minutes(f.turnovers.medianMinutes),
    turnoverDetail: `${f.turnovers.count} ${f.turnovers.count === 1 ? 'turnover' : 'turnovers'}`,
    utilisation: percent(f.utilisation.fraction),
    utilisationDetail: `${Math.round(f.utilisation.inRoomMinutes)} of ${Math.round(f.utilisation.staffedMinutes)} staffed min`,
  };
}
