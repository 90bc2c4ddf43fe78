import type { Fact, ObservationFact } from '@circulator/domain';

/** Readings of one device for one case in a batch, waiting to be applied as one fact. */
export interface ReadingGroup<I> {
  caseId: string;
  /** The merged fact: every reading of the group, in the order they came. */
  fact: ObservationFact;
  /** The messages the readings came from (each once, in inbox order). */
  items: I[];
}

/**
 * Whether a fact is a device's plain vital-sign readings, which a batch may apply together: the
 * case engine keeps the newest reading of each vital by the reading's own time and evaluates the
 * alert rules over a fact's readings in time order, so one fact carrying many readings comes to
 * the same vitals and alerts as one fact per reading (a reading that arrives late is evaluated
 * in its place among the others, where alone it would be ignored by the rules). Results (ordered
 * by arrival within one time) and every other kind of fact are applied one by one, as they come.
 */
export function coalescible(fact: Fact): fact is ObservationFact {
  return (
    fact.kind === 'observations' && fact.source.kind === 'device' && fact.results.length === 0 && fact.vitals.length > 0
  );
}

/**
 * Groups a batch's device readings by device (the source's label names it) and target case, so
 * that a monitor publishing 20 readings a second costs one engine step, one case version and one
 * case event per case per batch rather than one per reading. A group's fact takes the newest
 * reading time as its time and the latest message as its source: the message that set the values
 * the case now shows. Each message still records its own facts (the inbox attempt), untouched.
 *
 * The caller drains the groups before applying any fact that is not grouped, so that readings are
 * never moved past another fact of the batch (a milestone, a booking): the engine sees the same
 * order as before, with readings in between folded together.
 */
export class ReadingCoalescer<I> {
  private readonly groups = new Map<string, { caseId: string; facts: ObservationFact[]; items: I[] }>();

  /** Adds a fact for case `caseId`, from message `item`. */
  add(caseId: string, item: I, fact: ObservationFact): void {
    const key = `${caseId}\u0000${fact.source.label ?? fact.source.id}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { caseId, facts: [], items: [] };
      this.groups.set(key, group);
    }
    group.facts.push(fact);
    if (group.items[group.items.length - 1] !== item) group.items.push(item);
  }

  get size(): number {
    return this.groups.size;
  }

  /** The groups, in the order their first reading came, each as one fact; empties the coalescer. */
  drain(): ReadingGroup<I>[] {
    const out = [...this.groups.values()].map(({ caseId, facts, items }) => ({
      caseId,
      fact: mergeReadings(facts),
      items,
    }));
    this.groups.clear();
    return out;
  }
}

/** One fact of several facts' readings (one subject): the newest time, the latest source. */
export function mergeReadings(facts: readonly ObservationFact[]): ObservationFact {
  const last = facts[facts.length - 1];
  if (!last) throw new Error('nothing to merge');
  if (facts.length === 1) return last;
  let at = last.at;
  let atMs = Date.parse(at);
  for (const f of facts) {
    const ms = Date.parse(f.at);
    if (ms > atMs || Number.isNaN(atMs)) {
      at = f.at;
      atMs = ms;
    }
  }
  return { ...last, at, vitals: facts.flatMap((f) => f.vitals), results: [] };
}
