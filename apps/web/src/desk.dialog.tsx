import { useEffect, useMemo, useRef, useState } from 'react';
import type { CaseSuggestionsView, CaseView } from '@circulator/contracts';
import { useApp } from './app.context';
import { requestApi } from './console.api';
import { formatClockMs, formatRange } from './board.format';
import { describeConflict, isBlocking, moveConflicts } from './desk.conflicts';
import { zonedInstant, type Axis } from './timeline.geometry';
import { timeOf } from './time.format';

export interface RescheduleTarget {
  c: CaseView;
  /** Proposed room and start (epoch ms): where a drag dropped it, else where it is. */
  roomId: string;
  start: number;
}

interface Props {
  target: RescheduleTarget;
  /** The board's day (YYYY-MM-DD): the start field is a time on it. */
  date: string;
  dayCases: readonly CaseView[];
  rooms: readonly { id: string; name: string }[];
  axis: Axis;
  onClose: (moved?: CaseView) => void;
}

/**
 * Confirms a move (from a drag, or chosen here with the keyboard): room and start, the duration
 * kept. The conflicts the desk can see are listed before saving; a move the server would refuse
 * cannot be saved. The server's rooms suggestions (`GET /api/cases/{id}/suggestions`) fill the
 * form. Saving is `PATCH /api/cases/{id}`; a refusal (409) shows the server's own words.
 */
export function RescheduleDialog({ target, date, dayCases, rooms, axis, onClose }: Props) {
  const { session, fetchFn } = useApp();
  const timeZone = session.timeZone;
  const ref = useRef<HTMLDialogElement>(null);
  const { c } = target;
  const duration = (timeOf(c.scheduledEnd) ?? 0) - (timeOf(c.scheduledStart) ?? 0);
  const [roomId, setRoomId] = useState(target.roomId);
  const [time, setTime] = useState(formatClockMs(target.start, timeZone));
  const [reason, setReason] = useState('');
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<string | undefined>(undefined);
  const [suggestions, setSuggestions] = useState<CaseSuggestionsView | 'failed' | undefined>(undefined);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  useEffect(() => {
    let cancelled = false;
    void requestApi<CaseSuggestionsView>(
      fetchFn,
      session.token(),
      'GET',
      `/api/cases/${encodeURIComponent(c.id)}/suggestions`,
    ).then((result) => {
      if (!cancelled) setSuggestions(result.ok ? result.body : 'failed');
    });
    return () => {
      cancelled = true;
    };
  }, [c.id, fetchFn, session]);

  const start = /^\d{2}:\d{2}$/.test(time) ? zonedInstant(date, time, timeZone) : undefined;
  const conflicts = useMemo(
    () =>
      start === undefined
        ? []
        : moveConflicts(
            c,
            { roomId, start, end: start + duration },
            dayCases,
            axis.open !== undefined && axis.close !== undefined ? { open: axis.open, close: axis.close } : undefined,
          ),
    [c, roomId, start, duration, dayCases, axis],
  );
  const blocked = conflicts.some(isBlocking);
  const unchanged = roomId === c.roomId && start === timeOf(c.scheduledStart);
  const roomName = (id: string) => rooms.find((r) => r.id === id)?.name ?? id;

  const save = async () => {
    if (start === undefined || blocked || unchanged) return;
    setSaving(true);
    setRefusal(undefined);
    const body = {
      ...(roomId !== c.roomId ? { roomId } : {}),
      scheduledStart: new Date(start).toISOString(),
      ...(reason.trim() !== '' ? { reason: reason.trim() } : {}),
    };
    const result = await requestApi<CaseView>(
      fetchFn,
      session.token(),
      'PATCH',
      `/api/cases/${encodeURIComponent(c.id)}`,
      { body },
    );
    setSaving(false);
    if (result.ok) {
      ref.current?.close();
      onClose(result.body);
    } else {
      setRefusal(
        result.status === 409 ? `The server refused the move: ${result.message}` : `Not saved: ${result.message}`,
      );
    }
  };

  return (
    <dialog
      ref={ref}
      className="reschedule"
      aria-labelledby="reschedule-title"
      onClose={() => onClose()}
      onCancel={() => onClose()}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <h2 id="reschedule-title">Move case</h2>
        <p className="reschedule-case">
          <strong>{c.procedure.text}</strong> · {c.patient.name}
          <br />
          Now: {c.roomName || c.roomId}, {formatRange(c.scheduledStart, c.scheduledEnd, timeZone)}
        </p>
        <div className="reschedule-fields">
          <label htmlFor="reschedule-room">Room</label>
          <select id="reschedule-room" autoFocus value={roomId} onChange={(e) => setRoomId(e.target.value)}>
            {rooms.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
          <label htmlFor="reschedule-start">Start</label>
          <input
            id="reschedule-start"
            type="time"
            step={300}
            required
            value={time}
            onChange={(e) => setTime(e.target.value)}
          />
          <span className="muted reschedule-end">
            {start !== undefined ? `ends ${formatClockMs(start + duration, timeZone)}` : 'a start is needed'}
          </span>
          <label htmlFor="reschedule-reason">Reason (optional)</label>
          <input id="reschedule-reason" type="text" value={reason} onChange={(e) => setReason(e.target.value)} />
        </div>

        <div className="reschedule-conflicts" aria-live="polite" data-testid="conflicts">
          {conflicts.length === 0 ? (
            <p className="conflict-none">No conflict{unchanged ? ' (nothing changed yet)' : ''}.</p>
          ) : (
            <ul>
              {conflicts.map((k, i) => (
                <li key={i} className={isBlocking(k) ? 'conflict conflict-blocking' : 'conflict conflict-warning'}>
                  <strong>{isBlocking(k) ? 'Conflict: ' : 'Warning: '}</strong>
                  {describeConflict(k, timeZone)}
                </li>
              ))}
            </ul>
          )}
        </div>

        <section className="suggestions" aria-label="Suggested rooms">
          <h3>Suggested rooms</h3>
          {suggestions === undefined && <p className="muted">Looking for free rooms…</p>}
          {suggestions === 'failed' && <p className="muted">No suggestions (the server did not answer).</p>}
          {suggestions !== undefined && suggestions !== 'failed' && suggestions.suggestions.length === 0 && (
            <p className="muted">No other room is free for this case today.</p>
          )}
          {suggestions !== undefined && suggestions !== 'failed' && suggestions.suggestions.length > 0 && (
            <ul>
              {suggestions.suggestions.map((s) => (
                <li key={s.roomId}>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => {
                      setRoomId(s.roomId);
                      setTime(formatClockMs(Date.parse(s.start), timeZone));
                    }}
                  >
                    {s.roomName || roomName(s.roomId)} at {formatRange(s.start, s.end, timeZone)}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>

        {refusal !== undefined && (
          <p className="form-error" role="alert">
            {refusal}
          </p>
        )}
        <div className="reschedule-actions">
          <button
            type="button"
            className="secondary"
            onClick={() => {
              ref.current?.close();
            }}
          >
            Cancel
          </button>
          <button type="submit" className="primary" disabled={saving || blocked || unchanged || start === undefined}>
            {saving ? 'Saving…' : 'Save move'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
