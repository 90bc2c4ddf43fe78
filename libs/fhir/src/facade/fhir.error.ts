import type { OperationOutcomeIssue } from 'fhir/r4';

/**
 * Why the façade refused a request. One code per answer a client can act on; each maps to exactly
 * one HTTP status and R4 issue type (see {@link outcomeForFhirError}).
 */
export type FhirErrorCode =
  /** A search parameter's value, a modifier, `_count`… that cannot be read (400, `invalid`). */
  | 'invalid-parameter'
  /** A search parameter, modifier, prefix or `_include` the façade does not support (400, `not-supported`). */
  | 'unsupported-parameter'
  /** A resource type the façade does not serve (404, `not-supported`). */
  | 'unknown-type'
  /** No such resource (404, `not-found`). */
  | 'not-found'
  /** A write to the read-only façade (405, `not-supported`, with `Allow: GET`). */
  | 'method-not-allowed'
  /** The client asked for a format other than FHIR JSON (406, `not-supported`). */
  | 'not-acceptable';

/** The single coded error type of the FHIR façade (STYLE §7). */
export class FhirError extends Error {
  override readonly name = 'FhirError';

  constructor(
    readonly code: FhirErrorCode,
    message: string,
    /** The FHIRPath-ish place of the problem, e.g. the parameter name (OperationOutcome.issue.expression). */
    readonly expression?: string,
  ) {
    super(message);
  }
}

/** HTTP status and issue type of a {@link FhirErrorCode}. Exhaustive. */
export function outcomeForFhirError(code: FhirErrorCode): { status: number; issue: OperationOutcomeIssue['code'] } {
  switch (code) {
    case 'invalid-parameter':
      return { status: 400, issue: 'invalid' };
    case 'unsupported-parameter':
      return { status: 400, issue: 'not-supported' };
    case 'unknown-type':
      return { status: 404, issue: 'not-supported' };
    case 'not-found':
      return { status: 404, issue: 'not-found' };
    case 'method-not-allowed':
      return { status: 405, issue: 'not-supported' };
    case 'not-acceptable':
      return { status: 406, issue: 'not-supported' };
  }
}
