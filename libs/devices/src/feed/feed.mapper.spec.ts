import { BIS_REFIDS, MDC_VITAL_SOURCES, type VitalName } from '@circulator/contracts';
import type { AlarmFact, MilestoneFact, ObservationFact } from '@circulator/domain';
import type { DeviceInfo } from '../device.model';
import { mapFeedMessage, pacuMatcher, type FeedContext, type FeedMapping } from './feed.mapper';

const RECEIVED = '2024-07-15T08:15:02.000Z';
const NOW = '2024-07-15T08:15:03.000Z';
const CTX: FeedContext = { now: NOW };

const monitor: DeviceInfo = { id: 'mon-1', type: 'monitor', roomId: 'or-3', roomName: 'OR 3' };
const OBS_TOPIC = 'circulator/v1/devices/mon-1/observations';

/** Maps a payload (an object is sent as JSON) published by `device` on `topic`. */
function map(topic: string, payload: unknown, device: DeviceInfo | undefined = monitor, ctx = CTX): FeedMapping {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return mapFeedMessage({ topic, payload: text, receivedAt: RECEIVED }, device, ctx);
}

type ObservationDraft = Omit<ObservationFact, 'source'>;

/** The one observations fact of a mapping (fails the test otherwise). */
function observationFact(m: FeedMapping): ObservationDraft {
  expect(m.problem).toBeUndefined();
  expect(m.facts).toHaveLength(1);
  const fact = m.facts[0];
  if (fact?.kind !== 'observations') throw new Error(`not an observations fact: ${JSON.stringify(fact)}`);
  return fact;
}

const observe = (observations: unknown[], at?: string, device = monitor, ctx = CTX): FeedMapping =>
  map(OBS_TOPIC.replace('mon-1', device.id), at === undefined ? { observations } : { at, observations }, device, ctx);

/** A plausible value of each vitals name in its display unit. */
const PLAUSIBLE: Record<VitalName, [number, string]> = {
  hr: [72, '/min'],
  spo2: [97, '%'],
  nibpSys: [121, 'mmHg'],
  nibpDia: [79, 'mmHg'],
  etco2: [38, 'mmHg'],
  temp: [36.8, '°C'],
  rr: [14, '/min'],
  bis: [45, ''],
};

describe('observations: every MDC vitals source, by number, by digits and by REFID', () => {
  const cases = MDC_VITAL_SOURCES.flatMap((s) => [
    [s.name, s.refid, 'number', s.code] as const,
    [s.name, s.refid, 'digits', String(s.code)] as const,
    [s.name, s.refid, 'REFID', s.refid] as const,
    ...(s.aliases ?? []).map((alias) => [s.name, s.refid, 'alias', alias] as const),
  ]);

  it.each(cases)('%s ← %s by %s (%j)', (name, _refid, _form, code) => {
    const [value, unit] = PLAUSIBLE[name];
    const fact = observationFact(observe([{ code, value, unit }]));
    expect(fact.vitals).toEqual([{ name, value, unit, at: RECEIVED, code: String(code) }]);
    expect(fact.results).toEqual([]);
  });

  it.each(BIS_REFIDS)('bis ← the vendor REFID %s', (code) => {
    expect(observationFact(observe([{ code, value: 45 }])).vitals).toEqual([
      { name: 'bis', value: 45, unit: '', at: RECEIVED, code },
    ]);
  });

  it.each(Object.keys(PLAUSIBLE) as VitalName[])('%s ← the vitals name itself, unit omitted', (name) => {
    const [value, unit] = PLAUSIBLE[name];
    expect(observationFact(observe([{ code: name, value }])).vitals).toEqual([
      { name, value, unit, at: RECEIVED, code: name },
    ]);
  });

  it('a vitals name ranks above every MDC source of it; codes are matched exactly', () => {
    const fact = observationFact(
      observe([
        { code: 147842, value: 72 },
        { code: 'hr', value: 70 },
        { code: 'HR', value: 71 },
      ]),
    );
    expect(fact.vitals.map((v) => [v.name, v.value, v.code])).toEqual([['hr', 70, 'hr']]);
    expect(fact.results.map((r) => [r.code, r.value])).toEqual([
      ['HR', '71'],
      ['147842', '72'],
    ]);
  });
});

describe('observations: one fact per message', () => {
  it('is about the device and its room, at the payload time, with no source', () => {
    const fact = observationFact(
      observe([{ code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%' }], '2024-07-15T10:14:00+02:00'),
    );
    expect(fact).toEqual({
      kind: 'observations',
      at: '2024-07-15T08:14:00.000Z',
      subject: { device: { id: 'mon-1' }, room: { id: 'or-3', name: 'OR 3' } },
      vitals: [{ name: 'spo2', value: 97, unit: '%', at: '2024-07-15T08:14:00.000Z', code: 'MDC_PULS_OXIM_SAT_O2' }],
      results: [],
    });
    expect('source' in fact).toBe(false);
  });

  it('names the room by its id when the registry has no name, and no room when the device has none', () => {
    const unnamed = observationFact(
      observe([{ code: 'hr', value: 70 }], undefined, { id: 'mon-2', type: 'monitor', roomId: 'or-4' }),
    );
    expect(unnamed.subject).toEqual({ device: { id: 'mon-2' }, room: { id: 'or-4', name: 'or-4' } });
    const roomless = observationFact(observe([{ code: 'hr', value: 70 }], undefined, { id: 'mon-5', type: 'monitor' }));
    expect(roomless.subject).toEqual({ device: { id: 'mon-5' } });
  });

  it('takes the best-ranked source of a name as the vital and keeps the others as results (the ORU rule)', () => {
    const fact = observationFact(
      observe([
        { code: 'MDC_PULS_RATE_NON_INV', value: 70 },
        { code: 'MDC_ECG_HEART_RATE', value: 72 },
        { code: 149530, value: 75, unit: '{beats}/min' },
      ]),
    );
    expect(fact.vitals).toEqual([{ name: 'hr', value: 72, unit: '/min', at: RECEIVED, code: 'MDC_ECG_HEART_RATE' }]);
    expect(fact.results).toEqual([
      { code: 'MDC_PULS_RATE_NON_INV', text: 'MDC_PULS_RATE_NON_INV', value: '70', unit: '/min', at: RECEIVED },
      { code: '149530', text: '149530', value: '75', unit: '/min', at: RECEIVED },
    ]);
  });

  it('keeps MDC codes that are no vitals name as results, units shown as a display shows them', () => {
    const fact = observationFact(
      observe([
        { code: 150023, value: 90, unit: 'MDC_DIM_MMHG' },
        { code: 'MDC_ECG_TIME_PD_QT_GL', value: 360, unit: '264338' },
        { code: 'MDC_ECG_STAT_RHY', value: 'MDC_ECG_SINUS_RHY' },
        { code: 'MDC_VOL_FLUID_TBI', value: 2048, unit: 'mL' },
        { code: 'MDC_TEMP_SKIN', value: 33.1, unit: 'Cel' },
      ]),
    );
    expect(fact.vitals).toEqual([]);
    expect(fact.results).toEqual([
      { code: '150023', text: '150023', value: '90', unit: 'mmHg', at: RECEIVED },
      { code: 'MDC_ECG_TIME_PD_QT_GL', text: 'MDC_ECG_TIME_PD_QT_GL', value: '360', unit: 'ms', at: RECEIVED },
      { code: 'MDC_ECG_STAT_RHY', text: 'MDC_ECG_STAT_RHY', value: 'MDC_ECG_SINUS_RHY', at: RECEIVED },
      // 2048 is an SFLOAT special value, which only vitals cannot be: a volume of 2048 mL is one.
      { code: 'MDC_VOL_FLUID_TBI', text: 'MDC_VOL_FLUID_TBI', value: '2048', unit: 'mL', at: RECEIVED },
      { code: 'MDC_TEMP_SKIN', text: 'MDC_TEMP_SKIN', value: '33.1', unit: '°C', at: RECEIVED },
    ]);
  });

  it('warns about a message with no observation, and makes no fact of it', () => {
    expect(observe([])).toEqual({
      kind: 'observations',
      facts: [],
      rejected: [],
      warnings: ['the message carries no observation'],
    });
  });
});

describe('observations: units and plausibility (checkVital)', () => {
  it('converts to the display unit: kPa, % CO2, °F, MDC and UCUM unit codes', () => {
    const fact = observationFact(
      observe([
        { code: 'MDC_PRESS_BLD_NONINV_SYS', value: 16, unit: 'kPa' },
        { code: 'MDC_PRESS_BLD_NONINV_DIA', value: 10.6, unit: 'MDC_DIM_KILO_PASCAL' },
        { code: 'MDC_CONC_AWAY_CO2_ET', value: 5, unit: '%' },
        { code: 'MDC_TEMP_BODY', value: 98.6, unit: '[degF]' },
        { code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '262688' },
        { code: 'MDC_RESP_RATE', value: 14, unit: 'MDC_DIM_RESP_PER_MIN' },
        { code: 'MDC_ECG_HEART_RATE', value: 72, unit: '' },
      ]),
    );
    expect(fact.vitals.map((v) => [v.name, v.value, v.unit])).toEqual([
      ['nibpSys', 120, 'mmHg'],
      ['nibpDia', 79.5, 'mmHg'],
      ['etco2', 38, 'mmHg'],
      ['temp', 37, '°C'],
      ['spo2', 97, '%'],
      ['rr', 14, '/min'],
      ['hr', 72, '/min'],
    ]);
  });

  it('reads a decimal written as text', () => {
    expect(observationFact(observe([{ code: 'spo2', value: ' 97.5 ' }])).vitals[0]).toMatchObject({ value: 97.5 });
  });

  it('refuses a vital in a unit its name does not accept', () => {
    const m = observe([
      { code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: 'mmHg' },
      { code: 'hr', value: 72 },
    ]);
    expect(observationFact(m).vitals.map((v) => v.name)).toEqual(['hr']);
    expect(m.rejected).toEqual([
      {
        code: 'MDC_PULS_OXIM_SAT_O2',
        value: 97,
        reason: 'unit',
        detail: 'spo2 97 mmHg: unit not accepted (expected %)',
      },
    ]);
    expect(m.warnings).toEqual(['1 of 2 reading(s) refused']);
  });

  it('refuses implausible vitals and keeps the plausible ones', () => {
    const m = observe([
      { code: 150456, value: 140, unit: '%' },
      { code: 'MDC_ECG_HEART_RATE', value: 350 },
      { code: 'MDC_PULS_OXIM_PULS_RATE', value: 75 },
      { code: 'temp', value: 98.6 },
    ]);
    const fact = observationFact(m);
    // The refused ECG rate is no reading: the oximeter's pulse rate is the heart rate.
    expect(fact.vitals.map((v) => [v.name, v.value, v.code])).toEqual([['hr', 75, 'MDC_PULS_OXIM_PULS_RATE']]);
    expect(fact.results).toEqual([]);
    expect(m.rejected).toEqual([
      { code: '150456', value: 140, reason: 'implausible', detail: 'spo2 140 % (range 30–100)' },
      { code: 'MDC_ECG_HEART_RATE', value: 350, reason: 'implausible', detail: 'hr 350 /min (range 15–300)' },
      { code: 'temp', value: 98.6, reason: 'implausible', detail: 'temp 98.6 °C (range 25–45)' },
    ]);
    expect(m.warnings).toEqual(['3 of 4 reading(s) refused']);
  });

  it('refuses "no reading" values as sentinels: IEEE 11073 specials, null, text, Infinity', () => {
    const m = observe([
      { code: 'hr', value: 8388607 },
      { code: 'spo2', value: 2047 },
      { code: 'rr', value: null },
      { code: 'etco2', value: '--' },
      { code: 150023, value: 8388608, unit: 'mmHg' },
      { code: 'MDC_ECG_STAT_RHY', value: null },
    ]);
    expect(m.facts).toEqual([]);
    expect(m.rejected.map((r) => [r.code, r.value, r.reason])).toEqual([
      ['hr', 8388607, 'sentinel'],
      ['spo2', 2047, 'sentinel'],
      ['rr', null, 'sentinel'],
      ['etco2', '--', 'sentinel'],
      ['150023', 8388608, 'sentinel'],
      ['MDC_ECG_STAT_RHY', null, 'sentinel'],
    ]);
    expect(m.rejected[3]?.detail).toBe('etco2 "--": not a number');
    expect(m.warnings).toEqual(['all 6 reading(s) refused; no observation recorded']);
    // JSON's 1e400 is Infinity: one refused reading, not a refused message.
    const infinite = map(OBS_TOPIC, '{"observations":[{"code":"hr","value":1e400},{"code":"spo2","value":97}]}');
    expect(observationFact(infinite).vitals.map((v) => v.name)).toEqual(['spo2']);
    expect(infinite.rejected).toEqual([
      { code: 'hr', value: Number.POSITIVE_INFINITY, reason: 'sentinel', detail: 'hr Infinity: not a finite number' },
    ]);
  });

  it('refuses both values of an NIBP whose diastolic is not below its systolic', () => {
    const m = observe([
      { code: 'nibpSys', value: 80 },
      { code: 'nibpDia', value: 95 },
      { code: 'hr', value: 60 },
    ]);
    expect(observationFact(m).vitals.map((v) => v.name)).toEqual(['hr']);
    const detail = 'nibpDia 95 ≥ nibpSys 80 mmHg (diastolic must be below systolic)';
    expect(m.rejected).toEqual([
      { code: 'nibpSys', value: 80, reason: 'implausible', detail },
      { code: 'nibpDia', value: 95, reason: 'implausible', detail },
    ]);
    // Compared in mmHg, after conversion.
    const kpa = observe([
      { code: 'nibpSys', value: 10, unit: 'kPa' },
      { code: 'nibpDia', value: 80 },
    ]);
    expect(kpa.facts).toEqual([]);
    expect(kpa.rejected.map((r) => [r.code, r.value, r.detail])).toEqual([
      ['nibpSys', 10, 'nibpDia 80 ≥ nibpSys 75 mmHg (diastolic must be below systolic)'],
      ['nibpDia', 80, 'nibpDia 80 ≥ nibpSys 75 mmHg (diastolic must be below systolic)'],
    ]);
  });
});

describe('observations: clock', () => {
  const at = (msAfterNow: number): string => new Date(Date.parse(NOW) + msAfterNow).toISOString();

  it('accepts readings up to 5 minutes after now', () => {
    expect(observationFact(observe([{ code: 'hr', value: 70 }], at(5 * 60_000))).at).toBe(at(5 * 60_000));
  });

  it('refuses every reading of a message dated more than 5 minutes after now', () => {
    const m = observe(
      [
        { code: 'hr', value: 70 },
        { code: 150023, value: 90 },
      ],
      at(5 * 60_000 + 1000),
    );
    expect(m.facts).toEqual([]);
    const detail = `dated ${at(301_000)}, 301 s after now (at most 300 s allowed): device clock wrong?`;
    expect(m.rejected).toEqual([
      { code: 'hr', value: 70, reason: 'clock', detail },
      { code: '150023', value: 90, reason: 'clock', detail },
    ]);
    expect(m.warnings).toEqual([`all 2 reading(s) refused: ${detail}`]);
  });

  it('uses the skew the caller allows', () => {
    const m = observe([{ code: 'hr', value: 70 }], at(2000), monitor, { now: NOW, maxFutureSkewMs: 1000 });
    expect(m.rejected.map((r) => r.reason)).toEqual(['clock']);
    expect(
      observe([{ code: 'hr', value: 70 }], undefined, monitor, { now: NOW, maxFutureSkewMs: 0 }).facts,
    ).toHaveLength(1);
  });
});

describe('alarms', () => {
  const ALARMS = 'circulator/v1/devices/mon-1/alarms';
  const alarmFact = (m: FeedMapping): Omit<AlarmFact, 'source'> => {
    expect(m.problem).toBeUndefined();
    const fact = m.facts[0];
    if (m.facts.length !== 1 || fact?.kind !== 'alarm') throw new Error(JSON.stringify(m));
    return fact;
  };

  it('an active alarm starts, identified by device and alarm id, at the receive time', () => {
    const m = map(ALARMS, {
      id: 'a7',
      priority: 'PH',
      code: '196674^MDC_EVT_SAT_O2_LO',
      message: 'SpO2 low 84 %',
      state: 'active',
    });
    expect(m.kind).toBe('alarms');
    expect(alarmFact(m)).toEqual({
      kind: 'alarm',
      at: RECEIVED,
      alarmId: 'mon-1:a7',
      phase: 'start',
      priority: 'high',
      code: '196674^MDC_EVT_SAT_O2_LO',
      message: 'SpO2 low 84 %',
      subject: { device: { id: 'mon-1' }, room: { id: 'or-3', name: 'OR 3' } },
    });
  });

  it('the cleared message ends the same alarm', () => {
    const fact = alarmFact(map(ALARMS, { id: 'a7', priority: 'medium', message: 'SpO2 low', state: 'cleared' }));
    expect([fact.alarmId, fact.phase, fact.priority, 'code' in fact]).toEqual(['mon-1:a7', 'end', 'medium', false]);
  });

  it('PM and PL map to medium and low; a numeric id is the same alarm as its text', () => {
    expect(alarmFact(map(ALARMS, { id: 3, priority: 'PM', message: 'm', state: 'active' }))).toMatchObject({
      alarmId: 'mon-1:3',
      priority: 'medium',
    });
    expect(alarmFact(map(ALARMS, { id: '3', priority: 'PL', message: 'm', state: 'active' }))).toMatchObject({
      alarmId: 'mon-1:3',
      priority: 'low',
    });
  });
});

describe('status', () => {
  it('gives the status only, at the receive time', () => {
    const m = map('circulator/v1/devices/mon-1/status', {
      state: 'error',
      usageCount: 412,
      errorCode: 'E17',
      firmware: '3.2.1',
    });
    expect(m).toEqual({
      kind: 'status',
      facts: [],
      rejected: [],
      warnings: [],
      status: { deviceId: 'mon-1', at: RECEIVED, state: 'error', usageCount: 412, errorCode: 'E17', firmware: '3.2.1' },
    });
    expect(map('circulator/v1/devices/mon-1/status', { state: 'online' }).status).toEqual({
      deviceId: 'mon-1',
      at: RECEIVED,
      state: 'online',
    });
  });
});

describe('environment', () => {
  const sensor: DeviceInfo = { id: 'env-3', type: 'environment-sensor', roomId: 'or-3' };
  const ENV = 'circulator/v1/rooms/or-3/environment';
  const env = (payload: unknown, ctx = CTX) => map(ENV, payload, sensor, ctx);

  it('gives the room environment only, at the payload time', () => {
    expect(env({ at: '2024-07-15T10:15:00+02:00', temperatureC: 21.5, humidityPct: 48, pressurePa: 8 })).toEqual({
      kind: 'environment',
      facts: [],
      rejected: [],
      warnings: [],
      environment: {
        roomId: 'or-3',
        at: '2024-07-15T08:15:00.000Z',
        temperatureC: 21.5,
        humidityPct: 48,
        pressurePa: 8,
      },
    });
    expect(env({ humidityPct: 40 }).environment).toEqual({ roomId: 'or-3', at: RECEIVED, humidityPct: 40 });
  });

  it('accepts the edges: 0 and 50 °C, 0 and 100 %, −500 and +500 Pa', () => {
    for (const [temperatureC, humidityPct, pressurePa] of [
      [0, 0, -500],
      [50, 100, 500],
    ]) {
      expect(env({ temperatureC, humidityPct, pressurePa }).environment).toEqual({
        roomId: 'or-3',
        at: RECEIVED,
        temperatureC,
        humidityPct,
        pressurePa,
      });
    }
  });

  it('drops each implausible field and lists it', () => {
    const m = env({ temperatureC: 50.1, humidityPct: 45, pressurePa: 101325 });
    expect(m.environment).toEqual({ roomId: 'or-3', at: RECEIVED, humidityPct: 45 });
    expect(m.rejected).toEqual([
      { code: 'temperatureC', value: 50.1, reason: 'implausible', detail: 'temperatureC 50.1 (range 0–50 °C)' },
      { code: 'pressurePa', value: 101325, reason: 'implausible', detail: 'pressurePa 101325 (range -500–500 Pa)' },
    ]);
    const low = env({ temperatureC: -0.1, humidityPct: -1, pressurePa: -501 });
    expect(low.environment).toBeUndefined();
    expect(low.rejected.map((r) => [r.code, r.reason])).toEqual([
      ['temperatureC', 'implausible'],
      ['humidityPct', 'implausible'],
      ['pressurePa', 'implausible'],
    ]);
    expect(low.warnings).toEqual(['every reading refused; nothing recorded']);
    expect(env({ humidityPct: 100.5 }).rejected.map((r) => r.code)).toEqual(['humidityPct']);
  });

  it('refuses readings dated too far ahead, and says when a message carries none', () => {
    const m = env({ at: '2024-07-15T09:15:03Z', temperatureC: 21 });
    expect(m.environment).toBeUndefined();
    expect(m.rejected).toMatchObject([{ code: 'temperatureC', value: 21, reason: 'clock' }]);
    const empty = env({});
    expect([empty.environment, empty.rejected, empty.warnings]).toEqual([
      undefined,
      [],
      ['the message carries no reading'],
    ]);
  });
});

describe('rtls', () => {
  const patientTag = (tagRoomId?: string, assigningAuthority?: string): DeviceInfo => ({
    id: 'tag-9',
    type: 'rtls-tag',
    binding:
      assigningAuthority === undefined
        ? { kind: 'patient', mrn: 'M-1' }
        : { kind: 'patient', mrn: 'M-1', assigningAuthority },
    ...(tagRoomId === undefined ? {} : { tagRoomId }),
  });
  const RTLS = 'circulator/v1/rtls/tag-9';
  const AT = '2024-07-15T10:14:30+02:00';
  /** The same instant as the mapper writes it (UTC, milliseconds). */
  const AT_UTC = '2024-07-15T08:14:30.000Z';
  const milestone = (
    room: string,
    key: 'inRoom' | 'outOfRoom' | 'pacuIn' | 'pacuOut',
    patient: object = { mrn: 'M-1' },
  ): Omit<MilestoneFact, 'source'> => ({
    kind: 'milestone',
    at: AT_UTC,
    target: { subject: { patient: patient as { mrn: string }, room: { id: room, name: room } } },
    milestone: key,
    value: AT_UTC,
    via: 'rtls',
    confidence: 'inferred',
  });

  it('a patient tag first seen in a room: the location, and the room’s inRoom', () => {
    const m = map(RTLS, { roomId: 'or-3', at: AT }, patientTag());
    expect(m).toEqual({
      kind: 'rtls',
      facts: [milestone('or-3', 'inRoom')],
      rejected: [],
      warnings: [],
      location: { tagId: 'tag-9', roomId: 'or-3', at: AT_UTC, binding: { kind: 'patient', mrn: 'M-1' } },
    });
  });

  it('a patient tag moving from one room to another: outOfRoom of the old, then inRoom of the new', () => {
    const m = map(RTLS, { roomId: 'or-4', at: AT }, patientTag('or-3', 'GENHOSP'));
    const patient = { mrn: 'M-1', assigningAuthority: 'GENHOSP' };
    expect(m.facts).toEqual([milestone('or-3', 'outOfRoom', patient), milestone('or-4', 'inRoom', patient)]);
    expect(m.location).toMatchObject({ tagId: 'tag-9', roomId: 'or-4' });
  });

  it('a patient tag seen again in the same room: the location only', () => {
    const m = map(RTLS, { roomId: 'or-3', at: AT }, patientTag('or-3'));
    expect(m.facts).toEqual([]);
    expect(m.location).toEqual({
      tagId: 'tag-9',
      roomId: 'or-3',
      at: AT_UTC,
      binding: { kind: 'patient', mrn: 'M-1' },
    });
  });

  it('tags bound to staff or a device, or unbound, move no milestone; the time defaults to the receive time', () => {
    const staff: DeviceInfo = {
      id: 'tag-9',
      type: 'rtls-tag',
      binding: { kind: 'staff', staffId: 'rn-4' },
      tagRoomId: 'or-1',
    };
    expect(map(RTLS, { roomId: 'or-3' }, staff)).toMatchObject({
      facts: [],
      location: { tagId: 'tag-9', roomId: 'or-3', at: RECEIVED, binding: { kind: 'staff', staffId: 'rn-4' } },
    });
    const onDevice: DeviceInfo = { id: 'tag-9', type: 'rtls-tag', binding: { kind: 'device', deviceId: 'pump-2' } };
    expect(map(RTLS, { roomId: 'or-3' }, onDevice).facts).toEqual([]);
    const unbound = map(RTLS, { roomId: 'or-3' }, { id: 'tag-9', type: 'rtls-tag' });
    expect(unbound.location).toEqual({ tagId: 'tag-9', roomId: 'or-3', at: RECEIVED });
    expect(unbound.facts).toEqual([]);
  });

  it('PACU locations (PACU_ROOMS) give pacuIn on entering and pacuOut on leaving, OR rooms as before', () => {
    const ctx: FeedContext = { ...CTX, isPacu: pacuMatcher(['PACU-1', ' pacu-2 ']) };
    expect(map(RTLS, { roomId: 'pacu-1', at: AT }, patientTag('or-3'), ctx).facts).toEqual([
      milestone('or-3', 'outOfRoom'),
      milestone('pacu-1', 'pacuIn'),
    ]);
    expect(map(RTLS, { roomId: 'ward-5', at: AT }, patientTag('PACU-2'), ctx).facts).toEqual([
      milestone('PACU-2', 'pacuOut'),
      milestone('ward-5', 'inRoom'),
    ]);
    // From one PACU bay to another: out of the first, into the second.
    expect(map(RTLS, { roomId: 'PACU-2', at: AT }, patientTag('PACU-1'), ctx).facts).toEqual([
      milestone('PACU-1', 'pacuOut'),
      milestone('PACU-2', 'pacuIn'),
    ]);
    // Without the setting, a PACU room is a room like any other.
    expect(map(RTLS, { roomId: 'PACU-1', at: AT }, patientTag('or-3')).facts).toEqual([
      milestone('or-3', 'outOfRoom'),
      milestone('PACU-1', 'inRoom'),
    ]);
  });

  it('a position dated too far ahead is refused: no location, no milestone', () => {
    const m = map(RTLS, { roomId: 'or-4', at: '2024-07-15T09:00:00Z' }, patientTag('or-3'));
    expect(m.location).toBeUndefined();
    expect(m.facts).toEqual([]);
    expect(m.rejected).toMatchObject([{ code: 'roomId', value: 'or-4', reason: 'clock' }]);
  });
});

describe('problems: nothing else is set', () => {
  const nothingElse = (m: FeedMapping): void => {
    expect(m.facts).toEqual([]);
    expect(m.rejected).toEqual([]);
    expect(m.warnings).toEqual([]);
    expect([m.status, m.environment, m.location]).toEqual([undefined, undefined, undefined]);
  };

  it('an unknown topic', () => {
    const m = map('circulator/v1/devices/mon-1/commands', { state: 'online' });
    expect(m.kind).toBeUndefined();
    expect(m.problem).toMatch(/^unknown topic "circulator\/v1\/devices\/mon-1\/commands": expected /);
    nothingElse(m);
  });

  it('an unregistered publisher', () => {
    const payload = JSON.stringify({ observations: [{ code: 'hr', value: 70 }] });
    const m = mapFeedMessage({ topic: OBS_TOPIC, payload, receivedAt: RECEIVED }, undefined, CTX);
    expect([m.kind, m.problem]).toEqual(['observations', 'the publisher is not a registered device']);
    nothingElse(m);
  });

  it.each([
    ["another device's topic", 'circulator/v1/devices/mon-2/observations', monitor, 'device "mon-1" (monitor)'],
    [
      'an environment of another room',
      'circulator/v1/rooms/or-4/environment',
      { id: 'env-3', type: 'environment-sensor', roomId: 'or-3' },
      'device "env-3" (environment-sensor)',
    ],
    [
      'a position published by a device that is no tag',
      'circulator/v1/rtls/mon-1',
      monitor,
      'device "mon-1" (monitor)',
    ],
  ] as const)('a topic the publisher may not use: %s', (_why, topic, device, who) => {
    const m = map(topic, { observations: [], temperatureC: 21, roomId: 'or-3' }, device);
    expect(m.problem).toBe(`${who} may not publish to "${topic}"`);
    nothingElse(m);
  });

  it('an invalid payload, with the path and the problem', () => {
    const m = map(OBS_TOPIC, { observations: [{ code: 'hr', value: 70, units: '/min' }] });
    expect([m.kind, m.problem]).toEqual([
      'observations',
      'invalid observations payload: observations[0]: unknown key "units"',
    ]);
    nothingElse(m);
    expect(map('circulator/v1/devices/mon-1/alarms', '{').problem).toMatch(
      /^invalid alarms payload: payload is not JSON: /,
    );
  });
});
