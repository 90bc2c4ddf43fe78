import { useMemo } from 'react';
import { isCalendarDate, type CaseView } from '@circulator/contracts';
import { useApp } from './app.context';
import {
  boardTopic,
  formatRange,
  groupByRoom,
  isCaseStatus,
  localDateValue,
  statusClass,
  statusLabel,
  type RoomGroup,
} from './board.format';
import { ConnectionIndicator, Link, SignOut, ThemeToggle, useTitle } from './common.components';
import { useTopicView } from './live.hooks';
import { readBoardSnapshot } from './live.payload';
import { navigate, pathOf, useSearchParam } from './router';
import { mayUseAnesthesiaView } from './roles';
import { topicCases } from './topic.state';

/** The OR board of one day: one column per room, live. */
export function BoardPage() {
  const { live, session } = useApp();
  const timeZone = session.timeZone;
  // The day is in the address (`/board?date=`), so that back, reload and bookmarks keep it; by
  // default the facility's today, as the board's times are the facility's.
  const asked = useSearchParam('date');
  const date = asked !== null && isCalendarDate(asked) ? asked : localDateValue(new Date(), timeZone);
  const setDate = (day: string) => navigate(`${pathOf({ name: 'board' })}?date=${day}`, { replace: true });
  const view = useTopicView(live, boardTopic(date), readBoardSnapshot);
  const rooms = useMemo(() => (view ? groupByRoom(topicCases(view.state)) : []), [view]);
  const anesthesia = mayUseAnesthesiaView(session.claims.roles);
  useTitle('OR board');

  let body;
  if (view?.error !== undefined) body = <p className="empty error">{view.error}</p>;
  else if (view?.state.version === undefined) body = <p className="empty">Loading the board…</p>;
  else if (rooms.length === 0) body = <p className="empty">No cases scheduled for this day.</p>;
  else body = rooms.map((room) => <Room key={room.roomId} room={room} timeZone={timeZone} anesthesia={anesthesia} />);

  return (
    <div className="board-page">
      <header className="topbar">
        <h1>OR board</h1>
        <label className="date-field" htmlFor="board-date">
          Day{' '}
          <input
            type="date"
            id="board-date"
            required
            value={date}
            onChange={(e) => {
              if (isCalendarDate(e.target.value)) setDate(e.target.value);
            }}
          />
        </label>
        <ConnectionIndicator syncing={view?.state.syncing ?? true} />
        <span className="spacer" />
        <ThemeToggle />
        <SignOut />
      </header>
      <main>
        <div className="board" aria-busy={view?.state.version === undefined}>
          {body}
        </div>
      </main>
    </div>
  );
}

function Room({ room, timeZone, anesthesia }: { room: RoomGroup; timeZone?: string; anesthesia: boolean }) {
  const active = room.cases.filter((c) => c.status !== 'cancelled').length;
  return (
    <section className="room" aria-label={room.roomName}>
      <h2 className="room-name">
        {room.roomName}
        <span className="room-count">
          {active} {active === 1 ? 'case' : 'cases'}
        </span>
      </h2>
      <nav className="room-links" aria-label={`${room.roomName} screens`}>
        <Link to={pathOf({ name: 'display', roomId: room.roomId })}>Wall display</Link>
        {anesthesia && <Link to={pathOf({ name: 'anesthesia', roomId: room.roomId })}>Anesthesia view</Link>}
      </nav>
      <ol className="cases">
        {room.cases.map((c) => (
          <CaseItem key={c.id} c={c} timeZone={timeZone} />
        ))}
      </ol>
    </section>
  );
}

function CaseItem({ c, timeZone }: { c: CaseView; timeZone?: string }) {
  // A newer server may send a status this build does not know: show it as it comes.
  const status: string = c.status;
  const known = isCaseStatus(status);
  return (
    <li className={`case case-${known ? status : 'unknown'}`}>
      <div className="case-head">
        <span className="case-time">{formatRange(c.scheduledStart, c.scheduledEnd, timeZone)}</span>
        <span className={statusClass(status)}>{known ? statusLabel(status) : status}</span>
      </div>
      <p className="procedure">{c.procedure.text}</p>
      <dl className="case-people">
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
      </dl>
    </li>
  );
}
