import { memo, useLayoutEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import type { CaseView } from '@circulator/contracts';
import { formatRange, isCaseStatus, statusLabel } from './board.format';
import { isBlocking, moveConflicts, roomPhase } from './desk.conflicts';
import { badgeLabel, delayBadges } from './desk.status';
import {
  axisLabels,
  caseBars,
  draggedStart,
  hourTicks,
  rowAt,
  spanOf,
  xPercent,
  type Axis,
  type Span,
  type TimelineRow,
} from './timeline.geometry';
import { useRenderProbe } from './render.probe';
import { followLink, pathOf } from './router';
import { timeOf } from './time.format';

/**
 * The time axis' width and its labels' width in px, measured before paint and again whenever the
 * axis is resized: which hours get a label (`axisLabels`) depends on both. Zero until measured.
 */
function useAxisFit(ref: { current: HTMLDivElement | null }): { width: number; label: number } {
  const [fit, setFit] = useState({ width: 0, label: 0 });
  useLayoutEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const measure = () => {
      const width = el.clientWidth;
      let label = 0;
      for (const tick of el.querySelectorAll<HTMLElement>('.tl-tick')) label = Math.max(label, tick.offsetWidth);
      // Every label reads HH:MM: once one has been measured its width holds for all.
      setFit((f) => (f.width === width && (label === 0 || f.label === label) ? f : { width, label: label || f.label }));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return fit;
}

/** A move asked for by a drag (or the keyboard form): the case, the room, the start (epoch ms). */
export interface MoveRequest {
  caseId: string;
  roomId: string;
  start: number;
}

interface TimelineProps {
  /** Every room of the day, filters or not: each stays mounted, hidden while the filters hide it. */
  rows: TimelineRow[];
  /**
   * The rows the filters let through, laid out by their own cases (lanes); a row equal to its
   * entry of `rows` is that same object. A room with no entry here is hidden.
   */
  shown: readonly TimelineRow[];
  axis: Axis;
  now: number;
  timeZone?: string;
  /** Every case of the day (the filters do not hide conflicts). */
  dayCases: readonly CaseView[];
  selectedId: string | undefined;
  onSelect: (caseId: string) => void;
  /** Absent: this role cannot move cases (no dragging). */
  onMove?: (move: MoveRequest) => void;
  anesthesia: boolean;
}

/** A drag in progress: where the case would land, and its ghost's box (px, in the rows' box). */
interface Drag {
  caseId: string;
  roomId: string;
  start: number;
  ghost: { top: number; left: number; width: number; height: number };
  blocked: boolean;
  warned: boolean;
  /** performance.now() of the pointer event behind it (for the benchmark's input-latency probe). */
  at: number;
}

/** What is measured when a drag begins. */
interface Grip {
  caseId: string;
  pointerId: number;
  x: number;
  y: number;
  start: number;
  duration: number;
  trackLeft: number;
  trackWidth: number;
  /** The rows on screen (the filters hide the others): their rooms, tops and heights. */
  rowIds: string[];
  rowTops: number[];
  rowHeights: number[];
  bottom: number;
  dragging: boolean;
}

/** Pixels a pointer must travel before a press becomes a drag (a click stays a click). */
const DRAG_THRESHOLD_PX = 4;

/**
 * The day as a timeline by room: rows are rooms, the horizontal axis the day's hours. Each case
 * shows its scheduled bar (the button: select it, or drag it to another room or time), its actual
 * bar (in room → out of room) and its predicted bar, in its status colours with delay badges.
 * Dragging shows a ghost at the landing slot, red when the server would refuse it; dropping asks
 * for confirmation (`onMove`).
 */
export function Timeline(props: TimelineProps) {
  const { rows, shown, axis, timeZone, dayCases, onMove } = props;
  const rowsRef = useRef<HTMLDivElement>(null);
  const grip = useRef<Grip | undefined>(undefined);
  const [drag, setDrag] = useState<Drag | undefined>(undefined);
  const ticks = useMemo(() => hourTicks(axis, timeZone), [axis, timeZone]);
  const axisRef = useRef<HTMLDivElement>(null);
  const axisFit = useAxisFit(axisRef);
  const labels = useMemo(() => axisLabels(ticks, axisFit.width, axisFit.label), [ticks, axisFit]);
  const byId = useMemo(() => new Map(dayCases.map((c) => [c.id, c] as const)), [dayCases]);
  const shownById = useMemo(() => new Map(shown.map((r) => [r.roomId, r] as const)), [shown]);
  useRenderProbe('drag', drag?.at);

  // The bars' handlers stay the same functions from render to render (so that a drag or an update
  // re-renders only the rows that changed); they read what they need from here.
  const latest = useRef({ axis, byId, dayCases, onMove, onSelect: props.onSelect, drag });
  latest.current = { axis, byId, dayCases, onMove, onSelect: props.onSelect, drag };
  const suppressClick = useRef(false);
  const canMove = onMove !== undefined;

  const handlers = useMemo((): BarHandlers => {
    // `detail` 0: a click from the keyboard (Enter, Space), never the end of a drag.
    const onSelect = (id: string, detail: number) => {
      const suppressed = suppressClick.current && detail > 0;
      suppressClick.current = false;
      if (!suppressed) latest.current.onSelect(id);
    };
    if (!canMove) return { onSelect };

    const begin = (c: CaseView, e: ReactPointerEvent<HTMLButtonElement>) => {
      suppressClick.current = false;
      if (e.button !== 0 || roomPhase(c) !== 'planned' || !rowsRef.current) return;
      const track = e.currentTarget.closest('.tl-track');
      const start = timeOf(c.scheduledStart);
      const end = timeOf(c.scheduledEnd);
      if (!track || start === undefined || end === undefined) return;
      const box = rowsRef.current.getBoundingClientRect();
      const rowEls = [...rowsRef.current.querySelectorAll<HTMLElement>('.tl-row:not([hidden])')];
      const trackBox = track.getBoundingClientRect();
      grip.current = {
        caseId: c.id,
        pointerId: e.pointerId,
        x: e.clientX,
        y: e.clientY,
        start,
        duration: end - start,
        trackLeft: trackBox.left - box.left,
        trackWidth: trackBox.width,
        rowIds: rowEls.map((r) => r.dataset.roomId ?? ''),
        rowTops: rowEls.map((r) => r.getBoundingClientRect().top - box.top),
        rowHeights: rowEls.map((r) => r.getBoundingClientRect().height),
        bottom: box.height,
        dragging: false,
      };
      e.currentTarget.setPointerCapture(e.pointerId);
    };

    const move = (e: ReactPointerEvent<HTMLButtonElement>) => {
      const g = grip.current;
      if (!g || g.pointerId !== e.pointerId || !rowsRef.current) return;
      const dx = e.clientX - g.x;
      const dy = e.clientY - g.y;
      if (!g.dragging && Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return;
      g.dragging = true;
      const { axis, byId, dayCases } = latest.current;
      const box = rowsRef.current.getBoundingClientRect();
      const index = rowAt(e.clientY - box.top, g.rowTops, g.bottom);
      const roomId = index === undefined ? undefined : g.rowIds[index];
      const moving = byId.get(g.caseId);
      if (index === undefined || !roomId || !moving) {
        setDrag(undefined);
        return;
      }
      const start = draggedStart(axis, g.start, dx, g.trackWidth);
      const span = spanOf(axis, start, start + g.duration) ?? { left: xPercent(axis, start), width: 0 };
      const conflicts = moveConflicts(
        moving,
        { roomId, start, end: start + g.duration },
        dayCases,
        axis.open !== undefined && axis.close !== undefined ? { open: axis.open, close: axis.close } : undefined,
      );
      setDrag({
        caseId: g.caseId,
        roomId,
        start,
        ghost: {
          top: g.rowTops[index] ?? 0,
          left: g.trackLeft + (span.left / 100) * g.trackWidth,
          width: Math.max(4, (span.width / 100) * g.trackWidth),
          height: g.rowHeights[index] ?? 0,
        },
        blocked: conflicts.some(isBlocking),
        warned: conflicts.length > 0,
        at: e.timeStamp,
      });
    };

    /** Ends a press: a drag asks for the move; a press without one is a click (selects the case). */
    const end = (c: CaseView, e: ReactPointerEvent<HTMLButtonElement>, cancelled: boolean) => {
      const g = grip.current;
      if (!g || g.pointerId !== e.pointerId) return;
      grip.current = undefined;
      const landed = latest.current.drag;
      setDrag(undefined);
      if (!g.dragging) return;
      suppressClick.current = true;
      if (!cancelled && landed) latest.current.onMove?.({ caseId: c.id, roomId: landed.roomId, start: landed.start });
    };
    return { onSelect, begin, move, end };
  }, [canMove]);

  return (
    <section className="day-timeline" aria-label="Day timeline by room">
      <div className="tl-head" aria-hidden="true">
        <div className="tl-room tl-corner">Room</div>
        <div className="tl-axis" ref={axisRef}>
          {labels.map((t) => (
            <span key={t.at} className={`tl-tick tl-tick-${t.align}`} style={{ left: `${t.left}%` }}>
              {t.label}
            </span>
          ))}
        </div>
      </div>
      <div className="tl-rows" ref={rowsRef} data-dragging={drag ? 'true' : undefined}>
        {rows.map((row) => (
          <Row
            key={row.roomId}
            row={row}
            shown={shownById.get(row.roomId)}
            axis={axis}
            now={props.now}
            timeZone={timeZone}
            selectedId={holds(row, props.selectedId)}
            handlers={handlers}
            anesthesia={props.anesthesia}
            draggingId={holds(row, drag?.caseId)}
          />
        ))}
        {drag && (
          <div
            className={`tl-ghost${drag.blocked ? ' tl-ghost-blocked' : drag.warned ? ' tl-ghost-warned' : ''}`}
            data-testid="drag-ghost"
            data-room-id={drag.roomId}
            data-conflict={drag.blocked ? 'blocking' : drag.warned ? 'warning' : 'none'}
            aria-hidden="true"
            style={{
              top: `${drag.ghost.top}px`,
              left: `${drag.ghost.left}px`,
              width: `${drag.ghost.width}px`,
              height: `${drag.ghost.height}px`,
            }}
          />
        )}
      </div>
    </section>
  );
}

/** The id, when the row holds that case (so that only that row re-renders when it changes). */
function holds(row: TimelineRow, caseId: string | undefined): string | undefined {
  return caseId !== undefined && row.lanes.has(caseId) ? caseId : undefined;
}

interface BarHandlers {
  onSelect: (caseId: string, detail: number) => void;
  begin?: (c: CaseView, e: ReactPointerEvent<HTMLButtonElement>) => void;
  move?: (e: ReactPointerEvent<HTMLButtonElement>) => void;
  end?: (c: CaseView, e: ReactPointerEvent<HTMLButtonElement>, cancelled: boolean) => void;
}

interface RowProps {
  /** The room with all its cases, filters or not. */
  row: TimelineRow;
  /** What the filters let through of it, and its lanes; undefined: the row is hidden. */
  shown: TimelineRow | undefined;
  axis: Axis;
  now: number;
  timeZone: string | undefined;
  selectedId: string | undefined;
  handlers: BarHandlers;
  anesthesia: boolean;
  draggingId: string | undefined;
}

/**
 * One room: its name and screens, then its track of bars. Re-rendered only when its props change.
 * A filter hides the row, or the bars it does not let through, rather than unmounting them: a
 * filter change then touches the DOM's `hidden` attributes, not 400 bars (and each bar re-renders
 * only when its own props change).
 */
const Row = memo(function Row({
  row,
  shown,
  axis,
  now,
  timeZone,
  selectedId,
  handlers,
  anesthesia,
  draggingId,
}: RowProps) {
  const layout = shown ?? row;
  const active = layout.cases.filter((c) => c.status !== 'cancelled').length;
  const closedBefore = axis.open !== undefined ? xPercent(axis, axis.open) : 0;
  const closedAfter = axis.close !== undefined ? 100 - xPercent(axis, axis.close) : 0;
  const nowAt = now >= axis.start && now <= axis.end ? xPercent(axis, now) : undefined;
  return (
    <div
      className={`tl-row tl-lanes-${Math.min(layout.laneCount, 6)}`}
      data-room-id={row.roomId}
      hidden={shown === undefined}
    >
      <div className="tl-room">
        <h2 className="tl-room-name">{row.roomName}</h2>
        <span className="room-count">
          {active} {active === 1 ? 'case' : 'cases'}
        </span>
        <span className="tl-room-links">
          <a
            href={pathOf({ name: 'display', roomId: row.roomId })}
            onClick={followLink}
            aria-label={`Wall display of ${row.roomName}`}
          >
            Wall display
          </a>
          {anesthesia && (
            <a
              href={pathOf({ name: 'anesthesia', roomId: row.roomId })}
              onClick={followLink}
              aria-label={`Anesthesia view of ${row.roomName}`}
            >
              Anesthesia view
            </a>
          )}
        </span>
      </div>
      <div className="tl-track">
        {closedBefore > 0 && <div className="tl-closed" style={{ left: 0, width: `${closedBefore}%` }} />}
        {closedAfter > 0 && <div className="tl-closed" style={{ right: 0, width: `${closedAfter}%` }} />}
        {nowAt !== undefined && <div className="tl-now" style={{ left: `${nowAt}%` }} />}
        <ol className="tl-cases" aria-label={`${row.roomName} cases`}>
          {row.cases.map((c) => (
            <Bar
              key={c.id}
              c={c}
              lane={layout.lanes.get(c.id) ?? row.lanes.get(c.id) ?? 0}
              hidden={shown !== undefined && !shown.lanes.has(c.id)}
              axis={axis}
              now={now}
              timeZone={timeZone}
              selected={c.id === selectedId}
              dragging={c.id === draggingId}
              handlers={handlers}
            />
          ))}
        </ol>
      </div>
    </div>
  );
});

/** One case's bars; re-rendered only when its own props change (not when another case does). */
const Bar = memo(function Bar(props: {
  c: CaseView;
  lane: number;
  /** Filtered out (in a row that shows). */
  hidden: boolean;
  axis: Axis;
  now: number;
  timeZone: string | undefined;
  selected: boolean;
  dragging: boolean;
  handlers: BarHandlers;
}) {
  const { c, lane, axis, now, timeZone, handlers } = props;
  const bars = caseBars(c, axis, now);
  const badges = delayBadges(c, now);
  const status: string = c.status;
  const known = isCaseStatus(status);
  const label = known ? statusLabel(status) : status;
  const place = (span: Span | undefined) => (span ? { left: `${span.left}%`, width: `${span.width}%` } : undefined);
  const movable = handlers.begin !== undefined && roomPhase(c) === 'planned';
  return (
    <li
      className={`tl-case tl-lane-${Math.min(lane, 5)}`}
      data-case-id={c.id}
      data-status={status}
      hidden={props.hidden}
    >
      {bars.scheduled && (
        <button
          type="button"
          className={`tl-bar tl-scheduled case-${known ? status : 'unknown'}${props.selected ? ' tl-selected' : ''}${
            props.dragging ? ' tl-dragging' : ''
          }${movable ? ' tl-movable' : ''}${badges.length ? ' tl-delayed' : ''}`}
          style={place(bars.scheduled)}
          aria-pressed={props.selected}
          data-start={c.scheduledStart}
          data-room-id={c.roomId}
          onClick={(e) => handlers.onSelect(c.id, e.detail)}
          {...(movable && handlers.begin && handlers.move && handlers.end
            ? {
                onPointerDown: (e: ReactPointerEvent<HTMLButtonElement>) => handlers.begin!(c, e),
                onPointerMove: handlers.move,
                onPointerUp: (e: ReactPointerEvent<HTMLButtonElement>) => handlers.end!(c, e, false),
                onPointerCancel: (e: ReactPointerEvent<HTMLButtonElement>) => handlers.end!(c, e, true),
              }
            : {})}
        >
          <span className="tl-time">{formatRange(c.scheduledStart, c.scheduledEnd, timeZone)}</span>{' '}
          <span className="tl-proc">{c.procedure.text}</span> <span className="tl-patient">{c.patient.name}</span>
          {c.surgeon && <span className="tl-surgeon">, {c.surgeon.name}</span>}{' '}
          <span className="tl-status">({label})</span>
          {badges.map((b) => (
            <span key={b.kind} className={`tl-badge tl-badge-${b.kind}`} data-badge={b.kind}>
              {' '}
              {badgeLabel(b)}
            </span>
          ))}
        </button>
      )}
      {bars.predicted && <span className="tl-bar tl-predicted" style={place(bars.predicted)} aria-hidden="true" />}
      {bars.actual && (
        <span
          className={`tl-bar tl-actual${bars.actual.open ? ' tl-actual-open' : ''}`}
          style={place(bars.actual)}
          aria-hidden="true"
        />
      )}
    </li>
  );
});
