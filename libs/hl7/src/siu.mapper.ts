import type { EquipmentNeed, FactSource, ScheduleAction, ScheduleFact } from '@circulator/domain';
import type { DateTime } from 'luxon';
import { readLocation, readPatient, readPerson, type Hl7Overrides } from './adt.mapper';
import { parseHl7DateTime, toDateTime } from './hl7-time';
import { decodeHl7, type DecodedHl7, type Hl7Segment } from './hl7.decoder';
import { Hl7ErrorCondition, hl7Problem, type Hl7Problem } from './hl7.error';
import type { MshHeader } from './msh.reader';

/** AIP-4 role codes read as the surgeon by default (CONTRACT §4). */
export const DEFAULT_SURGEON_ROLES: readonly string[] = ['SURGEON', 'SUR', 'PS', 'ATTENDING'];
/** AIP-4 role codes read as the anesthesiologist by default (CONTRACT §4). */
export const DEFAULT_ANESTHESIOLOGIST_ROLES: readonly string[] = ['ANESTHESIOLOGIST', 'ANES', 'ANE', 'AN'];

/** SIU trigger events this adapter maps (HL7 v2.5.1 §10.3), and what each says happened. */
export const SIU_TRIGGER_ACTIONS: Readonly<Record<string, ScheduleAction>> = {
  S12: 'booked',
  S13: 'rescheduled',
  S14: 'modified',
  S15: 'cancelled',
  S17: 'deleted',
  S26: 'no-show',
};

/** Options of {@link mapSiu}. */
export interface SiuMapperOptions {
  /** IANA zone for times without an offset (`FACILITY_TZ`). */
  facilityTz: string;
  /** AIP-4 codes or texts (case-insensitive) per role; defaults: {@link DEFAULT_SURGEON_ROLES} and co. */
  roles?: { surgeon?: readonly string[]; anesthesiologist?: readonly string[] };
  /**
   * When the message was received (ISO 8601): the fact's `at` if neither EVN-2 nor MSH-7 holds a
   * valid time. Without it such a message is refused (101), because merge rules order by `at`.
   */
  receivedAt?: string;
  /**
   * Site variants (`Hl7MapOptions.overrides`): `schedule.placerAppointmentId`,
   * `schedule.fillerAppointmentId`, `schedule.room`, `procedure.code`, `procedure.text` and the
   * `patient.*` keys replace SCH-1, SCH-2, AIL-3, AIS-3 and PID fields when they are valued.
   */
  overrides?: Hl7Overrides;
}

/**
 * The location the appointment is booked in, as the sender names it (AIL-3, PL). The room id is
 * resolved by the caller against the rooms table; an unknown location creates an unmapped room
 * (CONTRACT §3).
 */
export interface SiuLocation {
  /**
   * Stable key of the location: PL.1 point of care, PL.2 room, PL.3 bed, PL.4 facility (namespace),
   * unescaped, joined by `^`, trailing empty parts removed — e.g. `055^Room01^^GH Clinic`.
   */
  code: string;
  /** Display name: PL.9 description, else PL.2 room, else PL.1 point of care. */
  name: string;
}

/** A schedule fact without what only the caller can add: the inbox `source` and the resolved `room`. */
export type SiuScheduleFact = Omit<ScheduleFact, 'room' | 'source'>;

/** What an SIU message says, ready for the caller to resolve the room and attach the source. */
export interface SiuMapping {
  fact: SiuScheduleFact;
  /** The booked location, when the message names one. */
  location?: SiuLocation;
  /** The header, e.g. for the source label (`SIU^S12 MSG00012`). */
  header: MshHeader;
  /** Things that were missing or odd but did not stop the mapping; free of patient data. */
  warnings: string[];
}

/** The result of {@link mapSiu}: a mapping, or a typed problem to acknowledge with AE/AR. */
export type SiuMapResult = { ok: true; mapping: SiuMapping } | { ok: false; problem: Hl7Problem };

/**
 * Maps a decoded SIU message to a schedule fact (CONTRACT §4, HL7 v2.5.1 chapter 10).
 *
 * - SCH-1 / SCH-2 first components: placer / filler appointment ids (at least one is required).
 * - SCH-26 (else SCH-27) first component: the order number the case's surgical order carries.
 * - Procedure: AIS-3 (code ^ text; text falls back to the code) of the first AIS that has one; when
 *   there is no AIS, SCH-7 (reason) or SCH-8 (appointment type), with a warning.
 * - Start: that AIS's AIS-4, else TQ1-7, else SCH-11.4 (TQ1 replaces SCH-11 from v2.5 on).
 * - End: start + AIS-7 in AIS-8 units (default minutes); else TQ1-8; else SCH-11.5; else start +
 *   SCH-9 in SCH-10 units. Units: s/sec/seconds, min/minutes, h/hr/hours, d/days (case-insensitive,
 *   code or text); an unknown unit gives no end and a warning rather than a guess.
 * - Location: AIL-3 of the AIL in the same resource group (RGS) as the chosen AIS, else the first
 *   AIL with one.
 * - People: AIP-3 (id ^ family ^ given → "Given Family") whose AIP-4 code or text matches a role list.
 * - Patient: PID-3 repetition typed MR (else the first), PID-3.4 authority, PID-5, PID-7 date, PID-8.
 * - PV1-19 visit number; `at` from EVN-2 if present, else MSH-7.
 *
 * Never throws: an unexpected failure while reading comes back as a 207 problem.
 */
export function mapSiu(decoded: DecodedHl7, options: SiuMapperOptions): SiuMapResult {
  try {
    return mapSiuUnsafe(decoded, options);
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      problem: hl7Problem(
        'unparseable',
        Hl7ErrorCondition.ApplicationInternalError,
        'error',
        `The SIU message could not be read: ${reason}`,
      ),
    };
  }
}

/** {@link decodeHl7} then {@link mapSiu}: one call from the payload to the mapping or the problem. */
export function decodeSiu(payload: Buffer | string, options: SiuMapperOptions): SiuMapResult {
  const result = decodeHl7(payload);
  return result.ok ? mapSiu(result.decoded, options) : { ok: false, problem: result.problem };
}

/**
 * Completes a mapping into the domain's fact once the caller knows where it came from and which
 * room the location resolved to.
 */
export function toScheduleFact(
  mapping: SiuMapping,
  source: FactSource,
  room?: { id: string; name: string },
): ScheduleFact {
  return room === undefined ? { ...mapping.fact, source } : { ...mapping.fact, source, room };
}

interface ResourceGroup {
  ais: Hl7Segment[];
  ail: Hl7Segment[];
  aip: Hl7Segment[];
}

function mapSiuUnsafe(decoded: DecodedHl7, options: SiuMapperOptions): SiuMapResult {
  const { header, segments } = decoded;
  const zone = options.facilityTz;
  const warnings: string[] = [];

  if (header.messageType.code.toUpperCase() !== 'SIU') {
    return refuse(
      'unsupported-message-type',
      Hl7ErrorCondition.UnsupportedMessageType,
      'reject',
      `Message type '${header.messageType.code}' is not SIU`,
      { segment: 'MSH', sequence: 1, field: 9, component: 1 },
    );
  }
  const trigger = header.messageType.trigger.toUpperCase();
  const action = SIU_TRIGGER_ACTIONS[trigger];
  if (action === undefined) {
    return refuse(
      'unsupported-trigger',
      Hl7ErrorCondition.UnsupportedEventCode,
      'reject',
      `SIU trigger event '${header.messageType.trigger}' is not supported (supported: ${Object.keys(SIU_TRIGGER_ACTIONS).join(', ')})`,
      { segment: 'MSH', sequence: 1, field: 9, component: 2 },
    );
  }

  const first = (name: string): Hl7Segment | undefined => segments.find((s) => s.name === name);
  const sch = first('SCH');
  if (sch === undefined) {
    return refuse(
      'missing-required-field',
      Hl7ErrorCondition.SegmentSequenceError,
      'error',
      'SIU without SCH segment',
      {
        segment: 'SCH',
      },
    );
  }
  const overrides = options.overrides;
  const placer = overrides?.text('schedule.placerAppointmentId', sch) ?? sch.value(1);
  const filler = overrides?.text('schedule.fillerAppointmentId', sch) ?? sch.value(2);
  if (placer === '' && filler === '') {
    return refuse(
      'missing-required-field',
      Hl7ErrorCondition.RequiredFieldMissing,
      'error',
      'SCH-1 placer and SCH-2 filler appointment id are both empty',
      { segment: 'SCH', sequence: sch.sequence, field: 1 },
    );
  }

  // `at`: when it happened at the source (ARCHITECTURE: merge rules use it).
  const evn = first('EVN');
  let at =
    (evn === undefined ? undefined : parseHl7DateTime(evn.value(2), zone)) ?? parseHl7DateTime(header.dateTime, zone);
  if (at === undefined && options.receivedAt !== undefined) {
    at = options.receivedAt;
    warnings.push('Neither EVN-2 nor MSH-7 holds a valid date/time; the receive time was used');
  }
  if (at === undefined) {
    return refuse(
      'missing-required-field',
      Hl7ErrorCondition.RequiredFieldMissing,
      'error',
      'Neither EVN-2 nor MSH-7 holds a valid date/time',
      { segment: 'MSH', sequence: 1, field: 7 },
    );
  }

  const identifiers: SiuScheduleFact['identifiers'] = {};
  if (placer !== '') identifiers.placerAppointmentId = placer;
  if (filler !== '') identifiers.fillerAppointmentId = filler;
  // SCH-26 placer order number (else SCH-27 filler's): links the surgical order (ORM/OMG ORC-2/3).
  const orderNumber = sch.value(26) || sch.value(27);
  if (orderNumber !== '') identifiers.orderNumber = orderNumber;
  const pv1 = first('PV1');
  const visit = pv1?.value(19) ?? '';
  if (visit !== '') identifiers.visitNumber = visit;

  const fact: SiuScheduleFact = { kind: 'schedule', action, at, identifiers };

  const pid = first('PID');
  const patient = pid === undefined ? undefined : readPatient(pid, overrides);
  if (patient !== undefined) fact.patient = patient;
  else warnings.push(pid === undefined ? 'No PID segment' : 'PID-3 has no patient identifier');

  // Resource groups (RGS): AIS/AIL/AIP of one group belong together (HL7 v2.5.1 §10.4 SIU_S12).
  const groups: ResourceGroup[] = [];
  for (const s of segments) {
    if (s.name === 'RGS' || groups.length === 0) groups.push({ ais: [], ail: [], aip: [] });
    const group = groups[groups.length - 1];
    if (group === undefined) continue;
    if (s.name === 'AIS') group.ais.push(s);
    else if (s.name === 'AIL') group.ail.push(s);
    else if (s.name === 'AIP') group.aip.push(s);
  }
  const service = groups
    .flatMap((g) => g.ais.map((ais) => ({ ais, group: g })))
    .find(({ ais }) => ais.value(3, 1) !== '' || ais.value(3, 2) !== '');

  const overrideCode = overrides?.text('procedure.code', service?.ais ?? sch);
  const overrideText = overrides?.text('procedure.text', service?.ais ?? sch);
  if (overrideCode !== undefined || overrideText !== undefined) {
    const code = overrideCode ?? service?.ais.value(3, 1) ?? '';
    const text = overrideText ?? service?.ais.value(3, 2) ?? '';
    fact.procedure = code === '' ? { text } : { code, text: text || code };
  } else if (service !== undefined) {
    const code = service.ais.value(3, 1);
    const text = service.ais.value(3, 2);
    fact.procedure = code === '' ? { text } : { code, text: text || code };
  } else {
    const reason = [7, 8].map((f) => ({ code: sch.value(f, 1), text: sch.value(f, 2) })).find((r) => r.code || r.text);
    if (reason !== undefined) {
      fact.procedure =
        reason.code === '' ? { text: reason.text } : { code: reason.code, text: reason.text || reason.code };
      warnings.push('No AIS-3 procedure; SCH-7/SCH-8 used instead');
    } else {
      warnings.push('No procedure (AIS-3, SCH-7, SCH-8 empty)');
    }
  }

  const tq1 = first('TQ1');
  const startSources: [string, string][] = [
    ['AIS-4', service?.ais.value(4) ?? ''],
    ['TQ1-7', tq1?.value(7) ?? ''],
    ['SCH-11.4', sch.value(11, 4)],
  ];
  let start: DateTime | undefined;
  for (const [name, raw] of startSources) {
    if (raw === '') continue;
    start = toDateTime(raw, zone);
    if (start !== undefined) break;
    warnings.push(`${name} is not a valid date/time`);
  }
  if (start !== undefined) {
    fact.scheduledStart = iso(start);
    const end = scheduledEnd(start, service?.ais, tq1, sch, zone, warnings);
    if (end !== undefined) {
      if (end.toMillis() < start.toMillis()) warnings.push('The scheduled end is before the start; ignored');
      else fact.scheduledEnd = iso(end);
    }
  } else {
    warnings.push('No scheduled start (AIS-4, TQ1-7, SCH-11.4)');
  }

  const ails = [...(service?.group.ail ?? []), ...groups.flatMap((g) => g.ail)];
  const ail = ails.find((s) => s.value(3, 1) !== '' || s.value(3, 2) !== '' || s.value(3, 4) !== '');
  const location =
    overrides?.location('schedule.room', ail ?? sch) ?? (ail === undefined ? undefined : readLocation(ail, 3));
  if (location === undefined) warnings.push('No AIL-3 location');

  const surgeonRoles = roleSet(options.roles?.surgeon ?? DEFAULT_SURGEON_ROLES);
  const anesRoles = roleSet(options.roles?.anesthesiologist ?? DEFAULT_ANESTHESIOLOGIST_ROLES);
  for (const aip of groups.flatMap((g) => g.aip)) {
    const roles = [aip.value(4, 1), aip.value(4, 2)].map((r) => r.toUpperCase()).filter((r) => r !== '');
    const person = readPerson(aip, 3);
    if (person === undefined) continue;
    if (fact.surgeon === undefined && roles.some((r) => surgeonRoles.has(r))) fact.surgeon = person;
    else if (fact.anesthesiologist === undefined && roles.some((r) => anesRoles.has(r))) fact.anesthesiologist = person;
  }

  // Equipment the case needs: AIG-3 resource ID (CWE: code^text), else AIG-4 resource type (HL7
  // v2.5.1 §10.6.4). No AIG says nothing about equipment (the case keeps what it had); an AIG
  // without either is skipped.
  const aigs = segments.filter((s) => s.name === 'AIG');
  if (aigs.length) {
    const needs: EquipmentNeed[] = [];
    for (const aig of aigs) {
      const [code, text] =
        aig.value(3, 1) || aig.value(3, 2) ? [aig.value(3, 1), aig.value(3, 2)] : [aig.value(4, 1), aig.value(4, 2)];
      if (!code && !text) continue;
      needs.push(code ? { code, text: text || code } : { text });
    }
    if (needs.length) fact.equipment = needs;
  }

  const mapping: SiuMapping = { fact, header, warnings };
  if (location !== undefined) mapping.location = location;
  return { ok: true, mapping };
}

function refuse(...args: Parameters<typeof hl7Problem>): SiuMapResult {
  return { ok: false, problem: hl7Problem(...args) };
}

function iso(dt: DateTime): string {
  return dt.toISO({ suppressMilliseconds: dt.millisecond === 0 }) ?? '';
}

function roleSet(codes: readonly string[]): ReadonlySet<string> {
  return new Set(codes.map((c) => c.trim().toUpperCase()));
}

function scheduledEnd(
  start: DateTime,
  ais: Hl7Segment | undefined,
  tq1: Hl7Segment | undefined,
  sch: Hl7Segment,
  zone: string,
  warnings: string[],
): DateTime | undefined {
  if (ais !== undefined && ais.value(7) !== '') {
    const ms = durationMs(ais.value(7), ais.value(8, 1), ais.value(8, 2));
    if (ms !== undefined) return start.plus({ milliseconds: ms });
    warnings.push('AIS-7/AIS-8 duration not understood');
  }
  for (const [name, raw] of [
    ['TQ1-8', tq1?.value(8) ?? ''],
    ['SCH-11.5', sch.value(11, 5)],
  ] as const) {
    if (raw === '') continue;
    const end = toDateTime(raw, zone);
    if (end !== undefined) return end;
    warnings.push(`${name} is not a valid date/time`);
  }
  if (sch.value(9) !== '') {
    const ms = durationMs(sch.value(9), sch.value(10, 1), sch.value(10, 2));
    if (ms !== undefined) return start.plus({ milliseconds: ms });
    warnings.push('SCH-9/SCH-10 duration not understood');
  }
  return undefined;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  S: 1_000,
  SEC: 1_000,
  SECS: 1_000,
  SECOND: 1_000,
  SECONDS: 1_000,
  MIN: 60_000,
  MINS: 60_000,
  MINUTE: 60_000,
  MINUTES: 60_000,
  H: 3_600_000,
  HR: 3_600_000,
  HRS: 3_600_000,
  HOUR: 3_600_000,
  HOURS: 3_600_000,
  D: 86_400_000,
  DAY: 86_400_000,
  DAYS: 86_400_000,
};

/**
 * A duration (NM) in the given units (CNE code or text; HL7 v2.5.1 §10.6.3.7–8: "default minutes").
 * The corpus uses `min^Minutes^ISO`, `Min`, `MIN` and `s`.
 */
function durationMs(amount: string, unitCode: string, unitText: string): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(amount)) return undefined;
  const units = [unitCode, unitText].map((u) => u.trim().toUpperCase()).filter((u) => u !== '');
  if (units.length === 0) return Number(amount) * 60_000;
  for (const u of units) {
    const ms = UNIT_MS[u];
    if (ms !== undefined) return Math.round(Number(amount) * ms);
  }
  return undefined;
}
