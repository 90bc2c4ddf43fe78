/**
 * Reading FHIR JSON that came from outside. Resources from an EHR are parsed JSON, not checked
 * against the FHIR structure definitions: every value is read with a type test, and what is
 * missing or of the wrong type reads as absent (the mapper then says what it could not use).
 */

/** A FHIR resource as parsed JSON: a `resourceType` and whatever else the sender wrote. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [element: string]: unknown;
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isResource(value: unknown): value is FhirResource {
  return isObject(value) && typeof value['resourceType'] === 'string' && value['resourceType'] !== '';
}

/** A non-empty trimmed string, else undefined. */
export function str(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The objects of an array element (non-objects dropped); `[]` when it is not an array. */
export function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export function obj(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

/** `meta.versionId` and `meta.lastUpdated` of a resource, when valued. */
export function metaOf(resource: FhirResource): { versionId?: string; lastUpdated?: string } {
  const meta = obj(resource['meta']);
  const out: { versionId?: string; lastUpdated?: string } = {};
  const versionId = str(meta?.['versionId']);
  const lastUpdated = str(meta?.['lastUpdated']);
  if (versionId !== undefined) out.versionId = versionId;
  if (lastUpdated !== undefined) out.lastUpdated = lastUpdated;
  return out;
}

/** One coding of a CodeableConcept (or a Coding itself). */
export interface Code {
  system?: string;
  code?: string;
  display?: string;
}

/** The codings of a CodeableConcept, plus its text as a display-only entry. */
export function codingsOf(concept: unknown): Code[] {
  const c = obj(concept);
  if (!c) return [];
  const out: Code[] = objects(c['coding']).map((coding) => {
    const code: Code = {};
    const system = str(coding['system']);
    const value = str(coding['code']);
    const display = str(coding['display']);
    if (system !== undefined) code.system = system;
    if (value !== undefined) code.code = value;
    if (display !== undefined) code.display = display;
    return code;
  });
  const text = str(c['text']);
  if (text !== undefined) out.push({ display: text });
  return out;
}

/** A CodeableConcept as `{code?, text}`: the first coding with a code, its text or display. */
export function conceptText(concept: unknown): { code?: string; text: string } | undefined {
  const c = obj(concept);
  if (!c) return undefined;
  const codings = codingsOf(c).filter((x) => x.code !== undefined || x.display !== undefined);
  const coded = codings.find((x) => x.code !== undefined);
  const text = str(c['text']) ?? coded?.display ?? codings.find((x) => x.display !== undefined)?.display ?? coded?.code;
  if (text === undefined) return undefined;
  return coded?.code !== undefined ? { code: coded.code, text } : { text };
}

/** True when a CodeableConcept (or a list of them) carries `code` (any system) — case-insensitive. */
export function hasCode(concepts: unknown, codes: ReadonlySet<string>): boolean {
  const list = Array.isArray(concepts) ? concepts : [concepts];
  return list.some((concept) =>
    codingsOf(concept).some((c) => c.code !== undefined && codes.has(c.code.toUpperCase())),
  );
}

/**
 * An ISO 8601 instant as FHIR writes `instant` and time-valued `dateTime`: a date, a time to the
 * minute at least and a zone (FHIR R4 §2.24.0.2: "If hours and minutes are specified, a time zone
 * SHALL be populated"). A date alone (`2013-04-05`) is no instant: it says a day, not when.
 */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function instant(value: unknown): string | undefined {
  const s = str(value);
  if (s === undefined || !INSTANT.test(s) || Number.isNaN(Date.parse(s))) return undefined;
  return s;
}

/** A FHIR `date` (or the date part of a dateTime) as `YYYY-MM-DD`, when it has a full date. */
export function fullDate(value: unknown): string | undefined {
  const s = str(value);
  const m = s === undefined ? null : /^(\d{4}-\d{2}-\d{2})/.exec(s);
  return m?.[1];
}
