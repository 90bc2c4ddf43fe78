import { updateFit, type CaseView, type UpdateEvent } from '@circulator/contracts';

/**
 * The state of one subscribed topic (`board:`, `room:` or `case:`), and its transitions. Pure and
 * DOM-free: the socket connection feeds it, the screens render it, the tests drive it directly.
 *
 * Every topic of CONTRACT §7 carries cases: `update` events change them, nothing else. What else
 * a snapshot holds (a room's devices and environment) is kept as `extra` until the next snapshot.
 *
 * Ordering rules (CONTRACT §7): an update's topic `version` rises by one per update, so a gap
 * means we missed one and must re-subscribe for a fresh snapshot. Updates that arrive while a
 * subscribe is in flight are buffered and replayed on top of the snapshot when newer than it.
 */
export interface TopicState<X = undefined> {
  topic: string;
  /** Topic version the cases reflect; undefined until the first snapshot. */
  version: number | undefined;
  /** Cases by id. The previous cases stay visible while a re-subscribe is in flight. */
  cases: ReadonlyMap<string, CaseView>;
  /** The rest of the latest snapshot (a room's devices, environment); undefined before the first. */
  extra: X | undefined;
  /** When the latest snapshot was taken (epoch ms): the age of `extra`, which updates never refresh. */
  snapshotAt: number | undefined;
  /** True from a subscribe until its ack: updates are buffered meanwhile. */
  syncing: boolean;
  buffer: readonly UpdateEvent[];
}

/** A snapshot as the state takes it: the topic's cases, and whatever else it carries. */
export interface TopicSnapshot<X = undefined> {
  cases: readonly CaseView[];
  extra?: X;
}

export interface Transition<X = undefined> {
  state: TopicState<X>;
  /** The caller must emit a new `subscribe` for `state.topic` (a version gap was seen). */
  resubscribe: boolean;
}

/** Updates buffered while syncing beyond this are dropped; the snapshot then shows a gap. */
export const MAX_BUFFERED_UPDATES = 500;

export function initialTopicState<X = undefined>(topic: string): TopicState<X> {
  return {
    topic,
    version: undefined,
    cases: new Map(),
    extra: undefined,
    snapshotAt: undefined,
    syncing: true,
    buffer: [],
  };
}

/** A subscribe (or re-subscribe) was just emitted: buffer updates until its ack. */
export function beginSubscribe<X>(state: TopicState<X>): TopicState<X> {
  return { ...state, syncing: true, buffer: [] };
}

/**
 * Applies a subscribe ack's snapshot, then the buffered updates that are newer than it.
 * An ack for another topic (a stale one, after a date change) changes nothing.
 */
export function applySnapshot<X>(
  state: TopicState<X>,
  ack: { topic: string; version: number; snapshot: TopicSnapshot<X> },
  now = 0,
): Transition<X> {
  if (ack.topic !== state.topic) return { state, resubscribe: false };
  let next: TopicState<X> = {
    topic: state.topic,
    version: ack.version,
    cases: new Map(ack.snapshot.cases.map((c) => [c.id, c])),
    extra: ack.snapshot.extra,
    snapshotAt: now,
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
 * is higher (a late duplicate never rolls a case back); `removed` ids leave the topic.
 */
export function applyUpdate<X>(state: TopicState<X>, update: UpdateEvent): Transition<X> {
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

/** The cases of a topic, in no particular order (see groupByRoom for display order). */
export function topicCases<X>(state: TopicState<X>): CaseView[] {
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
