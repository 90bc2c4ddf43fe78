import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { isCalendarDate, type CaseView, type RoomView, type SiteView } from '@circulator/contracts';
import { useApp } from './app.context';
import { requestApi } from './console.api';
import { boardTopic, isCaseStatus, localDateValue, statusLabel } from './board.format';
import { ConnectionIndicator, SignOut, ThemeToggle, useTitle } from './common.components';
import { ConsoleNav } from './console.parts';
import { RescheduleDialog, type RescheduleTarget } from './desk.dialog';
import { AlertsFeed, CaseDetail, KpiPanel } from './desk.panels';
import { filterCases, filterChoices, isFiltering, NO_FILTER, type DeskFilter } from './desk.status';
import {
  dayAxis,
  reuseRows,
  sameAxis,
  timelineRows,
  type Axis,
  type OrHours,
  type TimelineRow,
} from './timeline.geometry';
import { Timeline, type MoveRequest } from './desk.timeline';
import { useNow, useTopicView } from './live.hooks';
import { readBoardSnapshot } from './live.payload';
import { useRenderProbe } from './render.probe';
import { navigate, pathOf, useSearchParam } from './router';
import { mayReschedule, mayUseAnesthesiaView } from './roles';
import { formatAge, timeOf } from './time.format';
import { topicCases } from './topic.state';

/** Bars, badges and ages move on with the clock this often. */
const TICK_MS = 30_000;

/**
 * The OR board and scheduling desk of one day (`/board?date=`, CONTRACT §7 `board:DATE`): a
 * timeline by room with scheduled, actual and predicted bars, status colours and delay badges;
 * filters; the selected case; for the scheduler, moving a case by dragging it or from the
 * keyboard, with its conflicts shown before saving; the day's KPIs; today's alerts.
 */
export function BoardPage() {
  const { live, session } = useApp();
  const timeZone = session.timeZone;
  // The day and the selected case are in the address (`/board?date=&case=`), so that back, reload,
  // bookmarks and the alerts' links keep them; the day by default the facility's today.
  const asked = useSearchParam('date');
  const date = asked !== null && isCalendarDate(asked) ? asked : localDateValue(new Date(), timeZone);
  const selectedId = useSearchParam('case') ?? undefined;
  const go = useCallback(
    (day: string, caseId?: string) =>
      navigate(`${pathOf({ name: 'board' })}?date=${day}${caseId ? `&case=${encodeURIComponent(caseId)}` : ''}`, {
        replace: true,
      }),
    [],
  );
  const view = useTopicView(live, boardTopic(date), readBoardSnapshot);
  useRenderProbe('update', view?.receivedAt);
  const now = useNow(TICK_MS);
  const site = useSite();
  const rooms = useRooms();
  const canMove = mayReschedule(session.claims.roles);
  const anesthesia = mayUseAnesthesiaView(session.claims.roles);
  const [filter, setFilter] = useState<DeskFilter>(NO_FILTER);
  const [filterAt, setFilterAt] = useState<number | undefined>(undefined);
  useRenderProbe('filter', filterAt);
  const [moving, setMoving] = useState<RescheduleTarget | undefined>(undefined);
  const [notice, setNotice] = useState('');
  const changedAt = useChangedAt(view?.state.version);
  useTitle('OR board');

  const dayCases = useMemo(() => (view ? topicCases(view.state) : []), [view]);
  // The same axis object while its hours do not change: a live update then re-renders only the
  // rooms it touched, not every bar.
  const previousAxis = useRef<Axis | undefined>(undefined);
  const axis = useMemo(() => {
    const next = dayAxis(date, dayCases, {
      ...(site?.orHours ? { orHours: site.orHours } : {}),
      ...(timeZone ? { timeZone } : {}),
    });
    if (sameAxis(previousAxis.current, next)) return previousAxis.current!;
    previousAxis.current = next;
    return next;
  }, [date, dayCases, site, timeZone]);
  const shown = useMemo(() => filterCases(dayCases, filter, now), [dayCases, filter, now]);
  // Rooms without a case yet are rows too (somewhere to move a case to), unless a filter is on.
  const roomChoices = useMemo(() => knownRooms(dayCases, rooms), [dayCases, rooms]);
  // Every room's row, whatever the filters: the timeline keeps them all mounted and hides what the
  // filters leave out, so that a filter change does not build the board again.
  const previousRows = useRef<TimelineRow[]>([]);
  const rows = useMemo(() => {
    const next = reuseRows(previousRows.current, timelineRows(dayCases, roomChoices));
    previousRows.current = next;
    return next;
  }, [dayCases, roomChoices]);
  // What the filters let through, laid out by its own lanes; a room's row that the filters leave
  // whole is the very object of `rows` (its bars then do not re-render at all).
  const previousShown = useRef<TimelineRow[]>([]);
  const shownRows = useMemo(() => {
    const next = isFiltering(filter) ? reuseRows(rows, reuseRows(previousShown.current, timelineRows(shown))) : rows;
    previousShown.current = next;
    return next;
  }, [shown, filter, rows]);
  const choices = useMemo(() => filterChoices(dayCases), [dayCases]);
  const selected = selectedId === undefined ? undefined : view?.state.cases.get(selectedId);

  const onSelect = useCallback(
    (caseId: string) => go(date, caseId === selectedId ? undefined : caseId),
    [go, date, selectedId],
  );
  const onMove = useCallback(
    (move: MoveRequest) => {
      const c = view?.state.cases.get(move.caseId);
      if (c) setMoving({ c, roomId: move.roomId, start: move.start });
    },
    [view],
  );
  const change = (patch: Partial<DeskFilter>, at: number) => {
    setFilterAt(at);
    setFilter((f) => ({ ...f, ...patch }));
  };

  let body;
  if (view?.error !== undefined) body = <p className="empty error">{view.error}</p>;
  else if (view?.state.version === undefined) body = <p className="empty">Loading the board…</p>;
  else if (dayCases.length === 0) body = <p className="empty">No cases scheduled for this day.</p>;
  else if (shownRows.length === 0) body = <p className="empty">No case matches the filters.</p>;
  else
    body = (
      <Timeline
        rows={rows}
        shown={shownRows}
        axis={axis}
        now={now}
        timeZone={timeZone}
        dayCases={dayCases}
        selectedId={selectedId}
        onSelect={onSelect}
        anesthesia={anesthesia}
        {...(canMove ? { onMove } : {})}
      />
    );

  return (
    <div className="board-page desk">
      <header className="topbar">
        <h1>OR board</h1>
        <ConsoleNav current="/board" />
        <label className="date-field" htmlFor="board-date">
          Day{' '}
          <input
            type="date"
            id="board-date"
            required
            value={date}
            onChange={(e) => {
              if (isCalendarDate(e.target.value)) go(e.target.value);
            }}
          />
        </label>
        <ConnectionIndicator syncing={view?.state.syncing ?? true} />
        {changedAt !== undefined && (
          <span className="age" data-testid="board-age">
            updated {formatAge(changedAt, now)}
          </span>
        )}
        <span className="spacer" />
        <ThemeToggle />
        <SignOut />
      </header>
      <div className="desk-filters" role="group" aria-label="Filters">
        <label htmlFor="filter-room">Room</label>
        <select
          id="filter-room"
          value={filter.roomId}
          onChange={(e) => change({ roomId: e.target.value }, e.timeStamp)}
        >
          <option value="">All rooms</option>
          {choices.rooms.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
        <label htmlFor="filter-status">Status</label>
        <select
          id="filter-status"
          value={filter.status}
          onChange={(e) => change({ status: e.target.value }, e.timeStamp)}
        >
          <option value="">Any status</option>
          {choices.statuses.map((s) => (
            <option key={s} value={s}>
              {isCaseStatus(s) ? statusLabel(s) : s}
            </option>
          ))}
        </select>
        <label htmlFor="filter-surgeon">Surgeon</label>
        <select
          id="filter-surgeon"
          value={filter.surgeon}
          onChange={(e) => change({ surgeon: e.target.value }, e.timeStamp)}
        >
          <option value="">Any surgeon</option>
          {choices.surgeons.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label className="check">
          <input
            type="checkbox"
            checked={filter.delayedOnly}
            onChange={(e) => change({ delayedOnly: e.target.checked }, e.timeStamp)}
          />{' '}
          Delayed only
        </label>
        <span className="muted" data-testid="shown-count">
          {shown.length} of {dayCases.length} cases
        </span>
        <span className="desk-legend" aria-hidden="true">
          <span className="legend-scheduled">scheduled</span>
          <span className="legend-actual">actual</span>
          <span className="legend-predicted">predicted</span>
        </span>
      </div>
      <p className="sr-only" role="status">
        {notice}
      </p>
      <main className="desk-main">
        <div className="board desk-board" aria-busy={view?.state.version === undefined}>
          {body}
        </div>
        <aside className="desk-side" aria-label="Case, KPIs and alerts">
          {selected && (
            <CaseDetail
              c={selected}
              now={now}
              {...(canMove
                ? {
                    onReschedule: () =>
                      setMoving({
                        c: selected,
                        roomId: selected.roomId,
                        start: timeOf(selected.scheduledStart) ?? now,
                      }),
                  }
                : {})}
            />
          )}
          <KpiPanel date={date} version={view?.state.version} now={now} />
          <AlertsFeed />
        </aside>
      </main>
      {moving && (
        <RescheduleDialog
          key={`${moving.c.id}:${moving.roomId}:${moving.start}`}
          target={moving}
          date={date}
          dayCases={dayCases}
          rooms={roomChoices}
          axis={axis}
          onClose={(moved?: CaseView) => {
            setMoving(undefined);
            if (moved) setNotice(`Moved ${moved.procedure.text} to ${moved.roomName || moved.roomId}.`);
          }}
        />
      )}
    </div>
  );
}

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** The board's rooms and the site's (mapped) rooms, by name. */
function knownRooms(cases: readonly CaseView[], rooms: readonly RoomView[]): { id: string; name: string }[] {
  const out = new Map<string, string>();
  for (const r of rooms) if (!r.unmapped) out.set(r.id, r.name);
  for (const c of cases) out.set(c.roomId, c.roomName || c.roomId);
  return [...out].map(([id, name]) => ({ id, name })).sort((a, b) => byName.compare(a.name, b.name));
}

/** `GET /api/site` (OR hours for the axis); undefined until it answers or when it cannot. */
function useSite(): SiteView | undefined {
  const { session, fetchFn } = useApp();
  const [site, setSite] = useState<SiteView | undefined>(undefined);
  useEffect(() => {
    let cancelled = false;
    void requestApi<SiteView>(fetchFn, session.token(), 'GET', '/api/site').then((result) => {
      if (!cancelled && result.ok && isOrHours(result.body.orHours)) setSite(result.body);
    });
    return () => {
      cancelled = true;
    };
  }, [fetchFn, session]);
  return site;
}

function isOrHours(value: unknown): value is OrHours {
  const v = value as Partial<OrHours> | undefined;
  return typeof v?.open === 'string' && /^\d{2}:\d{2}$/.test(v.open) && typeof v.close === 'string';
}

/** `GET /api/rooms`, once: rooms without a case that day are still places to move a case to. */
function useRooms(): RoomView[] {
  const { session, fetchFn } = useApp();
  const [rooms, setRooms] = useState<RoomView[]>([]);
  useEffect(() => {
    let cancelled = false;
    void requestApi<RoomView[]>(fetchFn, session.token(), 'GET', '/api/rooms').then((result) => {
      if (!cancelled && result.ok && Array.isArray(result.body)) setRooms(result.body);
    });
    return () => {
      cancelled = true;
    };
  }, [fetchFn, session]);
  return rooms;
}

/** When the board last changed (epoch ms, this browser's clock): the data's age. */
function useChangedAt(version: number | undefined): number | undefined {
  const [at, setAt] = useState<number | undefined>(undefined);
  useEffect(() => {
    if (version !== undefined) setAt(Date.now());
  }, [version]);
  return at;
}
