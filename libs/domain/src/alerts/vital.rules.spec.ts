import type { VitalReading } from '../fact';
import { DEFAULT_RULE_CONFIG, resolveLimits } from './rules.config';
import type { CasePhase, RuleTrack } from './rules.model';
import { at, feed, frozen, vital } from './testing/rules.fixture';
import { evaluateVitals, vitalAlertId, type VitalRuleContext } from './vital.rules';

const SPO2_LOW = vitalAlertId('spo2', 'low');
const HR_LOW = vitalAlertId('hr', 'low');
const maintenance: VitalRuleContext = { phase: 'maintenance' };

/** One call per reading. */
function oneByOne(readings: VitalReading[], ctx: VitalRuleContext = maintenance, state?: RuleTrack) {
  return feed(state, readings, (s, r) => evaluateVitals(s, [r], ctx));
}

describe('vital limits: sustain, escalation, hysteresis', () => {
  it('SpO2 88 % for 15 s raises a medium alert; 84 % for 15 s escalates it to high under the same id', () => {
    const pending = oneByOne([vital('spo2', 88, at('08:10', 0)), vital('spo2', 88, at('08:10', 10))]);
    expect(pending.raised).toEqual([]);

    const raised = oneByOne([vital('spo2', 88, at('08:10', 15))], maintenance, pending.state);
    expect(raised.raised).toEqual([
      {
        id: SPO2_LOW,
        kind: 'vital-limit',
        priority: 'medium',
        message: 'SpO2 low: 88 % < 90 %',
        raisedAt: at('08:10', 15),
        ruleId: 'vital:spo2:low',
        parameter: 'spo2',
        value: 88,
        unit: '%',
        limit: 90,
        since: at('08:10', 0),
      },
    ]);

    const dip = oneByOne([vital('spo2', 84, at('08:10', 20))], maintenance, raised.state);
    expect(dip.updated).toEqual([]);
    const escalated = oneByOne([vital('spo2', 84, at('08:10', 35))], maintenance, dip.state);
    expect(escalated.raised).toEqual([]);
    expect(escalated.updated).toEqual([
      expect.objectContaining({
        id: SPO2_LOW,
        priority: 'high',
        message: 'SpO2 critically low: 84 % < 85 %',
        raisedAt: at('08:10', 15),
        value: 84,
        limit: 85,
        since: at('08:10', 0),
      }),
    ]);
  });

  it('the worked example of docs/alert-rules.md: 88, 84, 85.5, 86, 90.5, 91 %', () => {
    const steps: [number, number, string][] = [
      [0, 88, 'pending'],
      [15, 88, 'raised medium'],
      [20, 84, 'medium'],
      [35, 84, 'updated high'],
      [40, 85.5, 'high'],
      [45, 86, 'updated medium'],
      [50, 90.5, 'medium'],
      [55, 91, 'cleared'],
    ];
    let state: RuleTrack | undefined;
    const seen = steps.map(([s, value]) => {
      const out = evaluateVitals(state, [vital('spo2', value, at('08:10', s))], maintenance);
      state = out.state;
      const shown = out.state.active[SPO2_LOW]?.priority;
      if (out.raised.length) return `raised ${shown}`;
      if (out.updated.length) return `updated ${shown}`;
      if (out.cleared.length) return 'cleared';
      return shown ?? 'pending';
    });
    expect(seen).toEqual(steps.map(([, , expected]) => expected));
  });

  it('SpO2 88 % for 14 s raises nothing: a value must stay beyond the limit for the sustain time', () => {
    const out = oneByOne([0, 5, 10, 14].map((s) => vital('spo2', 88, at('08:10', s))));
    expect(out.raised).toEqual([]);
    expect(out.state?.active).toEqual({});
    expect(out.state?.excursions['vital:spo2:low']?.limit).toEqual({ since: at('08:10', 0), value: 88 });
  });

  it('SpO2 89, 90.5 (inside the limit, not by the 1 % margin), 89 over 15 s is one excursion: it raises at 15 s', () => {
    const out = oneByOne([vital('spo2', 89, at('08:10', 0)), vital('spo2', 90.5, at('08:10', 5))]);
    const raised = oneByOne(
      [vital('spo2', 89, at('08:10', 10)), vital('spo2', 89, at('08:10', 15))],
      maintenance,
      out.state,
    );
    expect(raised.raised.map((a) => [a.id, a.raisedAt, a.since])).toEqual([
      [SPO2_LOW, at('08:10', 15), at('08:10', 0)],
    ]);
  });

  it('SpO2 89, then 91 (inside by the margin), then 89 restarts the sustain clock: raised at 08:10:25, not 08:10:15', () => {
    const out = oneByOne([0, 5, 10, 15, 20, 25].map((s) => vital('spo2', s === 5 ? 91 : 89, at('08:10', s))));
    expect(out.raised.map((a) => [a.raisedAt, a.since])).toEqual([[at('08:10', 25), at('08:10', 10)]]);
  });

  it('a raised SpO2 alert stays at 90.5 % and clears at 91 % (low limit 90 + hysteresis 1)', () => {
    const raised = oneByOne([vital('spo2', 88, at('08:10', 0)), vital('spo2', 88, at('08:10', 15))]);
    const inBand = oneByOne([vital('spo2', 90.5, at('08:10', 20))], maintenance, raised.state);
    expect(inBand.cleared).toEqual([]);
    expect(inBand.state?.active[SPO2_LOW]).toBeDefined();
    const back = oneByOne([vital('spo2', 91, at('08:10', 25))], maintenance, inBand.state);
    expect(back.cleared).toEqual([SPO2_LOW]);
    expect(back.state?.active).toEqual({});
    expect(back.state?.excursions).toEqual({});
  });

  it('a high SpO2 alert steps down to medium at 86 % (critical 85 + margin) and clears at 91 %', () => {
    const high = oneByOne([vital('spo2', 80, at('08:10', 0)), vital('spo2', 80, at('08:10', 15))]);
    expect(high.raised.map((a) => a.priority)).toEqual(['high']);
    const band = oneByOne([vital('spo2', 85.5, at('08:10', 20))], maintenance, high.state);
    expect(band.updated).toEqual([]);
    const down = oneByOne([vital('spo2', 86, at('08:10', 25))], maintenance, band.state);
    expect(down.updated).toEqual([
      expect.objectContaining({ id: SPO2_LOW, priority: 'medium', message: 'SpO2 low: 86 % < 90 %', limit: 90 }),
    ]);
    expect(down.updated[0]?.raisedAt).toBe(at('08:10', 15));
    const cleared = oneByOne([vital('spo2', 91, at('08:10', 30))], maintenance, down.state);
    expect(cleared.cleared).toEqual([SPO2_LOW]);
  });

  it('HR 35 bpm for 10 s raises high at once (both limits crossed), message in bpm', () => {
    const out = oneByOne([vital('hr', 35, at('08:10', 0)), vital('hr', 35, at('08:10', 10))]);
    expect(out.raised).toEqual([
      expect.objectContaining({ id: HR_LOW, priority: 'high', message: 'HR critically low: 35 bpm < 40 bpm' }),
    ]);
  });

  it('HR 150 bpm raises on the high side: rule:vital:hr:high, independent of the low side', () => {
    const out = oneByOne([vital('hr', 130, at('08:10', 0)), vital('hr', 130, at('08:10', 10))]);
    expect(out.raised.map((a) => [a.id, a.priority, a.message])).toEqual([
      ['rule:vital:hr:high', 'medium', 'HR high: 130 bpm > 120 bpm'],
    ]);
  });

  it('NIBP sys 85 mmHg raises at once: an intermittent cuff measurement has no sustain time', () => {
    const out = oneByOne([vital('nibpSys', 85, at('08:10'))]);
    expect(out.raised.map((a) => [a.id, a.raisedAt, a.message])).toEqual([
      ['rule:vital:nibpSys:low', at('08:10'), 'NIBP sys low: 85 mmHg < 90 mmHg'],
    ]);
  });

  it('with clearSeconds 20, an HR alert clears only after 20 s back inside by the margin; a relapse restarts that clock', () => {
    const limits = resolveLimits(DEFAULT_RULE_CONFIG.vitals, { hr: { clearSeconds: 20 } });
    const ctx: VitalRuleContext = { phase: 'maintenance', limits };
    const out = oneByOne(
      [
        vital('hr', 45, at('08:10', 0)),
        vital('hr', 45, at('08:10', 10)), // raised
        vital('hr', 60, at('08:10', 20)), // back inside: clear clock starts
        vital('hr', 52, at('08:10', 30)), // inside the limit, not by the margin (53): clock reset
        vital('hr', 60, at('08:10', 40)), // clock restarts
        vital('hr', 60, at('08:10', 55)), // 15 s: still showing
      ],
      ctx,
    );
    expect(out.raised.map((a) => a.id)).toEqual([HR_LOW]);
    expect(out.cleared).toEqual([]);
    const cleared = oneByOne([vital('hr', 60, at('08:11', 0))], ctx, out.state);
    expect(cleared.cleared).toEqual([HR_LOW]);
  });

  it('SpO2 88 % at 08:10:00 and at 08:12:00 is no sustained excursion: a gap over the 60 s stale limit restarts it', () => {
    const out = oneByOne([vital('spo2', 88, at('08:10')), vital('spo2', 88, at('08:12'))]);
    expect(out.raised).toEqual([]);
    expect(out.state?.excursions['vital:spo2:low']?.limit?.since).toBe(at('08:12'));
  });

  it('a case override SpO2 low 88 % keeps 89 % quiet; null turns the EtCO2 high limit off', () => {
    const limits = resolveLimits(DEFAULT_RULE_CONFIG.vitals, { spo2: { low: 88 }, etco2: { high: null } });
    const ctx: VitalRuleContext = { phase: 'maintenance', limits };
    const out = oneByOne(
      [
        vital('spo2', 89, at('08:10', 0)),
        vital('spo2', 89, at('08:10', 30)),
        vital('etco2', 55, at('08:10', 0)),
        vital('etco2', 55, at('08:10', 30)),
      ],
      ctx,
    );
    expect(out.raised).toEqual([]);
    const defaults = oneByOne([vital('etco2', 55, at('08:10', 0)), vital('etco2', 55, at('08:10', 30))]);
    expect(defaults.raised.map((a) => a.id)).toEqual(['rule:vital:etco2:high']);
  });
});

describe('vital limits: phase awareness', () => {
  const induction: VitalRuleContext = { phase: 'induction' };

  it('HR 45 bpm for 10 s at induction is annotated once as expected, not alarmed; HR 38 bpm for 10 s still raises high', () => {
    const dip = oneByOne(
      [0, 5, 10, 15].map((s) => vital('hr', 45, at('07:50', s))),
      induction,
    );
    expect(dip.raised).toEqual([]);
    expect(dip.annotations).toEqual([
      {
        id: `note:vital:hr:low@${at('07:50', 0)}`,
        kind: 'vital-limit',
        ruleId: 'vital:hr:low',
        priority: 'low',
        expected: true,
        phase: 'induction',
        at: at('07:50', 10),
        message: 'HR low: 45 bpm < 50 bpm (expected during induction)',
        parameter: 'hr',
        value: 45,
        unit: '/min',
        limit: 50,
        since: at('07:50', 0),
      },
    ]);

    const critical = oneByOne(
      [vital('hr', 38, at('07:50', 20)), vital('hr', 38, at('07:50', 30))],
      induction,
      dip.state,
    );
    expect(critical.raised).toEqual([
      expect.objectContaining({ id: HR_LOW, priority: 'high', raisedAt: at('07:50', 30), since: at('07:50', 0) }),
    ]);
    // Once a critical limit has alarmed, recovery to between the limits steps down to medium.
    const recovering = oneByOne([vital('hr', 45, at('07:50', 40))], induction, critical.state);
    expect(recovering.updated.map((a) => a.priority)).toEqual(['medium']);
    expect(recovering.annotations).toEqual([]);
  });

  it('a dip still present when induction ends raises a medium alert at the first reading in maintenance', () => {
    const phase = (time: string): CasePhase => (time < at('08:00') ? 'induction' : 'maintenance');
    const out = oneByOne(
      [vital('hr', 45, at('07:59', 40)), vital('hr', 45, at('07:59', 50)), vital('hr', 45, at('08:00', 0))],
      { phase },
    );
    expect(out.annotations.map((a) => a.at)).toEqual([at('07:59', 50)]);
    expect(out.raised.map((a) => [a.id, a.priority, a.raisedAt])).toEqual([[HR_LOW, 'medium', at('08:00', 0)]]);
  });

  it('each excursion is annotated once: a dip, recovery, and a second dip give two annotations', () => {
    const out = oneByOne(
      [
        vital('hr', 45, at('07:50', 0)),
        vital('hr', 45, at('07:50', 10)),
        vital('hr', 45, at('07:50', 20)),
        vital('hr', 60, at('07:50', 30)),
        vital('hr', 45, at('07:50', 40)),
        vital('hr', 45, at('07:50', 50)),
      ],
      induction,
    );
    expect(out.annotations.map((a) => a.id)).toEqual([
      `note:vital:hr:low@${at('07:50', 0)}`,
      `note:vital:hr:low@${at('07:50', 40)}`,
    ]);
    expect(out.raised).toEqual([]);
  });

  it('SpO2 88 % at induction is not an expected change: it raises a medium alert', () => {
    const out = oneByOne([vital('spo2', 88, at('07:50', 0)), vital('spo2', 88, at('07:50', 15))], induction);
    expect(out.raised.map((a) => a.priority)).toEqual(['medium']);
    expect(out.annotations).toEqual([]);
  });

  it('BIS 72 at emergence is expected; in maintenance it raises (BIS has no unit in messages)', () => {
    const readings = [vital('bis', 72, at('09:05', 0)), vital('bis', 72, at('09:05', 30))];
    const emergence = oneByOne(readings, { phase: 'emergence' });
    expect(emergence.annotations.map((a) => a.message)).toEqual(['BIS high: 72 > 60 (expected during emergence)']);
    expect(emergence.raised).toEqual([]);
    expect(oneByOne(readings).raised.map((a) => a.message)).toEqual(['BIS high: 72 > 60']);
  });

  it('an alert already showing stays when a phase that expects it begins', () => {
    const raised = oneByOne([vital('hr', 45, at('07:44', 40)), vital('hr', 45, at('07:44', 50))]);
    expect(raised.raised.map((a) => a.id)).toEqual([HR_LOW]);
    const later = oneByOne([vital('hr', 46, at('07:45', 10))], induction, raised.state);
    expect(later.cleared).toEqual([]);
    expect(later.state?.active[HR_LOW]?.priority).toBe('medium');
  });
});

describe('vital limits: arrival order, idempotence, units', () => {
  it('a late SpO2 95 % stamped 08:10:05, arriving after 88 % at 08:10:15, is ignored: no clear, same state', () => {
    const raised = oneByOne([vital('spo2', 88, at('08:10', 0)), vital('spo2', 88, at('08:10', 15))]);
    const late = evaluateVitals(raised.state, [vital('spo2', 95, at('08:10', 5))], maintenance);
    expect(late.state).toBe(raised.state);
    expect([...late.raised, ...late.updated, ...late.cleared, ...late.annotations]).toEqual([]);
  });

  it('a batch is evaluated in time order whatever its order: [88 % @15 s, 88 % @0 s] raises like two calls do', () => {
    const batch = evaluateVitals(
      undefined,
      [vital('spo2', 88, at('08:10', 15)), vital('spo2', 88, at('08:10', 0))],
      maintenance,
    );
    const calls = oneByOne([vital('spo2', 88, at('08:10', 0)), vital('spo2', 88, at('08:10', 15))]);
    expect(batch.raised).toEqual(calls.raised);
    expect(batch.state).toEqual(calls.state);
  });

  it('the same batch applied twice changes nothing the second time (same state object, no outputs)', () => {
    const batch = [
      vital('spo2', 88, at('08:10', 0)),
      vital('hr', 45, at('08:10', 0)),
      vital('spo2', 88, at('08:10', 15)),
    ];
    const first = evaluateVitals(undefined, batch, { phase: 'induction' });
    expect(first.raised.length + first.annotations.length).toBeGreaterThan(0);
    const again = evaluateVitals(first.state, batch, { phase: 'induction' });
    expect(again.state).toBe(first.state);
    expect([...again.raised, ...again.updated, ...again.cleared, ...again.annotations]).toEqual([]);
  });

  it('two readings at one instant: the larger is evaluated (as the case keeps it), whatever their order', () => {
    const a = evaluateVitals(undefined, [vital('hr', 45, at('08:10')), vital('hr', 70, at('08:10'))], maintenance);
    const b = evaluateVitals(undefined, [vital('hr', 70, at('08:10')), vital('hr', 45, at('08:10'))], maintenance);
    expect(a.state).toEqual(b.state);
    expect(a.state.excursions).toEqual({});
  });

  it('does not change the track it is given', () => {
    const raised = oneByOne([vital('spo2', 80, at('08:10', 0)), vital('spo2', 80, at('08:10', 15))]);
    const given = frozen(raised.state!);
    const out = evaluateVitals(given, [vital('spo2', 95, at('08:10', 20))], maintenance);
    expect(out.cleared).toEqual([SPO2_LOW]);
    expect(given).toEqual(raised.state);
  });

  it('temp 96.8 °F is 36 °C (no alert); 93.2 °F is 34 °C: critically low after 60 s; Cel is °C', () => {
    const warm = oneByOne([vital('temp', 96.8, at('08:10'), '°F'), vital('temp', 96.8, at('08:11'), '[degF]')]);
    expect(warm.raised).toEqual([]);
    const cold = oneByOne([vital('temp', 93.2, at('08:10'), '°F'), vital('temp', 34, at('08:11'), 'Cel')]);
    expect(cold.raised.map((a) => [a.priority, a.value, a.message])).toEqual([
      ['high', 34, 'Temp critically low: 34 °C < 35 °C'],
    ]);
  });

  it('EtCO2 in kPa is converted: 7 kPa is 52.5 mmHg, above the 50 mmHg limit', () => {
    const out = oneByOne([vital('etco2', 7, at('08:10', 0), 'kPa'), vital('etco2', 7, at('08:10', 20), 'kPa')]);
    expect(out.raised.map((a) => [a.priority, a.value])).toEqual([['medium', 52.5]]);
  });

  it('a reading in a unit the vital does not take is ignored, and is no reading for the out-of-order rule', () => {
    const out = evaluateVitals(undefined, [vital('spo2', 0.8, at('08:10'), 'ratio')], maintenance);
    expect(out.state.lastAt).toEqual({});
    expect(out.state.excursions).toEqual({});
  });

  it('messages name the parameter, value and limit only', () => {
    const readings = (['hr', 'spo2', 'nibpSys', 'nibpDia', 'etco2', 'temp', 'rr', 'bis'] as const).flatMap((name) => [
      vital(name, 1, at('08:10', 0)),
      vital(name, 1, at('08:11', 0)),
    ]);
    const out = oneByOne(readings);
    expect(out.raised).toHaveLength(8);
    for (const alert of out.raised) {
      expect(alert.message).toMatch(
        /^(HR|SpO2|NIBP sys|NIBP dia|EtCO2|Temp|RR|BIS) (critically )?low: [\d.]+( \S+)? < [\d.]+( \S+)?$/,
      );
    }
  });
});
