import type { HookOutcome } from './subscription-hook.service';

/** An OperationOutcome issue (FHIR R4 §OperationOutcome; codes from IssueType). */
export interface OutcomeIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: string;
  diagnostics: string;
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OutcomeIssue[];
}

export function operationOutcome(issues: OutcomeIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.length ? issues : [{ severity: 'information', code: 'informational', diagnostics: 'nothing to do' }],
  };
}

/** The list, at most `max` of it, and how many more there were. */
function some(items: readonly string[], max = 20): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** The hook's 200 answer: what was stored, what was not and why. */
export function hookOutcome(outcome: HookOutcome): OperationOutcome {
  const issues: OutcomeIssue[] = [];
  const subject = outcome.subscription ? ` from ${outcome.subscription}` : '';
  issues.push({
    severity: 'information',
    code: 'informational',
    diagnostics:
      `${outcome.kind}${subject}: ${outcome.stored.length} resource version(s) stored` +
      (outcome.stored.length ? ` (${some(outcome.stored)})` : '') +
      (outcome.duplicates.length ? `; ${outcome.duplicates.length} already stored (${some(outcome.duplicates)})` : ''),
  });
  for (const r of outcome.refused) {
    issues.push({
      severity: 'warning',
      code: r.reason.startsWith('not on FHIR_BASE_URL') ? 'forbidden' : 'incomplete',
      diagnostics: `${r.subject}: ${r.reason}`,
    });
  }
  for (const i of outcome.ignored) issues.push({ severity: 'information', code: 'not-supported', diagnostics: i });
  if (outcome.missed !== undefined) {
    issues.push({
      severity: 'warning',
      code: 'incomplete',
      diagnostics:
        `notifications were missed (${outcome.missed}); ` +
        (outcome.catchUp === 'requested'
          ? 'a catch-up sync is running'
          : 'no catch-up possible: FHIR_BASE_URL is not set'),
    });
  } else if (outcome.catchUp === 'requested') {
    issues.push({
      severity: 'information',
      code: 'informational',
      diagnostics: 'a catch-up sync reads what could not be fetched now',
    });
  }
  return operationOutcome(issues);
}
