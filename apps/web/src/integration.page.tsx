import { useEffect, useRef, useState } from 'react';
import {
  MESSAGE_STATUSES,
  type MessagePage,
  type MessageStatsView,
  type MessageSummary,
  type MessageView,
  type RoomView,
} from '@circulator/contracts';
import { useApp } from './app.context';
import { formatClock } from './board.format';
import { dateText } from './biomed.model';
import { queryString, requestApi } from './console.api';
import { ConfirmButton, ConsoleFrame, DataAge, usePolled } from './console.parts';
import {
  EMPTY_SEARCH,
  fieldLabel,
  formatRate,
  formatShare,
  interfaceRows,
  lastAttempt,
  mappableRooms,
  searchParams,
  segmentLines,
  unmappedLocations,
  withLocationMapping,
  type InterfaceItem,
  type SearchForm,
} from './integration.model';
import { useNow } from './live.hooks';
import { formatAge, timeOf } from './time.format';

/** Traffic statistics are read this often (no socket topic carries them). */
const STATS_MS = 3_000;

/**
 * The integration console (issue 8): interfaces with live rates and errors, the message log
 * (search, pages), one message in full with reprocessing, and the mapping of unmapped locations.
 */
export function IntegrationPage() {
  const { session, fetchFn } = useApp();
  const get = <T,>(path: string) => requestApi<T>(fetchFn, session.token(), 'GET', path);
  const stats = usePolled(() => get<MessageStatsView>('/api/messages/stats?windowMinutes=60'), STATS_MS, 'stats');
  const interfaces = usePolled(() => get<InterfaceItem[]>('/api/interfaces'), 0, 'interfaces');
  const [selected, setSelected] = useState<string | undefined>();

  return (
    <ConsoleFrame
      title="Integration console"
      path="/integration"
      age={<DataAge at={stats.at} staleAfterMs={STATS_MS * 3} label="rates" />}
    >
      <InterfacesPanel
        interfaces={interfaces.value ?? []}
        stats={stats.value}
        error={stats.error ?? interfaces.error}
      />
      <MessageLog lastMessageAt={stats.value?.total.lastMessageAt ?? null} onOpen={setSelected} selected={selected} />
      {selected !== undefined && <MessagePanel id={selected} onClose={() => setSelected(undefined)} />}
      <LocationsPanel interfaces={interfaces.value ?? []} onChanged={interfaces.reload} />
    </ConsoleFrame>
  );
}

function InterfacesPanel({
  interfaces,
  stats,
  error,
}: {
  interfaces: InterfaceItem[];
  stats: MessageStatsView | undefined;
  error?: string;
}) {
  const { session } = useApp();
  const now = useNow(1_000);
  const rows = interfaceRows(interfaces, stats);
  const total = stats?.total;
  return (
    <section className="panel" aria-labelledby="interfaces-heading">
      <h2 id="interfaces-heading">Interfaces</h2>
      {error && <p className="form-error">{error}</p>}
      {total && (
        <p className="summary-line" data-testid="traffic-total">
          All interfaces: <strong>{formatRate(total.ratePerSecond)}</strong> over the last minute ·{' '}
          {total.messages.window} messages in the last hour · errors {formatShare(total.errorRate)}
          {stats?.queue && (
            <>
              {' '}
              · queue {stats.queue.waiting} waiting, {stats.queue.active} active, {stats.queue.failed} failed
            </>
          )}
        </p>
      )}
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Interface</th>
            <th scope="col">Port</th>
            <th scope="col">Rate (1 min)</th>
            <th scope="col">Last minute</th>
            <th scope="col">Last hour</th>
            <th scope="col">Errors (1 h)</th>
            <th scope="col">Last message</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const last = timeOf(r.lastMessageAt ?? undefined);
            return (
              <tr key={r.name} data-testid={`interface-${r.name}`}>
                <th scope="row">
                  {r.name}
                  {!r.enabled && <span className="tag tag-muted">disabled</span>}
                  {r.origin !== 'api' && <span className="tag tag-muted">{r.origin}</span>}
                </th>
                <td>{r.port}</td>
                <td data-testid="rate">{formatRate(r.perSecond)}</td>
                <td data-testid="last-minute">{r.lastMinute}</td>
                <td data-testid="window">{r.window}</td>
                <td className={r.errors > 0 ? 'bad' : undefined}>
                  {r.errors} ({formatShare(r.errorRate)})
                </td>
                <td>
                  {last === undefined
                    ? '–'
                    : `${formatClock(r.lastMessageAt ?? undefined, session.timeZone)} · ${formatAge(last, now)}`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function MessageLog({
  lastMessageAt,
  selected,
  onOpen,
}: {
  lastMessageAt: string | null;
  selected?: string;
  onOpen: (id: string) => void;
}) {
  const { session, fetchFn } = useApp();
  const tz = session.timeZone;
  const [form, setForm] = useState<SearchForm>(EMPTY_SEARCH);
  const [applied, setApplied] = useState<SearchForm>(EMPTY_SEARCH);
  const [pages, setPages] = useState<MessagePage[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [searchAt, setSearchAt] = useState<number | undefined>();

  async function load(filters: SearchForm, before?: string): Promise<void> {
    const path = `/api/messages${queryString({ ...searchParams(filters, tz, before), limit: '25' })}`;
    const result = await requestApi<MessagePage>(fetchFn, session.token(), 'GET', path);
    if (!result.ok) return setError(result.message);
    setError(undefined);
    setSearchAt(Date.now());
    setPages((old) => (before === undefined ? [result.body] : [...old, result.body]));
  }

  // The first page follows new traffic (when no older page is open): a new message shows at once.
  const firstPageOnly = pages.length <= 1;
  const latest = useRef(applied);
  latest.current = applied;
  useEffect(() => {
    if (firstPageOnly) void load(latest.current);
    // Only new traffic reloads it (the search form has its own button).
  }, [lastMessageAt]);

  const items = pages.flatMap((p) => p.items);
  const next = pages[pages.length - 1]?.next ?? null;
  const set = (key: keyof SearchForm) => (e: { target: { value: string } }) =>
    setForm({ ...form, [key]: e.target.value });

  return (
    <section className="panel" aria-labelledby="log-heading">
      <h2 id="log-heading">Message log</h2>
      <form
        className="search-form"
        aria-label="Search messages"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(form);
          setPages([]);
          void load(form);
        }}
      >
        <label>
          MRN <input value={form.mrn} onChange={set('mrn')} name="mrn" autoComplete="off" />
        </label>
        <label>
          Control id <input value={form.controlId} onChange={set('controlId')} name="controlId" autoComplete="off" />
        </label>
        <label>
          Type <input value={form.type} onChange={set('type')} name="type" placeholder="SIU^S12" autoComplete="off" />
        </label>
        <label>
          Status{' '}
          <select value={form.status} onChange={set('status')} name="status">
            <option value="">any</option>
            {MESSAGE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          From <input type="datetime-local" value={form.from} onChange={set('from')} name="from" />
        </label>
        <label>
          To <input type="datetime-local" value={form.to} onChange={set('to')} name="to" />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setForm(EMPTY_SEARCH);
            setApplied(EMPTY_SEARCH);
            setPages([]);
            void load(EMPTY_SEARCH);
          }}
        >
          Clear
        </button>
        <DataAge at={searchAt} staleAfterMs={60_000} label="log" />
      </form>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      {items.length === 0 ? (
        <p className="empty">{searchAt === undefined ? 'Loading…' : 'No messages match.'}</p>
      ) : (
        <table className="data-table" data-testid="message-log">
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Type</th>
              <th scope="col">Control id</th>
              <th scope="col">Sender</th>
              <th scope="col">Interface</th>
              <th scope="col">Status</th>
              <th scope="col">MRN</th>
              <th scope="col">Tries</th>
              <th scope="col">
                <span className="sr-only">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <LogRow key={m.id} m={m} tz={tz} selected={m.id === selected} onOpen={onOpen} />
            ))}
          </tbody>
        </table>
      )}
      {next !== null && (
        <button type="button" className="secondary" onClick={() => void load(applied, next)}>
          Older messages
        </button>
      )}
    </section>
  );
}

function LogRow({
  m,
  tz,
  selected,
  onOpen,
}: {
  m: MessageSummary;
  tz?: string;
  selected: boolean;
  onOpen: (id: string) => void;
}) {
  return (
    <tr className={selected ? 'selected' : undefined} data-testid={`message-${m.controlId ?? m.id}`}>
      <td>
        {dateText(m.receivedAt, tz)} {formatClock(m.receivedAt, tz)}
      </td>
      <td>{m.messageType ?? '–'}</td>
      <td>{m.controlId ?? '–'}</td>
      <td>{m.sender}</td>
      <td>{m.interfaceName ?? '–'}</td>
      <td>
        <span className={`tag tag-${statusTone(m.status)}`}>{m.status}</span>
        {m.ackCode && <span className="muted"> {m.ackCode}</span>}
      </td>
      <td>{m.mrn ?? '–'}</td>
      <td>{m.attempts}</td>
      <td>
        <button
          type="button"
          className="secondary"
          onClick={() => onOpen(m.id)}
          aria-label={`Open message ${m.controlId ?? m.id}`}
        >
          Open
        </button>
      </td>
    </tr>
  );
}

function statusTone(status: MessageSummary['status']): 'ok' | 'warn' | 'bad' {
  return status === 'applied' ? 'ok' : status === 'received' ? 'warn' : 'bad';
}

/** How often, and how many times, the detail is read again after a reprocess until its new attempt shows. */
const REPROCESS_POLL_MS = 500;
const REPROCESS_POLLS = 60;

function MessagePanel({ id, onClose }: { id: string; onClose: () => void }) {
  const { session, fetchFn } = useApp();
  const tz = session.timeZone;
  const [detail, setDetail] = useState<MessageView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const heading = useRef<HTMLHeadingElement>(null);

  async function read(): Promise<MessageView | undefined> {
    const result = await requestApi<MessageView>(
      fetchFn,
      session.token(),
      'GET',
      `/api/messages/${encodeURIComponent(id)}`,
    );
    if (!result.ok) {
      setError(result.message);
      return undefined;
    }
    setError(undefined);
    setDetail(result.body);
    return result.body;
  }

  useEffect(() => {
    setDetail(undefined);
    setNotice(undefined);
    void read().then(() => heading.current?.focus());
    // A new message only.
  }, [id]);

  async function reprocess(): Promise<void> {
    const before = detail?.attempts.length ?? 0;
    setNotice('Reprocessing…');
    const result = await requestApi<{ queued: string[]; skipped: { id: string; reason: string }[] }>(
      fetchFn,
      session.token(),
      'POST',
      '/api/messages/reprocess',
      { body: { ids: [id] } },
    );
    if (!result.ok) return setNotice(`Not reprocessed: ${result.message}`);
    const skipped = result.body.skipped[0];
    if (skipped) return setNotice(`Not reprocessed: ${skipped.reason}`);
    for (let i = 0; i < REPROCESS_POLLS; i++) {
      const fresh = await read();
      const attempt = lastAttempt(fresh);
      if (fresh && fresh.attempts.length > before && attempt) {
        return setNotice(
          `Attempt ${attempt.attempt} (${attempt.trigger}): ${attempt.outcome}${attempt.error ? ` — ${attempt.error}` : ''}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, REPROCESS_POLL_MS));
    }
    setNotice('Queued; the new attempt has not finished yet.');
  }

  const m = detail?.message;
  const attempt = lastAttempt(detail);
  return (
    <section className="panel message-detail" aria-labelledby="message-heading">
      <div className="panel-head">
        <h2 id="message-heading" tabIndex={-1} ref={heading}>
          Message {m?.controlId ?? id}
        </h2>
        <span className="spacer" />
        {m && (
          <ConfirmButton
            label="Reprocess…"
            question="Process this message again?"
            confirmLabel="Reprocess"
            disabled={m.status !== 'applied' && m.status !== 'failed'}
            onConfirm={() => void reprocess()}
          />
        )}
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      {notice && (
        <p role="status" className="notice" data-testid="reprocess-status">
          {notice}
        </p>
      )}
      {error && <p className="form-error">{error}</p>}
      {!detail ? (
        <p className="empty">Loading…</p>
      ) : (
        <>
          <dl className="facts-list">
            <dt>Type</dt>
            <dd>{m?.messageType ?? '–'}</dd>
            <dt>Status</dt>
            <dd>
              {m?.status} {m?.ackCode ? `(ACK ${m.ackCode})` : ''}
            </dd>
            <dt>Sender</dt>
            <dd>{m?.sender}</dd>
            <dt>Interface</dt>
            <dd>{m?.interfaceName ?? '–'}</dd>
            <dt>Received</dt>
            <dd>
              {dateText(m?.receivedAt, tz)} {formatClock(m?.receivedAt, tz)}
            </dd>
            <dt>Charset</dt>
            <dd>{m?.charset}</dd>
            {m?.error && (
              <>
                <dt>Error</dt>
                <dd className="bad">{m.error}</dd>
              </>
            )}
          </dl>
          {detail.problem && (
            <p className="form-error">
              Does not parse: {detail.problem.text} ({detail.problem.code})
            </p>
          )}
          <h3>Raw</h3>
          <ol className="raw-segments" aria-label="Raw message, one segment a line">
            {segmentLines(m?.text ?? '').map((line, i) => (
              <li key={i}>
                <code>{line}</code>
              </li>
            ))}
          </ol>
          {detail.tree && (
            <>
              <h3>Parsed</h3>
              <div className="tree">
                {detail.tree.map((segment, si) => (
                  <details key={si} open={si < 6}>
                    <summary>
                      {segment.name} <span className="muted">({segment.fields.length} fields)</span>
                    </summary>
                    <table className="data-table compact">
                      <tbody>
                        {segment.fields.map((f) => (
                          <tr key={f.index}>
                            <th scope="row">{fieldLabel(segment.name, f.index)}</th>
                            <td>
                              <code>{f.value}</code>
                              {f.components && (
                                <ul className="components">
                                  {f.components.map((c, ci) =>
                                    c === '' ? null : (
                                      <li key={ci}>
                                        <span className="muted">{fieldLabel(segment.name, f.index, ci + 1)}</span> {c}
                                      </li>
                                    ),
                                  )}
                                </ul>
                              )}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </details>
                ))}
              </div>
            </>
          )}
          <h3>Facts</h3>
          {attempt && attempt.facts.length > 0 ? (
            <pre className="json" data-testid="facts" tabIndex={0} aria-label="Facts of the latest attempt">
              {JSON.stringify(attempt.facts, null, 2)}
            </pre>
          ) : (
            <p className="empty">No facts recorded.</p>
          )}
          <h3>Case changes</h3>
          {detail.events.length === 0 ? (
            <p className="empty">This message changed no case.</p>
          ) : (
            <table className="data-table compact">
              <thead>
                <tr>
                  <th scope="col">Case</th>
                  <th scope="col">Version</th>
                  <th scope="col">Change</th>
                  <th scope="col">At</th>
                </tr>
              </thead>
              <tbody>
                {detail.events.map((e) => (
                  <tr key={`${e.caseId}-${e.version}`}>
                    <td>
                      <code>{e.caseId.slice(0, 8)}</code>
                    </td>
                    <td>{e.version}</td>
                    <td>
                      {e.kind} <span className="muted">{Object.keys(e.change).join(', ')}</span>
                    </td>
                    <td>{formatClock(e.at, tz)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Attempts</h3>
          <table className="data-table compact" data-testid="attempts">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Trigger</th>
                <th scope="col">Outcome</th>
                <th scope="col">Finished</th>
                <th scope="col">By</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {detail.attempts.map((a) => (
                <tr key={a.attempt}>
                  <td>{a.attempt}</td>
                  <td>{a.trigger}</td>
                  <td>
                    <span className={`tag tag-${a.outcome === 'applied' ? 'ok' : 'bad'}`}>{a.outcome}</span>
                  </td>
                  <td>{formatClock(a.finishedAt, tz)}</td>
                  <td>{a.actor ?? '–'}</td>
                  <td>{a.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function LocationsPanel({ interfaces, onChanged }: { interfaces: InterfaceItem[]; onChanged: () => void }) {
  const { session, fetchFn } = useApp();
  const rooms = usePolled(() => requestApi<RoomView[]>(fetchFn, session.token(), 'GET', '/api/rooms'), 15_000, 'rooms');
  const [choice, setChoice] = useState<Record<string, { room: string; iface: string }>>({});
  const [message, setMessage] = useState<string | undefined>();
  const rows = unmappedLocations(rooms.value ?? [], interfaces);
  const editable = interfaces.filter((i) => i.origin !== 'file');

  async function map(code: string): Promise<void> {
    const c = choice[code];
    const iface = interfaces.find((i) => i.name === (c?.iface ?? editable[0]?.name));
    if (!c?.room || !iface) return setMessage('Choose a room (and an interface) first.');
    const result = await requestApi<InterfaceItem>(
      fetchFn,
      session.token(),
      'PUT',
      `/api/interfaces/${encodeURIComponent(iface.name)}`,
      { body: withLocationMapping(iface.config, code, c.room) },
    );
    if (!result.ok) return setMessage(`Not mapped: ${result.message}`);
    setMessage(`${code} now goes to ${c.room} on interface ${iface.name}. Reprocess its messages to move their cases.`);
    onChanged();
    rooms.reload();
  }

  return (
    <section className="panel" aria-labelledby="locations-heading">
      <h2 id="locations-heading">Unmapped locations</h2>
      {message && (
        <p role="status" className="notice">
          {message}
        </p>
      )}
      {rows.length === 0 ? (
        <p className="empty">{rooms.value ? 'Every location is mapped to a room.' : 'Loading…'}</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Location</th>
              <th scope="col">Room it created</th>
              <th scope="col">Map to</th>
              <th scope="col">On interface</th>
              <th scope="col">
                <span className="sr-only">Map</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const c = choice[r.code] ?? { room: '', iface: editable[0]?.name ?? '' };
              const id = r.code.replace(/[^A-Za-z0-9]/g, '_');
              return (
                <tr key={r.code} data-testid={`location-${r.code}`}>
                  <th scope="row">
                    <code>{r.code}</code>
                  </th>
                  <td>{r.roomName}</td>
                  <td>
                    {r.mappedBy ? (
                      <span className="tag tag-ok">
                        {r.mappedBy.roomId} ({r.mappedBy.interfaceName})
                      </span>
                    ) : (
                      <>
                        <label className="sr-only" htmlFor={`map-room-${id}`}>
                          Room for {r.code}
                        </label>
                        <select
                          id={`map-room-${id}`}
                          value={c.room}
                          onChange={(e) => setChoice({ ...choice, [r.code]: { ...c, room: e.target.value } })}
                        >
                          <option value="">Choose…</option>
                          {mappableRooms(rooms.value ?? [], r.roomId).map((t) => (
                            <option key={t.id} value={t.id}>
                              {t.name}
                            </option>
                          ))}
                        </select>
                      </>
                    )}
                  </td>
                  <td>
                    <label className="sr-only" htmlFor={`map-iface-${id}`}>
                      Interface for {r.code}
                    </label>
                    <select
                      id={`map-iface-${id}`}
                      value={c.iface}
                      disabled={r.mappedBy !== undefined}
                      onChange={(e) => setChoice({ ...choice, [r.code]: { ...c, iface: e.target.value } })}
                    >
                      {editable.map((i) => (
                        <option key={i.name} value={i.name}>
                          {i.name}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    {!r.mappedBy && (
                      <button type="button" className="primary" onClick={() => void map(r.code)}>
                        Map
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
