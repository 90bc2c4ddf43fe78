import { evaluateStale, staleAlertId } from './stale.rules';
import type { RuleTrack } from './rules.model';
import { at, vital } from './testing/rules.fixture';
import { evaluateVitals } from './vital.rules';

const HR_STALE = staleAlertId('hr');

/** A track whose vitals were last read at the given times. */
function seen(...readings: ReturnType<typeof vital>[]): RuleTrack {
  return evaluateVitals(undefined, readings, { phase: 'maintenance' }).state;
}

describe('stale data: no reading for longer than the vital’s limit while in the room', () => {
  it('HR last read at 08:10:00: nothing at 08:11:00 (60 s); at 08:11:01 a low-priority "No HR reading for over 60 s"', () => {
    const track = seen(vital('hr', 72, at('08:10')));
    const on = evaluateStale(track, { now: at('08:11'), phase: 'maintenance' });
    expect(on.raised).toEqual([]);
    expect(on.state).toBe(track);
    const stale = evaluateStale(track, { now: at('08:11', 1), phase: 'maintenance' });
    expect(stale.raised).toEqual([
      {
        id: HR_STALE,
        kind: 'stale-data',
        priority: 'low',
        message: 'No HR reading for over 60 s',
        raisedAt: at('08:11', 1),
        ruleId: 'stale:hr',
        parameter: 'hr',
        unit: 's',
        limit: 60,
        since: at('08:10'),
      },
    ]);
  });

  it('a newer reading clears it at the next tick; the same tick twice changes nothing', () => {
    const stale = evaluateStale(seen(vital('hr', 72, at('08:10'))), { now: at('08:12'), phase: 'maintenance' });
    const again = evaluateStale(stale.state, { now: at('08:12'), phase: 'maintenance' });
    expect(again.state).toBe(stale.state);
    expect(again.raised).toEqual([]);
    const read = evaluateVitals(stale.state, [vital('hr', 70, at('08:12', 5))], { phase: 'maintenance' });
    const tick = evaluateStale(read.state, { now: at('08:12', 10), phase: 'maintenance' });
    expect(tick.cleared).toEqual([HR_STALE]);
  });

  it('NIBP read 15 min ago is not stale; 15 min 1 s is ("over 15 min")', () => {
    const track = seen(vital('nibpSys', 120, at('08:00')), vital('nibpDia', 70, at('08:00')));
    expect(evaluateStale(track, { now: at('08:15'), phase: 'maintenance' }).raised).toEqual([]);
    const stale = evaluateStale(track, { now: at('08:15', 1), phase: 'maintenance' });
    // Outcomes are sorted by alert id.
    expect(stale.raised.map((a) => a.message)).toEqual([
      'No NIBP dia reading for over 15 min',
      'No NIBP sys reading for over 15 min',
    ]);
  });

  it('a vital never read raises nothing (the monitor may not measure it)', () => {
    const out = evaluateStale(seen(vital('hr', 72, at('08:10'))), { now: at('08:10', 30), phase: 'maintenance' });
    expect(out.raised).toEqual([]);
    expect(evaluateStale(undefined, { now: at('09:00'), phase: 'maintenance' }).raised).toEqual([]);
  });

  it('out of the room (phase none) clears stale alerts and raises none', () => {
    const stale = evaluateStale(seen(vital('hr', 72, at('08:10'))), { now: at('08:12'), phase: 'maintenance' });
    const out = evaluateStale(stale.state, { now: at('09:30'), phase: 'none' });
    expect(out.cleared).toEqual([HR_STALE]);
    expect(out.raised).toEqual([]);
  });

  it('no EtCO2 for 2 min during emergence is annotated once, not alarmed; in maintenance it raises', () => {
    const track = seen(vital('etco2', 38, at('09:00')));
    const first = evaluateStale(track, { now: at('09:02'), phase: 'emergence' });
    expect(first.raised).toEqual([]);
    expect(first.annotations).toEqual([
      expect.objectContaining({
        id: `note:stale:etco2@${at('09:00')}`,
        expected: true,
        phase: 'emergence',
        message: 'No EtCO2 reading for over 60 s (expected during emergence)',
      }),
    ]);
    const second = evaluateStale(first.state, { now: at('09:03'), phase: 'emergence' });
    expect(second.annotations).toEqual([]);
    expect(second.state).toBe(first.state);
    expect(evaluateStale(track, { now: at('09:02'), phase: 'maintenance' }).raised.map((a) => a.id)).toEqual([
      staleAlertId('etco2'),
    ]);
  });

  it('a stale alert already showing stays when a phase that expects the silence begins', () => {
    const stale = evaluateStale(seen(vital('etco2', 38, at('08:58'))), { now: at('09:00'), phase: 'maintenance' });
    const out = evaluateStale(stale.state, { now: at('09:01'), phase: 'emergence' });
    expect(out.cleared).toEqual([]);
    expect(out.state.active[staleAlertId('etco2')]).toBeDefined();
  });
});
