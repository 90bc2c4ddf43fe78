import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';

/**
 * HL7 v2 DTM (v2.5+) and the first component of TS (v2.3–v2.4): HL7 v2.5.1 §2.A.22 / §2.A.77,
 * `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`. Precision may stop after any pair; fractional
 * seconds need whole seconds before them.
 */
const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?([+-]\d{4})?$/;

/** True when `zone` is an IANA zone name luxon can use (validate `FACILITY_TZ` once at start). */
export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/**
 * Parses an HL7 DTM/TS value into ISO 8601 with an explicit offset, e.g.
 * `20210924093000+0215` → `2021-09-24T09:30:00+02:15`.
 *
 * A value without an offset is local time in `zone` (CONTRACT §4: times without an offset are read
 * in `FACILITY_TZ`); its offset is then the zone's offset at that instant, so DST is honoured.
 * Omitted trailing parts default to their start (`2021` → 1 January 00:00). Milliseconds appear only
 * when the value had fractional seconds.
 *
 * Edge cases decided here: a wall-clock time that does not exist in `zone` (the spring-forward gap)
 * is moved forward by the gap, as luxon does; an ambiguous one (the autumn repeat) takes the earlier,
 * daylight-saving offset. Surrounding whitespace is ignored (senders pad fixed-width fields).
 *
 * @param value - the raw field value (first component of TS), already unescaped
 * @param zone - IANA zone for values without an offset
 * @returns the ISO string, or `undefined` for an empty, malformed or impossible value
 */
export function parseHl7DateTime(value: string | undefined, zone: string): string | undefined {
  const dt = toDateTime(value, zone);
  if (dt === undefined) return undefined;
  return dt.toISO({ suppressMilliseconds: dt.millisecond === 0 }) ?? undefined;
}

/**
 * Parses an HL7 DTM/TS value into a luxon `DateTime` (see {@link parseHl7DateTime} for the rules).
 * @returns the instant, or `undefined` when the value is empty, malformed or impossible
 */
export function toDateTime(value: string | undefined, zone: string): DateTime | undefined {
  const m = DTM.exec((value ?? '').trim());
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, off] = m;
  let target: string | FixedOffsetZone = zone;
  if (off !== undefined) {
    const sign = off.startsWith('-') ? -1 : 1;
    const oh = Number(off.slice(1, 3));
    const om = Number(off.slice(3, 5));
    // UTC offsets run from -12:00 to +14:00; minutes are 00–59 (the corpus has +0215).
    if (om > 59 || oh > 14) return undefined;
    target = FixedOffsetZone.instance(sign * (oh * 60 + om));
  }
  const dt = DateTime.fromObject(
    {
      year: Number(y),
      month: mo === undefined ? 1 : Number(mo),
      day: d === undefined ? 1 : Number(d),
      hour: h === undefined ? 0 : Number(h),
      minute: mi === undefined ? 0 : Number(mi),
      second: s === undefined ? 0 : Number(s),
      // Up to 4 fractional digits (ten-thousandths); luxon keeps milliseconds.
      millisecond: frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000),
    },
    { zone: target },
  );
  if (!dt.isValid) return undefined;
  if (off !== undefined) return dt;
  // Luxon resolves the autumn repeat to the later (standard-time) instant; take the earlier one, as
  // java.time and Temporal's "compatible" disambiguation do, so both engines agree on such values.
  const [earliest] = dt.getPossibleOffsets().sort((a, b) => a.toMillis() - b.toMillis());
  return earliest ?? dt;
}

/**
 * The calendar date of an HL7 DT/DTM value as `YYYY-MM-DD`, taken literally from its first eight
 * digits: a birth date is a date, not an instant, so it must not move across zones.
 * @returns the date, or `undefined` when there is no full valid date
 */
export function hl7DatePart(value: string | undefined): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec((value ?? '').trim());
  if (m === null) return undefined;
  const [, y, mo, d] = m;
  const dt = DateTime.fromObject({ year: Number(y), month: Number(mo), day: Number(d) }, { zone: 'UTC' });
  return dt.isValid ? `${y}-${mo}-${d}` : undefined;
}

/**
 * Formats an instant as an HL7 DTM in `zone` with its offset, e.g. `20260311143005+0100`
 * (HL7 v2.5.1 §2.A.22); used for MSH-7 of the ACKs we send.
 */
export function formatHl7DateTime(at: Date, zone: string): string {
  const local = DateTime.fromJSDate(at, { zone });
  // An unknown zone must not put "Invalid DateTime" on the wire: fall back to UTC, still with offset.
  const offset = local.isValid ? local.offset : 0;
  // Formatted by hand from the offset: luxon's toFormat costs twice as much, and this runs per ACK.
  const shifted = new Date(at.getTime() + offset * 60_000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const abs = Math.abs(offset);
  return (
    String(shifted.getUTCFullYear()).padStart(4, '0') +
    p2(shifted.getUTCMonth() + 1) +
    p2(shifted.getUTCDate()) +
    p2(shifted.getUTCHours()) +
    p2(shifted.getUTCMinutes()) +
    p2(shifted.getUTCSeconds()) +
    (offset < 0 ? '-' : '+') +
    p2(Math.floor(abs / 60)) +
    p2(abs % 60)
  );
}
