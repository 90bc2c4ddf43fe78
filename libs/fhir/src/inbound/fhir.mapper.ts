import type { FactDraft } from '@circulator/domain';
import { mapAppointment, type ResourceMapOptions, type ResourceMapping } from './appointment.mapper';
import { mapEncounter } from './encounter.mapper';
import { FhirContext } from './fhir.context';
import { baseOf, decodeFhirEnvelope, versionKeyOf, type FhirEnvelope } from './fhir.envelope';
import type { FhirResource } from './fhir.json';
import { DEFAULT_FHIR_ROLES, type FhirRoleCodes } from './fhir.roles';
import { mapObservation } from './observation.mapper';
import { mapPatient } from './patient.mapper';
import { mapProcedure } from './procedure.mapper';

/** Resource types that become facts (CONTRACT §5). */
export const FHIR_MAPPED_TYPES = ['Appointment', 'Encounter', 'Procedure', 'Observation', 'Patient'] as const;
/**
 * Resource types kept for what references them (a person's name and role, a room's name, a device);
 * stored like the others, they make no fact of their own.
 */
export const FHIR_CONTEXT_TYPES = ['Practitioner', 'PractitionerRole', 'Location', 'Device'] as const;
/** Every resource type the inbound side takes (sync and hook). */
export const FHIR_INBOUND_TYPES: readonly string[] = [...FHIR_CONTEXT_TYPES, ...FHIR_MAPPED_TYPES];

export interface FhirMapOptions {
  /** When the message was received (ISO 8601): the facts' time when a resource has no `meta.lastUpdated`. */
  receivedAt: string;
  /** Participant type and role codes of surgeon and anesthesiologist (default {@link DEFAULT_FHIR_ROLES}). */
  roles?: FhirRoleCodes;
}

/** What one stored resource maps to. */
export interface FhirMapping {
  /** Facts without source (the pipeline attaches the inbox id) and without resolved rooms. */
  facts: FactDraft[];
  /** What was missing or odd but did not stop the mapping; free of patient data. */
  warnings: string[];
  mrn?: string;
  /** Provenance, e.g. `Appointment/123/_history/2`. */
  label: string;
}

export type FhirMapResult = { ok: true; mapping: FhirMapping } | { ok: false; problem: string; label?: string };

/** Maps one resource with what came with it. Never throws. */
export function mapFhirResource(resource: FhirResource, ctx: FhirContext, options: FhirMapOptions): FhirMapResult {
  const label = versionKeyOf(resource).label;
  try {
    const opts: ResourceMapOptions = { receivedAt: options.receivedAt, roles: options.roles ?? DEFAULT_FHIR_ROLES };
    if (typeof resource.id !== 'string' || resource.id === '') {
      return { ok: false, problem: `${resource.resourceType} without an id`, label };
    }
    let mapped: ResourceMapping;
    switch (resource.resourceType) {
      case 'Appointment':
        mapped = mapAppointment(resource, ctx, opts);
        break;
      case 'Encounter':
        mapped = mapEncounter(resource, ctx, opts);
        break;
      case 'Procedure':
        mapped = mapProcedure(resource, ctx, opts);
        break;
      case 'Observation':
        mapped = mapObservation(resource, ctx, opts);
        break;
      case 'Patient':
        mapped = mapPatient(resource, opts);
        break;
      default:
        if ((FHIR_CONTEXT_TYPES as readonly string[]).includes(resource.resourceType)) {
          mapped = { facts: [], warnings: [] };
          break;
        }
        return { ok: false, problem: `resource type ${resource.resourceType} is not read`, label };
    }
    const mapping: FhirMapping = { facts: mapped.facts, warnings: mapped.warnings, label };
    if (mapped.mrn !== undefined) mapping.mrn = mapped.mrn;
    return { ok: true, mapping };
  } catch (err) {
    return { ok: false, problem: `${resource.resourceType} could not be read: ${(err as Error).message}`, label };
  }
}

/** Maps an inbox row (see `encodeFhirEnvelope`). Never throws. */
export function mapFhirEnvelope(raw: Buffer | string, options: FhirMapOptions): FhirMapResult {
  const decoded = decodeFhirEnvelope(raw);
  if (!decoded.ok) return decoded;
  return mapFhirEnvelopeDecoded(decoded.envelope, options);
}

export function mapFhirEnvelopeDecoded(envelope: FhirEnvelope, options: FhirMapOptions): FhirMapResult {
  const { focus, context } = envelope;
  const ctx = new FhirContext(focus.resource, [focus, ...context], baseOf(focus));
  return mapFhirResource(focus.resource, ctx, options);
}
