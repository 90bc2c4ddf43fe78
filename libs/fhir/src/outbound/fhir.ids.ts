import { createHash } from 'node:crypto';

/** FHIR R4 `id` (http://hl7.org/fhir/R4/datatypes.html#id): 1–64 of letters, digits, `-` and `.`. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The form {@link fhirIdOf} gives an id that is no FHIR id: `x-` and 32 hex digits. */
export const HASHED_ID = /^x-[0-9a-f]{32}$/;

/** Whether a string is a FHIR R4 id. */
export function isFhirId(value: string): boolean {
  return FHIR_ID.test(value);
}

/**
 * The FHIR id of one of our room or device ids: the id itself when it is a FHIR id (every room id
 * the platform makes, and most device ids), else `x-` and the first 128 bits of its SHA-256 in hex
 * (a device id with `_`, a mapped room id with `_` or `:` or longer than 64). An id that already
 * looks hashed is hashed too, so that two of our ids never share a FHIR id. Stable across restarts
 * and processes; reversed by {@link ourIdCandidate} or, for hashed ids, by looking the id up.
 */
export function fhirIdOf(ourId: string): string {
  if (FHIR_ID.test(ourId) && !HASHED_ID.test(ourId)) return ourId;
  return `x-${createHash('sha256').update(ourId, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * Our id behind a FHIR id, when it can be read off it (every id but the hashed form); `undefined`
 * for a hashed id (the caller looks it up among the ids it knows) and for anything that is no
 * FHIR id at all (which names nothing).
 */
export function ourIdCandidate(fhirId: string): string | undefined {
  return FHIR_ID.test(fhirId) && !HASHED_ID.test(fhirId) ? fhirId : undefined;
}
