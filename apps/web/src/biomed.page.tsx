import { useEffect, useRef, useState } from 'react';
import type { DeviceAlertView, DeviceView, WorkOrderView } from '@circulator/contracts';
import { useApp } from './app.context';
import { formatClock } from './board.format';
import {
  compliancePeriod,
  dateText,
  forecastText,
  intervalText,
  priorityMark,
  sortDevices,
  sortWorkOrders,
  stateText,
  stateTone,
  usageFraction,
  usageText,
  worstAlert,
} from './biomed.model';
import { queryString, requestApi } from './console.api';
import { ConfirmButton, ConsoleFrame, DataAge, usePolled } from './console.parts';
import { useNow } from './live.hooks';
import { formatAge, timeOf } from './time.format';

/** Device state is read this often (no socket topic carries the fleet). */
const DEVICES_MS = 3_000;
const ALERTS_MS = 10_000;

/**
 * The biomed console (issue 8): the fleet with state, last seen, usage against the service
 * interval and the forecast service date; device alerts; work orders; the compliance export.
 */
export function BiomedPage() {
  const { session, fetchFn } = useApp();
  const get = <T,>(path: string) => requestApi<T>(fetchFn, session.token(), 'GET', path);
  const devices = usePolled(() => get<{ devices: DeviceView[] }>('/api/devices'), DEVICES_MS, 'devices');
  const alerts = usePolled(() => get<{ alerts: DeviceAlertView[] }>('/api/biomed/alerts'), ALERTS_MS, 'alerts');
  const orders = usePolled(() => get<{ workOrders: WorkOrderView[] }>('/api/work-orders'), ALERTS_MS, 'orders');
  const list = sortDevices(devices.value?.devices ?? []);
  const alertList = alerts.value?.alerts ?? [];

  return (
    <ConsoleFrame
      title="Biomed console"
      path="/biomed"
      age={<DataAge at={devices.at} staleAfterMs={DEVICES_MS * 3} label="devices" />}
    >
      <DevicesPanel devices={list} alerts={alertList} error={devices.error} loaded={devices.value !== undefined} />
      <AlertsPanel alerts={alertList} at={alerts.at} error={alerts.error} />
      <WorkOrdersPanel
        devices={list}
        orders={orders.value?.workOrders ?? []}
        error={orders.error}
        onChanged={() => {
          orders.reload();
          devices.reload();
          alerts.reload();
        }}
      />
      <ExportPanel />
    </ConsoleFrame>
  );
}

function DevicesPanel({
  devices,
  alerts,
  error,
  loaded,
}: {
  devices: DeviceView[];
  alerts: DeviceAlertView[];
  error?: string;
  loaded: boolean;
}) {
  const { session } = useApp();
  const tz = session.timeZone;
  const now = useNow(1_000);
  return (
    <section className="panel" aria-labelledby="devices-heading">
      <h2 id="devices-heading">Devices</h2>
      {error && <p className="form-error">{error}</p>}
      {devices.length === 0 ? (
        <p className="empty">{loaded ? 'No devices are registered.' : 'Loading…'}</p>
      ) : (
        <table className="data-table" data-testid="devices">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Type</th>
              <th scope="col">Room</th>
              <th scope="col">State</th>
              <th scope="col">Last seen</th>
              <th scope="col">Usage since service</th>
              <th scope="col">Interval</th>
              <th scope="col">Forecast service</th>
              <th scope="col">Alert</th>
            </tr>
          </thead>
          <tbody>
            {devices.map((d) => {
              const seen = timeOf(d.lastSeenAt);
              const fraction = usageFraction(d);
              const alert = worstAlert(alerts, d.id);
              return (
                <tr key={d.id} data-testid={`device-${d.id}`}>
                  <th scope="row">
                    {d.id}
                    {d.label && <span className="muted"> {d.label}</span>}
                  </th>
                  <td>{d.type}</td>
                  <td>{d.roomId ?? d.tagRoomId ?? '–'}</td>
                  <td>
                    <span className={`tag tag-${stateTone(d)}`}>{stateText(d)}</span>
                    {d.flagged && (
                      <span className="tag tag-bad" title={d.flagged.reason}>
                        flagged
                      </span>
                    )}
                  </td>
                  <td data-testid="last-seen">
                    {seen === undefined
                      ? 'never'
                      : `${formatClock(d.lastSeenAt, tz)}:${new Date(seen).toISOString().slice(17, 19)} · ${formatAge(seen, now)}`}
                  </td>
                  <td>
                    {fraction !== undefined && (
                      <meter
                        min={0}
                        max={1}
                        low={0.8}
                        high={0.9}
                        optimum={0}
                        value={fraction}
                        aria-label={`Usage of ${d.id}`}
                      />
                    )}{' '}
                    {usageText(d)}
                  </td>
                  <td>{intervalText(d)}</td>
                  <td title={d.maintenance?.explanation}>{forecastText(d, now, tz)}</td>
                  <td>
                    {alert ? (
                      <span className={`tag alert-${alert.priority}`}>
                        {priorityMark(alert.priority)} {alert.level ?? alert.kind}
                      </span>
                    ) : (
                      '–'
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

function AlertsPanel({ alerts, at, error }: { alerts: DeviceAlertView[]; at?: number; error?: string }) {
  const { session } = useApp();
  const tz = session.timeZone;
  return (
    <section className="panel" aria-labelledby="device-alerts-heading">
      <div className="panel-head">
        <h2 id="device-alerts-heading">Device alerts</h2>
        <span className="spacer" />
        <DataAge at={at} staleAfterMs={ALERTS_MS * 3} label="alerts" />
      </div>
      {error && <p className="form-error">{error}</p>}
      {alerts.length === 0 ? (
        <p className="empty">{at === undefined ? 'Loading…' : 'No device alerts.'}</p>
      ) : (
        <ul className="alerts device-alerts" data-testid="device-alerts">
          {alerts.map((a) => (
            <li key={a.id} className={`alert alert-${a.priority} alert-acked`}>
              <span className="alert-mark" aria-hidden="true">
                {priorityMark(a.priority)}
              </span>
              <span className="sr-only">{a.priority} priority: </span>
              <span className="alert-message">{a.message}</span>
              <span className="alert-time">
                {a.kind === 'maintenance' ? a.level : a.kind} · {dateText(a.at, tz)} {formatClock(a.at, tz)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function WorkOrdersPanel({
  devices,
  orders,
  error,
  onChanged,
}: {
  devices: DeviceView[];
  orders: WorkOrderView[];
  error?: string;
  onChanged: () => void;
}) {
  const { session, fetchFn } = useApp();
  const tz = session.timeZone;
  const [deviceId, setDeviceId] = useState('');
  const [note, setNote] = useState('');
  const [assignee, setAssignee] = useState('');
  const [closing, setClosing] = useState<Record<string, { note: string; serviced: boolean }>>({});
  const [message, setMessage] = useState<string | undefined>();

  async function open(): Promise<void> {
    const result = await requestApi<WorkOrderView>(fetchFn, session.token(), 'POST', '/api/work-orders', {
      body: { deviceId, note, ...(assignee.trim() ? { assignee: assignee.trim() } : {}) },
    });
    if (!result.ok) return setMessage(`Not opened: ${result.message}`);
    setMessage(`Work order #${result.body.id} opened for ${result.body.deviceId}.`);
    setNote('');
    setAssignee('');
    onChanged();
  }

  async function close(order: WorkOrderView): Promise<void> {
    const c = closing[order.id] ?? { note: '', serviced: false };
    const result = await requestApi<WorkOrderView>(
      fetchFn,
      session.token(),
      'POST',
      `/api/work-orders/${encodeURIComponent(order.id)}/close`,
      { body: { note: c.note, serviced: c.serviced } },
    );
    if (!result.ok) return setMessage(`Not closed: ${result.message}`);
    setMessage(`Work order #${order.id} closed${c.serviced ? '; the device is serviced' : ''}.`);
    onChanged();
  }

  return (
    <section className="panel" aria-labelledby="work-orders-heading">
      <h2 id="work-orders-heading">Work orders</h2>
      <form
        className="search-form"
        aria-label="Open a work order"
        onSubmit={(e) => {
          e.preventDefault();
          void open();
        }}
      >
        <label>
          Device{' '}
          <select value={deviceId} required onChange={(e) => setDeviceId(e.target.value)} name="deviceId">
            <option value="">Choose…</option>
            {devices.map((d) => (
              <option key={d.id} value={d.id}>
                {d.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          What to do <input value={note} required onChange={(e) => setNote(e.target.value)} name="note" size={32} />
        </label>
        <label>
          For{' '}
          <input
            value={assignee}
            onChange={(e) => setAssignee(e.target.value)}
            name="assignee"
            placeholder="user name"
          />
        </label>
        <button type="submit" className="primary" disabled={deviceId === '' || note.trim() === ''}>
          Open work order
        </button>
      </form>
      {message && (
        <p role="status" className="notice">
          {message}
        </p>
      )}
      {error && <p className="form-error">{error}</p>}
      {orders.length === 0 ? (
        <p className="empty">No work orders.</p>
      ) : (
        <table className="data-table" data-testid="work-orders">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Device</th>
              <th scope="col">Work</th>
              <th scope="col">For</th>
              <th scope="col">Opened</th>
              <th scope="col">Closed</th>
            </tr>
          </thead>
          <tbody>
            {sortWorkOrders(orders).map((o) => {
              const c = closing[o.id] ?? { note: '', serviced: false };
              const set = (patch: Partial<typeof c>) => setClosing({ ...closing, [o.id]: { ...c, ...patch } });
              return (
                <tr key={o.id} data-testid={`work-order-${o.id}`}>
                  <td>{o.id}</td>
                  <td>{o.deviceId}</td>
                  <td>{o.note}</td>
                  <td>{o.assignee ?? '–'}</td>
                  <td>
                    {dateText(o.openedAt, tz)} {formatClock(o.openedAt, tz)} · {o.openedBy}
                  </td>
                  <td>
                    {o.status === 'closed' ? (
                      <>
                        {dateText(o.closedAt, tz)} {formatClock(o.closedAt, tz)} · {o.closedBy}
                        {o.serviced && <span className="tag tag-ok">serviced</span>}
                        <div className="muted">{o.closeNote}</div>
                      </>
                    ) : (
                      <span className="close-form">
                        <label className="sr-only" htmlFor={`close-note-${o.id}`}>
                          Service record for #{o.id}
                        </label>
                        <input
                          id={`close-note-${o.id}`}
                          placeholder="Service record"
                          value={c.note}
                          onChange={(e) => set({ note: e.target.value })}
                        />{' '}
                        <label>
                          <input
                            type="checkbox"
                            checked={c.serviced}
                            onChange={(e) => set({ serviced: e.target.checked })}
                          />{' '}
                          serviced
                        </label>{' '}
                        <ConfirmButton
                          label="Close…"
                          question={`Close #${o.id}${c.serviced ? ' and record the service' : ''}?`}
                          confirmLabel="Close it"
                          disabled={c.note.trim() === ''}
                          onConfirm={() => void close(o)}
                        />
                      </span>
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

/**
 * The compliance export: the CSV and the printable report of the same period, each fetched with the
 * token in the header and kept in memory (no token in a URL). The report opens in a new tab from a
 * blob: URL (the page carries its own CSP: no script runs in it); print it or save it as PDF there.
 */
function ExportPanel() {
  const { session, fetchFn } = useApp();
  const [message, setMessage] = useState<string | undefined>();
  const [fromDay, setFromDay] = useState('');
  const [toDay, setToDay] = useState('');
  const reportUrl = useRef<string | undefined>(undefined);
  useEffect(
    () => () => {
      if (reportUrl.current) URL.revokeObjectURL(reportUrl.current);
    },
    [],
  );
  const query = queryString(compliancePeriod(fromDay, toDay, session.timeZone));
  const periodName = fromDay || toDay ? `-${fromDay || 'start'}-to-${toDay || 'now'}` : '';

  async function download(): Promise<void> {
    const result = await requestApi<string>(fetchFn, session.token(), 'GET', `/api/biomed/compliance.csv${query}`, {
      as: 'text',
    });
    if (!result.ok) return setMessage(`Export failed: ${result.message}`);
    const url = URL.createObjectURL(new Blob([result.body], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `device-compliance-${dateText(new Date().toISOString(), session.timeZone)}${periodName}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    URL.revokeObjectURL(url);
    setMessage(`Exported ${Math.max(0, result.body.split('\r\n').length - 2)} lines.`);
  }

  async function openReport(): Promise<void> {
    // Opened on the click itself (before waiting for the server): a tab opened later is a pop-up.
    const tab = window.open('', '_blank');
    const result = await requestApi<string>(fetchFn, session.token(), 'GET', `/api/biomed/compliance.html${query}`, {
      as: 'text',
      accept: 'text/html',
    });
    if (!result.ok) {
      tab?.close();
      return setMessage(`Report failed: ${result.message}`);
    }
    if (reportUrl.current) URL.revokeObjectURL(reportUrl.current);
    const url = URL.createObjectURL(new Blob([result.body], { type: 'text/html' }));
    reportUrl.current = url;
    if (tab) {
      tab.opener = null;
      tab.location.href = url;
      setMessage('Report opened in a new tab: print it or save it as PDF from there.');
    } else {
      // Pop-ups refused: the report is saved instead, to open from the downloads.
      const a = document.createElement('a');
      a.href = url;
      a.download = `device-compliance-${dateText(new Date().toISOString(), session.timeZone)}${periodName}.html`;
      document.body.append(a);
      a.click();
      a.remove();
      setMessage('Report saved (this browser blocks new tabs): open it to print.');
    }
  }

  return (
    <section className="panel" aria-labelledby="export-heading">
      <h2 id="export-heading">Compliance export</h2>
      <p>
        Every device with its service state and forecast, its service and security history, its work orders and its
        current alerts, as CSV or as a printable report. A period limits the history and work orders to those days
        (facility time); device state and alerts are as of now.
      </p>
      <p>
        <label>
          From{' '}
          <input type="date" value={fromDay} max={toDay || undefined} onChange={(e) => setFromDay(e.target.value)} />
        </label>{' '}
        <label>
          to <input type="date" value={toDay} min={fromDay || undefined} onChange={(e) => setToDay(e.target.value)} />
        </label>{' '}
        <span className="muted">(both days included; empty: all)</span>
      </p>
      <button type="button" className="primary" onClick={() => void download()}>
        Download CSV
      </button>{' '}
      <button type="button" onClick={() => void openReport()}>
        Printable report
      </button>
      {message && (
        <span role="status" className="muted">
          {' '}
          {message}
        </span>
      )}
    </section>
  );
}
