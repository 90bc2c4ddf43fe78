/**
 * Helpers for the alert rules' unit tests (not exported). Times are on the surgical day of the
 * domain's fixtures: 23 Nov 2026, UTC.
 */
import type { VitalName } from '@circulator/contracts';
import type { VitalReading } from '../../fact';
import { VITAL_PARAMETERS } from '../rules.config';
import type { RuleAlert, RuleAnnotation, RuleOutcome, RuleTrack } from '../rules.model';

/** The instant `hh:mm:ss` of the surgical day (UTC). */
export function at(hhmm: string, seconds = 0): string {
  return `2026-11-23T${hhmm}:${String(seconds).padStart(2, '0')}.000Z`;
}

/** A vital reading in the vital's own unit unless told. */
export function vital(name: VitalName, value: number, time: string, unit = VITAL_PARAMETERS[name].unit): VitalReading {
  return { name, value, unit, at: time };
}

/** Everything a sequence of calls reported, and the last state. */
export interface Fed {
  state: RuleTrack | undefined;
  raised: RuleAlert[];
  updated: RuleAlert[];
  cleared: string[];
  annotations: RuleAnnotation[];
}

/** Applies `step` to each input in turn, threading the state and collecting what each call reported. */
export function feed<I>(
  state: RuleTrack | undefined,
  inputs: readonly I[],
  step: (state: RuleTrack | undefined, input: I) => RuleOutcome,
): Fed {
  const fed: Fed = { state, raised: [], updated: [], cleared: [], annotations: [] };
  for (const input of inputs) {
    const out = step(fed.state, input);
    fed.state = out.state;
    fed.raised.push(...out.raised);
    fed.updated.push(...out.updated);
    fed.cleared.push(...out.cleared);
    fed.annotations.push(...out.annotations);
  }
  return fed;
}

/** A deep-frozen copy: a test passes it in to prove an evaluation changes nothing it was given. */
export function frozen<T>(value: T): T {
  const copy = structuredClone(value);
  const freeze = (v: unknown): void => {
    if (v && typeof v === 'object') {
      Object.values(v).forEach(freeze);
      Object.freeze(v);
    }
  };
  freeze(copy);
  return copy;
}
