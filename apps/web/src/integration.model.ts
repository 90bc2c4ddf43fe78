import type {
  MessageAttempt,
  MessageStats,
  MessageStatus,
  MessageView,
  RoomView,
  TrafficStats,
} from '@circulator/contracts';

/**
 * Pure: what the integration console shows, from what `/api/interfaces`, `/api/messages` and
 * `/api/rooms` answer (apps/server/src/api; the message log's types are @circulator/contracts').
 * Times are epoch ms or ISO strings passed in.
 */

/** `GET /api/interfaces` item. */
export interface InterfaceItem {
  name: string;
  origin: 'api' | 'file' | 'implicit';
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  config: { enabled?: boolean; port?: number; locations?: Record<string, string>; [key: string]: unknown };
}

/** One row of the interfaces table: the interface and its traffic (zero when it had none). */
export interface InterfaceRow {
  name: string;
  origin: InterfaceItem['origin'];
  enabled: boolean;
  port: string;
  perSecond: number;
  lastMinute: number;
  window: number;
  errors: number;
  errorRate: number | null;
  lastMessageAt: string | null;
}

/**
 * The interfaces with their traffic, by name; traffic on no named interface (older rows, other
 * channels) as a last row `(none)` when there is any.
 */
export function interfaceRows(interfaces: readonly InterfaceItem[], stats: MessageStats | undefined): InterfaceRow[] {
  const byName = new Map((stats?.interfaces ?? []).map((s) => [s.interfaceName, s]));
  const row = (
    name: string,
    s: TrafficStats | undefined,
    extra: Pick<InterfaceRow, 'origin' | 'enabled' | 'port'>,
  ) => ({
    name,
    ...extra,
    perSecond: s?.ratePerSecond ?? 0,
    lastMinute: s?.messages.lastMinute ?? 0,
    window: s?.messages.window ?? 0,
    errors: (s?.byStatus.rejected ?? 0) + (s?.byStatus.failed ?? 0),
    errorRate: s?.errorRate ?? null,
    lastMessageAt: s?.lastMessageAt ?? null,
  });
  const rows: InterfaceRow[] = [...interfaces]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((i) =>
      row(i.name, byName.get(i.name), {
        origin: i.origin,
        enabled: i.config.enabled !== false,
        port: i.config.port === undefined ? 'shared' : String(i.config.port),
      }),
    );
  const unnamed = byName.get(null);
  if (unnamed && unnamed.messages.window > 0)
    rows.push(row('(none)', unnamed, { origin: 'implicit', enabled: true, port: '' }));
  return rows;
}

/** `0.25/s`, `12/s`, `0/s`. */
export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0/s';
  return perSecond < 10 ? `${perSecond.toFixed(2)}/s` : `${Math.round(perSecond)}/s`;
}

/** `4.2 %`, or `–` without messages. */
export function formatShare(share: number | null): string {
  return share === null ? '–' : `${(share * 100).toFixed(1)} %`;
}

/** The search form as typed: empty fields are not filters. `from`/`to` are `datetime-local` values. */
export interface SearchForm {
  mrn: string;
  controlId: string;
  type: string;
  status: '' | MessageStatus;
  interfaceName: string;
  from: string;
  to: string;
}

export const EMPTY_SEARCH: SearchForm = {
  mrn: '',
  controlId: '',
  type: '',
  status: '',
  interfaceName: '',
  from: '',
  to: '',
};

/**
 * The `GET /api/messages` query of a search form; `from`/`to` read as wall-clock times of the
 * facility's zone (the times the console shows), whatever zone the browser is in.
 */
export function searchParams(
  form: SearchForm,
  timeZone: string | undefined,
  before?: string,
): Record<string, string | undefined> {
  return {
    mrn: form.mrn.trim() || undefined,
    controlId: form.controlId.trim() || undefined,
    type: form.type.trim().toUpperCase() || undefined,
    status: form.status || undefined,
    interface: form.interfaceName || undefined,
    from: form.from ? zonedToIso(form.from, timeZone) : undefined,
    to: form.to ? zonedToIso(form.to, timeZone) : undefined,
    before,
  };
}

/**
 * A `YYYY-MM-DDTHH:MM` wall-clock time of `timeZone` as an ISO instant. Two passes of the zone's
 * offset settle daylight-saving edges (a time in a gap moves forward by the gap).
 */
export function zonedToIso(local: string, timeZone: string | undefined): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const asUtc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  let guess = asUtc - offsetMs(asUtc, timeZone);
  guess = asUtc - offsetMs(guess, timeZone);
  return new Date(guess).toISOString();
}

/** The zone's offset from UTC at an instant (ms; positive east). */
function offsetMs(at: number, timeZone: string | undefined): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(at / 1000) * 1000;
}

/** The raw text's segments, one a line (HL7 ends segments with CR; files may carry LF or CRLF). */
export function segmentLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter((line) => line.trim() !== '');
}

/** A field's HL7 position: `PID-3`, `MSH-9.2` for a component. */
export function fieldLabel(segment: string, field: number, component?: number): string {
  return component === undefined ? `${segment}-${field}` : `${segment}-${field}.${component}`;
}

/** The newest attempt, or undefined before the first. */
export function lastAttempt(detail: MessageView | undefined): MessageAttempt | undefined {
  return detail?.attempts[detail.attempts.length - 1];
}

/** A source location and where it goes: a room flagged unmapped, unless an interface maps it now. */
export interface LocationRow {
  code: string;
  /** The unmapped room the location created. */
  roomId: string;
  roomName: string;
  /** Set when an interface maps the code to a room (reprocess the room's messages to move them). */
  mappedBy?: { interfaceName: string; roomId: string };
}

/** Locations of the rooms flagged unmapped (CONTRACT §3), with the interface mapping that now covers each. */
export function unmappedLocations(rooms: readonly RoomView[], interfaces: readonly InterfaceItem[]): LocationRow[] {
  const rows: LocationRow[] = [];
  for (const room of rooms) {
    if (!room.unmapped) continue;
    for (const code of room.locations) {
      const row: LocationRow = { code, roomId: room.id, roomName: room.name };
      for (const i of interfaces) {
        const target = i.config.locations?.[code];
        if (target !== undefined && target !== room.id) {
          row.mappedBy = { interfaceName: i.name, roomId: target };
          break;
        }
      }
      rows.push(row);
    }
  }
  return rows.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/**
 * Rooms a location can be mapped to, by name: every room but the one the location created (every
 * location first seen creates an unmapped room, so on a young site all of them are unmapped).
 */
export function mappableRooms(rooms: readonly RoomView[], except?: string): RoomView[] {
  return rooms.filter((r) => r.id !== except).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

/**
 * The body of `PUT /api/interfaces/{name}` that adds one location mapping to an interface's
 * configuration, the rest unchanged (the API's `config` is exactly what `PUT` takes back).
 */
export function withLocationMapping(
  config: InterfaceItem['config'],
  code: string,
  roomId: string,
): InterfaceItem['config'] {
  return { ...config, locations: { ...(config.locations ?? {}), [code]: roomId } };
}
