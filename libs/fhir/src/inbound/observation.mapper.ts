import { ucumDisplay, vitalNameForMdc, type VitalName } from '@circulator/contracts';
import {
  checkVital,
  type FactDraft,
  type ObservationSubject,
  type ResultReading,
  type VitalReading,
} from '@circulator/domain';
import type { ResourceMapOptions, ResourceMapping } from './appointment.mapper';
import type { FhirContext } from './fhir.context';
import { codingsOf, instant, num, obj, objects, str, type Code, type FhirResource, type JsonObject } from './fhir.json';
import { readPatientRef } from './fhir.people';

const LOINC = 'http://loinc.org';
/** FHIR's system URI of ISO/IEEE 11073-10101 (MDC). */
const MDC = 'urn:iso:std:iso:11073:10101';

/**
 * LOINC codes of the FHIR R4 vital signs profiles (§ observation-vitalsigns: heart rate, respiratory
 * rate, oxygen saturation, body temperature, and the blood pressure panel's components), plus US
 * Core's pulse oximetry 59408-5.
 */
const LOINC_VITALS: ReadonlyMap<string, VitalName> = new Map([
  ['8867-4', 'hr'],
  ['9279-1', 'rr'],
  ['2708-6', 'spo2'],
  ['59408-5', 'spo2'],
  ['8310-5', 'temp'],
  ['8480-6', 'nibpSys'],
  ['8462-4', 'nibpDia'],
]);

/** Statuses whose values are results (FHIR R4 ObservationStatus); the others are no reading. */
const USABLE = new Set(['registered', 'preliminary', 'final', 'amended', 'corrected']);

/** The vitals name of a coding: a LOINC vital sign, or an MDC code we know. */
function vitalOf(codings: readonly Code[]): { name: VitalName; code: Code } | undefined {
  for (const c of codings) {
    if (c.code === undefined) continue;
    if (c.system === LOINC) {
      const name = LOINC_VITALS.get(c.code);
      if (name) return { name, code: c };
    } else if (c.system === MDC) {
      const name = vitalNameForMdc(c.code);
      if (name) return { name, code: c };
    }
  }
  return undefined;
}

/**
 * Observation → readings (CONTRACT §3 `vitals`), the FHIR twin of ORU^R01:
 * - A LOINC vital sign (or MDC code) with a `valueQuantity` is a vital, converted to its display
 *   unit by the domain's `checkVital` (UCUM `mm[Hg]`, `Cel`, `[degF]`, `/min`…); one out of range
 *   or in a unit we cannot convert is kept as a result, with a warning.
 * - `component`s are read the same way (the blood pressure panel's systolic and diastolic).
 * - Anything else with a value is a result: code `system|code`, the value as text.
 * - When: `effectiveDateTime`, `effectivePeriod.start`, `effectiveInstant`, else `issued`; a date
 *   without a time is no moment, and the Observation is not placed.
 * - Whose: the subject Patient (the case at that time), and the `device` as the subject's device.
 * `cancelled`, `entered-in-error` and `unknown` Observations carry no reading.
 */
export function mapObservation(o: FhirResource, ctx: FhirContext, _options: ResourceMapOptions): ResourceMapping {
  const warnings: string[] = [];
  const status = str(o['status']) ?? 'unknown';
  if (!USABLE.has(status)) return { facts: [], warnings: [`Observation is ${status}: no reading`] };
  const effective =
    instant(o['effectiveDateTime']) ??
    instant(obj(o['effectivePeriod'])?.['start']) ??
    instant(o['effectiveInstant']) ??
    instant(o['issued']);
  if (effective === undefined) {
    // A day alone (`2012-09-17`) says no moment: a reading cannot be placed on a case by it, and
    // the update time would put an old reading on today's case.
    return { facts: [], warnings: ['Observation has no effective time to the minute with a zone: no reading'] };
  }
  const at = effective;

  const subject: ObservationSubject = {};
  const patient = o['subject'] === undefined ? undefined : readPatientRef(ctx, o['subject'], warnings);
  if (patient)
    subject.patient = patient.assigningAuthority
      ? { mrn: patient.mrn, assigningAuthority: patient.assigningAuthority }
      : { mrn: patient.mrn };
  const device = ctx.describe(o['device']);
  if (device.key?.startsWith('Device/')) {
    subject.device = device.display ? { id: device.key.slice(7), name: device.display } : { id: device.key.slice(7) };
  }
  if (!subject.patient && !subject.device) {
    return { facts: [], warnings: [...warnings, 'Observation names no patient: no case to put it on'] };
  }

  const vitals: VitalReading[] = [];
  const results: ResultReading[] = [];
  const read = (element: JsonObject) => readValue(element, status, at, vitals, results, warnings);
  read(o);
  for (const component of objects(o['component'])) read(component);
  if (!vitals.length && !results.length) {
    return { facts: [], warnings: [...warnings, 'Observation carries no value'] };
  }
  const fact: FactDraft = { kind: 'observations', at, subject, vitals, results };
  return patient ? { facts: [fact], warnings, mrn: patient.mrn } : { facts: [fact], warnings };
}

/** One Observation (or component) value as a vital or a result. */
function readValue(
  element: JsonObject,
  status: string,
  at: string,
  vitals: VitalReading[],
  results: ResultReading[],
  warnings: string[],
): void {
  const codings = codingsOf(element['code']);
  const coded = codings.find((c) => c.code !== undefined);
  if (!coded) return;
  const code = coded.system ? `${coded.system}|${coded.code}` : (coded.code ?? '');
  const text = codings.find((c) => c.display !== undefined)?.display ?? coded.code ?? code;
  const quantity = obj(element['valueQuantity']);
  const value = num(quantity?.['value']);
  const unit = str(quantity?.['code']) ?? str(quantity?.['unit']) ?? '';
  const vital = vitalOf(codings);
  if (vital && value !== undefined) {
    const checked = checkVital(vital.name, value, ucumDisplay(unit));
    if (checked.ok) {
      vitals.push({ name: vital.name, value: checked.value, unit: checked.unit, at, code });
      return;
    }
    warnings.push(`${vital.name} not used: ${checked.detail}`);
  }
  const rendered =
    value !== undefined
      ? String(value)
      : (str(element['valueString']) ??
        str(obj(element['valueCodeableConcept'])?.['text']) ??
        codingsOf(element['valueCodeableConcept']).find((c) => c.display ?? c.code)?.display ??
        (typeof element['valueBoolean'] === 'boolean' ? String(element['valueBoolean']) : undefined));
  if (rendered === undefined) return;
  const result: ResultReading = { code, text, value: rendered, at, status };
  if (value !== undefined && unit !== '') result.unit = ucumDisplay(unit);
  const flag = codingsOf(objects(element['interpretation'])[0]).find((c) => c.code !== undefined)?.code;
  if (flag !== undefined) result.flag = flag;
  results.push(result);
}
