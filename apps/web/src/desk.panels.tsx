import { useEffect, useRef, useState } from 'react';
import type { CaseView, KpiView } from '@circulator/contracts';
import { useApp } from './app.context';
import { requestApi } from './console.api';
import { formatClock, formatRange, isCaseStatus, localDateValue, statusClass, statusLabel } from './board.format';
import { alertFeed, alertKey, priorityMark, readAlertsSnapshot } from './desk.alerts';
import { firstCaseText, kpiHeadline, minutes, percent } from './desk.kpis';
import { badgeLabel, delayBadges } from './desk.status';
import { useTopicView } from './live.hooks';
import { priorityLabel } from './room.model';
import { followLink } from './router';
import { formatAge } from './time.format';
import { topicCases } from './topic.state';

/** KPIs are read again at most this often while the board changes (each read is audited). */
const KPI_REFRESH_MS = 15_000;

/**
 * The day's KPIs (`GET /api/kpis?date=`): first-case on-time start, turnover, utilisation, for the
 * facility and per room; read when the day is opened and again (at most every 15 s) when the
 * board changes. `version` is the board topic's: a change is a reason to read again.
 */
export function KpiPanel({ date, version, now }: { date: string; version: number | undefined; now: number }) {
  const { session, fetchFn } = useApp();
  const [kpis, setKpis] = useState<{ view: KpiView; readAt: number } | { error: string } | undefined>(undefined);
  // When the KPIs were last read (a ref: reading must not schedule another read).
  const lastRead = useRef(0);

  useEffect(() => {
    let cancelled = false;
    const wait = lastRead.current === 0 ? 0 : Math.max(0, lastRead.current + KPI_REFRESH_MS - Date.now());
    const timer = setTimeout(() => {
      void requestApi<KpiView>(fetchFn, session.token(), 'GET', `/api/kpis?date=${encodeURIComponent(date)}`).then(
        (result) => {
          if (cancelled) return;
          const at = Date.now();
          lastRead.current = at;
          setKpis(result.ok ? { view: result.body, readAt: at } : { error: result.message });
        },
      );
    }, wait);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [date, version, fetchFn, session]);

  let body;
  if (kpis === undefined) body = <p className="muted">Reading the KPIs…</p>;
  else if ('error' in kpis) body = <p className="form-error">KPIs not available: {kpis.error}</p>;
  else {
    const h = kpiHeadline(kpis.view);
    body = (
      <>
        <dl className="kpi-headline">
          <div>
            <dt>First-case on-time start</dt>
            <dd data-testid="kpi-first-case">{h.firstCaseOnTime}</dd>
            <dd className="muted">{h.firstCaseDetail}</dd>
          </div>
          <div>
            <dt>Turnover (median)</dt>
            <dd data-testid="kpi-turnover">{h.turnoverMedian}</dd>
            <dd className="muted">{h.turnoverDetail}</dd>
          </div>
          <div>
            <dt>Utilisation</dt>
            <dd data-testid="kpi-utilisation">{h.utilisation}</dd>
            <dd className="muted">{h.utilisationDetail}</dd>
          </div>
        </dl>
        <table className="kpi-rooms">
          <caption className="sr-only">KPIs per room</caption>
          <thead>
            <tr>
              <th scope="col">Room</th>
              <th scope="col">First case</th>
              <th scope="col">Turnover</th>
              <th scope="col">Utilisation</th>
            </tr>
          </thead>
          <tbody>
            {kpis.view.rooms.map((r) => (
              <tr key={r.roomId} data-room-id={r.roomId}>
                <th scope="row">{r.roomName}</th>
                <td>{firstCaseText(r.firstCase)}</td>
                <td>{minutes(r.turnovers.medianMinutes)}</td>
                <td>{percent(r.utilisation.fraction)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="age">
          As of {formatClock(kpis.view.asOf, session.timeZone)} ({formatAge(kpis.readAt, now)})
        </p>
      </>
    );
  }
  return (
    <section className="desk-panel kpis" aria-labelledby="kpis-title">
      <h2 id="kpis-title">KPIs</h2>
      {body}
    </section>
  );
}

/**
 * Today's alerts of every case, newest first, in the wall display's IEC 60601-1-8 colours (with
 * `!!!`/`!!`/`!`), each linking to its case on the board (CONTRACT §7 `alerts` topic).
 */
export function AlertsFeed() {
  const { live, session } = useApp();
  const view = useTopicView(live, 'alerts', readAlertsSnapshot);
  // Alerts announced by an `alert` event since the feed opened: marked new until acknowledged.
  const [announced, setAnnounced] = useState<ReadonlySet<string>>(() => new Set());
  useEffect(
    () => live.onAlert('alerts', (alert) => setAnnounced((before) => new Set(before).add(alertKey(alert)))),
    [live],
  );
  const items = view ? alertFeed(topicCases(view.state), 50) : [];
  return (
    <section className="desk-panel alerts-feed" aria-labelledby="alerts-title">
      <h2 id="alerts-title">Alerts today</h2>
      {view?.error !== undefined && <p className="form-error">{view.error}</p>}
      {view?.state.version === undefined && view?.error === undefined && <p className="muted">Loading alerts…</p>}
      {view?.state.version !== undefined && items.length === 0 && <p className="muted">No alert today.</p>}
      <ol className="alerts feed" aria-live="polite">
        {items.map(({ alert, caseId, roomName, procedure, scheduledStart }) => (
          <li
            key={`${caseId}:${alert.id}`}
            className={`alert alert-${alert.priority}${alert.acknowledgedAt !== undefined ? ' alert-acked' : ''}`}
            data-priority={alert.priority}
          >
            <span className="alert-mark" aria-hidden="true">
              {priorityMark(alert.priority)}
            </span>
            <span className="sr-only">{priorityLabel(alert.priority)}: </span>
            <span className="alert-message">{alert.message}</span>
            <span className="alert-time">{formatClock(alert.raisedAt, session.timeZone)}</span>
            <a
              className="alert-case"
              href={`/board?date=${localDateValue(new Date(scheduledStart), session.timeZone)}&case=${encodeURIComponent(caseId)}`}
              onClick={followLink}
            >
              {roomName}: {procedure}
            </a>
            {alert.acknowledgedAt !== undefined && <span className="alert-acked-note">acknowledged</span>}
            {alert.acknowledgedAt === undefined && announced.has(alertKey(alert, caseId)) && (
              <span className="alert-new">new</span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The selected case in full, and the way to move it from the keyboard. */
export function CaseDetail({ c, now, onReschedule }: { c: CaseView; now: number; onReschedule?: () => void }) {
  const { session } = useApp();
  const status: string = c.status;
  const known = isCaseStatus(status);
  const badges = delayBadges(c, now);
  return (
    <section className="desk-panel case-detail" aria-labelledby="case-detail-title" data-case-id={c.id}>
      <h2 id="case-detail-title">{c.procedure.text}</h2>
      <p>
        <span className={statusClass(status)}>{known ? statusLabel(status) : status}</span>{' '}
        {badges.map((b) => (
          <span key={b.kind} className="delay-badge">
            {badgeLabel(b)}
          </span>
        ))}
      </p>
      <dl className="case-people">
        <dt>Room</dt>
        <dd>{c.roomName || c.roomId}</dd>
        <dt>Scheduled</dt>
        <dd>{formatRange(c.scheduledStart, c.scheduledEnd, session.timeZone)}</dd>
        {c.milestones.inRoom !== undefined && (
          <>
            <dt>In room</dt>
            <dd>
              {formatClock(c.milestones.inRoom, session.timeZone)}
              {c.milestones.outOfRoom !== undefined && `–${formatClock(c.milestones.outOfRoom, session.timeZone)}`}
            </dd>
          </>
        )}
        {c.predictedEnd !== undefined && c.milestones.outOfRoom === undefined && (
          <>
            <dt>Predicted end</dt>
            <dd>{formatClock(c.predictedEnd, session.timeZone)}</dd>
          </>
        )}
        <dt>Patient</dt>
        <dd className="patient">{c.patient.name}</dd>
        {c.surgeon !== undefined && (
          <>
            <dt>Surgeon</dt>
            <dd>{c.surgeon.name}</dd>
          </>
        )}
        {c.anesthesiologist !== undefined && (
          <>
            <dt>Anesthesia</dt>
            <dd>{c.anesthesiologist.name}</dd>
          </>
        )}
        {c.equipment !== undefined && c.equipment.length > 0 && (
          <>
            <dt>Equipment</dt>
            <dd>{c.equipment.map((e) => e.text).join(', ')}</dd>
          </>
        )}
      </dl>
      {onReschedule && (
        <button type="button" className="primary" onClick={onReschedule}>
          Move case…
        </button>
      )}
    </section>
  );
}
