import type { CaseView, UpdateEvent } from '@circulator/contracts';

/** One change of one case on one topic, at the topic's version. */
export type TopicChangeItem = { case: CaseView } | { removed: string };

interface Pending {
  topic: string;
  from: number;
  version: number;
  cases: Map<string, CaseView>;
  removed: Set<string>;
}

/**
 * Coalesces updates per socket.io room (`topic#disclosure`): several versions of a topic become
 * one `update` carrying the latest state of each changed case (`from` … `version`). Used where a
 * reader is behind (a batch read from the change stream), for a lagging client, and for a
 * recovered connection's catch-up. Memory is bounded by the cases of the topics involved, not
 * by the number of updates.
 */
export class UpdateAccumulator {
  private readonly rooms = new Map<string, Pending>();

  get size(): number {
    return this.rooms.size;
  }

  add(room: string, topic: string, version: number, change: TopicChangeItem): void {
    let pending = this.rooms.get(room);
    if (!pending) {
      pending = { topic, from: version, version, cases: new Map(), removed: new Set() };
      this.rooms.set(room, pending);
    }
    // Versions arrive in stream order; a lower one (a topic counter that expired and restarted)
    // still counts as the newest news, so the client sees a gap and takes a snapshot.
    pending.version = version;
    if ('case' in change) {
      const current = pending.cases.get(change.case.id);
      // A case's own version orders its states; never replace a newer one with an older.
      if (!current || current.version <= change.case.version) pending.cases.set(change.case.id, change.case);
      pending.removed.delete(change.case.id);
    } else {
      pending.cases.delete(change.removed);
      pending.removed.add(change.removed);
    }
  }

  /** Folds a (possibly coalesced) update into the room's pending one. */
  merge(room: string, update: UpdateEvent): void {
    const fresh = !this.rooms.has(room);
    for (const c of update.cases ?? []) this.add(room, update.topic, update.version, { case: c });
    for (const id of update.removed ?? []) this.add(room, update.topic, update.version, { removed: id });
    const pending = this.rooms.get(room);
    if (fresh && pending) pending.from = update.from ?? update.version;
  }

  /** Removes and returns the pending update of one room. */
  take(room: string): UpdateEvent | undefined {
    const p = this.rooms.get(room);
    if (!p) return undefined;
    this.rooms.delete(room);
    return toEvent(p);
  }

  /** Removes and returns every pending update, room by room in the order they were first touched. */
  drain(): { room: string; update: UpdateEvent }[] {
    const out = [...this.rooms].map(([room, p]) => ({ room, update: toEvent(p) }));
    this.rooms.clear();
    return out;
  }

  /** Forgets one room (the client left the topic). */
  forget(room: string): void {
    this.rooms.delete(room);
  }
}

function toEvent(p: Pending): UpdateEvent {
  const update: UpdateEvent = { topic: p.topic, version: p.version };
  if (p.from < p.version) update.from = p.from;
  if (p.cases.size) update.cases = [...p.cases.values()];
  if (p.removed.size) update.removed = [...p.removed];
  return update;
}
