import type { CaseView, RoomEnvironmentView } from '@circulator/contracts';
import { AlertList } from './alert.list';
import { useApp } from './app.context';
import { formatClock, formatClockMs } from './board.format';
import { CaseTeam, CaseTimers, ChecklistState, MilestoneTimeline, NextCases, StatusBadge } from './case.panels';
import { ConnectionIndicator, Link, SignOut, ThemeToggle, useResolvedTheme, useTitle } from './common.components';
import { useNow } from './live.hooks';
import type { RoomExtra } from './live.payload';
import { useRenderProbe } from './render.probe';
import { useRoomLive } from './room.live';
import { deviceStates } from './room.model';
import { formatAge, timeOf } from './time.format';
import { VitalTiles } from './vital.tiles';

/**
 * The OR wall display (`/display/room/:roomId`): the room's current case for everyone in the room,
 * legible from across it. Opened with a display credential (names as initials, no actions) or by
 * staff (who may acknowledge alerts from here).
 */
export function DisplayPage({ roomId }: { roomId: string }) {
  const { live, session } = useApp();
  const timeZone = session.timeZone;
  const now = useNow(1_000);
  const themeKey = useResolvedTheme();
  const room = useRoomLive(live, roomId);
  const { view, featured, current, upcoming } = room;
  const extra = view?.state.extra;
  useRenderProbe('update', view?.receivedAt);
  useRenderProbe('vitals', room.vitalsReceivedAt);

  const roomName = extra?.room.name ?? featured?.roomName ?? roomId;
  const next = featured === current ? upcoming : upcoming.slice(1);
  useTitle(`${roomName} · Wall display`);

  let main;
  if (view?.error !== undefined) main = <p className="wall-empty error">{view.error}</p>;
  else if (view?.state.version === undefined) main = <p className="wall-empty">Loading {roomName}…</p>;
  else if (featured === undefined)
    main = <p className="wall-empty">No case in {roomName} now, and none to come today.</p>;
  else {
    main = (
      <>
        <section className="wall-case" aria-labelledby="case-heading">
          <p className="wall-kicker" id="case-heading">
            {current !== undefined ? 'In the room' : `Next case · ${formatClock(featured.scheduledStart, timeZone)}`}{' '}
            <StatusBadge status={featured.status} />
          </p>
          <h2 className="wall-procedure">{featured.procedure.text}</h2>
          <CaseTeam c={featured} />
          <CaseTimers c={featured} nowMs={now} timeZone={timeZone} />
          <MilestoneTimeline c={featured} timeZone={timeZone} />
          <ChecklistState c={featured} timeZone={timeZone} />
        </section>
        <section className="wall-vitals" aria-label="Vitals and alerts">
          <AlertList alerts={featured.alerts} caseId={featured.id} acknowledge={!session.isDisplay} />
          <VitalTiles vitals={featured.vitals} trends={room.trends} nowMs={now} themeKey={themeKey} />
        </section>
      </>
    );
  }

  return (
    <div className="wall" data-room={roomId}>
      <header className="wall-bar">
        <h1 className="wall-room">{roomName}</h1>
        <span className="wall-clock">{formatClockMs(now, timeZone)}</span>
        <ConnectionIndicator syncing={view?.state.syncing ?? true} />
        <span className="spacer" />
        {!session.isDisplay && <Link to="/board">Board</Link>}
        <ThemeToggle />
        <SignOut />
      </header>
      <main className="wall-main">{main}</main>
      <footer className="wall-footer">
        <section aria-labelledby="env-heading">
          <h2 id="env-heading">Room</h2>
          <Environment environment={extra?.environment} nowMs={now} timeZone={timeZone} />
        </section>
        <section aria-labelledby="devices-heading">
          <h2 id="devices-heading">Devices</h2>
          <Devices
            extra={extra}
            featured={featured}
            snapshotAt={view?.state.snapshotAt}
            nowMs={now}
            timeZone={timeZone}
          />
        </section>
        <section aria-labelledby="next-heading">
          <h2 id="next-heading">Next</h2>
          <NextCases cases={next} timeZone={timeZone} />
        </section>
      </footer>
    </div>
  );
}

function Environment({
  environment,
  nowMs,
  timeZone,
}: {
  environment: RoomEnvironmentView | undefined;
  nowMs: number;
  timeZone?: string;
}) {
  if (environment === undefined) return <p className="muted">No environment readings.</p>;
  const at = timeOf(environment.at);
  return (
    <div className="environment">
      <dl>
        {environment.temperatureC !== undefined && (
          <div>
            <dt>Temperature</dt>
            <dd>{environment.temperatureC.toFixed(1)} °C</dd>
          </div>
        )}
        {environment.humidityPct !== undefined && (
          <div>
            <dt>Humidity</dt>
            <dd>{Math.round(environment.humidityPct)} %</dd>
          </div>
        )}
        {environment.pressurePa !== undefined && (
          <div>
            <dt>Pressure</dt>
            <dd>{Math.round(environment.pressurePa)} Pa</dd>
          </div>
        )}
      </dl>
      {/* Environment comes with the room's snapshot only: say how old it is. */}
      <p className="age">
        {at === undefined ? '' : `as of ${formatClock(environment.at, timeZone)} (${formatAge(at, nowMs)})`}
      </p>
    </div>
  );
}

const CONNECTIVITY_TEXT: Record<string, string> = {
  online: 'online',
  offline: 'offline',
  error: 'in error',
  unknown: 'not heard yet',
};

function Devices({
  extra,
  featured,
  snapshotAt,
  nowMs,
  timeZone,
}: {
  extra: RoomExtra | undefined;
  featured: CaseView | undefined;
  snapshotAt: number | undefined;
  nowMs: number;
  timeZone?: string;
}) {
  const devices = deviceStates(extra?.devices ?? [], featured?.alerts ?? []);
  if (devices.length === 0) return <p className="muted">No devices registered in this room.</p>;
  return (
    <div>
      <ul className="devices">
        {devices.map(({ device, alert, connectivity }) => (
          <li key={device.id} className={`device device-${connectivity}`} data-device={device.id}>
            <span className="device-name">{device.label ?? device.id}</span>
            <span className="device-state">{CONNECTIVITY_TEXT[connectivity] ?? connectivity}</span>
            {alert !== undefined && <span className="device-backup">{alert.message}</span>}
          </li>
        ))}
      </ul>
      {/* Device states come with the room's snapshot; an offline device's alert arrives live. */}
      {snapshotAt !== undefined && (
        <p className="age">
          as of {formatClockMs(snapshotAt, timeZone)} ({formatAge(snapshotAt, nowMs)})
        </p>
      )}
    </div>
  );
}
