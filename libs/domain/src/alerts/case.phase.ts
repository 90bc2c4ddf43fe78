import type { MilestoneKey } from '@circulator/contracts';
import type { CasePhase } from './rules.model';

const MINUTE_MS = 60_000;

/**
 * The case's phase at `at`, from its milestones (AACD definitions; docs/alert-rules.md):
 *
 * 1. out of room at or before `at` → `none`;
 * 2. procedure end or anaesthesia end (the earlier) at or before `at` → `emergence`;
 * 3. induction (else anaesthesia start) at or before `at` → `induction` until procedure start or
 *    `inductionMinutes` after it, whichever is first; `maintenance` after that;
 * 4. procedure start at or before `at` (no induction recorded: a local or a missed milestone) →
 *    `maintenance`;
 * 5. in room (else anaesthesia start) at or before `at` → `pre-induction`;
 * 6. else `none`.
 *
 * A milestone that is not an instant is ignored; so is an `at` that is not one (→ `none`).
 */
export function casePhase(
  milestones: Partial<Record<MilestoneKey, string>>,
  at: string,
  inductionMinutes = 15,
): CasePhase {
  const now = Date.parse(at);
  if (Number.isNaN(now)) return 'none';
  const ms = (key: MilestoneKey): number | undefined => {
    const value = milestones[key];
    const parsed = value === undefined ? NaN : Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  };
  const passed = (t: number | undefined): t is number => t !== undefined && t <= now;

  if (passed(ms('outOfRoom'))) return 'none';
  if (passed(ms('procedureEnd')) || passed(ms('anesthesiaEnd'))) return 'emergence';
  const procedureStart = ms('procedureStart');
  const induction = ms('induction') ?? ms('anesthesiaStart');
  if (passed(induction)) {
    const end = Math.min(procedureStart ?? Infinity, induction + inductionMinutes * MINUTE_MS);
    return now < end ? 'induction' : 'maintenance';
  }
  if (passed(procedureStart)) return 'maintenance';
  if (passed(ms('inRoom') ?? ms('anesthesiaStart'))) return 'pre-induction';
  return 'none';
}
