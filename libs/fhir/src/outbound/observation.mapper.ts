import type { CodeableConcept, Coding, Observation, ObservationComponent, Quantity } from 'fhir/r4';
import { type CaseView, isCaseId, type VitalName } from '@circulator/contracts';
import { type CaseRecordMeta, caseMeta, encounterReference, fhirInstant, patientReference } from './fhir.references';
import { CIRCULATOR_SYSTEMS, DATA_ABSENT_REASON, LOINC, MDC, OBSERVATION_CATEGORY, UCUM } from './fhir.systems';

/**
 * The Observations the façade makes of a case's vitals: one per vitals name, except the two
 * pressures, which are one blood-pressure panel (as the R4 vital-signs profile wants them).
 */
export const OBSERVATION_KINDS = ['hr', 'spo2', 'bp', 'rr', 'temp', 'etco2', 'bis'] as const;
export type ObservationKind = (typeof OBSERVATION_KINDS)[number];

export type ObservationCategory = 'vital-signs' | 'procedure';

const PROFILE_BASE = 'http://hl7.org/fhir/StructureDefinition/';

/** What an Observation kind is: its codes, category, R4 profile and the vitals behind it. */
export interface ObservationKindDefinition {
  kind: ObservationKind;
  text: string;
  /** LOINC codings, the profile's own first. */
  loinc: readonly Coding[];
  /** MDC coding, only when the vitals name has one MDC source (else we cannot say which one measured it). */
  mdc?: Coding;
  category: ObservationCategory;
  /** R4 vital-signs profile (name under http://hl7.org/fhir/StructureDefinition/), claimed when the units fit it. */
  profile?: string;
  /** UCUM codes the profile allows for the value. */
  profileUnits?: readonly string[];
  /** The vitals names it is made of: one, or the panel's components. */
  vitals: readonly VitalName[];
}

const loinc = (code: string, display: string): Coding => ({ system: LOINC, code, display });
const mdc = (code: number, display: string): Coding => ({ system: MDC, code: String(code), display });

/**
 * LOINC codes of the R4 vital-signs profiles (http://hl7.org/fhir/R4/observation-vitalsigns.html):
 * heart rate 8867-4, oxygen saturation 2708-6 (and 59408-5, by pulse oximetry, which is what an
 * SpO2 is), blood pressure panel 85354-9 with systolic 8480-6 and diastolic 8462-4, respiratory
 * rate 9279-1, body temperature 8310-5. End-tidal CO2 and the bispectral index are no vital signs
 * of the profile: etCO2 is LOINC 19891-1 (CO2 partial pressure in exhaled gas at end expiration,
 * in mmHg like our value), BIS has neither a LOINC nor a published MDC code (libs/contracts
 * mdc.ts), so it carries our own vitals code only. Both are filed under category `procedure`
 * (observations made during a procedure: intra-operative monitoring), not `vital-signs`.
 */
export const OBSERVATION_KIND_DEFINITIONS: Readonly<Record<ObservationKind, ObservationKindDefinition>> = {
  hr: {
    kind: 'hr',
    text: 'Heart rate',
    loinc: [loinc('8867-4', 'Heart rate')],
    category: 'vital-signs',
    profile: 'heartrate',
    profileUnits: ['/min'],
    vitals: ['hr'],
  },
  spo2: {
    kind: 'spo2',
    text: 'Oxygen saturation (SpO2)',
    loinc: [
      loinc('2708-6', 'Oxygen saturation in Arterial blood'),
      loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'),
    ],
    mdc: mdc(150456, 'MDC_PULS_OXIM_SAT_O2'),
    category: 'vital-signs',
    profile: 'oxygensat',
    profileUnits: ['%'],
    vitals: ['spo2'],
  },
  bp: {
    kind: 'bp',
    text: 'Blood pressure (non-invasive)',
    loinc: [loinc('85354-9', 'Blood pressure panel with all children optional')],
    category: 'vital-signs',
    profile: 'bp',
    profileUnits: ['mm[Hg]'],
    vitals: ['nibpSys', 'nibpDia'],
  },
  rr: {
    kind: 'rr',
    text: 'Respiratory rate',
    loinc: [loinc('9279-1', 'Respiratory rate')],
    category: 'vital-signs',
    profile: 'resprate',
    profileUnits: ['/min'],
    vitals: ['rr'],
  },
  temp: {
    kind: 'temp',
    text: 'Body temperature',
    loinc: [loinc('8310-5', 'Body temperature')],
    category: 'vital-signs',
    profile: 'bodytemp',
    profileUnits: ['Cel', '[degF]'],
    vitals: ['temp'],
  },
  etco2: {
    kind: 'etco2',
    text: 'End-tidal CO2',
    loinc: [loinc('19891-1', 'Carbon dioxide [Partial pressure] in Exhaled gas --at end expiration')],
    category: 'procedure',
    vitals: ['etco2'],
  },
  bis: {
    kind: 'bis',
    text: 'Bispectral index (BIS)',
    loinc: [],
    category: 'procedure',
    vitals: ['bis'],
  },
};

/**
 * The panel's components (R4 bp profile: SystolicBP and DiastolicBP slices, told apart by the
 * values of `code.coding.code` and `code.coding.system`). Each carries its LOINC coding only: a
 * second coding (MDC 150021/150022) would make those discriminators yield two values. Systolic
 * first, diastolic second, always.
 */
const BP_COMPONENTS: readonly { vital: 'nibpSys' | 'nibpDia'; loinc: Coding; text: string }[] = [
  { vital: 'nibpSys', loinc: loinc('8480-6', 'Systolic blood pressure'), text: 'Systolic blood pressure' },
  { vital: 'nibpDia', loinc: loinc('8462-4', 'Diastolic blood pressure'), text: 'Diastolic blood pressure' },
];

/** The Observation kind a vitals name belongs to. */
export function observationKindOf(vital: VitalName): ObservationKind {
  return vital === 'nibpSys' || vital === 'nibpDia' ? 'bp' : vital;
}

/** `{caseId}-{kind}`: at most 36 + 1 + 5 characters, a FHIR id. */
export function observationId(caseId: string, kind: ObservationKind): string {
  return `${caseId}-${kind}`;
}

const OBSERVATION_ID = new RegExp(`^(.{36})-(${OBSERVATION_KINDS.join('|')})$`);

/** The case and kind an Observation id names, or undefined. */
export function parseObservationId(id: string): { caseId: string; kind: ObservationKind } | undefined {
  const m = OBSERVATION_ID.exec(id);
  return m && isCaseId(m[1]!) ? { caseId: m[1]!.toLowerCase(), kind: m[2] as ObservationKind } : undefined;
}

/**
 * Display units of CONTRACT §3 vitals (and the other spellings devices use, which the domain
 * accepts) as UCUM: `/min`, `%`, `mm[Hg]`, `kPa`, `Cel`, `[degF]`, and `1` for the dimensionless
 * BIS. A unit not listed here is written as given, without a UCUM code.
 */
const UCUM_OF: ReadonlyMap<string, { code: string; unit: string }> = new Map([
  ['/min', { code: '/min', unit: '/min' }],
  ['bpm', { code: '/min', unit: '/min' }],
  ['rpm', { code: '/min', unit: '/min' }],
  ['{beat}/min', { code: '/min', unit: '/min' }],
  ['{breath}/min', { code: '/min', unit: '/min' }],
  ['1/min', { code: '/min', unit: '/min' }],
  ['%', { code: '%', unit: '%' }],
  ['mmHg', { code: 'mm[Hg]', unit: 'mmHg' }],
  ['mm[Hg]', { code: 'mm[Hg]', unit: 'mmHg' }],
  ['kPa', { code: 'kPa', unit: 'kPa' }],
  ['°C', { code: 'Cel', unit: '°C' }],
  ['Cel', { code: 'Cel', unit: '°C' }],
  ['°F', { code: '[degF]', unit: '°F' }],
  ['[degF]', { code: '[degF]', unit: '°F' }],
  ['', { code: '1', unit: '1' }],
  ['1', { code: '1', unit: '1' }],
  ['{index}', { code: '1', unit: '1' }],
  ['index', { code: '1', unit: '1' }],
]);

/** A reading as a FHIR Quantity: UCUM when the unit is one we know. */
export function vitalQuantity(value: number, unit: string): Quantity {
  const ucum = UCUM_OF.get(unit.trim());
  if (!ucum) return unit.trim() === '' ? { value } : { value, unit };
  return { value, unit: ucum.unit, system: UCUM, code: ucum.code };
}

function category(c: ObservationCategory): CodeableConcept[] {
  const display = c === 'vital-signs' ? 'Vital Signs' : 'Procedure';
  return [{ coding: [{ system: OBSERVATION_CATEGORY, code: c, display }], text: display }];
}

function ourCode(vital: VitalName | 'nibp'): Coding {
  return { system: CIRCULATOR_SYSTEMS.vital, code: vital };
}

/**
 * The Observation status of a case's newest reading: `preliminary` while the case goes on (the
 * reading is the monitor's, unverified, and the next one replaces it under the same id — IHE PCD
 * sends such values as OBX-11 `R`), `final` once the case is completed and nothing replaces it.
 */
function readingStatus(view: CaseView): Observation['status'] {
  return view.status === 'completed' ? 'final' : 'preliminary';
}

/**
 * A case's vitals as R4 Observations, in {@link OBSERVATION_KINDS} order. The case model keeps
 * only the newest reading of each vital (with its own time): that is what is served, one
 * Observation per kind, whose id stays the same as readings replace each other. A cancelled or
 * no-show case has none (CaseView hides its vitals). The vital-signs kinds claim their R4 profile
 * (`meta.profile`) when their units are the profile's.
 */
export function observationsFromCase(view: CaseView, record: CaseRecordMeta = {}): Observation[] {
  const out: Observation[] = [];
  for (const kind of OBSERVATION_KINDS) {
    const obs = observationFromCase(view, kind, record);
    if (obs) out.push(obs);
  }
  return out;
}

/** One kind of a case's vitals as an Observation; undefined when the case has no such reading. */
export function observationFromCase(
  view: CaseView,
  kind: ObservationKind,
  record: CaseRecordMeta = {},
): Observation | undefined {
  const def = OBSERVATION_KIND_DEFINITIONS[kind];
  return kind === 'bp' ? bloodPressure(view, def, record) : single(view, def, record);
}

function single(view: CaseView, def: ObservationKindDefinition, record: CaseRecordMeta): Observation | undefined {
  const vital = def.vitals[0]!;
  const reading = view.vitals[vital];
  const at = fhirInstant(reading?.at);
  if (!reading || at === undefined) return undefined;
  const valueQuantity = vitalQuantity(reading.value, reading.unit);
  const fitsProfile =
    def.profile !== undefined && valueQuantity.code !== undefined && !!def.profileUnits?.includes(valueQuantity.code);
  return {
    resourceType: 'Observation',
    id: observationId(view.id, def.kind),
    meta: caseMeta(view, record, fitsProfile ? [PROFILE_BASE + def.profile] : undefined),
    status: readingStatus(view),
    category: category(def.category),
    code: {
      coding: [...def.loinc, ...(def.mdc ? [def.mdc] : []), ourCode(vital)],
      text: def.text,
    },
    subject: patientReference(view),
    encounter: encounterReference(view.id),
    effectiveDateTime: at,
    valueQuantity,
  };
}

/**
 * The blood-pressure panel (R4 bp profile): both components always present, one without a
 * reading carries `dataAbsentReason` `unknown` instead of a value. Its time is the newer of the
 * two readings' (they come from the same cuff inflation; if not, the panel is as new as its
 * newest part).
 */
function bloodPressure(
  view: CaseView,
  def: ObservationKindDefinition,
  record: CaseRecordMeta,
): Observation | undefined {
  const readings = BP_COMPONENTS.map((c) => ({ c, reading: view.vitals[c.vital] }));
  const times = readings.flatMap(({ reading }) => {
    const at = fhirInstant(reading?.at);
    return at === undefined ? [] : [at];
  });
  if (!times.length) return undefined;
  const at = times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
  let fitsProfile = true;
  const component: ObservationComponent[] = readings.map(({ c, reading }) => {
    const code: CodeableConcept = { coding: [c.loinc], text: c.text };
    if (!reading || fhirInstant(reading.at) === undefined) {
      return {
        code,
        dataAbsentReason: { coding: [{ system: DATA_ABSENT_REASON, code: 'unknown', display: 'Unknown' }] },
      };
    }
    const valueQuantity = vitalQuantity(reading.value, reading.unit);
    if (valueQuantity.code === undefined || !def.profileUnits?.includes(valueQuantity.code)) fitsProfile = false;
    return { code, valueQuantity };
  });
  return {
    resourceType: 'Observation',
    id: observationId(view.id, 'bp'),
    meta: caseMeta(view, record, fitsProfile ? [PROFILE_BASE + def.profile!] : undefined),
    status: readingStatus(view),
    category: category(def.category),
    code: { coding: [...def.loinc, ourCode('nibp')], text: def.text },
    subject: patientReference(view),
    encounter: encounterReference(view.id),
    effectiveDateTime: at,
    component,
  };
}
