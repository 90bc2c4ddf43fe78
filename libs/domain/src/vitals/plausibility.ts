import { isIeee11073Special, ucumDisplay, type VitalName } from '@circulator/contracts';

// Bound once: through the lib's `export *` (CommonJS output) each call would go through a getter,
// and checkVital runs once per device reading.
const isSpecialValue = isIeee11073Special;

/**
 * Vital-sign plausibility: is a device value a reading at all, in a unit we understand, and
 * physiologically possible? Shared by the HL7 IHE PCD-01 mapper and the MQTT device feed so that
 * a value refused on one path is refused on the other. Pure: no clock, no I/O.
 *
 * These are limits of what a sensor can honestly report, never alarm limits: a value inside them
 * may be alarming (the alert rules judge that), a value outside them is an artefact, a unit error
 * or a vendor "invalid" marker, and must not reach a display or a rule.
 */

/** Why a value is not a reading. */
export type VitalRejectionReason = 'sentinel' | 'implausible' | 'unit';

/** A value accepted (in the vital's display unit) or refused, with a detail an engineer can act on. */
export type VitalCheck =
  { ok: true; value: number; unit: string } | { ok: false; reason: VitalRejectionReason; detail: string };

/** A physiologic range, inclusive at both ends, in the vital's display unit. */
export interface VitalRange {
  /** The display unit of the vitals name (CONTRACT §3). */
  unit: string;
  min: number;
  max: number;
  /** Why these bounds: what a device can measure, or what a living patient can have. */
  why: string;
}

/**
 * The plausible range of each vitals name. Bounds are the measuring ranges of OR monitors, which
 * are wider than any value a living patient shows; the reason is given with each.
 */
export const VITAL_RANGES: Readonly<Record<VitalName, VitalRange>> = {
  hr: {
    unit: '/min',
    min: 15,
    max: 300,
    why:
      'ECG monitors and oximeters specify rate ranges of about 15–300 /min (IEC 60601-2-27 asks for at least ' +
      '30–200 adult); beyond them the count is noise. Asystole is an alarm of the device, not a rate of 0.',
  },
  spo2: {
    unit: '%',
    min: 30,
    max: 100,
    why:
      'A saturation cannot exceed 100 %; oximeters are calibrated down to 70 % (ISO 80601-2-61 accuracy ' +
      'range) and below 30 % what they show is signal loss, not a saturation.',
  },
  nibpSys: {
    unit: 'mmHg',
    min: 30,
    max: 300,
    why:
      'The measuring range of oscillometric NIBP modules (IEC 80601-2-30 devices: about 30–270 mmHg systolic; ' +
      '300 mmHg is the cuff pressure limit, so no higher systolic can be measured).',
  },
  nibpDia: {
    unit: 'mmHg',
    min: 10,
    max: 200,
    why: 'The measuring range of oscillometric NIBP modules for the diastolic pressure (about 10–220 mmHg).',
  },
  etco2: {
    unit: 'mmHg',
    min: 0,
    max: 150,
    why:
      'Capnographs measure 0–150 mmHg (0–20 kPa, ISO 80601-2-55 devices). 0 is a real value: apnoea or a ' +
      'disconnected circuit, which the rules must see.',
  },
  temp: {
    unit: '°C',
    min: 25,
    max: 45,
    why:
      'Body temperature probes in the OR read 25–45 °C; outside it the probe is in the air or in warm fluid. ' +
      'Deliberate deep hypothermia (cardiac arrest under bypass, 18–20 °C) is outside this range.',
  },
  rr: {
    unit: '/min',
    min: 0,
    max: 120,
    why:
      'Respiratory rates counted by capnographs and ventilators; 0 is apnoea (a real value), 120 covers ' +
      'neonates and high-frequency ventilation settings that still report a rate.',
  },
  bis: {
    unit: '',
    min: 0,
    max: 100,
    why: 'The bispectral index is defined on 0 (isoelectric EEG) to 100 (awake).',
  },
};

/** The display unit of a vitals name (CONTRACT §3: `vitals: { [name]: { value, unit, at } }`). */
export function vitalDisplayUnit(name: VitalName): string {
  return VITAL_RANGES[name].unit;
}

/** 1 kPa = 7.50062 mmHg (1 mmHg = 133.322 Pa, ISO 80000-4). */
export const MMHG_PER_KPA = 7.50062;

/**
 * Gas concentration in % to partial pressure: we assume dry gas at sea-level standard atmospheric
 * pressure (101.325 kPa = 760 mmHg), so 1 % = 7.6 mmHg. A capnograph that reports % does not say
 * at what barometric pressure; at altitude (or BTPS, 713 mmHg) the true pressure is lower by up to
 * a few mmHg, which is within what matters for a display but not for a research record.
 */
export const MMHG_PER_PERCENT_CO2_AT_SEA_LEVEL = 7.6;

type Convert = (value: number) => number;

/** Values already in the display unit are kept exactly as sent. */
const same: Convert = (v) => v;
/** One decimal: the resolution monitors display pressures and temperatures at. */
const round1 = (v: number): number => Math.round(v * 10) / 10;
const fromKpa: Convert = (v) => round1(v * MMHG_PER_KPA);
const fromPercentCo2: Convert = (v) => round1(v * MMHG_PER_PERCENT_CO2_AT_SEA_LEVEL);
const fromFahrenheit: Convert = (v) => round1(((v - 32) * 5) / 9);

// Units are matched after `ucumDisplay`, so the UCUM spellings it knows (`mm[Hg]`, `Cel`, `[degF]`,
// `{beat}/min`, `1/min`…) are accepted with the display units themselves. `bpm`, `rpm` and `{index}`
// are accepted because the alert rules (rules.config.ts) already accept them from devices.
type UnitList = readonly (readonly [unit: string, convert: Convert])[];

const PER_MINUTE: UnitList = [['/min', same]];
const PRESSURE: UnitList = [
  ['mmHg', same],
  ['kPa', fromKpa],
];

/** The units each vitals name may come in, and how each converts to the display unit (listed first). */
const UNIT_TABLE: Readonly<Record<VitalName, UnitList>> = {
  hr: [...PER_MINUTE, ['bpm', same]],
  spo2: [['%', same]],
  nibpSys: PRESSURE,
  nibpDia: PRESSURE,
  etco2: [...PRESSURE, ['%', fromPercentCo2]],
  temp: [
    ['°C', same],
    ['°F', fromFahrenheit],
  ],
  rr: [...PER_MINUTE, ['rpm', same]],
  // UCUM writes a dimensionless quantity as `1`; `{index}` is an annotation of it.
  bis: [
    ['', same],
    ['1', same],
    ['{index}', same],
    ['index', same],
  ],
};

/** As maps: a unit such as `constructor` must find nothing, not an `Object.prototype` member. */
const UNITS: Readonly<Record<VitalName, ReadonlyMap<string, Convert>>> = {
  hr: new Map(UNIT_TABLE.hr),
  spo2: new Map(UNIT_TABLE.spo2),
  nibpSys: new Map(UNIT_TABLE.nibpSys),
  nibpDia: new Map(UNIT_TABLE.nibpDia),
  etco2: new Map(UNIT_TABLE.etco2),
  temp: new Map(UNIT_TABLE.temp),
  rr: new Map(UNIT_TABLE.rr),
  bis: new Map(UNIT_TABLE.bis),
};

/**
 * Checks one vital value and converts it to the display unit of its name.
 *
 * In order: a non-finite number or an IEEE 11073 special value (FLOAT and, since no vital can be
 * 2046–2050 in its own unit, SFLOAT) is `sentinel` — "no reading", whatever its unit; a unit the
 * name does not accept is `unit` (never guessed: 38 in an unknown unit could be anything); a value
 * outside {@link VITAL_RANGES} after conversion is `implausible`.
 */
export function checkVital(name: VitalName, value: number, unit: string): VitalCheck {
  if (!Number.isFinite(value)) {
    return { ok: false, reason: 'sentinel', detail: `${name} ${value}: not a finite number` };
  }
  if (isSpecialValue(value, true)) {
    return { ok: false, reason: 'sentinel', detail: `${name} ${value}: IEEE 11073 special value (no reading)` };
  }
  const range = VITAL_RANGES[name];
  // Most readings come in the display unit: no lookup, no conversion (this runs per OBX of PCD-01).
  if (unit === range.unit) {
    if (value >= range.min && value <= range.max) return { ok: true, value, unit };
    return implausible(name, range, withUnit(value, unit));
  }
  const units = UNITS[name];
  const given = unit.trim();
  const convert = units.get(given) ?? units.get(ucumDisplay(given));
  if (convert === undefined) {
    return {
      ok: false,
      reason: 'unit',
      detail: `${name} ${withUnit(value, given)}: unit not accepted (expected ${acceptedUnits(name)})`,
    };
  }
  const converted = convert(value);
  if (converted >= range.min && converted <= range.max) return { ok: true, value: converted, unit: range.unit };
  const shown =
    convert === same ? withUnit(value, given) : `${withUnit(value, given)} = ${withUnit(converted, range.unit)}`;
  return implausible(name, range, shown);
}

function implausible(name: VitalName, range: VitalRange, shown: string): VitalCheck {
  return { ok: false, reason: 'implausible', detail: `${name} ${shown} (range ${range.min}–${range.max})` };
}

/** The verdict of {@link checkPressurePair}. */
export type PressurePairCheck = { ok: true } | { ok: false; reason: 'implausible'; detail: string };

/**
 * A non-invasive blood pressure's systolic and diastolic values of one measurement (both in mmHg,
 * as {@link checkVital} gives them): the diastolic must be below the systolic, or the cuff cycle
 * was an artefact and neither value can be trusted.
 */
export function checkPressurePair(sys: number, dia: number): PressurePairCheck {
  if (dia < sys) return { ok: true };
  return {
    ok: false,
    reason: 'implausible',
    detail: `nibpDia ${dia} ≥ nibpSys ${sys} mmHg (diastolic must be below systolic)`,
  };
}

/** `140 %`, `45` (no unit). */
function withUnit(value: number, unit: string): string {
  return unit === '' ? String(value) : `${value} ${unit}`;
}

/** The units a name accepts, for a message: `mmHg, kPa`, or `no unit` for the index. */
function acceptedUnits(name: VitalName): string {
  return [...UNITS[name].keys()].map((u) => (u === '' ? 'no unit' : u)).join(', ');
}
