import type { ApplyResult } from '../case.engine';
import type { CaseState } from '../case.model';
import type { Fact } from '../fact';

/** A fact no case was found for: only a schedule booking creates one. */
export function noCase(fact: Fact): ApplyResult {
  return {
    state: undefined,
    events: [],
    warnings: [
      {
        code: 'no-case',
        message: `${fact.kind} fact matches no case; only a schedule booking creates one`,
        source: fact.source,
      },
    ],
  };
}

/** A fact the engine cannot order (its time is no time): kept for the log, not applied. */
export function invalidTime(current: CaseState | undefined, fact: Fact): ApplyResult {
  return invalid(current, fact, `${fact.kind} fact's time '${fact.at}' is not an ISO 8601 instant; not applied`);
}

export function invalid(current: CaseState | undefined, fact: Fact, message: string): ApplyResult {
  return { state: current, events: [], warnings: [{ code: 'invalid-fact', message, source: fact.source }] };
}
