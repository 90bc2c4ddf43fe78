import { DateTime } from 'luxon';

/** The facility-local calendar day (YYYY-MM-DD) of an instant: boards are per local day. */
export function localDate(iso: string, zone: string): string {
  const day = DateTime.fromISO(iso, { setZone: true }).setZone(zone).toISODate();
  if (!day) throw new Error(`not an ISO 8601 instant: ${iso}`);
  return day;
}

/** The instants [start, end) bounding a facility-local day. */
export function localDayBounds(date: string, zone: string): { start: string; end: string } {
  const start = DateTime.fromISO(date, { zone }).startOf('day');
  if (!start.isValid) throw new Error(`not a date: ${date}`);
  return { start: start.toUTC().toISO() ?? '', end: start.plus({ days: 1 }).toUTC().toISO() ?? '' };
}

/** The instant of a facility-local wall-clock time (`HH:MM`) on a local day; DST gaps move forward. */
export function localInstant(date: string, hhmm: string, zone: string): string {
  const [h, m] = hhmm.split(':').map(Number);
  const at = DateTime.fromISO(date, { zone }).set({ hour: h ?? 0, minute: m ?? 0, second: 0, millisecond: 0 });
  if (!at.isValid) throw new Error(`not a local time: ${date} ${hhmm}`);
  return at.toUTC().toISO() ?? '';
}
