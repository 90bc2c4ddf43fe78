import { evaluateDeviceOffline } from './device.rules';
import { evaluateEquipment } from './equipment.rules';
import { clearRuleAlerts } from './rule.outcome';
import { evaluateStale } from './stale.rules';
import { at, vital } from './testing/rules.fixture';
import { evaluateVitals, vitalAlertId } from './vital.rules';

const SPO2_LOW = vitalAlertId('spo2', 'low');
const maintenance = { phase: 'maintenance' } as const;

describe('one track for every rule of a case', () => {
  const raised = evaluateVitals(
    undefined,
    [vital('spo2', 88, at('08:10', 0)), vital('spo2', 88, at('08:10', 15)), vital('hr', 72, at('08:10', 15))],
    maintenance,
  );

  it('the device, equipment and stale rules leave a vital alert alone (each owns its kinds)', () => {
    const device = evaluateDeviceOffline(
      raised.state,
      { case: { id: 'case-1', roomId: 'or-1' }, devices: [] },
      { now: at('08:10', 20), phase: 'maintenance' },
    );
    expect(device.state).toBe(raised.state);
    const equipment = evaluateEquipment(
      device.state,
      {
        case: { id: 'case-1', roomId: 'or-1', scheduledStart: at('07:30'), scheduledEnd: at('09:00') },
        devices: [],
      },
      { now: at('08:10', 20) },
    );
    expect(equipment.state).toBe(raised.state);
    const stale = evaluateStale(equipment.state, { now: at('08:12'), phase: 'maintenance' });
    expect(stale.cleared).toEqual([]);
    expect(Object.keys(stale.state.active).sort()).toEqual(['rule:stale:hr', 'rule:stale:spo2', SPO2_LOW]);
  });

  it('clearRuleAlerts (the case left the room) clears the selected alerts and forgets their excursions', () => {
    const stale = evaluateStale(raised.state, { now: at('08:12'), phase: 'maintenance' });
    const out = clearRuleAlerts(stale.state, (a) => a.kind === 'vital-limit');
    expect(out.cleared).toEqual([SPO2_LOW]);
    expect(Object.keys(out.state.active).sort()).toEqual(['rule:stale:hr', 'rule:stale:spo2']);
    expect(out.state.excursions).toEqual({});
    // A later excursion starts afresh: it raises again after its own sustain time.
    const again = evaluateVitals(
      out.state,
      [vital('spo2', 88, at('08:13', 0)), vital('spo2', 88, at('08:13', 15))],
      maintenance,
    );
    expect(again.raised.map((a) => [a.id, a.raisedAt])).toEqual([[SPO2_LOW, at('08:13', 15)]]);
  });

  it('clearRuleAlerts with nothing to clear returns the same track', () => {
    const out = clearRuleAlerts(raised.state, (a) => a.kind === 'environment');
    expect(out.state).toBe(raised.state);
    expect(clearRuleAlerts(raised.state).cleared).toEqual([SPO2_LOW]);
  });

  it('a track survives JSON (it is persisted as is): the next evaluation gives the same result', () => {
    const revived = JSON.parse(JSON.stringify(raised.state)) as typeof raised.state;
    const next = [vital('spo2', 84, at('08:10', 20)), vital('spo2', 84, at('08:10', 35))];
    const fromMemory = evaluateVitals(raised.state, next, maintenance);
    const fromJson = evaluateVitals(revived, next, maintenance);
    expect(fromJson).toEqual(fromMemory);
    expect(fromJson.updated.map((a) => a.priority)).toEqual(['high']);
  });
});
