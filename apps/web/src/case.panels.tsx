import type { CaseView, MilestoneKey } from '@circulator/contracts';
import { formatClock, isCaseStatus, statusClass, statusLabel } from './board.format';
import { caseTimers, checklist, expectedStart, timeline } from './room.model';
import { formatElapsed } from './time.format';

/** Parts of a case shared by the wall display and the anesthesia view. */

export function StatusBadge({ status }: { status: string }) {
  return <span className={statusClass(status)}>{isCaseStatus(status) ? statusLabel(status) : status}</span>;
}

export function CaseTeam({ c }: { c: CaseView }) {
  return (
    <dl className="team">
      <div>
        <dt>Patient</dt>
        <dd className="patient" data-testid="patient">
          {c.patient.name}
        </dd>
      </div>
      <div>
        <dt>Surgeon</dt>
        <dd>{c.surgeon?.name ?? '—'}</dd>
      </div>
      <div>
        <dt>Anesthesia</dt>
        <dd>{c.anesthesiologist?.name ?? '—'}</dd>
      </div>
    </dl>
  );
}

/** Elapsed timers (in room, since incision) and the predicted end. */
export function CaseTimers({ c, nowMs, timeZone }: { c: CaseView; nowMs: number; timeZone?: string }) {
  const t = caseTimers(c, nowMs);
  return (
    <dl className="timers">
      <div>
        <dt>{t.outOfRoom ? 'Was in room' : 'In room'}</dt>
        <dd data-testid="timer-in-room">{t.inRoomMs === undefined ? '—' : formatElapsed(t.inRoomMs)}</dd>
      </div>
      <div>
        <dt>{t.procedureDone ? 'Incision to closure' : 'Since incision'}</dt>
        <dd data-testid="timer-incision">{t.sinceIncisionMs === undefined ? '—' : formatElapsed(t.sinceIncisionMs)}</dd>
      </div>
      <div>
        <dt>{c.predictedEnd !== undefined ? 'Predicted end' : 'Scheduled end'}</dt>
        <dd data-testid="predicted-end">{formatClock(c.predictedEnd ?? c.scheduledEnd, timeZone)}</dd>
      </div>
    </dl>
  );
}

/** The milestones in order: reached ones with their time, the next one marked. */
export function MilestoneTimeline({
  c,
  timeZone,
  keys,
}: {
  c: CaseView;
  timeZone?: string;
  keys?: readonly MilestoneKey[];
}) {
  return (
    <ol className="timeline" aria-label="Milestones">
      {timeline(c, keys).map((step) => (
        <li
          key={step.key}
          className={`step${step.at !== undefined ? ' step-done' : ''}${step.next ? ' step-next' : ''}`}
          data-milestone={step.key}
        >
          <span className="step-label">{step.label}</span>
          <span className="step-time">{step.at !== undefined ? formatClock(step.at, timeZone) : '—'}</span>
        </li>
      ))}
    </ol>
  );
}

/** WHO Surgical Safety Checklist: done (with time), due now, or later. */
export function ChecklistState({ c, timeZone }: { c: CaseView; timeZone?: string }) {
  return (
    <ul className="checklist" aria-label="Surgical safety checklist">
      {checklist(c).map((item) => (
        <li
          key={item.phase}
          className={`check${item.at !== undefined ? ' check-done' : ''}${item.due ? ' check-due' : ''}`}
          data-phase={item.phase}
        >
          <span className="check-mark" aria-hidden="true">
            {item.at !== undefined ? '✓' : item.due ? '!' : '·'}
          </span>
          <span className="check-label">{item.label}</span>
          <span className="check-state">
            {item.at !== undefined ? `done ${formatClock(item.at, timeZone)}` : item.due ? 'not done' : 'later'}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The room's next cases: expected start, procedure, surgeon. */
export function NextCases({
  cases,
  timeZone,
  max = 3,
}: {
  cases: readonly CaseView[];
  timeZone?: string;
  max?: number;
}) {
  if (cases.length === 0) return <p className="muted">No more cases today.</p>;
  return (
    <ol className="next-cases">
      {cases.slice(0, max).map((c) => (
        <li key={c.id}>
          <span className="next-time">{formatClock(expectedStart(c), timeZone)}</span>
          <span className="next-procedure">{c.procedure.text}</span>
          {c.surgeon !== undefined && <span className="next-surgeon">{c.surgeon.name}</span>}
        </li>
      ))}
      {cases.length > max && <li className="muted">and {cases.length - max} more</li>}
    </ol>
  );
}
