import type { SourceLocation } from '@circulator/domain';
import type { FhirContext } from './fhir.context';
import { str } from './fhir.json';

/**
 * A Location reference as a source location (resolved to a room by the pipeline; an unknown one
 * creates a room flagged unmapped, CONTRACT §3). The code is `Location/{id}` — FHIR's own stable
 * key, so that an integration engineer maps it once — and the name the Location's `name`, else the
 * reference's display. A Location that is only contained or only displayed has no stable key and
 * names no room.
 */
export function readLocation(ctx: FhirContext, reference: unknown): SourceLocation | undefined {
  const info = ctx.describe(reference);
  if (info.key === undefined || !info.key.startsWith('Location/')) return undefined;
  const resource = ctx.resolve(reference);
  const name = str(resource?.['name']) ?? info.display ?? info.key;
  return { code: info.key, name };
}

/** The `Type/id` key of a Location reference, for comparing two references to the same place. */
export function locationKey(ctx: FhirContext, reference: unknown): string | undefined {
  const key = ctx.describe(reference).key;
  return key?.startsWith('Location/') ? key : undefined;
}
