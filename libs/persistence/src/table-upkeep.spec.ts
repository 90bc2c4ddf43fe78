import { ANALYZE_INTERVAL_MS, upkeepDue, type TableActivity } from './table-upkeep';

const t = (table: string, live: number, dead: number, modifiedSinceAnalyze: number): TableActivity => ({
  table,
  live,
  dead,
  modifiedSinceAnalyze,
});

describe('upkeepDue', () => {
  it('vacuums a churning table past 1,000 + 20 % of its live rows in dead ones, and only a churning one', () => {
    const due = upkeepDue([
      t('inbox_open', 5_235, 120_678, 240_000),
      t('device', 100, 1_019, 2_000), // 1,000 + 20 = 1,020: not yet
      t('surgical_case', 5_000, 2_001, 3_000), // 1,000 + 1,000 = 2,000: due
      t('inbox', 120_000, 105_000, 240_000), // not churning: analysed only
    ]);
    expect(due.vacuum).toEqual(['inbox_open', 'surgical_case']);
    // Analysed by the other rule, vacuumed or not: each changed past 1,000 + 10 % of its live rows.
    expect(due.analyze).toEqual(['device', 'inbox', 'inbox_open', 'surgical_case']);
  });

  it('analyses a table at most once a minute, however fast it changes', () => {
    const busy = [t('inbox', 120_000, 0, 240_000), t('case_event', 50_000, 0, 90_000)];
    const analyzedAt = new Map([['inbox', 1_000_000]]);
    expect(upkeepDue(busy, analyzedAt, 1_000_000 + ANALYZE_INTERVAL_MS - 1).analyze).toEqual(['case_event']);
    expect(upkeepDue(busy, analyzedAt, 1_000_000 + ANALYZE_INTERVAL_MS).analyze).toEqual(['case_event', 'inbox']);
    // Vacuuming is not held back: a churning table is vacuumed whenever its dead rows call for it.
    const churned = [t('inbox_open', 100, 5_000, 10_000)];
    expect(upkeepDue(churned, new Map([['inbox_open', 5]]), 10)).toEqual({ vacuum: ['inbox_open'], analyze: [] });
  });

  it('analyses a table once its changes since the last analysis pass 1,000 + 10 % of its live rows', () => {
    expect(upkeepDue([t('case_event', 10_000, 0, 2_000)]).analyze).toEqual([]);
    expect(upkeepDue([t('case_event', 10_000, 0, 2_001)]).analyze).toEqual(['case_event']);
    expect(upkeepDue([t('vital_minute', 0, 0, 1_001)]).analyze).toEqual(['vital_minute']);
  });

  it('leaves a quiet database alone', () => {
    expect(upkeepDue([t('inbox_open', 3, 40, 80), t('room', 12, 0, 12)])).toEqual({ vacuum: [], analyze: [] });
    expect(upkeepDue([])).toEqual({ vacuum: [], analyze: [] });
  });
});
