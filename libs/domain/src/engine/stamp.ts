import type { Stamp } from '../case.model';
import type { Fact } from '../fact';

/** A fact's ordering key: its source time and arrival order. `ms` is NaN for a time that is no time. */
export function stampOf(fact: Fact): Stamp {
  const ms = Date.parse(fact.at);
  const seq = fact.source.sequence;
  return seq === undefined ? { ms } : { ms, seq };
}

/**
 * Orders two stamps: by source time, then (HL7 times have one-second precision) by arrival order
 * when both have one. 0 means "no order": the later applied wins, which keeps a repeated fact
 * harmless (it writes what is already there).
 */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq === undefined || b.seq === undefined || a.seq === b.seq) return 0;
  return a.seq < b.seq ? -1 : 1;
}

export function sameStamp(a: Stamp | undefined, b: Stamp | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.ms === b.ms && a.seq === b.seq);
}

/** A stamp as kept with a value: without an absent `seq` member, so that states compare and serialise alike. */
export function withStamp<T extends object>(stamp: Stamp, value: T): T & Stamp {
  return stamp.seq === undefined ? { ...value, ms: stamp.ms } : { ...value, ms: stamp.ms, seq: stamp.seq };
}
