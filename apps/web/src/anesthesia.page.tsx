import { useEffect, useRef, useState } from 'react';
import type { AlertView, CaseEventView, CaseView, MilestoneKey } from '@circulator/contracts';
import { diffAlerts, historyFromEvents, mergeHistory, type AlertHistoryEntry } from './alert.history';
import { AlertList } from './alert.list';
import { useApp } from './app.context';
import { requestApi } from './console.api';
import { formatClock, formatClockMs } from './board.format';
import { CaseTeam, CaseTimers, ChecklistState, MilestoneTimeline, StatusBadge } from './case.panels';
import { ConnectionIndicator, Link, SignOut, ThemeToggle, useResolvedTheme, useTitle } from './common.components';
import { useNow } from './live.hooks';
import { useRenderProbe } from './render.probe';
import { mayRecordMilestones } from './roles';
import { useRoomLive } from './room.live';
import { ANESTHESIA_MILESTONES, MILESTONE_LABELS } from './room.model';
import { VitalTiles } from './vital.tiles';
import { trendsFromEvents } from './vitals.trend';

/**
 * The anesthesia view (`/anesthesia/room/:roomId`): vitals first, every one with its trend; then
 * the anesthesia milestones (recorded from here), the active alarms (acknowledged from here) and
 * the alarm history. The case's event log, read once when the case comes up, seeds the trends and
 * the history; live updates keep both going.
 */
export function AnesthesiaPage({ roomId }: { roomId: string }) {
  const { live, session } = useApp();
  const timeZone = session.timeZone;
  const now = useNow(1_000);
  const themeKey = useResolvedTheme();
  const room = useRoomLive(live, roomId);
  const { view, featured, current } = room;
  const history = useAlertHistory(featured, room.seedTrends);
  useRenderProbe('update', view?.receivedAt);
  useRenderProbe('vitals', room.vitalsReceivedAt);
  const roomName = view?.state.extra?.room.name ?? featured?.roomName ?? roomId;
  useTitle(`Anesthesia · ${roomName}`);

  let main;
  if (view?.error !== undefined) main = <p className="empty error">{view.error}</p>;
  else if (view?.state.version === undefined) main = <p className="empty">Loading {roomName}…</p>;
  else if (featured === undefined) main = <p className="empty">No case in {roomName} now, and none to come today.</p>;
  else {
    main = (
      <>
        <section className="case-summary" aria-labelledby="case-heading">
          <h2 id="case-heading">
            {current !== undefined ? '' : `Next case · ${formatClock(featured.scheduledStart, timeZone)} · `}
            {featured.procedure.text} <StatusBadge status={featured.status} />
          </h2>
          <CaseTeam c={featured} />
          <CaseTimers c={featured} nowMs={now} timeZone={timeZone} />
        </section>
        <VitalTiles
          vitals={featured.vitals}
          trends={room.trends}
          nowMs={now}
          themeKey={themeKey}
          all
          className="vitals-large"
        />
        <div className="anesthesia-columns">
          <section aria-labelledby="milestones-heading">
            <h2 id="milestones-heading">Anesthesia milestones</h2>
            <AnesthesiaMilestones c={featured} timeZone={timeZone} />
            <MilestoneTimeline c={featured} timeZone={timeZone} />
            <ChecklistState c={featured} timeZone={timeZone} />
          </section>
          <section aria-labelledby="alarms-heading">
            <h2 id="alarms-heading">Alarms</h2>
            <AlertList alerts={featured.alerts} caseId={featured.id} acknowledge emptyText="No active alarms." />
            <h3>History</h3>
            <AlarmHistory history={history} timeZone={timeZone} />
          </section>
        </div>
      </>
    );
  }

  return (
    <div className="anesthesia-page">
      <header className="topbar">
        <h1>Anesthesia · {roomName}</h1>
        <span className="clock">{formatClockMs(now, timeZone)}</span>
        <ConnectionIndicator syncing={view?.state.syncing ?? true} />
        <span className="spacer" />
        <Link to="/board">Board</Link>
        <ThemeToggle />
        <SignOut />
      </header>
      <main className="anesthesia-main">{main}</main>
    </div>
  );
}

/**
 * The featured case's alarm history: its event log once (which also seeds the vitals trends),
 * then what each live update changed in its alerts.
 */
function useAlertHistory(
  featured: CaseView | undefined,
  seedTrends: (caseId: string, seed: ReturnType<typeof trendsFromEvents>) => void,
): AlertHistoryEntry[] {
  const { session, fetchFn } = useApp();
  const [history, setHistory] = useState<{ caseId?: string; entries: AlertHistoryEntry[] }>({ entries: [] });
  const seen = useRef<{ caseId?: string; alerts: readonly AlertView[] }>({ alerts: [] });
  const caseId = featured?.id;

  useEffect(() => {
    if (caseId === undefined) return;
    setHistory({ caseId, entries: [] });
    let cancelled = false;
    void requestApi<CaseEventView[]>(
      fetchFn,
      session.token(),
      'GET',
      `/api/cases/${encodeURIComponent(caseId)}/events`,
    ).then((result) => {
      if (cancelled || !result.ok || !Array.isArray(result.body)) return;
      seedTrends(caseId, trendsFromEvents(result.body));
      const logged = historyFromEvents(result.body);
      setHistory((h) => (h.caseId === caseId ? { caseId, entries: mergeHistory(h.entries, logged) } : h));
    });
    return () => {
      cancelled = true;
    };
  }, [caseId, fetchFn, session, seedTrends]);

  const alerts = featured?.alerts;
  useEffect(() => {
    if (caseId === undefined || alerts === undefined) return;
    const before = seen.current;
    seen.current = { caseId, alerts };
    if (before.caseId !== caseId) return; // first sight of this case: the log has what came before
    const changes = diffAlerts(before.alerts, alerts, new Date().toISOString());
    if (changes.length === 0) return;
    setHistory((h) => (h.caseId === caseId ? { caseId, entries: mergeHistory(h.entries, changes) } : h));
  }, [caseId, alerts]);

  return history.caseId === caseId ? history.entries : [];
}

const WHAT: Record<AlertHistoryEntry['what'], string> = {
  raised: 'raised',
  updated: 'changed',
  acknowledged: 'acknowledged',
  cleared: 'cleared',
};

function AlarmHistory({ history, timeZone }: { history: readonly AlertHistoryEntry[]; timeZone?: string }) {
  if (history.length === 0) return <p className="muted">No alarms so far.</p>;
  return (
    <ol className="alarm-history">
      {history.map((e) => (
        <li
          key={`${e.alertId}|${e.what}|${e.at}`}
          className={`history-entry${e.priority !== undefined ? ` history-${e.priority}` : ''}`}
          data-what={e.what}
        >
          <span className="history-time">{formatClock(e.at, timeZone)}</span>
          <span className="history-what">{WHAT[e.what]}</span>
          <span className="history-message">{e.message}</span>
          {e.by !== undefined && <span className="history-by">by {e.by}</span>}
        </li>
      ))}
    </ol>
  );
}

/** Anesthesia start, induction and end: the time when recorded, else a button to record it now. */
function AnesthesiaMilestones({ c, timeZone }: { c: CaseView; timeZone?: string }) {
  const { session, fetchFn } = useApp();
  const [pending, setPending] = useState<MilestoneKey | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const canRecord = mayRecordMilestones(session.claims.roles);
  const record = (milestone: MilestoneKey) => {
    setPending(milestone);
    setError(undefined);
    void requestApi(fetchFn, session.token(), 'POST', `/api/cases/${encodeURIComponent(c.id)}/milestones`, {
      body: { milestone },
    }).then((result) => {
      setPending(undefined);
      if (!result.ok) setError(result.message);
    });
  };
  return (
    <>
      <ul className="anesthesia-milestones">
        {ANESTHESIA_MILESTONES.map((key) => {
          const at = c.milestones[key];
          return (
            <li key={key} data-milestone={key}>
              <span className="milestone-label">{MILESTONE_LABELS[key]}</span>
              {at !== undefined ? (
                <span className="milestone-time">{formatClock(at, timeZone)}</span>
              ) : canRecord ? (
                <button
                  type="button"
                  className="secondary"
                  onClick={() => record(key)}
                  disabled={pending !== undefined}
                >
                  Record now<span className="sr-only"> {MILESTONE_LABELS[key]}</span>
                </button>
              ) : (
                <span className="milestone-time">—</span>
              )}
            </li>
          );
        })}
      </ul>
      {error !== undefined && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
