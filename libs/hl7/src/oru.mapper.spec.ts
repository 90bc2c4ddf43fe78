import {
  BIS_REFIDS,
  isIeee11073Special,
  MDC_VITAL_SOURCES,
  mdcUnitDisplay,
  mdcVitalSource,
  ucumDisplay,
  vitalNameForMdc,
} from '@circulator/contracts';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeHl7, type DecodedHl7 } from './hl7.decoder';
import { isPcdReport, mapResults, ObxLine, parseDecimal, type ObservationFactDraft } from './oru.mapper';

const CORPUS = path.resolve(__dirname, '../../../../shared/corpus/hl7v2');
const OPTIONS = { facilityTz: 'America/Chicago', receivedAt: '2026-01-01T00:00:00Z' };

function decoded(payload: string | Buffer): DecodedHl7 {
  const r = decodeHl7(payload);
  if (!r.ok) throw new Error(r.problem.text);
  return r.decoded;
}
const corpus = (file: string): DecodedHl7 => decoded(readFileSync(path.join(CORPUS, file)));

function mapped(d: DecodedHl7): { facts: ObservationFactDraft[]; warnings: string[] } {
  const r = mapResults(d, OPTIONS);
  if (!r.ok) throw new Error(`${r.problem.kind}: ${r.problem.text}`);
  return r;
}
const only = (d: DecodedHl7): ObservationFactDraft => {
  const { facts } = mapped(d);
  if (facts.length !== 1 || facts[0] === undefined) throw new Error(`${facts.length} facts`);
  return facts[0];
};

const PCD_MSH =
  'MSH|^~\\&|GW^0800^EUI-64|OR|CIRC|OR|20240715101500-0500||ORU^R01^ORU_R01|M1|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO';
/** A PCD-01 report; `msh` may drop the profile (MSH-21). */
function pcd(obx: string[], msh = PCD_MSH): string {
  return [
    msh,
    'PID|||M-1^^^H^MR||Doe^Jane',
    'PV1||I|OR3^^^MAIN',
    'OBR|1|A1|A1|182777000^monitoring of patient^SCT|||20240715101500-0500',
    ...obx,
  ].join('\r');
}

describe('mapResults: IHE PCD-01 device reports', () => {
  it('maps the Philips monitor example (E.1.1): vitals by MDC code, the rest as results with containment', () => {
    const fact = only(corpus('oru/ihe-pcd01-philips-monitor-E.1.1.hl7'));
    expect(fact.subject).toEqual({
      patient: { mrn: 'HO2009001' },
      location: { code: 'HO Surgery^OR^1', name: 'OR' },
      device: { id: 'e86c094f-f751-4acf-92b2-38f11c1f6f57-Device' },
    });
    expect(fact.at).toBe('2015-01-22T18:26:56-06:00');
    expect(fact.vitals).toEqual([
      {
        name: 'nibpSys',
        value: 117,
        unit: 'mmHg',
        at: '2015-01-22T11:50:00-06:00',
        code: '150021^MDC_PRESS_BLD_NONINV_SYS^MDC (1.1.1.5)',
      },
      {
        name: 'nibpDia',
        value: 82,
        unit: 'mmHg',
        at: '2015-01-22T11:50:00-06:00',
        code: '150022^MDC_PRESS_BLD_NONINV_DIA^MDC (1.1.1.6)',
      },
      {
        name: 'hr',
        value: 80,
        unit: '/min',
        at: '2015-01-22T18:26:56-06:00',
        code: '147842^MDC_ECG_CARD_BEAT_RATE^MDC (1.2.1.1)',
      },
      {
        name: 'rr',
        value: 30,
        unit: '/min',
        at: '2015-01-22T18:26:56-06:00',
        code: '151562^MDC_RESP_RATE^MDC (1.2.1.19)',
      },
      {
        name: 'spo2',
        value: 99,
        unit: '%',
        at: '2015-01-22T18:26:56-06:00',
        code: '150456^MDC_PULS_OXIM_SAT_O2^MDC (1.3.1.1)',
      },
    ]);
    expect(fact.results.map((r) => [r.code, r.text, r.value, r.unit])).toEqual([
      ['150023', 'MDC_PRESS_BLD_NONINV_MEAN (1.1.1.7)', '90', 'mmHg'],
      ['147232', 'MDC_ECG_TIME_PD_QT_GL (1.2.1.14)', '360', 'ms'],
      ['147236', 'MDC_ECG_TIME_PD_QTc (1.2.1.15)', '416', 'ms'],
      ['184327', 'MDC_ECG_STAT_RHY (1.2.1.21)', 'MDC_ECG_SINUS_RHY', undefined],
      ['150448', 'MDC_PULS_OXIM_PERF_REL (1.3.1.3)', '3.9', undefined],
    ]);
  });

  it('maps the episodic NIBP example (E.1.2): UCUM units for display, the NIBP pulse as heart rate', () => {
    const fact = only(corpus('oru/ihe-pcd01-episodic-nibp-E.1.2.hl7'));
    expect(fact.subject.device).toEqual({ id: '080019FFFE3ED02D172.16.172.135', name: 'GATEWAY_ACME' });
    expect(fact.vitals.map((v) => [v.name, v.value, v.unit, v.at])).toEqual([
      ['nibpSys', 111, 'mmHg', '2011-06-02T04:58:42-05:00'],
      ['nibpDia', 60, 'mmHg', '2011-06-02T04:58:42-05:00'],
      ['hr', 63, '/min', '2011-06-02T04:58:42-05:00'],
    ]);
  });

  it('maps 21 readings of a 21-OBX report (the decode benchmark shape) to 21 vitals', () => {
    const codes = [
      ['147842', 'MDC_ECG_HEART_RATE', '264864^MDC_DIM_BEAT_PER_MIN', '72', 'hr', '/min'],
      ['150456', 'MDC_PULS_OXIM_SAT_O2', '262688^MDC_DIM_PERCENT', '98', 'spo2', '%'],
      ['150021', 'MDC_PRESS_BLD_NONINV_SYS', '266016^MDC_DIM_MMHG', '121', 'nibpSys', 'mmHg'],
      ['150022', 'MDC_PRESS_BLD_NONINV_DIA', '266016^MDC_DIM_MMHG', '79', 'nibpDia', 'mmHg'],
      ['151708', 'MDC_CONC_AWAY_CO2_ET', '266016^MDC_DIM_MMHG', '38', 'etco2', 'mmHg'],
      ['151562', 'MDC_RESP_RATE', '264928^MDC_DIM_RESP_PER_MIN', '14', 'rr', '/min'],
      ['150364', 'MDC_TEMP_BODY', '268192^MDC_DIM_DEGC', '36.6', 'temp', '°C'],
    ] as const;
    const obx = Array.from({ length: 21 }, (_, i) => {
      const [code, name, unit, value] = codes[i % 7] ?? codes[0];
      return `OBX|${i + 1}|NM|${code}^${name}^MDC|1.${Math.floor(i / 7) + 1}.1.${(i % 7) + 1}|${value}|${unit}^MDC|||||R|||20240715101500-0500||||0800^WS^0800^EUI-64`;
    });
    const fact = only(decoded(pcd(obx)));
    expect(fact.results).toEqual([]);
    expect(fact.vitals).toHaveLength(21);
    expect(fact.vitals.slice(0, 7).map((v) => [v.name, v.value, v.unit])).toEqual(
      codes.map(([, , , value, name, unit]) => [name, Number(value), unit]),
    );
    expect(fact.subject.device).toEqual({ id: '0800', name: 'WS' });
  });

  it('never turns IEEE 11073 special values, text or negative vendor markers into readings, and counts them', () => {
    const { facts, warnings } = mapped(
      decoded(
        pcd([
          'OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|8388607|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||20240715101500',
          'OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.2|NaN|262688^MDC_DIM_PERCENT^MDC|||||R|||20240715101500',
          'OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.3|-999|266016^MDC_DIM_MMHG^MDC|||||R|||20240715101500',
          'OBX|4|NM|150364^MDC_TEMP_BODY^MDC|1.1.1.4|2047|268192^MDC_DIM_DEGC^MDC|||||R|||20240715101500',
          'OBX|5|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.1.1.5|8388608|266016^MDC_DIM_MMHG^MDC|||||R|||20240715101500',
          'OBX|6|NM|157884^MDC_VOL_FLUID_TBI^MDC|1.1.1.6|2048|263762^MDC_DIM_MILLI_L^MDC|||||R|||20240715101500',
          'OBX|7|NM|151708^MDC_CONC_AWAY_CO2_ET^MDC|1.1.1.7|8388610|266016^MDC_DIM_MMHG^MDC|||||R|||20240715101500',
          'OBX|8|NM|151562^MDC_RESP_RATE^MDC|1.1.1.8||264928^MDC_DIM_RESP_PER_MIN^MDC|||||R|||20240715101500',
          'OBX|9|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.1.9|71|266016^MDC_DIM_MMHG^MDC|||||R|||20240715101500',
        ]),
      ),
    );
    expect(facts[0]?.vitals).toEqual([
      {
        name: 'nibpDia',
        value: 71,
        unit: 'mmHg',
        at: '2024-07-15T10:15:00-05:00',
        code: '150022^MDC_PRESS_BLD_NONINV_DIA^MDC (1.1.1.9)',
      },
    ]);
    // 2048 mL is a volume (SFLOAT special values are checked on vitals only).
    expect(facts[0]?.results).toEqual([
      {
        code: '157884',
        text: 'MDC_VOL_FLUID_TBI (1.1.1.6)',
        value: '2048',
        unit: 'mL',
        status: 'R',
        at: '2024-07-15T10:15:00-05:00',
      },
    ]);
    expect(warnings).toEqual([
      '7 observation(s) not available (IEEE 11073 special value, non-numeric or negative value)',
    ]);
  });

  it('takes the best-ranked source of a vitals name; the others stay as results', () => {
    const fact = only(
      decoded(
        pcd([
          'OBX|1|NM|149546^MDC_PULS_RATE_NON_INV^MDC|1.1.1.1|70|264864^MDC_DIM_BEAT_PER_MIN^MDC',
          'OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC',
          'OBX|3|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.3.1.1|75|264864^MDC_DIM_BEAT_PER_MIN^MDC',
        ]),
      ),
    );
    expect(fact.vitals).toEqual([
      {
        name: 'hr',
        value: 72,
        unit: '/min',
        at: '2024-07-15T10:15:00-05:00',
        code: '147842^MDC_ECG_HEART_RATE^MDC (1.2.1.1)',
      },
    ]);
    expect(fact.results).toEqual([
      {
        code: '149546',
        text: '149546^MDC_PULS_RATE_NON_INV^MDC (1.1.1.1)',
        value: '70',
        unit: '/min',
        at: '2024-07-15T10:15:00-05:00',
      },
      {
        code: '149530',
        text: '149530^MDC_PULS_OXIM_PULS_RATE^MDC (1.3.1.1)',
        value: '75',
        unit: '/min',
        at: '2024-07-15T10:15:00-05:00',
      },
    ]);
  });

  // The etco2 row expected 5.1 kPa before vitals were put in their display unit (checkVital).
  it('reads the bispectral index by its vendor REFIDs, and converts UCUM units to the display unit', () => {
    const fact = only(
      decoded(
        pcd([
          'OBX|1|NM|^MNDRY_EEG_BISPECTRAL_INDEX^99MNDRY||45|262656^MDC_DIM_DIMLESS^MDC',
          'OBX|2|NM|151708^MDC_CONC_AWAY_CO2_ET^MDC||5.1|kPa^kPa^UCUM',
          'OBX|3|NM|150368^MDC_TEMP_CORE^MDC||37.2|Cel^Cel^UCUM',
          'OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|%^%^UCUM^262688^MDC_DIM_PERCENT^MDC',
        ]),
      ),
    );
    expect(fact.vitals.map((v) => [v.name, v.value, v.unit])).toEqual([
      ['bis', 45, ''],
      ['etco2', 38.3, 'mmHg'],
      ['temp', 37.2, '°C'],
      ['spo2', 97, '%'],
    ]);
  });

  it('lets metrics without OBX-14 inherit the time of the channel above them, else OBR-7 (TF-2 B.8.7)', () => {
    const fact = only(
      decoded(
        pcd([
          'OBX|1||70686^MDC_DEV_PRESS_BLD_NONINV_VMD^MDC|1.16.0.0|||||||X',
          'OBX|2||70687^MDC_DEV_PRESS_BLD_NONINV_CHAN^MDC|1.16.1.0|||||||X|||20240715095800',
          'OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.16.1.1|111|266016^MDC_DIM_MMHG^MDC',
          'OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|98|262688^MDC_DIM_PERCENT^MDC',
        ]),
      ),
    );
    expect(fact.vitals.map((v) => [v.name, v.at])).toEqual([
      ['nibpSys', '2024-07-15T09:58:00-05:00'],
      ['spo2', '2024-07-15T10:15:00-05:00'],
    ]);
  });

  it('reads a bare OBX-3 code as MDC only in a report whose MSH-21 names the PCD profile; a REFID anywhere', () => {
    const obx = ['OBX|1|NM|150456||98|262688^MDC_DIM_PERCENT^MDC', 'OBX|2|NM|^MDC_PULS_RATE_NON_INV||64'];
    expect(only(decoded(pcd(obx))).vitals.map((v) => [v.name, v.value])).toEqual([
      ['spo2', 98],
      ['hr', 64],
    ]);
    const plain = only(decoded(pcd(obx, PCD_MSH.replace(/\|IHE_PCD_001.*$/, ''))));
    expect(plain.vitals.map((v) => [v.name, v.value])).toEqual([['hr', 64]]);
    expect(plain.results.map((r) => [r.code, r.text, r.value, r.unit])).toEqual([['150456', '150456', '98', '262688']]);
    expect(isPcdReport(decoded(pcd(obx)).segments[0])).toBe(true);
    expect(isPcdReport(corpus('oru/ihe-pcd01-episodic-nibp-E.1.2.hl7').segments[0])).toBe(true);
    expect(isPcdReport(corpus('oru/fc-LAB-ORU-1.hl7').segments[0])).toBe(false);
  });
});

describe('mapResults: vital-sign plausibility (checkVital)', () => {
  const at = '2024-07-15T10:15:00-05:00';

  it('keeps an implausible vital as a flagged result, not a reading, and names it in a warning', () => {
    const { facts, warnings } = mapped(
      decoded(
        pcd([
          'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.1|140|262688^MDC_DIM_PERCENT^MDC|||||R|||20240715101500',
          'OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||20240715101500',
        ]),
      ),
    );
    expect(facts[0]?.vitals).toEqual([
      { name: 'hr', value: 72, unit: '/min', at, code: '147842^MDC_ECG_HEART_RATE^MDC (1.2.1.1)' },
    ]);
    expect(facts[0]?.results).toEqual([
      {
        code: '150456',
        text: '150456^MDC_PULS_OXIM_SAT_O2^MDC (1.3.1.1)',
        value: '140',
        unit: '%',
        flag: 'implausible',
        at,
      },
    ]);
    expect(warnings).toEqual(['implausible: spo2 140 % (range 30–100)']);
  });

  it('refuses a vital in a unit its name does not accept (flag `unit`), on both OBX paths', () => {
    const obx = [
      'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.1|98|266016^MDC_DIM_MMHG^MDC|||||R|||20240715101500',
      // No OBX-14: read by the general path.
      'OBX|2|NM|150364^MDC_TEMP_BODY^MDC|1.4.1.1|310|K^K^UCUM',
    ];
    const { facts, warnings } = mapped(decoded(pcd(obx)));
    expect(facts[0]?.vitals).toEqual([]);
    expect(facts[0]?.results.map((r) => [r.code, r.value, r.unit, r.flag])).toEqual([
      ['150456', '98', 'mmHg', 'unit'],
      ['150364', '310', 'K', 'unit'],
    ]);
    expect(warnings).toEqual([
      'unit: spo2 98 mmHg: unit not accepted (expected %)',
      'unit: temp 310 K: unit not accepted (expected °C, °F)',
    ]);
  });

  it('converts kPa and °F to the display unit, and reads a vital without OBX-6 in its display unit', () => {
    const fact = only(
      decoded(
        pcd([
          'OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.1|16|kPa^kPa^UCUM|||||R|||20240715101500',
          'OBX|2|NM|150392^MDC_TEMP_TYMP^MDC|1.4.1.1|98.6|[degF]^[degF]^UCUM|||||R|||20240715101500',
          'OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.1|97||||||R|||20240715101500',
          // 98.6 without a unit is read as °C: implausible, not a fever.
          'OBX|4|NM|150364^MDC_TEMP_BODY^MDC|1.4.1.2|98.6||||||R|||20240715101500',
        ]),
      ),
    );
    expect(fact.vitals.map((v) => [v.name, v.value, v.unit])).toEqual([
      ['nibpSys', 120, 'mmHg'],
      ['temp', 37, '°C'],
      ['spo2', 97, '%'],
    ]);
    expect(fact.results.map((r) => [r.code, r.value, r.unit, r.flag])).toEqual([
      ['150364', '98.6', undefined, 'implausible'],
    ]);
  });

  it('lets the next-ranked source be the vital when the best one is refused', () => {
    const fact = only(
      decoded(
        pcd([
          'OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.1|350|264864^MDC_DIM_BEAT_PER_MIN^MDC',
          'OBX|2|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.3.1.2|75|264864^MDC_DIM_BEAT_PER_MIN^MDC',
        ]),
      ),
    );
    expect(fact.vitals.map((v) => [v.name, v.value, v.code])).toEqual([
      ['hr', 75, '149530^MDC_PULS_OXIM_PULS_RATE^MDC (1.3.1.2)'],
    ]);
    expect(fact.results.map((r) => [r.code, r.value, r.flag])).toEqual([['147842', '350', 'implausible']]);
  });

  it('refuses both values of an NIBP whose diastolic is not below its systolic at the same time', () => {
    const { facts, warnings } = mapped(
      decoded(
        pcd([
          'OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.1|80|266016^MDC_DIM_MMHG^MDC|||||R|||20240715101500',
          'OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.1.2|95|266016^MDC_DIM_MMHG^MDC|||||R|||20240715101500',
          // A later cycle, consistent: kept. Its systolic is not paired with the earlier diastolic.
          'OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.1|118|266016^MDC_DIM_MMHG^MDC|||||R|||20240715102000',
          'OBX|4|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.1.2|76|266016^MDC_DIM_MMHG^MDC|||||R|||20240715102000',
          // A diastolic alone (no systolic at its time) is not judged as a pair.
          'OBX|5|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.1.2|130|266016^MDC_DIM_MMHG^MDC|||||R|||20240715102500',
        ]),
      ),
    );
    expect(facts[0]?.vitals.map((v) => [v.name, v.value, v.at])).toEqual([
      ['nibpSys', 118, '2024-07-15T10:20:00-05:00'],
      ['nibpDia', 76, '2024-07-15T10:20:00-05:00'],
      ['nibpDia', 130, '2024-07-15T10:25:00-05:00'],
    ]);
    expect(facts[0]?.results.map((r) => [r.code, r.value, r.flag, r.at])).toEqual([
      ['150021', '80', 'implausible', at],
      ['150022', '95', 'implausible', at],
    ]);
    expect(warnings).toEqual(['implausible: nibpDia 95 ≥ nibpSys 80 mmHg (diastolic must be below systolic)']);
  });

  it('names at most ten refused vitals one by one and counts the rest', () => {
    const obx = Array.from(
      { length: 13 },
      (_, i) => `OBX|${i + 1}|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.${i + 1}|${101 + i}|262688^MDC_DIM_PERCENT^MDC`,
    );
    const { facts, warnings } = mapped(decoded(pcd(obx)));
    expect(facts[0]?.results).toHaveLength(13);
    expect(warnings).toHaveLength(11);
    expect(warnings[0]).toBe('implausible: spo2 101 % (range 30–100)');
    expect(warnings[9]).toBe('implausible: spo2 110 % (range 30–100)');
    expect(warnings[10]).toBe('… and 3 more vital(s) refused as implausible or in an unknown unit');
  });

  it('counts a decimal too long for a double as not available, like a special value', () => {
    const { facts, warnings } = mapped(
      decoded(pcd([`OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.1|${'9'.repeat(400)}|262688^MDC_DIM_PERCENT^MDC`])),
    );
    expect(facts).toEqual([]);
    expect(warnings).toEqual([
      '1 observation(s) not available (IEEE 11073 special value, non-numeric or negative value)',
      'The message carries no observation value',
    ]);
  });
});

describe('mapResults: laboratory results', () => {
  const lab = (obx: string[], pid = ['PID|||L-1^^^LAB^MR||Roe^Ann']): DecodedHl7 =>
    decoded(
      [
        'MSH|^~\\&|LAB|H|CIRC|H|20240715101500||ORU^R01|L1|P|2.5.1',
        ...pid,
        'OBR|1|P1|F1|24317-0^CBC^LN|||20240715090000',
        ...obx,
      ].join('\r'),
    );

  it('renders each value type readably', () => {
    const fact = only(
      lab([
        'OBX|1|CWE|625-4^Bacteria^LN||27268008^Salmonella^SCT^^^^^^Salmonella species||||||F',
        'OBX|2|SN|1554-5^GLUCOSE^LN||<^10|mg/dL|70-105|L|||F|||20240715093000',
        'OBX|3|SN|5048-4^ANA titer^LN||^1^:^128||||||F',
        'OBX|4|NM|8867-4^Heart rate^LN||60~120|/min||A^A^HL70078||||F',
        'OBX|5|ED|REPORT^Report^L||^TEXT^html^Base64^PGh0bWw+||||||F',
        'OBX|6|RP|IMG^Image^L||https://pacs.example/1^^IM^JPEG||||||F',
        'OBX|7|TX|NOTE^Note^L||Line one\\.br\\Line two~Line three||||||P',
        'OBX|8|ST|NOTE2^Text^L||A \\T\\ B||||||F',
        'OBX|9|NM|11156-7^LEUKOCYTES^LN||||||||I',
      ]),
    );
    expect(fact.results.map((r) => r.value)).toEqual([
      'Salmonella',
      '<10',
      '1:128',
      '60, 120',
      '[encapsulated data: TEXT/html, Base64]',
      'https://pacs.example/1',
      'Line one\nLine two\nLine three',
      'A & B',
    ]);
    expect(fact.results[1]).toEqual({
      code: '1554-5',
      text: 'GLUCOSE',
      value: '<10',
      unit: 'mg/dL',
      flag: 'L',
      status: 'F',
      at: '2024-07-15T09:30:00-05:00',
    });
    expect(fact.results[3]).toMatchObject({ flag: 'A', at: '2024-07-15T09:00:00-05:00' });
    expect(fact.vitals).toEqual([]);
  });

  it('maps each patient of a multi-patient ORU to its own fact', () => {
    const { facts } = mapped(
      decoded(
        [
          'MSH|^~\\&|LAB|H|CIRC|H|20240715101500||ORU^R01|L1|P|2.5.1',
          'PID|||A-1^^^LAB^MR',
          'OBR|1|P1||2345-7^Glucose^LN|||20240715090000',
          'OBX|1|NM|2345-7^Glucose^LN||99|mg/dL',
          'PID|||B-2^^^LAB^MR',
          'PV1||O|CLINIC^2',
          'OBR|1|P2||2345-7^Glucose^LN|||20240715091000',
          'OBX|1|NM|2345-7^Glucose^LN||101|mg/dL',
        ].join('\r'),
      ),
    );
    expect(facts.map((f) => [f.subject.patient?.mrn, f.subject.location?.code, f.at, f.results[0]?.value])).toEqual([
      ['A-1', undefined, '2024-07-15T09:00:00-05:00', '99'],
      ['B-2', 'CLINIC^2', '2024-07-15T09:10:00-05:00', '101'],
    ]);
  });

  it('accepts an ORU without OBX with a warning and no fact; refuses other types (200)', () => {
    expect(mapped(lab([]))).toMatchObject({ facts: [], warnings: ['The message carries no observation value'] });
    expect(mapResults(decoded('MSH|^~\\&|A|B|C|D|20240101||ORU^R40|1|P|2.6\rOBX|1|NM|1^x||1'), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 200 },
    });
  });
});

describe('ObxLine (the in-place OBX reader)', () => {
  /** Compares every OBX-1..18 component 1..8 of a message; returns how many, and the differences. */
  function check(d: DecodedHl7, differences: string[]): number {
    const reader = new ObxLine(d.text, d.header.encoding);
    let start = 0;
    let compared = 0;
    for (const segment of d.segments) {
      const nl = d.text.indexOf('\r', start);
      const end = nl === -1 ? d.text.length : nl;
      if (segment.name === 'OBX' && reader.reset(segment, start, end, 18)) {
        for (let f = 1; f <= 18; f++) {
          if (reader.empty(f) !== (segment.repetitions(f) === 0)) differences.push(`OBX-${f} empty`);
          for (let c = 1; c <= 8; c++) {
            const ours = reader.value(f, c);
            const decoder = segment.value(f, c);
            if (ours !== decoder)
              differences.push(`OBX-${f}.${c}: ${JSON.stringify(ours)} ≠ ${JSON.stringify(decoder)}`);
            compared++;
          }
        }
      }
      start = end + 1;
    }
    return compared;
  }

  it('reads every OBX of the corpus as Hl7Segment.value does', () => {
    let compared = 0;
    const differences: string[] = [];
    for (const dir of ['oru', 'orm', 'alarms', 'malformed']) {
      for (const file of readdirSync(path.join(CORPUS, dir))) {
        const r = decodeHl7(readFileSync(path.join(CORPUS, dir, file)));
        if (r.ok) compared += check(r.decoded, differences.length < 20 ? differences : []);
      }
    }
    expect(differences).toEqual([]);
    expect(compared).toBeGreaterThan(50_000);
  });

  it('reads generated OBX lines as Hl7Segment.value does, separators, escapes and control characters included', () => {
    const piece = fc.string({
      unit: fc.constantFrom(...'Az09 .+-^~&|\\', '\u0001', '\u0009', '\u000b', '\u007f', '\u00a0', '\u00e9'),
      maxLength: 12,
    });
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 20 }), (fields) => {
        const differences: string[] = [];
        check(decoded(`MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.6\rOBX|${fields.join('|')}`), differences);
        expect(differences).toEqual([]);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('the in-place path reads as the decoder does', () => {
  /** The same message with every line after MSH indented: the decoder trims it; the in-place reader steps aside. */
  const throughDecoder = (text: string): string =>
    text
      .split('\r')
      .map((line, i) => (i === 0 ? line : ` ${line}`))
      .join('\r');

  it('on every ORU^R01 of the corpus', () => {
    let files = 0;
    for (const dir of ['oru', 'malformed']) {
      for (const file of readdirSync(path.join(CORPUS, dir))) {
        const r = decodeHl7(readFileSync(path.join(CORPUS, dir, file)));
        if (!r.ok || r.decoded.header.messageType.code !== 'ORU' || r.decoded.header.messageType.trigger !== 'R01')
          continue;
        const slow = decoded(throughDecoder(r.decoded.text));
        expect([file, mapResults(r.decoded, OPTIONS)]).toEqual([file, mapResults(slow, OPTIONS)]);
        files++;
      }
    }
    expect(files).toBeGreaterThanOrEqual(20);
  });

  it('on generated device reports', () => {
    const code = fc.constantFrom(
      '150456^MDC_PULS_OXIM_SAT_O2^MDC',
      '147842^MDC_ECG_HEART_RATE^MDC',
      '150021^MDC_PRESS_BLD_NONINV_SYS^mdc',
      '151562^MDC_RESP_RATE',
      '150456^MDC_PULS\\T\\OXIM^MDC',
      '150023^MDC_PRESS_BLD_NONINV_MEAN^MDC',
      '150364^ MDC_TEMP_BODY ^MDC',
      '150456&x^MDC_PULS_OXIM_SAT_O2^MDC',
      '150456^MDC_PULS_OXIM_SAT_O2~1^MDC',
      '^MNDRY_EEG_BISPECTRAL_INDEX^99MNDRY',
      '8867-4^Heart rate^LN',
      '',
    );
    const value = fc.constantFrom(
      '98',
      ' 98 ',
      '36.60',
      '-1',
      '140',
      '8388607',
      '2047',
      '2048',
      'NaN',
      '',
      '98^x',
      '9\\T\\8',
      '1e3',
      '\u000198',
      '=^4',
      '~98',
    );
    const unit = fc.constantFrom(
      '262688^MDC_DIM_PERCENT^MDC',
      '264864^MDC_DIM_BEAT_PER_MIN^MDC',
      'mm[Hg]^mm[Hg]^UCUM',
      '^MDC_DIM_DEGC^MDC',
      '999999^MDC_DIM_PERCENT^MDC',
      '%^%^UCUM^262688^MDC_DIM_PERCENT^MDC',
      'x&y',
      '',
    );
    const time = fc.constantFrom(
      '20240715101500-0500',
      '20240715101500',
      ' 20240715101600-0500',
      '2024071510',
      'bad',
      '20240715101500^x',
      '',
    );
    const sub = fc.constantFrom('1.1.1.1', '1.2.1.3', '', '1.16.1.0', '1\\T\\2');
    const type = fc.constantFrom('NM', 'SN', 'ST', '', 'CWE');
    const obx = fc
      .tuple(type, code, sub, value, unit, time)
      .map(([t, c, s, v, u, at]) => `OBX|1|${t}|${c}|${s}|${v}|${u}|||||R|||${at}`);
    fc.assert(
      fc.property(fc.array(obx, { minLength: 1, maxLength: 10 }), fc.boolean(), (lines, profile) => {
        const text = pcd(lines, profile ? PCD_MSH : PCD_MSH.replace(/\|IHE_PCD_001.*$/, ''));
        expect(mapResults(decoded(text), OPTIONS)).toEqual(mapResults(decoded(throughDecoder(text)), OPTIONS));
      }),
      { numRuns: 1500 },
    );
  });
});

describe('the MDC table (@circulator/contracts)', () => {
  it('names the vitals by code, by digits and by REFID', () => {
    expect(mdcVitalSource(150456)).toMatchObject({ name: 'spo2', refid: 'MDC_PULS_OXIM_SAT_O2' });
    expect(mdcVitalSource('147842')).toMatchObject({ name: 'hr', rank: 1 });
    expect(mdcVitalSource('', 'MDC_ECG_CARD_BEAT_RATE')).toMatchObject({ name: 'hr', code: 147842 });
    expect(vitalNameForMdc('MDC_CO2_RESP_RATE')).toBe('rr');
    expect(vitalNameForMdc(151570)).toBe('rr');
    expect(vitalNameForMdc('151708')).toBe('etco2');
    expect(vitalNameForMdc('MDC_TEMP_SKIN')).toBeUndefined();
    expect(vitalNameForMdc(150344)).toBe('temp');
    expect(vitalNameForMdc('0x24BB8')).toBeUndefined();
    for (const refid of BIS_REFIDS) expect(vitalNameForMdc(refid)).toBe('bis');
    const codes = MDC_VITAL_SOURCES.map((s) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
    // Partition 2 (SCADA) codes: 2 × 65536 + term code.
    for (const code of codes) expect(Math.floor(code / 65536)).toBe(2);
  });

  it('gives display units for MDC and UCUM units', () => {
    expect(mdcUnitDisplay('262688')).toBe('%');
    expect(mdcUnitDisplay(268192)).toBe('°C');
    expect(mdcUnitDisplay('', 'MDC_DIM_MMHG')).toBe('mmHg');
    expect(mdcUnitDisplay('MDC_DIM_BEAT_PER_MIN')).toBe('/min');
    expect(mdcUnitDisplay('toString')).toBeUndefined();
    expect(ucumDisplay('mm[Hg]')).toBe('mmHg');
    expect(ucumDisplay('Cel')).toBe('°C');
    expect(ucumDisplay('{beat}/min')).toBe('/min');
    expect(ucumDisplay('constructor')).toBe('constructor');
  });

  it('knows the IEEE 11073 special values', () => {
    for (const v of [8388606, 8388607, 8388608, 8388609, 8388610]) expect(isIeee11073Special(v)).toBe(true);
    expect(isIeee11073Special(2047)).toBe(false);
    expect(isIeee11073Special(2047, true)).toBe(true);
    expect(isIeee11073Special(8388607.5)).toBe(false);
    expect(isIeee11073Special(120, true)).toBe(false);
  });

  it('parses decimals exactly as Number does, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.tuple(
          fc.constantFrom('', '+', '-'),
          fc.stringMatching(/^\d{0,17}$/),
          fc.constantFrom('', '.'),
          fc.stringMatching(/^\d{0,24}$/),
        ),
        ([sign, whole, dot, fraction]) => {
          const text = `${sign}${whole}${dot}${fraction}`;
          const expected = whole === '' && fraction === '' ? undefined : Number(text);
          expect(parseDecimal(text)).toBe(dot === '' && fraction !== '' ? Number(text) : expected);
        },
      ),
      { numRuns: 5000 },
    );
    expect(parseDecimal('1e3')).toBeUndefined();
    expect(parseDecimal('0x10')).toBeUndefined();
    expect(parseDecimal('1.2.3')).toBeUndefined();
    expect(parseDecimal('.5')).toBe(0.5);
  });
});
