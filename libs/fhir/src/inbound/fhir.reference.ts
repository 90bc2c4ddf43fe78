/**
 * FHIR references (R4 §2.3.0, "Resolving references in Bundles" §2.36.4.1) and the one security
 * rule about them: we only ever fetch from the configured FHIR base.
 */

/** A FHIR resource type name: letters, first upper case (`Appointment`, `PractitionerRole`). */
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
/** FHIR R4 `id`: 1–64 of A-Z a-z 0-9 - . */
const RESOURCE_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export type ParsedReference =
  | { kind: 'contained'; id: string }
  | { kind: 'urn'; url: string }
  | { kind: 'relative'; type: string; id: string; version?: string }
  | { kind: 'absolute'; url: string; base: string; type: string; id: string; version?: string }
  /** `Practitioner?identifier=…` (a conditional reference, as bulk exports write them). */
  | { kind: 'conditional'; type: string; query: string }
  | { kind: 'invalid' };

/** Splits `…/Type/id[/_history/vid]` into its parts; undefined when the tail is no resource address. */
function tailOf(path: string): { prefix: string; type: string; id: string; version?: string } | undefined {
  const parts = path.split('/');
  let version: string | undefined;
  if (parts.length >= 4 && parts[parts.length - 2] === '_history') {
    version = parts.pop();
    parts.pop();
  }
  const id = parts.pop();
  const type = parts.pop();
  if (type === undefined || id === undefined || !RESOURCE_TYPE.test(type) || !RESOURCE_ID.test(id)) return undefined;
  if (version !== undefined && !RESOURCE_ID.test(version)) return undefined;
  return version === undefined ? { prefix: parts.join('/'), type, id } : { prefix: parts.join('/'), type, id, version };
}

/** Reads a reference string (`Reference.reference` or a Bundle entry's `fullUrl`). */
export function parseReference(reference: string): ParsedReference {
  const ref = reference.trim();
  if (ref.startsWith('#')) {
    const id = ref.slice(1);
    return RESOURCE_ID.test(id) ? { kind: 'contained', id } : { kind: 'invalid' };
  }
  if (/^urn:(uuid|oid):/i.test(ref)) return { kind: 'urn', url: ref };
  if (/^https?:\/\//i.test(ref)) {
    if (!URL.canParse(ref)) return { kind: 'invalid' };
    const url = new URL(ref);
    if (url.search || url.hash || url.username || url.password) return { kind: 'invalid' };
    const tail = tailOf(url.pathname);
    if (!tail) return { kind: 'invalid' };
    const base = normalizeBase(`${url.origin}${tail.prefix}`);
    const out = { kind: 'absolute' as const, url: ref, base, type: tail.type, id: tail.id };
    return tail.version === undefined ? out : { ...out, version: tail.version };
  }
  const query = ref.indexOf('?');
  if (query > 0) {
    const type = ref.slice(0, query);
    return RESOURCE_TYPE.test(type) ? { kind: 'conditional', type, query: ref.slice(query + 1) } : { kind: 'invalid' };
  }
  const tail = tailOf(`/${ref}`);
  if (!tail || tail.prefix !== '') return { kind: 'invalid' };
  return tail.version === undefined
    ? { kind: 'relative', type: tail.type, id: tail.id }
    : { kind: 'relative', type: tail.type, id: tail.id, version: tail.version };
}

/** A base URL without trailing slashes, so that bases compare as strings. */
export function normalizeBase(base: string): string {
  return base.trim().replace(/\/+$/, '');
}

/**
 * True when `url` is an address on the FHIR server at `base`: same scheme, host and port, and a
 * path under the base's path. Used before every fetch that a message, not our configuration, asked
 * for (an id-only notification, a next-page link, a reference): whoever can send us a notification
 * must not be able to make us call another server, with the EHR's credentials attached.
 */
export function isOnBase(url: string, base: string): boolean {
  if (!URL.canParse(url) || !URL.canParse(base)) return false;
  const u = new URL(url);
  const b = new URL(normalizeBase(base));
  if (u.username || u.password) return false;
  if (u.protocol !== b.protocol || u.host !== b.host) return false;
  const basePath = b.pathname.replace(/\/+$/, '');
  return u.pathname === basePath || u.pathname.startsWith(`${basePath}/`);
}

/** `Type/id` of a resource, the key references are matched on. */
export function keyOf(type: string, id: string): string {
  return `${type}/${id}`;
}

/**
 * The `Type/id` a reference names on the server at `base` (relative, or absolute under that base),
 * else undefined (contained, urn, conditional, or another server).
 */
export function localKey(reference: string, base: string | undefined): string | undefined {
  const parsed = parseReference(reference);
  if (parsed.kind === 'relative') return keyOf(parsed.type, parsed.id);
  if (parsed.kind === 'absolute' && base !== undefined && parsed.base === normalizeBase(base)) {
    return keyOf(parsed.type, parsed.id);
  }
  return undefined;
}

/** The resource type a reference string names, when it says (`Patient/1`, `…/Patient/1`, `Patient?…`). */
export function referencedType(reference: string): string | undefined {
  const parsed = parseReference(reference);
  switch (parsed.kind) {
    case 'relative':
    case 'absolute':
    case 'conditional':
      return parsed.type;
    case 'contained':
    case 'urn':
    case 'invalid':
      return undefined;
  }
}
