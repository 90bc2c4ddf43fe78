import { isResource, obj, objects, str, type FhirResource, type JsonObject } from './fhir.json';
import { keyOf, localKey, parseReference, referencedType } from './fhir.reference';

/** A resource that came with the one being mapped, and the address it came from. */
export interface ContextEntry {
  fullUrl?: string;
  resource: FhirResource;
}

/** What a `Reference` element says, whether or not the resource it names is at hand. */
export interface ReferenceInfo {
  /** The reference string as written. */
  reference?: string;
  /** The resource type it names (from the string, else `Reference.type`). */
  type?: string;
  /** `Type/id` when it names a resource on our FHIR base. */
  key?: string;
  display?: string;
  /** `Reference.identifier`: a logical reference (e.g. an MRN when the Patient is not shared). */
  identifier?: { system?: string; value: string; typeCode?: string };
}

/**
 * The resource being mapped with the resources it references that came with it (from the same
 * notification or search page, or fetched from the EHR when it was stored). Mappers resolve
 * references only here: they never fetch, so a stored message always maps the same way.
 */
export class FhirContext {
  private readonly byKey = new Map<string, FhirResource>();
  private readonly byUrl = new Map<string, FhirResource>();

  /**
   * @param focus the resource being mapped
   * @param entries resources that came with it (the focus may be among them)
   * @param base the FHIR base the focus came from, when known: absolute references under it are
   *   matched by `Type/id`.
   */
  constructor(
    readonly focus: FhirResource,
    entries: readonly ContextEntry[] = [],
    readonly base?: string,
  ) {
    for (const entry of [{ resource: focus }, ...entries]) {
      const { resource } = entry;
      if (resource.id !== undefined && typeof resource.id === 'string') {
        this.byKey.set(keyOf(resource.resourceType, resource.id), resource);
      }
      if ('fullUrl' in entry && entry.fullUrl) this.byUrl.set(entry.fullUrl, resource);
    }
  }

  /** The resource a `Reference` (or a reference string) names, if it came with the focus. */
  resolve(reference: unknown, from: FhirResource = this.focus): FhirResource | undefined {
    const ref = typeof reference === 'string' ? reference : str(obj(reference)?.['reference']);
    if (ref === undefined) return undefined;
    const parsed = parseReference(ref);
    switch (parsed.kind) {
      case 'contained': {
        const found = objects(from['contained']).find((r) => r['id'] === parsed.id);
        return isResource(found) ? found : undefined;
      }
      case 'urn':
        return this.byUrl.get(parsed.url);
      case 'absolute':
        return (
          this.byUrl.get(parsed.url) ??
          (this.base !== undefined ? this.byKey.get(localKey(ref, this.base) ?? '') : undefined)
        );
      case 'relative':
        return this.byKey.get(keyOf(parsed.type, parsed.id));
      case 'conditional':
      case 'invalid':
        return undefined;
    }
  }

  /** What a `Reference` says, for when the resource itself did not come along. */
  describe(reference: unknown): ReferenceInfo {
    const r: JsonObject = obj(reference) ?? (typeof reference === 'string' ? { reference } : {});
    const info: ReferenceInfo = {};
    const ref = str(r['reference']);
    if (ref !== undefined) {
      info.reference = ref;
      const type = referencedType(ref);
      if (type !== undefined) info.type = type;
      const parsed = parseReference(ref);
      if (parsed.kind === 'relative') info.key = keyOf(parsed.type, parsed.id);
      else if (parsed.kind === 'absolute' && this.base !== undefined) {
        const key = localKey(ref, this.base);
        if (key !== undefined) info.key = key;
      }
    }
    const type = str(r['type']);
    if (info.type === undefined && type !== undefined) info.type = type;
    const display = str(r['display']);
    if (display !== undefined) info.display = display;
    const identifier = obj(r['identifier']);
    const value = str(identifier?.['value']);
    if (identifier && value !== undefined) {
      info.identifier = { value };
      const system = str(identifier['system']);
      if (system !== undefined) info.identifier.system = system;
      const typeCode = objects(obj(identifier['type'])?.['coding'])
        .map((c) => str(c['code']))
        .find((c) => c !== undefined);
      if (typeCode !== undefined) info.identifier.typeCode = typeCode;
    }
    // A resolved resource tells its own type and key even when the reference was a urn or contained.
    const resolved = this.resolve(reference);
    if (resolved) {
      info.type ??= resolved.resourceType;
      if (info.key === undefined && typeof resolved.id === 'string' && ref !== undefined && !ref.startsWith('#')) {
        info.key = keyOf(resolved.resourceType, resolved.id);
      }
    }
    return info;
  }
}
