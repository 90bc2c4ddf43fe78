import type { ContextEntry } from '../inbound/fhir.context';
import { obj, objects, type FhirResource } from '../inbound/fhir.json';
import { keyOf, localKey, parseReference } from '../inbound/fhir.reference';
import { FhirRequestError, NotOnBaseError } from './fhir.request';
import type { FhirSource } from './fhir.source';

/** The references a mapper resolves, per resource type (see libs/fhir/src/inbound). */
export function referencesToFollow(resource: FhirResource): unknown[] {
  switch (resource.resourceType) {
    case 'Appointment':
      return [...objects(resource['participant']).map((p) => p['actor']), ...objects(resource['basedOn'])];
    case 'Encounter':
      return [resource['subject'], ...objects(resource['appointment'])];
    case 'Procedure':
      return [resource['subject'], resource['encounter']];
    case 'Observation':
      return [resource['subject'], resource['device']];
    case 'PractitionerRole':
      return [resource['practitioner']];
    default:
      return [];
  }
}

/** Resource types fetched as context: what the mappers read from references, nothing more. */
const FETCHABLE = new Set([
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'Appointment',
  'Encounter',
  'ServiceRequest',
  'Device',
]);

/** The most context resources kept with one resource (an Appointment with a whole team is ~10). */
const MAX_CONTEXT = 32;

/**
 * Gathers what a resource references, so that it is stored with it (see `encodeFhirEnvelope`):
 * from the resources at hand (the same search page or notification), from what this run fetched
 * already, else by reading it from the EHR — only ever from the configured base (`FhirSource`),
 * and only the types the mappers read. A PractitionerRole brings its Practitioner.
 */
export class ContextCollector {
  private readonly byKey = new Map<string, ContextEntry>();
  private readonly byUrl = new Map<string, ContextEntry>();
  /** What was read from the EHR in this run; null: it has none. */
  private readonly fetched = new Map<string, ContextEntry | null>();

  constructor(private readonly source: FhirSource | undefined) {}

  /** Resources at hand (a search page, a notification's entries). */
  offer(entries: readonly ContextEntry[]): void {
    for (const entry of entries) {
      if (typeof entry.resource.id === 'string')
        this.byKey.set(keyOf(entry.resource.resourceType, entry.resource.id), entry);
      if (entry.fullUrl) this.byUrl.set(entry.fullUrl, entry);
    }
  }

  /**
   * The context of one resource. References that cannot be had (another server, none on the EHR)
   * are left out: the mapper says what it missed. A failure to reach the EHR is thrown.
   */
  async contextFor(focus: ContextEntry): Promise<ContextEntry[]> {
    const out = new Map<string, ContextEntry>();
    const focusKey = typeof focus.resource.id === 'string' ? keyOf(focus.resource.resourceType, focus.resource.id) : '';
    const visit = async (resource: FhirResource, depth: number): Promise<void> => {
      for (const reference of referencesToFollow(resource)) {
        if (out.size >= MAX_CONTEXT) return;
        const entry = await this.find(reference);
        if (!entry) continue;
        const key =
          typeof entry.resource.id === 'string'
            ? keyOf(entry.resource.resourceType, entry.resource.id)
            : (entry.fullUrl ?? '');
        if (key === focusKey || out.has(key)) continue;
        out.set(key, entry);
        if (depth === 0 && entry.resource.resourceType === 'PractitionerRole') await visit(entry.resource, 1);
      }
    };
    await visit(focus.resource, 0);
    return [...out.values()];
  }

  private async find(reference: unknown): Promise<ContextEntry | undefined> {
    const ref =
      typeof obj(reference)?.['reference'] === 'string' ? (obj(reference)!['reference'] as string) : undefined;
    if (ref === undefined) return undefined;
    const byUrl = this.byUrl.get(ref);
    if (byUrl) return byUrl;
    const parsed = parseReference(ref);
    if (
      parsed.kind === 'urn' ||
      parsed.kind === 'contained' ||
      parsed.kind === 'invalid' ||
      parsed.kind === 'conditional'
    ) {
      return undefined;
    }
    const key = parsed.kind === 'relative' ? keyOf(parsed.type, parsed.id) : localKey(ref, this.source?.base);
    if (key !== undefined) {
      const here = this.byKey.get(key);
      if (here) return here;
    }
    if (!this.source || key === undefined || !FETCHABLE.has(key.split('/')[0] ?? '')) return undefined;
    if (this.fetched.has(key)) return this.fetched.get(key) ?? undefined;
    try {
      const resource = await this.source.read(key);
      const entry = resource ? { fullUrl: `${this.source.base}/${key}`, resource } : null;
      this.fetched.set(key, entry);
      return entry ?? undefined;
    } catch (err) {
      if (err instanceof NotOnBaseError) return undefined;
      if (err instanceof FhirRequestError && !err.retryable) {
        // 403 and the like: the EHR will not give it to us; map without it.
        this.fetched.set(key, null);
        return undefined;
      }
      throw err;
    }
  }
}
