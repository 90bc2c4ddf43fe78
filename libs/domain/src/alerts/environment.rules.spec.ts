import {
  environmentAlertId,
  evaluateEnvironment,
  type EnvironmentInput,
  type EnvironmentReading,
} from './environment.rules';
import { DEFAULT_RULE_CONFIG, resolveLimits } from './rules.config';
import { at, feed } from './testing/rules.fixture';

const TEMP_HIGH = environmentAlertId('or-1', 'temp', 'high');

function temp(value: number, time: string, unit = '°C'): EnvironmentReading {
  return { parameter: 'temp', value, unit, at: time };
}
function humidity(value: number, time: string): EnvironmentReading {
  return { parameter: 'humidity', value, unit: '%', at: time };
}
function inRoom(roomId: string, ...readings: EnvironmentReading[]): EnvironmentInput {
  return { roomId, readings };
}
function perMinute(inputs: EnvironmentInput[]) {
  return feed(undefined, inputs, (s, input) => evaluateEnvironment(s, input));
}

describe('OR environment: room temperature 20–24 °C, relative humidity 20–60 %', () => {
  it('OR 1 at 24.6 °C for 5 min raises a low-priority alert; 23.8 °C keeps it (margin 0.5 °C); 23.5 °C clears it', () => {
    const minutes = [0, 1, 2, 3, 4].map((m) => inRoom('or-1', temp(24.6, at(`08:1${m}`))));
    const pending = perMinute(minutes);
    expect(pending.raised).toEqual([]);
    const raised = feed(pending.state, [inRoom('or-1', temp(24.6, at('08:15')))], (s, i) => evaluateEnvironment(s, i));
    expect(raised.raised).toEqual([
      {
        id: TEMP_HIGH,
        kind: 'environment',
        priority: 'low',
        message: 'Room temperature high: 24.6 °C > 24 °C',
        raisedAt: at('08:15'),
        ruleId: 'environment:temp:high',
        parameter: 'temp',
        value: 24.6,
        unit: '°C',
        limit: 24,
        since: at('08:10'),
        roomId: 'or-1',
      },
    ]);
    const band = evaluateEnvironment(raised.state, inRoom('or-1', temp(23.8, at('08:16'))));
    expect(band.cleared).toEqual([]);
    const cleared = evaluateEnvironment(band.state, inRoom('or-1', temp(23.5, at('08:17'))));
    expect(cleared.cleared).toEqual([TEMP_HIGH]);
  });

  it('humidity 65 % for 4 min raises nothing; at 5 min it raises, the humidity alert of OR 1 only', () => {
    const out = perMinute([0, 1, 2, 3, 4].map((m) => inRoom('or-1', humidity(65, at(`08:1${m}`)))));
    expect(out.raised).toEqual([]);
    const raised = evaluateEnvironment(out.state, inRoom('or-1', humidity(65, at('08:15'))));
    expect(raised.raised.map((a) => [a.id, a.message])).toEqual([
      [environmentAlertId('or-1', 'humidity', 'high'), 'Room humidity high: 65 % > 60 %'],
    ]);
  });

  it('humidity 18 % (too dry) raises the low side', () => {
    const out = perMinute([inRoom('or-2', humidity(18, at('08:10'))), inRoom('or-2', humidity(18, at('08:15')))]);
    expect(out.raised.map((a) => a.id)).toEqual(['rule:env:or-2:humidity:low']);
  });

  it('rooms do not mix: OR 2 at 22 °C does not end OR 1’s excursion kept in the same track', () => {
    const out = perMinute([
      inRoom('or-1', temp(25, at('08:10'))),
      inRoom('or-2', temp(22, at('08:12'))),
      inRoom('or-1', temp(25, at('08:15'))),
    ]);
    expect(out.raised.map((a) => a.id)).toEqual([TEMP_HIGH]);
  });

  it('77 °F is 25 °C: out of range', () => {
    const out = perMinute([inRoom('or-1', temp(77, at('08:10'), '°F')), inRoom('or-1', temp(77, at('08:15'), '°F'))]);
    expect(out.raised.map((a) => a.value)).toEqual([25]);
  });

  it('a room override (high 26 °C) keeps 25 °C quiet', () => {
    const limits = resolveLimits(DEFAULT_RULE_CONFIG.environment, { temp: { high: 26 } });
    const out = feed(
      undefined,
      [inRoom('or-1', temp(25, at('08:10'))), inRoom('or-1', temp(25, at('08:20')))],
      (s, i) => evaluateEnvironment(s, i, { limits }),
    );
    expect(out.raised).toEqual([]);
  });

  it('the same readings twice change nothing; a late reading older than the newest is ignored', () => {
    const input = inRoom('or-1', temp(25, at('08:10')), temp(25, at('08:15')));
    const first = evaluateEnvironment(undefined, input);
    expect(first.raised).toHaveLength(1);
    const again = evaluateEnvironment(first.state, input);
    expect(again.state).toBe(first.state);
    const late = evaluateEnvironment(first.state, inRoom('or-1', temp(21, at('08:12'))));
    expect(late.state).toBe(first.state);
    expect(late.cleared).toEqual([]);
  });

  it('room pressure: OR 1 at +1.8 Pa to the corridor for 5 min raises a low alert (≥ +2.5 Pa); +3.0 Pa (margin 0.5) clears it', () => {
    const pressure = (value: number, time: string): EnvironmentReading => ({
      parameter: 'pressure',
      value,
      unit: 'Pa',
      at: time,
    });
    const pending = perMinute([0, 1, 2, 3, 4].map((m) => inRoom('or-1', pressure(1.8, at(`08:1${m}`)))));
    expect(pending.raised).toEqual([]);
    const raised = feed(pending.state, [inRoom('or-1', pressure(1.8, at('08:15')))], (s, i) =>
      evaluateEnvironment(s, i),
    );
    expect(raised.raised).toEqual([
      expect.objectContaining({
        id: environmentAlertId('or-1', 'pressure', 'low'),
        priority: 'low',
        message: 'Room pressure low: 1.8 Pa < 2.5 Pa',
        ruleId: 'environment:pressure:low',
        raisedAt: at('08:15'),
      }),
    ]);
    // 2.8 Pa is inside the limit but not by the 0.5 Pa margin: it stays; 3.0 Pa clears it.
    const held = feed(raised.state, [inRoom('or-1', pressure(2.8, at('08:16')))], (s, i) => evaluateEnvironment(s, i));
    expect(held.cleared).toEqual([]);
    const cleared = feed(held.state, [inRoom('or-1', pressure(3, at('08:17')))], (s, i) => evaluateEnvironment(s, i));
    expect(cleared.cleared).toEqual([environmentAlertId('or-1', 'pressure', 'low')]);
  });
});
