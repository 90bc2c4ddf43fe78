import { useCallback, useEffect, useMemo, useState } from 'react';
import type { CaseView } from '@circulator/contracts';
import type { LiveConnection, TopicView } from './live.connection';
import { useTopicView, useVitalsEvents } from './live.hooks';
import { readRoomSnapshot, type RoomExtra } from './live.payload';
import { currentCase, upcomingCases } from './room.model';
import { topicCases } from './topic.state';
import { addReadings, mergeTrends, type Trends } from './vitals.trend';

export interface RoomLive {
  topic: string;
  view: TopicView<RoomExtra> | undefined;
  cases: CaseView[];
  /** The case in the room now. */
  current: CaseView | undefined;
  /** Cases still to come today, in order. */
  upcoming: CaseView[];
  /** What the screen is about: the case in the room, else the next one. */
  featured: CaseView | undefined;
  /** The featured case's vitals trends since this screen opened (plus any seed). */
  trends: Trends;
  /** `performance.now()` of the vitals event behind the latest trend change (render probe). */
  vitalsReceivedAt: number | undefined;
  /** Adds older points (e.g. read from the case's event log) to the featured case's trends. */
  seedTrends: (caseId: string, seed: Trends) => void;
}

interface TrendState {
  caseId: string | undefined;
  trends: Trends;
  receivedAt?: number;
}

/**
 * A room's live picture: the `room:{roomId}` topic (cases, devices, environment) and the trends
 * of the featured case's vitals, from `vitals` events and from the readings each case update
 * carries (the same reading arriving both ways counts once).
 */
export function useRoomLive(live: LiveConnection, roomId: string): RoomLive {
  const topic = `room:${roomId}`;
  const view = useTopicView(live, topic, readRoomSnapshot);
  const cases = useMemo(() => (view ? topicCases(view.state) : []), [view]);
  const current = useMemo(() => currentCase(cases), [cases]);
  const upcoming = useMemo(() => upcomingCases(cases), [cases]);
  const featured = current ?? upcoming[0];
  const [trend, setTrend] = useState<TrendState>({ caseId: undefined, trends: {} });

  // A new featured case starts its own trends; its readings (from updates) join them.
  const featuredId = featured?.id;
  const featuredVitals = featured?.vitals;
  useEffect(() => {
    setTrend((t) => {
      if (t.caseId !== featuredId) return { caseId: featuredId, trends: addReadings({}, featuredVitals ?? {}) };
      // An update without a new reading (a milestone, an alert, a reading a vitals event brought
      // first) leaves the trends as they are: nothing to render for them.
      const trends = addReadings(t.trends, featuredVitals ?? {});
      return trends === t.trends ? t : { ...t, trends };
    });
  }, [featuredId, featuredVitals]);

  useVitalsEvents(live, topic, (event, receivedAt) => {
    setTrend((t) => {
      if (t.caseId === undefined || (event.caseId !== undefined && event.caseId !== t.caseId)) return t;
      const trends = addReadings(t.trends, event.values);
      return trends === t.trends ? t : { ...t, trends, receivedAt };
    });
  });

  const seedTrends = useCallback((caseId: string, seed: Trends) => {
    setTrend((t) => (t.caseId === caseId ? { ...t, trends: mergeTrends(seed, t.trends) } : t));
  }, []);

  return {
    topic,
    view,
    cases,
    current,
    upcoming,
    featured,
    trends: trend.caseId === featuredId ? trend.trends : {},
    vitalsReceivedAt: trend.receivedAt,
    seedTrends,
  };
}
