import { useState } from 'react';
import type { AlertPriority, AlertView } from '@circulator/contracts';
import { useApp } from './app.context';
import { requestApi } from './console.api';
import { formatClock } from './board.format';
import { mayAcknowledge } from './roles';
import { priorityLabel, sortAlerts } from './room.model';

/**
 * IEC 60601-1-8 marks priorities by colour (red high, yellow medium, cyan low) and by the number
 * of exclamation marks in the visual signal ("!!!", "!!", "!"): the marks say it to those who do
 * not see the colour.
 */
const MARKS: Record<AlertPriority, string> = { high: '!!!', medium: '!!', low: '!' };

export interface AlertListProps {
  alerts: readonly AlertView[];
  caseId: string;
  /** Offer acknowledgment to people whose role may (never to a display). */
  acknowledge: boolean;
  emptyText?: string;
  className?: string;
}

/** A case's active alerts in their IEC 60601-1-8 colours, unacknowledged and most urgent first. */
export function AlertList({ alerts, caseId, acknowledge, emptyText, className }: AlertListProps) {
  const { session } = useApp();
  const sorted = sortAlerts(alerts);
  if (sorted.length === 0) {
    return emptyText === undefined ? null : <p className="no-alerts">{emptyText}</p>;
  }
  return (
    <ul className={`alerts ${className ?? ''}`} aria-label="Active alerts">
      {sorted.map((alert) => (
        <li
          key={alert.id}
          className={`alert alert-${alert.priority}${alert.acknowledgedAt !== undefined ? ' alert-acked' : ''}`}
          data-alert-id={alert.id}
          data-priority={alert.priority}
        >
          <span className="alert-mark" aria-hidden="true">
            {MARKS[alert.priority]}
          </span>
          <span className="sr-only">{priorityLabel(alert.priority)}: </span>
          <span className="alert-message">{alert.message}</span>
          <span className="alert-time">
            {alert.acknowledgedAt !== undefined
              ? `acknowledged ${formatClock(alert.acknowledgedAt, session.timeZone)}`
              : `since ${formatClock(alert.raisedAt, session.timeZone)}`}
          </span>
          {acknowledge && alert.acknowledgedAt === undefined && mayAcknowledge(session.claims.roles, alert.kind) && (
            <AckButton alert={alert} caseId={caseId} />
          )}
        </li>
      ))}
    </ul>
  );
}

function AckButton({ alert, caseId }: { alert: AlertView; caseId: string }) {
  const { session, fetchFn } = useApp();
  // Stays busy after a success: the button goes when the case update shows the acknowledgment.
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const ack = () => {
    setState({ busy: true });
    // The acknowledgment travels the pipeline like any fact; the case update that follows shows it.
    const path = `/api/alerts/${encodeURIComponent(alert.id)}/ack?caseId=${encodeURIComponent(caseId)}`;
    void requestApi(fetchFn, session.token(), 'POST', path).then((result) =>
      setState(result.ok ? { busy: true } : { busy: false, error: result.message }),
    );
  };
  return (
    <span className="ack">
      <button type="button" className="ack-button" onClick={ack} disabled={state.busy}>
        Acknowledge<span className="sr-only"> {alert.message}</span>
      </button>
      {state.error !== undefined && (
        <span className="ack-error" role="alert">
          {state.error}
        </span>
      )}
    </span>
  );
}
