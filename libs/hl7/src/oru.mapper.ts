import {
  isIeee11073Special,
  mdcUnitDisplay,
  mdcVitalSource,
  ucumDisplay,
  type MdcVitalSource,
  type VitalName,
} from '@circulator/contracts';
import {
  checkPressurePair,
  checkVital,
  vitalDisplayUnit,
  type ObservationFact,
  type ObservationSubject,
  type ResultReading,
  type VitalReading,
} from '@circulator/domain';
import {
  factTime,
  Hl7TimeReader,
  patientRef,
  readAssignedLocation,
  readPatient,
  readVisitNumber,
  refuseOtherTypes,
  type Hl7FactsResult,
  type Hl7MapperOptions,
  type Hl7Overrides,
} from './adt.mapper';
import type { DecodedHl7, Hl7Segment } from './hl7.decoder';
import type { Hl7Encoding } from './hl7.escape';

// Bound once: calls through the module namespace would go through a re-export getter each time
// (CommonJS output of `export *`), three times per OBX on the hot path.
const vitalSourceOf = mdcVitalSource;
const unitDisplayOf = mdcUnitDisplay;
const isSpecialValue = isIeee11073Special;
const plausible = checkVital;

/** An observations fact before the pipeline attaches its source and resolves its location. */
export type ObservationFactDraft = Omit<ObservationFact, 'source'>;

/** Options of {@link mapResults}. */
export type OruMapperOptions = Hl7MapperOptions;

/**
 * IHE PCD-01 "Communicate PCD Data" message profiles (MSH-21, IHE PCD TF-2 §3.1 and Appendix B.1):
 * the profile names and the PCD DEC profile OID. A message that names one is a device report even
 * where an OBX-3 omits its coding system.
 */
const PCD_PROFILE_NAMES: ReadonlySet<string> = new Set(['IHE_PCD_001', 'PCD_DEC_001']);
const PCD_DEC_OID = '1.3.6.1.4.1.19376.1.6.1.1.1';

/** True when MSH-21 declares an IHE PCD-01 (DEC) message profile. */
export function isPcdReport(msh: Hl7Segment | undefined): boolean {
  if (msh === undefined) return false;
  const count = msh.repetitions(21);
  for (let r = 1; r <= count; r++) {
    if (PCD_PROFILE_NAMES.has(msh.value(21, 1, 1, r).toUpperCase()) || msh.value(21, 3, 1, r) === PCD_DEC_OID) {
      return true;
    }
  }
  return false;
}

/**
 * The device of an OBX (OBX-18 equipment instance identifier, first repetition, an EI): id = EI.1
 * entity identifier (often the EUI-64), else EI.3 universal id; name = EI.2 namespace when valued.
 */
export function readDevice(obx: Hl7Segment, overrides?: Hl7Overrides): { id: string; name?: string } | undefined {
  const id = overrides?.text('device.id', obx) ?? (obx.value(18, 1) || obx.value(18, 3));
  if (id === '') return undefined;
  const name = obx.value(18, 2);
  return name === '' ? { id } : { id, name };
}

/** {@link readDevice} from values already read (no override configured). */
function deviceOf(fields: ObxFields): { id: string; name?: string } | undefined {
  const id = fields.value(18) || fields.value(18, 3);
  if (id === '') return undefined;
  const name = fields.value(18, 2);
  return name === '' ? { id } : { id, name };
}

/**
 * OBX-6 units as a display shows them. MDC units (in CWE.1–3, or CWE.4–6 when the first triplet is
 * UCUM) map to their display (`MDC_DIM_PERCENT` → `%`, `MDC_DIM_DEGC` → `°C`); UCUM codes are shown
 * as written except a few (`mm[Hg]` → `mmHg`, `Cel` → `°C`, `{beat}/min` → `/min`). With
 * `normalise` off (laboratory results) the unit is kept exactly as given.
 */
export function readUnit(obx: Hl7Segment, normalise: boolean): string | undefined {
  const c1 = obx.value(6, 1);
  const c2 = obx.value(6, 2);
  if (c1 === '' && c2 === '') return undefined;
  if (!normalise) return c1 || c2;
  const system = obx.value(6, 3).toUpperCase();
  if (system === 'MDC') {
    const mdc = unitDisplayOf(c1, c2);
    if (mdc !== undefined) return mdc;
    if (obx.value(6, 6).toUpperCase() === 'UCUM' && obx.value(6, 4) !== '') return ucumDisplay(obx.value(6, 4));
    return c2 || c1;
  }
  if (system === 'UCUM') {
    if (obx.value(6, 6).toUpperCase() === 'MDC') {
      const mdc = unitDisplayOf(obx.value(6, 4), obx.value(6, 5));
      if (mdc !== undefined) return mdc;
    }
    return ucumDisplay(c1 || c2);
  }
  return unitDisplayOf(c1, c2) ?? ucumDisplay(c1 || c2);
}

/**
 * A decimal number as HL7 NM writes it (HL7 v2.5.1 §2.A.47: optional sign, digits, optional point);
 * `undefined` for anything else (`NaN`, `0x10`, `1e3`, text), without a regular expression.
 */
export function parseDecimal(text: string): number | undefined {
  return parseDecimalIn(text, 0, text.length);
}

/** {@link parseDecimal} of `text[from, to)`, blanks around it ignored. */
function parseDecimalIn(text: string, from: number, to: number): number | undefined {
  while (from < to && text.charCodeAt(from) <= 32) from++;
  while (to > from && text.charCodeAt(to - 1) <= 32) to--;
  const n = to;
  const sign = text.charCodeAt(from);
  let i = sign === 43 || sign === 45 ? from + 1 : from;
  let digits = 0;
  let decimals = -1;
  let mantissa = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      mantissa = mantissa * 10 + (c - 48);
      if (decimals >= 0) decimals++;
    } else if (c === 46 && decimals < 0) {
      decimals = 0;
    } else {
      return undefined;
    }
  }
  if (digits === 0) return undefined;
  // Up to 15 digits the mantissa is exact and one division by a power of ten is correctly rounded:
  // the same double as Number(text), without its string-to-number conversion.
  if (digits > 15 || decimals > 22) return Number(text.slice(from, to));
  const value = decimals > 0 ? mantissa / (POWERS_OF_TEN[decimals] ?? 1) : mantissa;
  return sign === 45 ? -value : value;
}

const POWERS_OF_TEN: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** The numeric value of an OBX-5: NM as written, SN `[=]^number` (HL7 v2.5.1 §2.A.74) as its number. */
function numericValue(obx: Hl7Segment, type: string, first: string): number | undefined {
  if (type === 'SN') {
    const comparator = obx.value(5, 1);
    return comparator === '' || comparator === '=' ? parseDecimal(obx.value(5, 2)) : undefined;
  }
  return parseDecimal(first);
}

interface PatientGroup {
  pid?: Hl7Segment;
  pv1?: Hl7Segment;
  /** OBR-7 of the group's first OBR, as written. */
  firstObrTime?: string;
  device?: { id: string; name?: string };
  vitals: VitalReading[];
  /** The source of each of `vitals` (same index). */
  sources: MdcVitalSource[];
  results: ResultReading[];
}

/**
 * Maps an ORU^R01 (HL7 v2.5.1 §7.3.1; IHE PCD TF-2 §3.1 PCD-01) to one observations fact per patient
 * (PID group; one fact when there is no PID).
 *
 * - Subject: patient (PID-3, as everywhere), visit number, location PV1-3, device = the first OBX-18.
 * - MDC observations whose code is a vitals source (`@circulator/contracts` mdc.ts) become vitals: a
 *   number in its display unit. The code counts when OBX-3's coding system is `MDC`, or is left out in
 *   a message whose MSH-21 names the PCD profile; a vitals REFID (`MDC_PULS_OXIM_SAT_O2`, the vendor
 *   BIS names) counts whatever the coding system. When several sources of one name are present the
 *   best-ranked ones are the vitals, the others are kept as results.
 * - "Not available" is never a reading: empty or non-numeric values of vitals, negative ones (vendor
 *   "invalid" markers such as -999 or -100), IEEE 11073 FLOAT special values (8388606–8388610) on any
 *   MDC observation and SFLOAT ones (2046–2050) on vitals. They are counted in one warning.
 * - Vitals are checked by `checkVital` (`@circulator/domain`): converted to the display unit of
 *   their name (`kPa` → `mmHg`, `°F` → `°C`; an OBX without unit is read in the display unit), and
 *   refused when the unit is not one the name accepts or the value is physiologically implausible;
 *   an NIBP whose diastolic is not below its systolic (same time) is refused as a pair. A refused
 *   vital is no reading: it is kept as a result flagged `implausible` or `unit`, so nothing is lost,
 *   and named in a warning (`implausible: spo2 140 % (range 30–100)`).
 * - Other observations (laboratory results, MDC codes that are no vitals name) become results: OBX-3
 *   code and text (MDC ones with the OBX-4 containment, `MDC_ECG_TIME_PD_QT_GL (1.2.1.14)`, for
 *   provenance), OBX-5 rendered as text (repetitions, coded values' text, SN as `<10`, encapsulated
 *   data summarised, never dumped), OBX-6 unit, OBX-8 flag, OBX-11 status.
 * - Device-related OBX (no value: the MDS/VMD/channel rows of the PCD containment tree) only lend
 *   their OBX-14 to the metrics below them (IHE PCD TF-2 B.8.7).
 * - Times: OBX-14, else the nearest ancestor's OBX-14 (by OBX-4), else OBR-7, else MSH-7, else the
 *   receive time. The fact's `at`: the first OBR-7, else MSH-7, else the receive time.
 */
export function mapResults(
  decoded: DecodedHl7,
  options: OruMapperOptions,
  lineEnds?: readonly number[],
): Hl7FactsResult<ObservationFactDraft> {
  const { header, segments } = decoded;
  const other = refuseOtherTypes<ObservationFactDraft>(header, 'ORU^R01');
  if (other) return other;
  const warnings: string[] = [];
  const times = new Hl7TimeReader(options.facilityTz);
  const overrides = options.overrides;
  // MSH-21 is read only if an OBX-3 leaves its coding system out (the MSH is long to index).
  let pcdReport: boolean | undefined;
  const pcd = (): boolean => (pcdReport ??= isPcdReport(segments[0]));
  const groups: PatientGroup[] = [];
  let group: PatientGroup | undefined;
  let obrTime: string | undefined;
  // Containment-tree times of device-related OBX under the current OBR: OBX-4 → ISO time.
  let treeTimes = new Map<string, string>();
  const counts: Counts = { notAvailable: 0, withoutValue: 0, invalidTimes: 0, refused: [] };

  const messageTime = times.read(header.dateTime) ?? options.receivedAt;
  const { text } = decoded;
  const reader = new ObxLine(text, header.encoding);
  let cursor = 0;
  for (let index = 0; index < segments.length; index++) {
    const s = segments[index];
    if (s === undefined) continue;
    // decoded.text holds the segments' lines in order, CR-separated: OBX and OBR lines are read from it.
    const lineStart = cursor;
    const lineEnd = lineEnds?.[index] ?? text.indexOf('\r', cursor);
    const lineStop = lineEnd === -1 ? text.length : lineEnd;
    cursor = lineStop + 1;
    switch (s.name) {
      case 'PID':
        group = { pid: s, vitals: [], sources: [], results: [] };
        groups.push(group);
        break;
      case 'PV1':
        if (group === undefined) groups.push((group = { vitals: [], sources: [], results: [] }));
        group.pv1 ??= s;
        break;
      case 'OBR': {
        if (group === undefined) groups.push((group = { vitals: [], sources: [], results: [] }));
        const raw = reader.reset(s, lineStart, lineStop, 7) ? reader.value(7) : s.value(7);
        group.firstObrTime ??= raw;
        obrTime = times.read(raw);
        if (obrTime === undefined && raw !== '') counts.invalidTimes++;
        treeTimes = new Map();
        break;
      }
      case 'OBX': {
        if (group === undefined) groups.push((group = { vitals: [], sources: [], results: [] }));
        const fields = reader.reset(s, lineStart, lineStop, group.device === undefined ? 18 : 14)
          ? reader
          : decoderFields(s);
        if (group.device === undefined && (fields.value(18) !== '' || fields.value(18, 3) !== '')) {
          group.device = overrides === undefined ? deviceOf(fields) : readDevice(s, overrides);
        }
        readObservation(s, fields, pcd, times, treeTimes, obrTime ?? messageTime, group, counts);
        break;
      }
    }
  }

  const facts: ObservationFactDraft[] = [];
  for (const g of groups) {
    if (g.vitals.length === 0 && g.results.length === 0) continue;
    const when = factTime(
      times,
      [
        ['OBR-7', g.firstObrTime ?? ''],
        ['MSH-7', header.dateTime],
      ],
      options,
      warnings,
    );
    if ('problem' in when) return { ok: false, problem: when.problem };
    const subject: ObservationSubject = {};
    const patient = g.pid === undefined ? undefined : readPatient(g.pid, overrides);
    if (patient !== undefined) subject.patient = patientRef(patient);
    const visit = readVisitNumber(g.pv1, g.pid, overrides);
    if (visit !== undefined) subject.visitNumber = visit;
    const location = readAssignedLocation(g.pv1, overrides);
    if (location !== undefined) subject.location = location;
    if (g.device !== undefined) subject.device = g.device;
    if (g.vitals.length > 1) refuseImplausiblePairs(g, counts);
    const { vitals, demoted } = bestVitals(g.vitals, g.sources);
    const results = demoted.length === 0 ? g.results : [...g.results, ...demoted];
    facts.push({ kind: 'observations', at: when.at, subject, vitals, results });
  }

  if (counts.notAvailable > 0) {
    warnings.push(
      `${counts.notAvailable} observation(s) not available (IEEE 11073 special value, non-numeric or negative value)`,
    );
  }
  warnings.push(...refusalWarnings(counts.refused));
  if (counts.withoutValue > 0) warnings.push(`${counts.withoutValue} OBX without a value (OBX-5) were skipped`);
  if (counts.invalidTimes > 0) {
    warnings.push(`${counts.invalidTimes} OBX-14/OBR-7 value(s) are not valid date/times; the enclosing time was used`);
  }
  if (facts.length === 0) warnings.push('The message carries no observation value');
  return { ok: true, facts, warnings };
}

/** The OBX values the hot path reads: from the line directly, or through the decoder. */
interface ObxFields {
  /** Like `Hl7Segment.value(field, component)` (first repetition, first sub-component). */
  value(field: number, component?: number): string;
  /** The field is not valued at all. */
  empty(field: number): boolean;
}

/** A reader over the decoder, for an OBX line that starts with blanks (which the decoder trims). */
function decoderFields(segment: Hl7Segment): ObxFields {
  return { value: (f, c = 1) => segment.value(f, c), empty: (f) => segment.repetitions(f) === 0 };
}

/**
 * Reads the values of segment lines of the decoded text in place, one line at a time ({@link reset}),
 * with the decoder's semantics: first repetition, the component, its first sub-component, trimmed.
 * Used for OBX instead of the decoder's first read of each segment, which indexes every field and
 * scans the segment for control characters — on a device report, more than all the reading the
 * mapper does. One reader serves a whole message: nothing is allocated per line but the values.
 *
 * Field separators are found once per line, up to the last field wanted. {@link value} scans the
 * field once for what needs the decoder — a repetition or sub-component separator, the escape
 * character (unescaping) or a control character (blanked) — and reads such a field through
 * `Hl7Segment.value`; components read in order come from that one scan. {@link decimal},
 * {@link time} and {@link firstComponent} skip the scan: their callers accept only values that
 * nothing of the above can be part of (a decimal, a DTM, an exact code), and read anything else
 * through the decoder. `oru.mapper.spec.ts` checks this reader against `Hl7Segment.value` on every
 * OBX of the corpus.
 */
export class ObxLine implements ObxFields {
  private readonly stops: number[] = [];
  private count = 0;
  private end = 0;
  private segment: Hl7Segment | undefined;
  private readonly separator: number;
  private readonly componentSeparator: number;
  private readonly repetition: number;
  private readonly subcomponent: number;
  private readonly escape: number;
  private field = 0;
  private fieldStart = 0;
  private fieldStop = 0;
  private scanned = false;
  private plain = true;
  /** Component boundaries of the scanned field: component k spans `[bounds[k-1] + 1, bounds[k])`. */
  private readonly bounds: number[] = [];
  private components = 0;

  constructor(
    private readonly text: string,
    private readonly encoding: Hl7Encoding,
  ) {
    this.separator = encoding.field.charCodeAt(0);
    this.componentSeparator = encoding.component.charCodeAt(0);
    this.repetition = encoding.repetition.charCodeAt(0);
    this.subcomponent = encoding.subcomponent.charCodeAt(0);
    this.escape = encoding.escape.charCodeAt(0);
  }

  /**
   * Points the reader at the line `text[start, end)` of `segment`; separators up to `lastField`
   * (at most 30) are found now. False when the line does not start with the segment id (leading
   * blanks): read it through the decoder then.
   */
  reset(segment: Hl7Segment, start: number, end: number, lastField = 18): boolean {
    const { text, stops, separator } = this;
    if (text.charCodeAt(start) !== segment.name.charCodeAt(0)) return false;
    this.segment = segment;
    this.end = end;
    this.field = 0;
    const limit = Math.min(lastField, 30) + 1;
    const fieldSeparator = this.encoding.field;
    let count = 0;
    let at = text.indexOf(fieldSeparator, start);
    while (at !== -1 && at < end) {
      stops[count++] = at;
      if (count === limit) break;
      // Runs of empty fields (`||||`) are common in OBX: step over them without a search.
      at = text.charCodeAt(at + 1) === separator ? at + 1 : text.indexOf(fieldSeparator, at + 1);
    }
    this.count = count;
    return true;
  }

  value(field: number, component = 1): string {
    this.scan(field);
    if (this.fieldStart >= this.fieldStop || component > this.components || component < 1) return '';
    if (!this.plain) return this.segment?.value(field, component) ?? '';
    const from = (this.bounds[component - 1] ?? 0) + 1;
    const to = this.bounds[component] ?? from;
    if (to <= from) return '';
    const { text } = this;
    const leaf = text.slice(from, to);
    return mayTrim(text.charCodeAt(from)) || mayTrim(text.charCodeAt(to - 1)) ? leaf.trim() : leaf;
  }

  empty(field: number): boolean {
    this.locate(field);
    return this.fieldStart >= this.fieldStop;
  }

  /**
   * The field as written when it is plain and has exactly `components` components, none blank-edged:
   * then it equals those components joined by the component separator (e.g. OBX-3 as
   * `150456^MDC_PULS_OXIM_SAT_O2^MDC`); else `undefined`.
   */
  whole(field: number, components: number): string | undefined {
    this.scan(field);
    const { text, fieldStart, fieldStop, bounds } = this;
    if (!this.plain || this.components !== components || fieldStart >= fieldStop) return undefined;
    for (let k = 0; k < components; k++) {
      const from = (bounds[k] ?? 0) + 1;
      const to = bounds[k + 1] ?? from;
      if (to <= from || mayTrim(text.charCodeAt(from)) || mayTrim(text.charCodeAt(to - 1))) return undefined;
    }
    return text.slice(fieldStart, fieldStop);
  }

  /** True when component `component` of the field is exactly `expected`. */
  is(field: number, component: number, expected: string): boolean {
    this.scan(field);
    if (!this.plain || component > this.components || component < 1) return this.value(field, component) === expected;
    const from = (this.bounds[component - 1] ?? 0) + 1;
    const to = this.bounds[component] ?? from;
    return to - from === expected.length && this.text.startsWith(expected, from);
  }

  /**
   * The field's text up to its first component separator, unchecked: only for exact lookups of
   * codes that hold no separator, escape or control character (a hit then reads as the decoder would).
   */
  firstComponent(field: number): string {
    this.locate(field);
    const { fieldStart, fieldStop } = this;
    if (fieldStart >= fieldStop) return '';
    const at = this.text.indexOf(this.encoding.component, fieldStart);
    return this.text.slice(fieldStart, at === -1 || at > fieldStop ? fieldStop : at);
  }

  /**
   * The field as a decimal (see {@link parseDecimal}) when it is nothing else — any separator, escape
   * or control character inside makes it `undefined` (the decoder's reading may differ: ask it).
   */
  decimal(field: number): number | undefined {
    this.locate(field);
    return parseDecimalIn(this.text, this.fieldStart, this.fieldStop);
  }

  /**
   * The field read as a time through `times` when it is nothing else (see {@link Hl7TimeReader}: a
   * DTM holds no separator, escape or control character), compared in place with the time read
   * before; `undefined` when not a valid DTM.
   */
  time(field: number, times: Hl7TimeReader): string | undefined {
    this.locate(field);
    if (this.fieldStart >= this.fieldStop) return undefined;
    return times.readIn(this.text, this.fieldStart, this.fieldStop);
  }

  /** Finds the field's bounds. */
  private locate(n: number): void {
    if (n === this.field) return;
    const { text, stops } = this;
    let start = 0;
    let stop = 0;
    if (n >= 1 && n <= this.count) {
      start = (stops[n - 1] ?? 0) + 1;
      if (n < this.count) {
        stop = stops[n] ?? start;
      } else {
        // The last separator found: the field runs to the next one (beyond `lastField`) or to the
        // end of the line, without what trimEnd removes (the decoder trims the segment).
        stop = start;
        while (stop < this.end && text.charCodeAt(stop) !== this.separator) stop++;
        if (stop === this.end && stop > start && mayTrim(text.charCodeAt(stop - 1))) {
          stop = start + text.slice(start, stop).trimEnd().length;
        }
      }
    }
    this.field = n;
    this.fieldStart = start;
    this.fieldStop = stop;
    this.scanned = false;
  }

  /** Finds the field, then in one pass its component boundaries and whether the decoder is needed. */
  private scan(n: number): void {
    this.locate(n);
    if (this.scanned) return;
    this.scanned = true;
    const { text, fieldStart, fieldStop, bounds, componentSeparator, repetition, subcomponent, escape } = this;
    let plain = true;
    let components = 1;
    bounds[0] = fieldStart - 1;
    for (let i = fieldStart; i < fieldStop; i++) {
      const c = text.charCodeAt(i);
      if (c === componentSeparator) {
        if (components < 32) bounds[components++] = i;
        else plain = false;
      } else if (c === repetition || c === subcomponent || c === escape || (c < 32 && c !== 9) || c === 127) {
        plain = false;
        break;
      }
    }
    bounds[components] = fieldStop;
    this.components = plain ? components : 32;
    this.plain = plain;
  }
}

/** A character `String.prototype.trim` might remove: ASCII blanks, and any non-ASCII one (to be sure). */
function mayTrim(code: number): boolean {
  return code <= 32 || code >= 128;
}

interface Counts {
  notAvailable: number;
  withoutValue: number;
  invalidTimes: number;
  /** Vitals refused by plausibility, as `reason: detail`, in message order. */
  refused: string[];
}

/**
 * One OBX into the group's vitals or results (or only its time, for a device-related row). Ordered for
 * the hot case, a numeric MDC vital: OBX-3, -4, -5, -6.1/.2 and -14 are read once each; OBX-2, -8,
 * -11 and the other components only when the observation is not such a vital.
 */
function readObservation(
  obx: Hl7Segment,
  fields: ObxFields,
  pcd: () => boolean,
  times: Hl7TimeReader,
  treeTimes: Map<string, string>,
  defaultTime: string | undefined,
  group: PatientGroup,
  counts: Counts,
): void {
  if (fields instanceof ObxLine && readVital(obx, fields, pcd, times, group, counts)) return;
  const code = fields.value(3);
  const refid = fields.value(3, 2);
  const system = fields.value(3, 3);
  const mdc =
    system === 'MDC' ||
    system.toUpperCase() === 'MDC' ||
    ((refid.startsWith('MDC_') || vitalSourceOf(code) !== undefined) && pcd());
  // Codes are matched as MDC numbers only in MDC observations; vendor REFIDs (BIS) anywhere.
  const source = vitalSourceOf(mdc ? code : '', refid);
  const subId = fields.value(4);
  const first = fields.value(5);
  const rawTime = fields.value(14);
  const ownTime = rawTime === '' ? undefined : times.read(rawTime);
  if (rawTime !== '' && ownTime === undefined) counts.invalidTimes++;

  if (first === '' && fields.empty(5)) {
    // Device-related rows (MDS/VMD/channel) carry no value; they lend their time to what they contain.
    const type = obx.value(2);
    if (source === undefined && (type === '' || obx.value(11).toUpperCase() === 'X' || refid.startsWith('MDC_DEV_'))) {
      if (ownTime !== undefined && subId !== '') treeTimes.set(subId, ownTime);
    } else if (source !== undefined) {
      counts.notAvailable++;
    } else {
      counts.withoutValue++;
    }
    return;
  }
  const at = ownTime ?? (treeTimes.size === 0 ? undefined : inheritedTime(treeTimes, subId)) ?? defaultTime;
  if (at === undefined) {
    counts.invalidTimes++;
    return;
  }
  const provenance = subId === '' ? '' : ` (${subId})`;

  if (source !== undefined) {
    const value = parseDecimal(first) ?? numericValue(obx, obx.value(2).toUpperCase(), first);
    if (value === undefined || value < 0 || isSpecialValue(value, true)) {
      counts.notAvailable++;
      return;
    }
    const unit = unitDisplayOf(fields.value(6), fields.value(6, 2)) ?? readUnit(obx, true) ?? '';
    addVital(group, source, value, unit, at, codeText(code, refid, system) + provenance, counts);
    return;
  }
  const type = obx.value(2).toUpperCase();
  if (mdc && (type === 'NM' || type === '')) {
    const value = parseDecimal(first);
    if (value === undefined ? type === 'NM' : isSpecialValue(value)) {
      counts.notAvailable++;
      return;
    }
  }
  const result: ResultReading = {
    code,
    text: mdc ? (refid || code) + provenance : refid || obx.value(3, 9) || code,
    value: renderValue(obx, type),
    at,
  };
  const unit = readUnit(obx, mdc);
  if (unit !== undefined && unit !== '') result.unit = unit;
  const flag = obx.value(8);
  if (flag !== '') result.flag = flag;
  const status = obx.value(11);
  if (status !== '') result.status = status;
  group.results.push(result);
}

/**
 * The hot path: a numeric MDC vital with its own OBX-14, read in place (no value sliced out but the
 * code, OBX-4 and the unit code). False when the OBX is anything else: the general path reads it.
 * Produces exactly what the general path would.
 */
function readVital(
  obx: Hl7Segment,
  line: ObxLine,
  pcd: () => boolean,
  times: Hl7TimeReader,
  group: PatientGroup,
  counts: Counts,
): boolean {
  // Fields in order, each located once: 3, 4, 5, 6, 14.
  const code = line.value(3);
  const source = vitalSourceOf(code);
  if (source === undefined || !(line.is(3, 3, 'MDC') || (line.value(3, 3) === '' && pcd()))) return false;
  const triplet = line.whole(3, 3) ?? codeText(code, line.value(3, 2), line.value(3, 3));
  const subId = line.value(4);
  const value = line.decimal(5);
  if (value === undefined) return false;
  const unit = unitDisplayOf(line.firstComponent(6)) ?? readUnit(obx, true) ?? '';
  const at = line.time(14, times);
  if (at === undefined) return false;
  if (value < 0 || isSpecialValue(value, true)) {
    counts.notAvailable++;
    return true;
  }
  addVital(group, source, value, unit, at, subId === '' ? triplet : `${triplet} (${subId})`, counts);
  return true;
}

/** The flag of a result kept for a vital that plausibility refused (HL7 table 0078 has none for it). */
export type RefusedVitalFlag = 'implausible' | 'unit';

/**
 * A vital's value into the group after `checkVital`: in its display unit when accepted; else kept
 * as a flagged result and counted for the warnings. A value with no unit at all (OBX-6 empty) is
 * read in the display unit — the range check still catches a °F temperature sent that way.
 */
function addVital(
  group: PatientGroup,
  source: MdcVitalSource,
  value: number,
  unit: string,
  at: string,
  code: string,
  counts: Counts,
): void {
  const checked = plausible(source.name, value, unit === '' ? vitalDisplayUnit(source.name) : unit);
  if (checked.ok) {
    group.vitals.push({ name: source.name, value: checked.value, unit: checked.unit, at, code });
    group.sources.push(source);
    return;
  }
  if (checked.reason === 'sentinel') {
    // A decimal too long for a double (Infinity): "not available", like the special values.
    counts.notAvailable++;
    return;
  }
  group.results.push(refusedResult(source, { value, unit, at, code }, checked.reason));
  counts.refused.push(`${checked.reason}: ${checked.detail}`);
}

/** A refused vital as a result, written like a demoted one (see {@link bestVitals}), with its flag. */
function refusedResult(
  source: MdcVitalSource,
  reading: { value: number; unit: string; at: string; code?: string },
  flag: RefusedVitalFlag,
): ResultReading {
  const result: ResultReading = {
    code: String(source.code || source.refid),
    text: reading.code ?? source.refid,
    value: String(reading.value),
    flag,
    at: reading.at,
  };
  if (reading.unit !== '') result.unit = reading.unit;
  return result;
}

/**
 * Refuses both values of an NIBP measurement whose diastolic is not below its systolic
 * (`checkPressurePair`): a systolic and a diastolic of the same time are one cuff cycle, and when
 * they contradict each other neither can be trusted.
 */
function refuseImplausiblePairs(group: PatientGroup, counts: Counts): void {
  const { vitals, sources } = group;
  let refused: Set<number> | undefined;
  for (let s = 0; s < vitals.length; s++) {
    const sys = vitals[s];
    if (sys?.name !== 'nibpSys') continue;
    for (let d = 0; d < vitals.length; d++) {
      const dia = vitals[d];
      if (dia?.name !== 'nibpDia' || dia.at !== sys.at || refused?.has(d)) continue;
      const pair = checkPressurePair(sys.value, dia.value);
      if (!pair.ok) {
        (refused ??= new Set()).add(s).add(d);
        counts.refused.push(`${pair.reason}: ${pair.detail}`);
      }
      break;
    }
  }
  if (refused === undefined) return;
  const keptVitals: VitalReading[] = [];
  const keptSources: MdcVitalSource[] = [];
  for (let i = 0; i < vitals.length; i++) {
    const reading = vitals[i];
    const source = sources[i];
    if (reading === undefined || source === undefined) continue;
    if (refused.has(i)) {
      group.results.push(refusedResult(source, reading, 'implausible'));
    } else {
      keptVitals.push(reading);
      keptSources.push(source);
    }
  }
  group.vitals = keptVitals;
  group.sources = keptSources;
}

/** At most this many refused vitals are named one by one; the rest are counted. */
const MAX_REFUSAL_WARNINGS = 10;

function refusalWarnings(refused: readonly string[]): string[] {
  if (refused.length <= MAX_REFUSAL_WARNINGS) return [...refused];
  const more = refused.length - MAX_REFUSAL_WARNINGS;
  return [
    ...refused.slice(0, MAX_REFUSAL_WARNINGS),
    `… and ${more} more vital(s) refused as implausible or in an unknown unit`,
  ];
}

/** The OBX-14 of the nearest containing device-related OBX: `1.16.1.2` → `1.16.1` … `1`. */
function inheritedTime(treeTimes: ReadonlyMap<string, string>, subId: string): string | undefined {
  for (let end = subId.lastIndexOf('.'); end > 0; end = subId.lastIndexOf('.', end - 1)) {
    // Device rows are written with trailing zeros (`1.16.1.0`, `1.16.0.0`): try both forms.
    const prefix = subId.slice(0, end);
    const found = treeTimes.get(prefix) ?? treeTimes.get(padded(prefix, subId));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `1.16` in a four-level sub-id → `1.16.0.0`. */
function padded(prefix: string, subId: string): string {
  let levels = 1;
  for (let i = subId.indexOf('.'); i !== -1; i = subId.indexOf('.', i + 1)) levels++;
  let dots = 0;
  for (let i = prefix.indexOf('.'); i !== -1; i = prefix.indexOf('.', i + 1)) dots++;
  return prefix + '.0'.repeat(Math.max(0, levels - 1 - dots));
}

function codeText(code: string, refid: string, system: string): string {
  return system !== '' ? `${code}^${refid}^${system}` : refid !== '' ? `${code}^${refid}` : code;
}

/** Per vitals name, the readings of the best rank; the rest as results (nothing is lost). */
function bestVitals(
  readings: VitalReading[],
  sources: readonly MdcVitalSource[],
): { vitals: VitalReading[]; demoted: ResultReading[] } {
  let mixed = false;
  const best: Partial<Record<VitalName, number>> = {};
  for (const source of sources) {
    const rank = best[source.name];
    if (rank === undefined || source.rank < rank) best[source.name] = source.rank;
    if (rank !== undefined && rank !== source.rank) mixed = true;
  }
  if (!mixed) return { vitals: readings, demoted: [] };
  const vitals: VitalReading[] = [];
  const demoted: ResultReading[] = [];
  for (const [i, reading] of readings.entries()) {
    const source = sources[i];
    if (source === undefined) continue;
    if (source.rank === best[source.name]) {
      vitals.push(reading);
    } else {
      const result: ResultReading = {
        code: String(source.code || source.refid),
        text: reading.code ?? source.refid,
        value: String(reading.value),
        at: reading.at,
      };
      if (reading.unit !== '') result.unit = reading.unit;
      demoted.push(result);
    }
  }
  return { vitals, demoted };
}

const CODED_TYPES: ReadonlySet<string> = new Set(['CWE', 'CE', 'CNE', 'CF', 'CV']);
const TEXT_TYPES: ReadonlySet<string> = new Set(['TX', 'FT']);
const MAX_COMPONENTS = 12;

/**
 * OBX-5 as readable text (HL7 v2.5.1 §7.4.2.5, by OBX-2 value type). Repetitions are joined by `, `
 * (TX/FT by line breaks, and their `\.br\` too); coded values show their text (CWE.2, else CWE.9
 * original text, else CWE.5, else the code); SN shows comparator, numbers and separator (`<10`,
 * `1:128`); ED is summarised (`[encapsulated data: TEXT/html, Base64]`) — the message itself is kept
 * in the inbox; RP shows its pointer; other types their valued components.
 */
export function renderValue(obx: Hl7Segment, type: string): string {
  const count = Math.max(1, obx.repetitions(5));
  const parts: string[] = [];
  for (let r = 1; r <= count; r++) {
    const text = renderRepetition(obx, type, r);
    if (text !== '') parts.push(text);
  }
  if (!TEXT_TYPES.has(type)) return parts.join(', ');
  return parts.join('\n').split('\\.br\\').join('\n');
}

function renderRepetition(obx: Hl7Segment, type: string, r: number): string {
  if (CODED_TYPES.has(type)) {
    return obx.value(5, 2, 1, r) || obx.value(5, 9, 1, r) || obx.value(5, 5, 1, r) || obx.value(5, 1, 1, r);
  }
  switch (type) {
    case 'SN': {
      const comparator = obx.value(5, 1, 1, r);
      const text = `${comparator === '=' ? '' : comparator}${obx.value(5, 2, 1, r)}${obx.value(5, 3, 1, r)}${obx.value(5, 4, 1, r)}`;
      return text;
    }
    case 'ED': {
      const kind = [obx.value(5, 2, 1, r), obx.value(5, 3, 1, r)].filter((p) => p !== '').join('/');
      const encoding = obx.value(5, 4, 1, r);
      return `[encapsulated data${kind === '' ? '' : `: ${kind}`}${encoding === '' ? '' : `, ${encoding}`}]`;
    }
    case 'RP':
      return obx.value(5, 1, 1, r);
    case 'NM':
    case 'ST':
    case 'TX':
    case 'FT':
    case 'DT':
    case 'TM':
    case 'TS':
    case 'DTM':
    case 'ID':
    case 'IS':
    case '': {
      // Text types have one component; a raw `^` the sender did not escape is kept as written.
      const first = obx.value(5, 1, 1, r);
      const second = obx.value(5, 2, 1, r);
      if (second === '' && obx.value(5, 3, 1, r) === '') return first;
      return components(obx, r).join('^');
    }
    default:
      return components(obx, r)
        .filter((c) => c !== '')
        .join(' ');
  }
}

/** The components of one OBX-5 repetition, trailing empty ones removed. */
function components(obx: Hl7Segment, r: number): string[] {
  const out: string[] = [];
  for (let c = 1; c <= MAX_COMPONENTS; c++) out.push(obx.value(5, c, 1, r));
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
