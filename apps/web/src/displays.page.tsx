import { useState } from 'react';
import type { DisplayCredentialView, RoomView } from '@circulator/contracts';
import { useApp } from './app.context';
import { formatClock } from './board.format';
import { requestApi } from './console.api';
import { ConfirmButton, ConsoleFrame, DataAge, usePolled } from './console.parts';
import { enrolmentLink } from './enrolment';
import { dateText } from './biomed.model';

const POLL_MS = 10_000;

/**
 * Display credentials (admin): the list (`GET /api/displays`), a new one for a room with its
 * enrolment link shown once (the token is not stored anywhere: not by the server, not here once
 * this panel is closed), revocation.
 */
export function DisplaysAdminPage() {
  const { session, fetchFn } = useApp();
  const tz = session.timeZone;
  const displays = usePolled(
    () => requestApi<DisplayCredentialView[]>(fetchFn, session.token(), 'GET', '/api/displays'),
    POLL_MS,
    'displays',
  );
  const rooms = usePolled(() => requestApi<RoomView[]>(fetchFn, session.token(), 'GET', '/api/rooms'), 0, 'rooms');
  const [roomId, setRoomId] = useState('');
  const [created, setCreated] = useState<{ id: string; roomId: string; link: string } | undefined>();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const roomName = (id: string) => rooms.value?.find((r) => r.id === id)?.name ?? id;

  async function create(): Promise<void> {
    setError(undefined);
    setCopied(false);
    const result = await requestApi<{ id: string; token: string }>(fetchFn, session.token(), 'POST', '/api/displays', {
      body: { roomId },
    });
    if (!result.ok) return setError(result.message);
    setCreated({
      id: result.body.id,
      roomId,
      link: enrolmentLink(window.location.origin, roomId, result.body.token),
    });
    displays.reload();
  }

  async function revoke(id: string): Promise<void> {
    setError(undefined);
    const result = await requestApi(fetchFn, session.token(), 'DELETE', `/api/displays/${encodeURIComponent(id)}`);
    if (!result.ok) setError(result.message);
    if (created?.id === id) setCreated(undefined);
    displays.reload();
  }

  const list = displays.value ?? [];
  return (
    <ConsoleFrame
      title="Wall displays"
      path="/admin/displays"
      age={<DataAge at={displays.at} staleAfterMs={POLL_MS * 3} />}
    >
      <section className="panel" aria-labelledby="new-display">
        <h2 id="new-display">New display credential</h2>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <label htmlFor="display-room">Room</label>
          <select id="display-room" value={roomId} required onChange={(e) => setRoomId(e.target.value)}>
            <option value="">Choose a room…</option>
            {(rooms.value ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
          <button type="submit" className="primary" disabled={roomId === ''}>
            Create
          </button>
        </form>
        {created && (
          <div className="secret-once" role="region" aria-label="Enrolment link">
            <p>
              Enrolment link for <strong>{roomName(created.roomId)}</strong>. It is shown <strong>once</strong>: open it
              on the display&apos;s browser (or set it as the kiosk&apos;s start page). Anyone with it can show this
              room.
            </p>
            <p>
              <label htmlFor="enrolment-link" className="sr-only">
                Enrolment link
              </label>
              <input
                id="enrolment-link"
                className="secret"
                readOnly
                value={created.link}
                onFocus={(e) => e.target.select()}
              />{' '}
              <button
                type="button"
                className="primary"
                onClick={() =>
                  void navigator.clipboard.writeText(created.link).then(
                    () => setCopied(true),
                    () => setError('The browser did not allow copying: select the link and copy it.'),
                  )
                }
              >
                Copy link
              </button>{' '}
              <button type="button" className="secondary" onClick={() => setCreated(undefined)}>
                Done
              </button>
              {copied && (
                <span role="status" className="muted">
                  {' '}
                  Copied.
                </span>
              )}
            </p>
          </div>
        )}
        {error && (
          <p role="alert" className="form-error">
            {error}
          </p>
        )}
      </section>
      <section className="panel" aria-labelledby="display-list">
        <h2 id="display-list">Display credentials</h2>
        {displays.error && <p className="form-error">{displays.error}</p>}
        {list.length === 0 ? (
          <p className="empty">{displays.value ? 'No display credentials yet.' : 'Loading…'}</p>
        ) : (
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Room</th>
                <th scope="col">Created</th>
                <th scope="col">By</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => (
                <tr key={d.id} data-testid={`display-${d.id}`}>
                  <td>{roomName(d.roomId)}</td>
                  <td>
                    {dateText(d.createdAt, tz)} {formatClock(d.createdAt, tz)}
                  </td>
                  <td>{d.createdBy}</td>
                  <td>
                    {d.revokedAt ? (
                      <span className="tag tag-muted">
                        revoked {dateText(d.revokedAt, tz)} {formatClock(d.revokedAt, tz)}
                      </span>
                    ) : (
                      <span className="tag tag-ok">active</span>
                    )}
                  </td>
                  <td>
                    {!d.revokedAt && (
                      <ConfirmButton
                        label="Revoke"
                        question={`Revoke the display of ${roomName(d.roomId)}? Its screen goes blank at once.`}
                        confirmLabel="Revoke now"
                        onConfirm={() => void revoke(d.id)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </ConsoleFrame>
  );
}
