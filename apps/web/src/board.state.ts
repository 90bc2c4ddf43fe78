import { updateFit, type BoardSnapshot, type CaseView, type UpdateEvent } from '@circulator/contracts';

/**
 * The state of one subscribed board topic, and its transitions. Pure and DOM-free: the socket
 * client feeds it, the view renders it, the tests drive it directly.
 *
 * Ordering rules (CONTRACT §7): an update's topic `version` rises by one per update, so a gap
 * means we missed one and must re-subscribe for a fresh snapshot. Updates that arrive while a
 * subscribe is in flight are buffered and replayed on top of the snapshot when newer than it.
 */
export interface BoardState {
  topic: string;
  /** Topic version the cases reflect; undefined until the first snapshot. */
  version: number | undefined;
  /** Cases by id. The previous cases stay visible while a re-subscribe is in flight. */
  cases: ReadonlyMap<string, CaseView>;
  /** True from a subscribe until its ack: updates are buffered meanwhile. */
  syncing: boolean;
  buffer: readonly UpdateEvent[];
}

export interface Transition {
  state: BoardState;
  /** The caller must emit a new `subscribe` for `state.topic` (a version gap was seen). */
  resubscribe: boolean;
}

/** Updates buffered while syncing beyond this are dropped; the snapshot then shows a gap. */
export const MAX_BUFFERED_UPDATES = 500;

export function initialBoardState(topic: string): BoardState {
  return { topic, version: undefined, cases: new Map(), syncing: true, buffer: [] };
}

/** A subscribe (or re-subscribe) was just emitted: buffer updates until its ack. */
export function beginSubscribe(state: BoardState): BoardState {
  return { ...state, syncing: true, buffer: [] };
}

/**
 * Applies a subscribe ack's snapshot, then the buffered updates that are newer than it.
 * An ack for another topic (a stale one, after a date change) changes nothing.
 */
export function applySnapshot(
  state: BoardState,
  ack: { topic: string; version: number; snapshot: BoardSnapshot },
): Transition {
  if (ack.topic !== state.topic) return { state, resubscribe: false };
  let next: BoardState = {
    topic: state.topic,
    version: ack.version,
    cases: new Map(ack.snapshot.cases.map((c) => [c.id, c])),
    syncing: false,
    buffer: [],
  };
  const pending = [...state.buffer].filter((u) => u.version > ack.version).sort((a, b) => a.version - b.version);
  for (const update of pending) {
    const step = applyUpdate(next, update);
    if (step.resubscribe) return step;
    next = step.state;
  }
  return { state: next, resubscribe: false };
}

/**
 * Applies one `update` event. A case replaces the one with the same id only when its `version`
 * is higher (a late duplicate never rolls a case back); `removed` ids leave the board.
 */
export function applyUpdate(state: BoardState, update: UpdateEvent): Transition {
  if (update.topic !== state.topic) return { state, resubscribe: false };
  if (state.syncing || state.version === undefined) {
    if (state.buffer.length >= MAX_BUFFERED_UPDATES) return { state, resubscribe: false };
    return { state: { ...state, buffer: [...state.buffer, update] }, resubscribe: false };
  }
  switch (updateFit(state.version, update)) {
    case 'stale': // already applied (a repeat after a recovered connection or a snapshot)
      return { state, resubscribe: false };
    case 'gap':
      return { state: beginSubscribe(state), resubscribe: true };
    case 'apply':
      return {
        state: { ...state, version: update.version, cases: mergeCases(state.cases, update) },
        resubscribe: false,
      };
  }
}

/** The cases of a board, in no particular order (see groupByRoom for display order). */
export function boardCases(state: BoardState): CaseView[] {
  return [...state.cases.values()];
}

function mergeCases(cases: ReadonlyMap<string, CaseView>, update: UpdateEvent): Map<string, CaseView> {
  const next = new Map(cases);
  for (const incoming of update.cases ?? []) {
    const current = next.get(incoming.id);
    if (current === undefined || incoming.version > current.version) next.set(incoming.id, incoming);
  }
  for (const id of update.removed ?? []) next.delete(id);
  return next;
}
