import type { VitalName } from './case-view';

/**
 * ISO/IEEE 11073-10101 (MDC) nomenclature that Circulator understands: which device observations
 * are the vitals of CONTRACT §3, their display units, and the IEEE 11073 "special values" that mean
 * "no reading". Shared by the HL7 mappers (IHE PCD-01 / PCD-04, OBX-3 and OBX-6) and the MQTT
 * device feed (CONTRACT §6: `code` is a REFID such as `MDC_PULS_OXIM_SAT_O2` or its number `150456`).
 *
 * An MDC code is `partition × 65536 + term code` (FHIR "mdc" code system page); the vitals below are
 * in partition 2 (SCADA), units in partition 4 (DIM). Every code was checked against at least one
 * published list, named in the comment: the HL7 Denmark DK Core IG value set "IEEE Basic
 * Observation" (DK), the Philips IntelliVue Data Export nomenclature (term code + 131072 — IVE), the
 * German MII review of 11073-10101 version 2024-12-05 (MII), or the IHE PCD TF-2 examples (PCD).
 */

/** One source of a vitals name: the MDC code, its reference id, and its preference (1 = best). */
export interface MdcVitalSource {
  code: number;
  refid: string;
  name: VitalName;
  /**
   * When one message carries several sources of the same vitals name (ECG heart rate and the
   * pulse oximeter's pulse rate), the lowest rank is the vital; the others are kept as results.
   */
  rank: number;
  /** Other reference ids senders use for the same code. */
  aliases?: readonly string[];
}

/** The MDC observations that are CONTRACT §3 vitals, best source first within each name. */
export const MDC_VITAL_SOURCES: readonly MdcVitalSource[] = [
  // hr — 147842: DK, IVE 16770 (as MDC_ECG_CARD_BEAT_RATE), PCD E.1.1.
  { code: 147842, refid: 'MDC_ECG_HEART_RATE', name: 'hr', rank: 1, aliases: ['MDC_ECG_CARD_BEAT_RATE'] },
  { code: 149530, refid: 'MDC_PULS_OXIM_PULS_RATE', name: 'hr', rank: 2 }, // DK
  { code: 149522, refid: 'MDC_BLD_PULS_RATE_INV', name: 'hr', rank: 3 }, // DK
  { code: 149514, refid: 'MDC_PULS_RATE', name: 'hr', rank: 4 }, // DK, IVE 18442
  { code: 149546, refid: 'MDC_PULS_RATE_NON_INV', name: 'hr', rank: 5 }, // DK, PCD E.1.2 (episodic NIBP)
  // spo2 — DK, IVE 19384, PCD E.1.1 and E.3.1.
  { code: 150456, refid: 'MDC_PULS_OXIM_SAT_O2', name: 'spo2', rank: 1 },
  // NIBP — DK, IVE 18949/18950, PCD E.1.1 and E.1.2.
  { code: 150021, refid: 'MDC_PRESS_BLD_NONINV_SYS', name: 'nibpSys', rank: 1 },
  { code: 150022, refid: 'MDC_PRESS_BLD_NONINV_DIA', name: 'nibpDia', rank: 1 },
  // etco2 — 151708 is MDC_CONC_AWAY_CO2_ET ("partial pressure of CO2 in airway gas at the end of
  // expiration"): MII, IVE 20636. MDC_AWAY_CO2_ET is 151728 (IVE 20656), not 151708.
  { code: 151708, refid: 'MDC_CONC_AWAY_CO2_ET', name: 'etco2', rank: 1 },
  { code: 151728, refid: 'MDC_AWAY_CO2_ET', name: 'etco2', rank: 2 },
  // temp — body first, then the core sites monitored in the OR, then the peripheral ones, then the
  // unspecified MDC_TEMP that many monitors send for "T1". Skin temperature is no body temperature.
  { code: 150364, refid: 'MDC_TEMP_BODY', name: 'temp', rank: 1 }, // DK
  { code: 150368, refid: 'MDC_TEMP_CORE', name: 'temp', rank: 2 }, // DK, IVE 19296
  { code: 150372, refid: 'MDC_TEMP_ESOPH', name: 'temp', rank: 3 }, // IVE 19300
  { code: 150380, refid: 'MDC_TEMP_NASOPH', name: 'temp', rank: 4 }, // IVE 19308
  { code: 188420, refid: 'MDC_TEMP_RECT', name: 'temp', rank: 5 }, // DK, IVE 57348
  { code: 150392, refid: 'MDC_TEMP_TYMP', name: 'temp', rank: 6 }, // DK, IVE 19320
  { code: 188424, refid: 'MDC_TEMP_ORAL', name: 'temp', rank: 7 }, // DK
  { code: 188428, refid: 'MDC_TEMP_EAR', name: 'temp', rank: 8 }, // DK
  { code: 188452, refid: 'MDC_TEMP_AXILLA', name: 'temp', rank: 9 }, // DK
  { code: 150344, refid: 'MDC_TEMP', name: 'temp', rank: 10 }, // IVE 19272
  // rr — DK lists all four. 151594 is MDC_CO2_RESP_RATE; MDC_AWAY_RESP_RATE is 151570 (also IVE 20498).
  { code: 151562, refid: 'MDC_RESP_RATE', name: 'rr', rank: 1 },
  { code: 151570, refid: 'MDC_AWAY_RESP_RATE', name: 'rr', rank: 2 },
  { code: 151594, refid: 'MDC_CO2_RESP_RATE', name: 'rr', rank: 3 },
  { code: 151578, refid: 'MDC_TTHOR_RESP_RATE', name: 'rr', rank: 4 },
];

/**
 * The bispectral index has no code in the published 11073-10101 lists we could check. Devices send it
 * under vendor terms: Philips IntelliVue NOM_EEG_BISPECTRAL_INDEX (term 0xF04E, a private-range code,
 * so its number 192590 is not matched — another vendor may use it for something else), Mindray
 * MNDRY_EEG_BISPECTRAL_INDEX, OpenICE MDC_EEG_BISPECTRAL_INDEX. It is recognised by these names only.
 */
export const BIS_REFIDS: readonly string[] = [
  'MDC_EEG_BISPECTRAL_INDEX',
  'MNDRY_EEG_BISPECTRAL_INDEX',
  'NOM_EEG_BISPECTRAL_INDEX',
];

const BY_CODE: ReadonlyMap<number, MdcVitalSource> = new Map(MDC_VITAL_SOURCES.map((s) => [s.code, s]));
/** The same by the code's digits, as HL7 OBX-3.1 and MQTT payloads carry it: one lookup, no parse. */
const BY_CODE_TEXT: ReadonlyMap<string, MdcVitalSource> = new Map(MDC_VITAL_SOURCES.map((s) => [String(s.code), s]));
const bisSource = (refid: string): MdcVitalSource => ({ code: 0, refid, name: 'bis', rank: 1 });
const BY_REFID: ReadonlyMap<string, MdcVitalSource> = new Map([
  ...MDC_VITAL_SOURCES.flatMap((s) => [s.refid, ...(s.aliases ?? [])].map((r) => [r, s] as const)),
  ...BIS_REFIDS.map((r) => [r, bisSource(r)] as const),
]);

/**
 * The vitals source of an MDC observation, by its code (number or digits) and else by its REFID;
 * `undefined` when it is no vitals name of CONTRACT §3.
 */
export function mdcVitalSource(code: string | number, refid = ''): MdcVitalSource | undefined {
  const byCode = typeof code === 'number' ? BY_CODE.get(code) : BY_CODE_TEXT.get(code);
  if (byCode !== undefined) return byCode;
  if (refid !== '') return BY_REFID.get(refid);
  return typeof code === 'string' ? BY_REFID.get(code) : undefined;
}

/** The vitals name of an MDC code or REFID (MQTT `observations[].code`), if it is one. */
export function vitalNameForMdc(code: string | number): VitalName | undefined {
  return mdcVitalSource(code)?.name;
}

/**
 * Display units of the MDC dimensions (partition 4) our vitals use, by REFID. Codes are checked
 * against the IHE PCD TF-2 examples (262688, 264864, 264928, 266016, 264338, 262656) and device
 * captures (268192).
 */
export const MDC_UNIT_DISPLAY: Readonly<Record<string, string>> = {
  MDC_DIM_PERCENT: '%',
  MDC_DIM_BEAT_PER_MIN: '/min',
  MDC_DIM_RESP_PER_MIN: '/min',
  MDC_DIM_MMHG: 'mmHg',
  MDC_DIM_KILO_PASCAL: 'kPa',
  MDC_DIM_DEGC: '°C',
  MDC_DIM_FAHR: '°F',
  MDC_DIM_DIMLESS: '',
  MDC_DIM_MILLI_SEC: 'ms',
  MDC_DIM_MILLI_L: 'mL',
  MDC_DIM_MILLI_L_PER_HR: 'mL/h',
  MDC_DIM_KILO_G: 'kg',
  MDC_DIM_MIN: 'min',
};

const UNIT_BY_REFID: ReadonlyMap<string, string> = new Map(Object.entries(MDC_UNIT_DISPLAY));

const UNIT_BY_CODE: ReadonlyMap<number, string> = new Map([
  [262688, '%'],
  [264864, '/min'],
  [264928, '/min'],
  [266016, 'mmHg'],
  [268192, '°C'],
  [262656, ''],
  [264338, 'ms'],
  [263762, 'mL'],
  [265266, 'mL/h'],
  [263875, 'kg'],
  [264352, 'min'],
]);

const UNIT_BY_CODE_TEXT: ReadonlyMap<string, string> = new Map([...UNIT_BY_CODE].map(([c, u]) => [String(c), u]));

/** UCUM units written in a form a display should not show as is. */
const UCUM_DISPLAY: ReadonlyMap<string, string> = new Map([
  ['mm[Hg]', 'mmHg'],
  ['Cel', '°C'],
  ['[degF]', '°F'],
  ['{beat}/min', '/min'],
  ['{beats}/min', '/min'],
  ['{breath}/min', '/min'],
  ['{breaths}/min', '/min'],
  ['{resp}/min', '/min'],
  ['1/min', '/min'],
]);

/**
 * The display unit of an MDC unit (REFID or code); `undefined` when it is not one we know (the
 * caller then keeps the unit as given).
 */
export function mdcUnitDisplay(code: string | number, refid = ''): string | undefined {
  if (typeof code === 'number') return UNIT_BY_CODE.get(code) ?? UNIT_BY_REFID.get(refid);
  return UNIT_BY_CODE_TEXT.get(code) ?? UNIT_BY_REFID.get(refid) ?? UNIT_BY_REFID.get(code);
}

/** A UCUM unit as a display shows it (`mm[Hg]` → `mmHg`, `Cel` → `°C`); others unchanged. */
export function ucumDisplay(unit: string): string {
  return UCUM_DISPLAY.get(unit) ?? unit;
}

/**
 * IEEE 11073-20601 special values of the FLOAT-Type (32-bit: 24-bit mantissa, exponent 0), which a
 * gateway that forwards raw mantissas writes into OBX-5: they are "no reading", never a value.
 */
export const IEEE11073_FLOAT_SPECIAL = {
  /** Not a Number, 0x007FFFFF. */
  nan: 8388607,
  /** Not at this Resolution, 0x00800000. */
  nres: 8388608,
  /** Reserved for future use, 0x00800001. */
  reserved: 8388609,
  /** + Infinity, 0x007FFFFE. */
  positiveInfinity: 8388606,
  /** − Infinity, 0x00800002. */
  negativeInfinity: 8388610,
} as const;

/** The same special values of the 16-bit SFLOAT-Type (12-bit mantissa): 0x07FF, 0x0800, 0x0801, 0x07FE, 0x0802. */
export const IEEE11073_SFLOAT_SPECIAL = {
  nan: 2047,
  nres: 2048,
  reserved: 2049,
  positiveInfinity: 2046,
  negativeInfinity: 2050,
} as const;

/**
 * True when a device value is an IEEE 11073 special value. The FLOAT values (8388606–8388610) can be
 * no measurement at all; the SFLOAT ones (2046–2050) are checked only when `sfloat` is set — the
 * caller sets it for vitals, where such numbers are impossible, and not for other results (2048 mL
 * is a volume).
 */
export function isIeee11073Special(value: number, sfloat = false): boolean {
  if (value >= 8388606 && value <= 8388610 && Number.isInteger(value)) return true;
  return sfloat && value >= 2046 && value <= 2050 && Number.isInteger(value);
}
