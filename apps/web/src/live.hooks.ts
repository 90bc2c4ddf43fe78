import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { VitalsEvent } from '@circulator/contracts';
import type { ConnectionState } from './connection.state';
import type { LiveConnection, TopicView } from './live.connection';
import type { SnapshotReader } from './live.payload';

/** The socket's state; re-renders when it changes. */
export function useConnectionState(live: LiveConnection): ConnectionState {
  const subscribe = useCallback((listener: () => void) => live.onConnectionChange(listener), [live]);
  return useSyncExternalStore(subscribe, () => live.connectionState());
}

/**
 * Watches a topic while the component is mounted (subscribed on the first watcher, unsubscribed
 * after the last); undefined until the connection has an entry for it.
 */
export function useTopicView<X>(
  live: LiveConnection,
  topic: string,
  read: SnapshotReader<X>,
): TopicView<X> | undefined {
  const subscribe = useCallback((listener: () => void) => live.watch(topic, read, listener), [live, topic, read]);
  return useSyncExternalStore(subscribe, () => live.view<X>(topic));
}

/** Calls `onVitals` with each `vitals` event of a topic (the latest callback, without re-listening). */
export function useVitalsEvents(
  live: LiveConnection,
  topic: string,
  onVitals: (event: VitalsEvent, receivedAt: number) => void,
): void {
  const latest = useRef(onVitals);
  useEffect(() => {
    latest.current = onVitals;
  });
  useEffect(() => live.onVitals(topic, (event, at) => latest.current(event, at)), [live, topic]);
}

/** The time now (epoch ms), refreshed every `everyMs`: for timers and ages that tick. */
export function useNow(everyMs: number, clock: () => number = Date.now): number {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    const id = setInterval(() => setNow(clock()), everyMs);
    return () => clearInterval(id);
  }, [everyMs, clock]);
  return now;
}
