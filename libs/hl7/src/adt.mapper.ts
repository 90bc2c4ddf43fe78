import type { PersonRef } from '@circulator/contracts';
import type {
  MergeFact,
  PatientAction,
  PatientFact,
  PatientFacts,
  PatientRef,
  SourceLocation,
} from '@circulator/domain';
import { parseHl7DateTime } from './hl7-time';
import type { DecodedHl7, Hl7Segment } from './hl7.decoder';
import type { MshHeader } from './msh.reader';
import { Hl7ErrorCondition, hl7Problem, type Hl7ErrorLocation, type Hl7Problem } from './hl7.error';

// ─── Readers shared by every mapper ─────────────────────────────────────────────────────────────
// PID and PV1 are HL7 v2.5.1 chapter 3 (patient administration), the chapter this mapper covers;
// PL, CX and XCN are chapter 2A data types. The SIU, order, result and alarm mappers read them here.

/**
 * Logical fields a site may read from another place than the standard one (`Hl7MapOptions.overrides`,
 * e.g. `{"patient.mrn": "PID-2.1"}`). What each one replaces:
 *
 * | key | default source |
 * |---|---|
 * | `patient.mrn` | PID-3 repetition typed MR, else the first (CX.1) |
 * | `patient.assigningAuthority` | that repetition's CX.4 (HD namespace, else universal id) |
 * | `patient.familyName` / `patient.givenName` | PID-5.1.1 / PID-5.2 |
 * | `patient.birthDate` / `patient.sex` | PID-7 / PID-8 |
 * | `visit.number` | PV1-19.1, else PID-18.1 |
 * | `location` | PV1-3 (PL) — ADT, results, alarms |
 * | `schedule.placerAppointmentId` / `schedule.fillerAppointmentId` | SCH-1.1 / SCH-2.1 |
 * | `schedule.room` | AIL-3 (PL) |
 * | `procedure.code` / `procedure.text` | AIS-3.1 / AIS-3.2 (SIU), OBR-4.1 / OBR-4.2 (orders) |
 * | `order.number` / `order.fillerNumber` | ORC-2.1 (else OBR-2.1) / ORC-3.1 (else OBR-3.1) |
 * | `device.id` | OBX-18.1 (results, alarms) |
 */
export const HL7_OVERRIDE_KEYS = [
  'patient.mrn',
  'patient.assigningAuthority',
  'patient.familyName',
  'patient.givenName',
  'patient.birthDate',
  'patient.sex',
  'visit.number',
  'location',
  'schedule.placerAppointmentId',
  'schedule.fillerAppointmentId',
  'schedule.room',
  'procedure.code',
  'procedure.text',
  'order.number',
  'order.fillerNumber',
  'device.id',
] as const;
/** One of {@link HL7_OVERRIDE_KEYS}. */
export type Hl7OverrideKey = (typeof HL7_OVERRIDE_KEYS)[number];

/**
 * A site's field overrides, resolved against one message (built by the dispatcher, `hl7.mapper.ts`).
 * `scope` is the segment the default would have been read from: an override on the same segment
 * reads that occurrence, one on another segment (a Z-segment) the only one of its id, else the one
 * in the same group. An override that finds nothing gives `undefined` and the default applies.
 */
export interface Hl7Overrides {
  /** The override's text, when configured and valued. */
  text(key: Hl7OverrideKey, scope?: Hl7Segment): string | undefined;
  /** A location override: a whole PL field (no component in the path) or one value as code and name. */
  location(key: 'location' | 'schedule.room', scope?: Hl7Segment): SourceLocation | undefined;
}

/** A mapper's answer: fact drafts and warnings, or the problem to acknowledge with AE/AR. */
export type Hl7FactsResult<F> = { ok: true; facts: F[]; warnings: string[] } | { ok: false; problem: Hl7Problem };

/** What every mapper needs besides the message. */
export interface Hl7MapperOptions {
  /** IANA zone for times without an offset (`FACILITY_TZ`). */
  facilityTz: string;
  /** Receive time (ISO 8601): `at` when the message carries no valid time, with a warning. */
  receivedAt?: string;
  /** Site variants. */
  overrides?: Hl7Overrides;
}

/**
 * HL7 DTM/TS → ISO 8601 for one message, exactly as {@link parseHl7DateTime} reads them but cheap
 * enough for every OBX-14 of a device report: each distinct value is parsed once; a value to the
 * minute or second with an offset (`YYYYMMDDHHMM[SS[.S…]]±ZZZZ`) is checked and formatted by hand;
 * one without an offset reuses the offset found (by luxon) for its minute — luxon resolves a wall
 * time in an IANA zone in ~25 µs, and a 21-OBX PCD-01 report would otherwise spend most of its
 * decode+map budget there. Anything else (coarser precision, a minute in a DST gap) takes the full
 * parse.
 */
export class Hl7TimeReader {
  /** Raw value → ISO, `''` for an invalid one. */
  private readonly values = new Map<string, string>();
  private readonly minuteOffsets = new Map<string, string | null>();
  /** The value read last: the OBX of one report mostly share their time. */
  private lastRaw = '';
  private lastIso = '';

  constructor(private readonly zone: string) {}

  /** The ISO instant, or `undefined` when empty or not a valid DTM. */
  read(raw: string): string | undefined {
    if (raw === '') return undefined;
    let iso: string | undefined;
    if (raw === this.lastRaw) {
      iso = this.lastIso;
    } else {
      iso = this.values.get(raw);
      if (iso === undefined) {
        iso = this.parse(raw) ?? '';
        this.values.set(raw, iso);
      }
      this.lastRaw = raw;
      this.lastIso = iso;
    }
    return iso === '' ? undefined : iso;
  }

  /** {@link read} of `text[from, to)`, compared in place with the value read last before slicing it. */
  readIn(text: string, from: number, to: number): string | undefined {
    const last = this.lastRaw;
    if (last !== '' && to - from === last.length && text.startsWith(last, from)) {
      return this.lastIso === '' ? undefined : this.lastIso;
    }
    return this.read(text.slice(from, to).trim());
  }

  private parse(raw: string): string | undefined {
    const s = raw.trim();
    let end = s.length;
    let offset = '';
    const sign = s.length > 12 ? Math.max(s.indexOf('+', 12), s.indexOf('-', 12)) : -1;
    if (sign !== -1) {
      offset = s.slice(sign);
      end = sign;
    }
    // Digits only up to the seconds, then an optional fraction of 1–4 digits.
    const dot = s.indexOf('.');
    const wholeEnd = dot !== -1 && dot < end ? dot : end;
    // Years before 1000 and hour 24 (luxon reads it as the next day's midnight) take the full parse.
    if (
      (wholeEnd !== 12 && wholeEnd !== 14) ||
      !allDigits(s, 0, wholeEnd) ||
      s.charCodeAt(0) === 48 ||
      s.startsWith('24', 8)
    ) {
      return parseHl7DateTime(s, this.zone);
    }
    if (offset !== '' && (offset.length !== 5 || !allDigits(offset, 1, 5))) return undefined;
    const fraction = dot !== -1 && dot < end ? s.slice(dot + 1, end) : '';
    if (dot !== -1 && dot < end && (wholeEnd !== 14 || fraction.length < 1 || fraction.length > 4)) return undefined;
    if (fraction !== '' && !allDigits(fraction, 0, fraction.length)) return undefined;
    const seconds = wholeEnd === 14 ? s.slice(12, 14) : '00';
    if (Number(seconds) > 59) return undefined;
    const ms = fraction === '' ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
    const millis = ms === 0 ? '' : `.${String(ms).padStart(3, '0')}`;
    const wall = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(8, 10)}:${s.slice(10, 12)}`;

    let suffix: string | null | undefined;
    if (offset !== '') {
      suffix = fixedOffsetSuffix(s, offset);
      if (suffix === undefined) return undefined;
    } else {
      const minute = s.slice(0, 12);
      suffix = this.minuteOffsets.get(minute);
      if (suffix === undefined) {
        const iso = parseHl7DateTime(minute, this.zone);
        if (iso === undefined) return undefined;
        suffix = iso.startsWith(`${wall}:00`) ? iso.slice(wall.length + 3) : null;
        this.minuteOffsets.set(minute, suffix);
      }
      if (suffix === null) return parseHl7DateTime(s, this.zone);
    }
    return `${wall}:${seconds}${millis}${suffix}`;
  }
}

/**
 * The ISO offset of a value with an explicit `±HHMM`, after checking its calendar fields as luxon
 * would (`Z` for ±0000, as luxon writes a fixed zero offset); `undefined` when invalid.
 */
function fixedOffsetSuffix(s: string, offset: string): string | undefined {
  const month = Number(s.slice(4, 6));
  const day = Number(s.slice(6, 8));
  const year = Number(s.slice(0, 4));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (Number(s.slice(8, 10)) > 23 || Number(s.slice(10, 12)) > 59) return undefined;
  const oh = Number(offset.slice(1, 3));
  const om = Number(offset.slice(3, 5));
  if (om > 59 || oh > 14) return undefined;
  return oh === 0 && om === 0 ? 'Z' : `${offset.charAt(0)}${offset.slice(1, 3)}:${offset.slice(3, 5)}`;
}

/**
 * The calendar date of a DT/DTM value as `YYYY-MM-DD`, from its first eight digits (what
 * `hl7DatePart` returns, checked without luxon: a birth date is read on every message).
 */
export function calendarDate(value: string): string | undefined {
  const s = value.trim();
  if (s.length < 8 || !allDigits(s, 0, 8)) return undefined;
  const month = Number(s.slice(4, 6));
  const day = Number(s.slice(6, 8));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(Number(s.slice(0, 4)), month)) return undefined;
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function allDigits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * The first valid time of `sources` (name, raw value), in order; a valued but invalid one is named
 * in a warning. `undefined` when none is valid.
 */
export function firstTime(
  times: Hl7TimeReader,
  sources: readonly (readonly [string, string])[],
  warnings: string[],
): string | undefined {
  for (const [name, raw] of sources) {
    if (raw === '') continue;
    const at = times.read(raw);
    if (at !== undefined) return at;
    warnings.push(`${name} is not a valid date/time`);
  }
  return undefined;
}

/**
 * `at` of a fact: the first valid of `sources`, else the receive time (with a warning), else a
 * content problem (101 at MSH-7): merge rules order facts by `at`, so a fact cannot go without one.
 */
export function factTime(
  times: Hl7TimeReader,
  sources: readonly (readonly [string, string])[],
  options: Pick<Hl7MapperOptions, 'receivedAt'>,
  warnings: string[],
): { at: string } | { problem: Hl7Problem } {
  const at = firstTime(times, sources, warnings);
  if (at !== undefined) return { at };
  const names = sources.map(([name]) => name).join(', ');
  if (options.receivedAt !== undefined) {
    warnings.push(`None of ${names} holds a valid date/time; the receive time was used`);
    return { at: options.receivedAt };
  }
  return {
    problem: hl7Problem(
      'missing-required-field',
      Hl7ErrorCondition.RequiredFieldMissing,
      'error',
      `None of ${names} holds a valid date/time`,
      { segment: 'MSH', sequence: 1, field: 7 },
    ),
  };
}

/**
 * The patient of a PID segment: MRN from the PID-3 repetition whose CX.5 identifier type is `MR`
 * (else the first valued one), CX.4 assigning authority (HD namespace id, else universal id),
 * PID-5 first repetition (family XPN.1.1, given XPN.2), PID-7 as a calendar date, PID-8.
 * `undefined` when there is no MRN.
 */
export function readPatient(pid: Hl7Segment, overrides?: Hl7Overrides): PatientFacts | undefined {
  let mrn = overrides?.text('patient.mrn', pid);
  let authority = overrides?.text('patient.assigningAuthority', pid) ?? '';
  if (mrn === undefined) {
    const count = pid.repetitions(3);
    let rep = 0;
    for (let r = 1; r <= count; r++) {
      if (pid.value(3, 1, 1, r) === '') continue;
      if (rep === 0) rep = r;
      if (pid.value(3, 5, 1, r).toUpperCase() === 'MR') {
        rep = r;
        break;
      }
    }
    if (rep === 0) return undefined;
    mrn = pid.value(3, 1, 1, rep);
    if (authority === '') authority = pid.value(3, 4, 1, rep) || pid.value(3, 4, 2, rep);
  }
  const patient: PatientFacts = { mrn };
  if (authority !== '') patient.assigningAuthority = authority;
  const family = overrides?.text('patient.familyName', pid) ?? pid.value(5, 1, 1);
  if (family !== '') patient.familyName = family;
  const given = overrides?.text('patient.givenName', pid) ?? pid.value(5, 2);
  if (given !== '') patient.givenName = given;
  const birthDate = calendarDate(overrides?.text('patient.birthDate', pid) ?? pid.value(7));
  if (birthDate !== undefined) patient.birthDate = birthDate;
  const sex = overrides?.text('patient.sex', pid) ?? pid.value(8);
  if (sex !== '') patient.sex = sex;
  return patient;
}

/** A patient as a reference (observations, alarms, merges): MRN and assigning authority. */
export function patientRef(patient: PatientFacts): PatientRef {
  return patient.assigningAuthority === undefined
    ? { mrn: patient.mrn }
    : { mrn: patient.mrn, assigningAuthority: patient.assigningAuthority };
}

/**
 * A PL field as the source names it: code = PL.1 point of care, PL.2 room, PL.3 bed, PL.4 facility
 * (first sub-components, unescaped), joined by `^` with trailing empty parts removed; name = PL.9
 * description, else PL.2, else PL.1, else the code. `undefined` when PL.1–PL.4 are all empty.
 */
export function readLocation(segment: Hl7Segment, field: number): SourceLocation | undefined {
  const parts = [segment.value(field, 1), segment.value(field, 2), segment.value(field, 3), segment.value(field, 4)];
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0) return undefined;
  const code = parts.join('^');
  const name = segment.value(field, 9) || parts[1] || parts[0] || code;
  return { code, name };
}

/**
 * A person from an XCN field repetition (ORC-12, OBR-16, AIP-3): id XCN.1, name "Given Family"
 * (XCN.3, XCN.2.1), else the id. `undefined` when both are empty.
 */
export function readPerson(segment: Hl7Segment, field: number, repetition = 1): PersonRef | undefined {
  const id = segment.value(field, 1, 1, repetition);
  const family = segment.value(field, 2, 1, repetition);
  const given = segment.value(field, 3, 1, repetition);
  const name = (given !== '' && family !== '' ? `${given} ${family}` : given || family) || id;
  if (name === '') return undefined;
  return id === '' ? { name } : { id, name };
}

/**
 * The visit number: PV1-19.1 (the visit number, which SIU facts carry too, so the two match), else
 * PID-18.1 (the patient account number, which some senders use for the visit).
 */
export function readVisitNumber(
  pv1: Hl7Segment | undefined,
  pid: Hl7Segment | undefined,
  overrides?: Hl7Overrides,
): string | undefined {
  const visit = overrides?.text('visit.number', pv1 ?? pid) ?? (pv1?.value(19) || pid?.value(18) || '');
  return visit === '' ? undefined : visit;
}

/** The PV1-3 assigned location (or its override). */
export function readAssignedLocation(
  pv1: Hl7Segment | undefined,
  overrides?: Hl7Overrides,
): SourceLocation | undefined {
  return overrides?.location('location', pv1) ?? (pv1 === undefined ? undefined : readLocation(pv1, 3));
}

/** A refusal, as every mapper writes it. */
export function refuse<F>(
  kind: Hl7Problem['kind'],
  code: number,
  text: string,
  location?: Hl7ErrorLocation,
  disposition: Hl7Problem['disposition'] = 'error',
): Hl7FactsResult<F> {
  return { ok: false, problem: hl7Problem(kind, code, disposition, text, location) };
}

/**
 * The refusal of a message a mapper was handed but does not map (AR 200 at MSH-9), or undefined
 * when `header` is one of `types` (`CODE^TRIGGER`).
 */
export function refuseOtherTypes<F>(header: MshHeader, ...types: string[]): Hl7FactsResult<F> | undefined {
  const type = `${header.messageType.code}^${header.messageType.trigger}`;
  if (types.includes(type.toUpperCase())) return undefined;
  return refuse(
    'unsupported-message-type',
    Hl7ErrorCondition.UnsupportedMessageType,
    `Message type '${type}' is not ${types.join(' or ')}`,
    { segment: 'MSH', sequence: 1, field: 9 },
    'reject',
  );
}

// ─── ADT ────────────────────────────────────────────────────────────────────────────────────────

/** ADT trigger events (HL7 v2.5.1 §3.3) mapped to a patient fact, and what each says happened. */
export const ADT_TRIGGER_ACTIONS: Readonly<Record<string, PatientAction>> = {
  A01: 'admitted',
  A02: 'transferred',
  A03: 'discharged',
  A04: 'registered',
  A08: 'updated',
  A11: 'admit-cancelled',
  A13: 'discharge-cancelled',
};

/** The ADT merge trigger (A40 "merge patient – patient identifier list"), mapped to merge facts. */
export const ADT_MERGE_TRIGGER = 'A40';

/** A patient fact before the pipeline attaches its source and resolves its locations to rooms. */
export type PatientFactDraft = Omit<PatientFact, 'source' | 'room' | 'priorRoom'>;
/** A merge fact before the pipeline attaches its source. */
export type MergeFactDraft = Omit<MergeFact, 'source'>;

/** Options of {@link mapAdt}. */
export type AdtMapperOptions = Hl7MapperOptions;

/**
 * Maps a decoded ADT message to facts (CONTRACT §4, HL7 v2.5.1 chapter 3).
 *
 * - A01 admitted, A02 transferred, A03 discharged, A04 registered, A08 updated, A11 admit-cancelled,
 *   A13 discharge-cancelled → one patient fact: PID (see {@link readPatient}; required, with an MRN),
 *   visit number ({@link readVisitNumber}), `location` PV1-3 and `priorLocation` PV1-6 when valued
 *   (A02 requires PV1-3: a transfer to nowhere is a content error).
 * - A40 → one merge fact per PID/MRG pair: survivor = the PID, merged = MRG-1 (MR repetition, else
 *   the first) with its CX.4 authority.
 * - `at` = EVN-2 recorded time, else EVN-6 event occurred, else MSH-7, else the receive time.
 *
 * Never throws: the dispatcher catches what a reader might raise. Warnings carry no patient data.
 */
export function mapAdt(
  decoded: DecodedHl7,
  options: AdtMapperOptions,
): Hl7FactsResult<PatientFactDraft | MergeFactDraft> {
  const { header, segments } = decoded;
  const trigger = header.messageType.trigger.toUpperCase();
  const action = ADT_TRIGGER_ACTIONS[trigger];
  if (header.messageType.code.toUpperCase() !== 'ADT' || (action === undefined && trigger !== ADT_MERGE_TRIGGER)) {
    return refuse(
      'unsupported-trigger',
      Hl7ErrorCondition.UnsupportedEventCode,
      `ADT trigger event '${header.messageType.trigger}' is not supported`,
      { segment: 'MSH', sequence: 1, field: 9, component: 2 },
      'reject',
    );
  }
  const warnings: string[] = [];
  const times = new Hl7TimeReader(options.facilityTz);
  const evn = segments.find((s) => s.name === 'EVN');
  if (evn !== undefined && evn.value(1) !== '' && evn.value(1).toUpperCase() !== trigger) {
    warnings.push(`EVN-1 (${evn.value(1)}) differs from MSH-9.2 (${trigger}); MSH-9.2 was used`);
  }
  const when = factTime(
    times,
    [
      ['EVN-2', evn?.value(2) ?? ''],
      ['EVN-6', evn?.value(6) ?? ''],
      ['MSH-7', header.dateTime],
    ],
    options,
    warnings,
  );
  if ('problem' in when) return { ok: false, problem: when.problem };
  const { at } = when;

  if (action === undefined) return mapMerge(segments, at, options, warnings);

  const pid = segments.find((s) => s.name === 'PID');
  if (pid === undefined) {
    return refuse(
      'missing-required-field',
      Hl7ErrorCondition.SegmentSequenceError,
      `ADT^${trigger} without PID segment`,
      {
        segment: 'PID',
      },
    );
  }
  const patient = readPatient(pid, options.overrides);
  if (patient === undefined) {
    return refuse('missing-required-field', Hl7ErrorCondition.RequiredFieldMissing, 'PID-3 has no patient identifier', {
      segment: 'PID',
      sequence: pid.sequence,
      field: 3,
    });
  }
  const pv1 = segments.find((s) => s.name === 'PV1');
  const fact: PatientFactDraft = { kind: 'patient', action, at, patient };
  const visit = readVisitNumber(pv1, pid, options.overrides);
  if (visit !== undefined) fact.visitNumber = visit;
  const location = readAssignedLocation(pv1, options.overrides);
  if (location !== undefined) fact.location = location;
  const prior = pv1 === undefined ? undefined : readLocation(pv1, 6);
  if (prior !== undefined) fact.priorLocation = prior;
  if (action === 'transferred' && location === undefined) {
    return refuse(
      'missing-required-field',
      Hl7ErrorCondition.RequiredFieldMissing,
      'ADT^A02 transfer without PV1-3 assigned location',
      { segment: 'PV1', sequence: pv1?.sequence ?? 1, field: 3 },
    );
  }
  return { ok: true, facts: [fact], warnings };
}

/** A40: PATIENT groups of PID, [PD1], MRG, [PV1] (HL7 v2.5.1 §3.3.40, ADT_A39 structure). */
function mapMerge(
  segments: readonly Hl7Segment[],
  at: string,
  options: AdtMapperOptions,
  warnings: string[],
): Hl7FactsResult<MergeFactDraft> {
  const facts: MergeFactDraft[] = [];
  let pid: Hl7Segment | undefined;
  for (const s of segments) {
    if (s.name === 'PID') {
      if (pid !== undefined) {
        return refuse('missing-required-field', Hl7ErrorCondition.SegmentSequenceError, 'ADT^A40 PID without MRG', {
          segment: 'PID',
          sequence: pid.sequence,
        });
      }
      pid = s;
    } else if (s.name === 'MRG') {
      if (pid === undefined) {
        return refuse('missing-required-field', Hl7ErrorCondition.SegmentSequenceError, 'ADT^A40 MRG without PID', {
          segment: 'MRG',
          sequence: s.sequence,
        });
      }
      const survivor = readPatient(pid, options.overrides);
      if (survivor === undefined) {
        return refuse(
          'missing-required-field',
          Hl7ErrorCondition.RequiredFieldMissing,
          'PID-3 has no patient identifier',
          {
            segment: 'PID',
            sequence: pid.sequence,
            field: 3,
          },
        );
      }
      const merged = readPriorIdentifier(s);
      if (merged === undefined) {
        return refuse(
          'missing-required-field',
          Hl7ErrorCondition.RequiredFieldMissing,
          'MRG-1 prior patient identifier is empty',
          { segment: 'MRG', sequence: s.sequence, field: 1 },
        );
      }
      facts.push({ kind: 'merge', at, survivor, merged });
      pid = undefined;
    }
  }
  if (pid !== undefined) {
    return refuse('missing-required-field', Hl7ErrorCondition.SegmentSequenceError, 'ADT^A40 PID without MRG', {
      segment: 'PID',
      sequence: pid.sequence,
    });
  }
  if (facts.length === 0) {
    return refuse('missing-required-field', Hl7ErrorCondition.SegmentSequenceError, 'ADT^A40 without PID/MRG pair', {
      segment: 'MRG',
    });
  }
  return { ok: true, facts, warnings };
}

/** MRG-1 prior patient identifier list: the MR repetition, else the first valued one. */
function readPriorIdentifier(mrg: Hl7Segment): PatientRef | undefined {
  const count = mrg.repetitions(1);
  let rep = 0;
  for (let r = 1; r <= count; r++) {
    if (mrg.value(1, 1, 1, r) === '') continue;
    if (rep === 0) rep = r;
    if (mrg.value(1, 5, 1, r).toUpperCase() === 'MR') {
      rep = r;
      break;
    }
  }
  if (rep === 0) return undefined;
  const ref: PatientRef = { mrn: mrg.value(1, 1, 1, rep) };
  const authority = mrg.value(1, 4, 1, rep) || mrg.value(1, 4, 2, rep);
  if (authority !== '') ref.assigningAuthority = authority;
  return ref;
}
