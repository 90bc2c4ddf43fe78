import type { Bundle, BundleEntry, BundleLink, FhirResource, OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';

/** A search's answer before it is a Bundle: the page of matches, what they include, the links. */
export interface SearchsetPage {
  /** The façade's base URL, e.g. `https://or.example/fhir` (no trailing slash). */
  base: string;
  /** Every match of the search, not only this page's (R4 Bundle.total). */
  total: number;
  matches: readonly FhirResource[];
  /** Resources named by `_include`, once each, none that is also a match. */
  included: readonly FhirResource[];
  links: readonly BundleLink[];
}

/**
 * A `searchset` Bundle (http://hl7.org/fhir/R4/bundle.html, R4 §3.1.1.3 search): every entry with
 * its `fullUrl` and its search mode, `match` before `include`; `total` counts matches only.
 */
export function searchsetBundle(page: SearchsetPage): Bundle {
  const entry: BundleEntry[] = [
    ...page.matches.map((resource) => entryOf(page.base, resource, 'match')),
    ...page.included.map((resource) => entryOf(page.base, resource, 'include')),
  ];
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: page.total,
    link: [...page.links],
    ...(entry.length ? { entry } : {}),
  };
}

function entryOf(base: string, resource: FhirResource, mode: 'match' | 'include'): BundleEntry {
  return { fullUrl: `${base}/${resource.resourceType}/${resource.id ?? ''}`, resource, search: { mode } };
}

/** An OperationOutcome with one issue (R4 issue-severity and issue-type codes). */
export function operationOutcome(
  severity: OperationOutcomeIssue['severity'],
  code: OperationOutcomeIssue['code'],
  diagnostics: string,
  expression?: string,
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression !== undefined) issue.expression = [expression];
  return { resourceType: 'OperationOutcome', issue: [issue] };
}
