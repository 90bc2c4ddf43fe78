import { createHash } from 'node:crypto';
import type { ContextEntry } from './fhir.context';
import { isObject, isResource, metaOf, objects, str, type FhirResource } from './fhir.json';
import { normalizeBase, parseReference } from './fhir.reference';

/**
 * How a FHIR resource is kept in the inbox: a FHIR Bundle of type `collection` whose first entry is
 * the resource itself and the others the resources it references that came with it or were fetched
 * with it (its Patient, Practitioners, Location, Encounter, Appointment). The row is self-contained:
 * mapping it again (a retry, a reprocess) reads exactly what was read the first time, and an
 * integration engineer sees in the message log what the mapping saw.
 */
export interface FhirEnvelope {
  focus: ContextEntry;
  context: ContextEntry[];
}

/** The inbox row's raw bytes for a resource and its context. */
export function encodeFhirEnvelope(envelope: FhirEnvelope): Buffer {
  const entry = [envelope.focus, ...envelope.context].map((e) =>
    e.fullUrl ? { fullUrl: e.fullUrl, resource: e.resource } : { resource: e.resource },
  );
  return Buffer.from(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }), 'utf8');
}

/** Reads an inbox row back (a bare resource is read as a focus without context). */
export function decodeFhirEnvelope(
  raw: Buffer | string,
): { ok: true; envelope: FhirEnvelope } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    return { ok: false, problem: `not JSON: ${(err as Error).message}` };
  }
  if (!isResource(json)) return { ok: false, problem: 'not a FHIR resource (no resourceType)' };
  if (json.resourceType !== 'Bundle') return { ok: true, envelope: { focus: { resource: json }, context: [] } };
  const entries: ContextEntry[] = objects(json['entry']).flatMap((e) => {
    const resource = e['resource'];
    if (!isResource(resource)) return [];
    const fullUrl = str(e['fullUrl']);
    return [fullUrl === undefined ? { resource } : { fullUrl, resource }];
  });
  const [focus, ...context] = entries;
  if (!focus) return { ok: false, problem: 'the Bundle holds no resource' };
  return { ok: true, envelope: { focus, context } };
}

/** The FHIR base a resource came from, read from its `fullUrl` (`{base}/{type}/{id}`). */
export function baseOf(entry: ContextEntry): string | undefined {
  if (!entry.fullUrl) return undefined;
  const parsed = parseReference(entry.fullUrl);
  return parsed.kind === 'absolute' ? normalizeBase(parsed.base) : undefined;
}

/** How the inbox names one version of a resource: its dedup key and its provenance label. */
export interface ResourceVersionKey {
  /**
   * The inbox's control id: a second copy of the same version (from the sync and the hook, or two
   * notifications) is a duplicate and is not applied again. `Type/id/_history/{versionId}`, else
   * `Type/id@{lastUpdated}`, else `Type/id#{content hash}`.
   */
  controlId: string;
  /** For the case's event log: `Appointment/123/_history/2`. */
  label: string;
}

export function versionKeyOf(resource: FhirResource): ResourceVersionKey {
  const id = typeof resource.id === 'string' && resource.id !== '' ? resource.id : undefined;
  const base = id === undefined ? resource.resourceType : `${resource.resourceType}/${id}`;
  const { versionId, lastUpdated } = metaOf(resource);
  if (versionId !== undefined && id !== undefined) {
    const label = `${base}/_history/${versionId}`;
    return { controlId: label, label };
  }
  if (lastUpdated !== undefined && id !== undefined) {
    return { controlId: `${base}@${lastUpdated}`, label: `${base} (lastUpdated ${lastUpdated})` };
  }
  const hash = createHash('sha256').update(stableJson(resource)).digest('hex').slice(0, 32);
  return { controlId: `${base}#${hash}`, label: base };
}

/** JSON with object keys sorted, so that the same content hashes the same whatever the key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
