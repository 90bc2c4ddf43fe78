import type { CaseIdentifiers } from '@circulator/contracts';
import type { CaseEvent, CaseState } from '@circulator/domain';
import { UNIQUE_IDENTIFIER_KINDS, type VitalRow } from '@circulator/persistence';

/** One case as a batch sees it: as loaded, as changed so far, and the events to append. */
export interface WorkingCase {
  state: CaseState;
  /** The version it had in the database; undefined for a case this batch creates. */
  loadedVersion: number | undefined;
  /** The state as loaded (for the topics it leaves); undefined for a new case. */
  loaded: CaseState | undefined;
  events: CaseEvent[];
  dirty: boolean;
}

/**
 * The cases one batch of messages reads and changes, indexed the ways facts look for them
 * (identifier, patient, room). Loaded once per batch; every fact of the batch sees the changes of
 * the facts before it, and the batch writes each changed case once.
 */
export class CaseWorkingSet {
  private readonly cases = new Map<string, WorkingCase>();
  private readonly byIdentifier = new Map<string, string>();
  private readonly byMrn = new Map<string, Set<string>>();
  private readonly byRoom = new Map<string, Set<string>>();
  /** merged MRN → surviving MRN. */
  private readonly aliases = new Map<string, string>();
  /** Every vital-sign reading the batch applied to a case, for the time series (`vital_reading`). */
  readonly vitals: VitalRow[] = [];

  /** Adds a case read from the database (a second load of the same case is ignored). */
  addLoaded(state: CaseState): void {
    if (this.cases.has(state.id)) return;
    this.cases.set(state.id, { state, loadedVersion: state.version, loaded: state, events: [], dirty: false });
    this.index(state);
  }

  addAlias(merged: string, survivor: string): void {
    if (merged === survivor) return;
    this.aliases.set(merged, survivor);
    for (const [mrn, to] of this.aliases) if (to === merged) this.aliases.set(mrn, survivor);
  }

  /** The MRN a patient's cases are now filed under (the survivor of any merge). */
  survivorOf(mrn: string): string {
    return this.aliases.get(mrn) ?? mrn;
  }

  get(id: string): WorkingCase | undefined {
    return this.cases.get(id);
  }

  /** The case any unique identifier names (in trust order). */
  findByIdentifiers(ids: CaseIdentifiers): CaseState | undefined {
    for (const kind of UNIQUE_IDENTIFIER_KINDS) {
      const value = ids[kind];
      if (!value) continue;
      const id = this.byIdentifier.get(`${kind}\u0000${value}`);
      if (id) return this.cases.get(id)?.state;
    }
    return undefined;
  }

  /** Every case of a patient (also under an MRN merged into theirs), in id order. */
  findByPatient(mrn: string): CaseState[] {
    const wanted = new Set([mrn, this.survivorOf(mrn)]);
    const out: CaseState[] = [];
    for (const key of wanted) {
      for (const id of this.byMrn.get(key) ?? []) {
        const state = this.cases.get(id)?.state;
        if (state && wanted.has(state.patient.mrn) && !out.includes(state)) out.push(state);
      }
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Every case now booked in a room. */
  inRoom(roomId: string): CaseState[] {
    const out: CaseState[] = [];
    for (const id of this.byRoom.get(roomId) ?? []) {
      const state = this.cases.get(id)?.state;
      if (state && state.roomId === roomId) out.push(state);
    }
    return out;
  }

  /**
   * Records what the engine made of a case. `previous` is the state the fact was applied to
   * (undefined when the fact created the case).
   */
  record(previous: CaseState | undefined, next: CaseState, events: readonly CaseEvent[]): void {
    const entry = previous ? this.cases.get(previous.id) : undefined;
    if (entry) {
      if (next !== entry.state || events.length) entry.dirty = true;
      entry.state = next;
      entry.events.push(...events);
    } else {
      this.cases.set(next.id, {
        state: next,
        loadedVersion: undefined,
        loaded: undefined,
        events: [...events],
        dirty: true,
      });
    }
    this.index(next);
  }

  /** The cases to write, each once, with the events to append. */
  changes(): WorkingCase[] {
    return [...this.cases.values()].filter((c) => c.dirty);
  }

  private index(state: CaseState): void {
    for (const kind of UNIQUE_IDENTIFIER_KINDS) {
      const value = state.identifiers[kind];
      if (value && !this.byIdentifier.has(`${kind}\u0000${value}`)) {
        this.byIdentifier.set(`${kind}\u0000${value}`, state.id);
      }
    }
    addTo(this.byMrn, state.patient.mrn, state.id);
    addTo(this.byRoom, state.roomId, state.id);
  }
}

function addTo(map: Map<string, Set<string>>, key: string, id: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(id);
}
