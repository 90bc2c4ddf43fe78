import { isIeee11073Special, type AlertPriority } from '@circulator/contracts';
import type { AlarmFact, AlarmPhase, ObservationSubject } from '@circulator/domain';
import {
  factTime,
  Hl7TimeReader,
  patientRef,
  readAssignedLocation,
  readPatient,
  readVisitNumber,
  refuse,
  refuseOtherTypes,
  type Hl7FactsResult,
  type Hl7MapperOptions,
} from './adt.mapper';
import type { DecodedHl7, Hl7Segment } from './hl7.decoder';
import { Hl7ErrorCondition } from './hl7.error';
import { parseDecimal, readDevice, readUnit } from './oru.mapper';

/** An alarm fact before the pipeline attaches its source and resolves its location. */
export type AlarmFactDraft = Omit<AlarmFact, 'source'>;

/** Options of {@link mapAlarms}. */
export type AlarmMapperOptions = Hl7MapperOptions;

/**
 * IHE PCD TF-2 Table B.8.5-4 "Event Phase" (MDC_ATTR_EVENT_PHASE, OBX-5) reduced to our three
 * phases. Keys are lower case without the leading `_` of the "future assignment" spellings
 * (`_START`, `_END`, `_STOP`, `_CHANGED`, …).
 *
 * - `start`: `start` (an end is expected), `start_only` and `tpoint` (no end will come: the alert is
 *   raised and stays until acknowledged here).
 * - `continue`: the alert is still on — `continue`, `present`, `update` and the `change`/`changed`/
 *   `cleared` updates, `escalate`, `deescalate`, `inactivate` (silenced at the device), `acknowledged`
 *   (acknowledged at the device; the TF keeps it latched until the alert ends).
 * - `end`: `end`, `stop` (paused; a restart comes as a new start), `reset` (latched alarm cleared),
 *   `compl`/`stop_compl` (last phase of a START…STOP…COMPL sequence).
 */
export const ACM_EVENT_PHASES: Readonly<Record<string, AlarmPhase>> = {
  start: 'start',
  start_only: 'start',
  tpoint: 'start',
  continue: 'continue',
  present: 'continue',
  update: 'continue',
  change: 'continue',
  changed: 'continue',
  cleared: 'continue',
  update_change: 'continue',
  update_changed: 'continue',
  update_cleared: 'continue',
  escalate: 'continue',
  deescalate: 'continue',
  'de-escalate': 'continue',
  inactivate: 'continue',
  acknowledged: 'continue',
  end: 'end',
  stop: 'end',
  reset: 'end',
  compl: 'end',
  stop_compl: 'end',
};

/**
 * IHE PCD TF-2 Table B.8.5-8 alert priority (OBX-8 of the event identification OBX, or the value of a
 * separate MDC_ATTR_ALARM_PRIORITY OBX): PH high, PM medium, PL low; PN "no alarm / not indicated",
 * PI "information" and PU "unknown" (Table B.8.5-3 proposals) are low.
 */
export const ACM_PRIORITIES: Readonly<Record<string, AlertPriority>> = {
  PH: 'high',
  PM: 'medium',
  PL: 'low',
  PN: 'low',
  PI: 'low',
  PU: 'low',
};

/**
 * Priorities some senders write without the `P`. Read only when no PH/PM/PL/PN is present: `H` and `L`
 * are also the abnormality flags "above high normal" / "below low normal" (Table B.8.5-5), so in
 * `L~PM~SP` the `L` is the SpO2 being low and the priority is medium.
 */
const PLAIN_PRIORITIES: Readonly<Record<string, AlertPriority>> = { H: 'high', M: 'medium', L: 'low' };

/** The ACM attribute OBX of IHE PCD TF-2 Table B.8.5-1 (facets 2–7) and the annotation of B.8.5. */
type AcmAttribute = 'source' | 'phase' | 'state' | 'inactivation' | 'priority' | 'type' | 'annotation';

const ATTRIBUTES_BY_REFID: ReadonlyMap<string, AcmAttribute> = new Map([
  ['MDC_ATTR_ALERT_SOURCE', 'source'],
  ['MDC_ATTR_EVENT_PHASE', 'phase'],
  ['MDC_ATTR_ALARM_STATE', 'state'],
  ['MDC_ATTR_ALARM_INACTIVATION_STATE', 'inactivation'],
  ['MDC_ATTR_ALARM_PRIORITY', 'priority'],
  ['MDC_ATTR_ALERT_TYPE', 'type'],
  ['MDCX_ATTR_ALERT_ANNOTATION', 'annotation'],
]);
const ATTRIBUTES_BY_CODE: ReadonlyMap<string, AcmAttribute> = new Map([
  ['68480', 'source'],
  ['68481', 'phase'],
  ['68482', 'state'],
  ['68483', 'inactivation'],
  ['68484', 'priority'],
  ['68485', 'type'],
]);

/** MDC_EVT_ALARM: the event code of technical alarms and advisories, whose OBX-5 names the alert. */
const MDC_EVT_ALARM = '196616';

interface AlarmGroup {
  obr?: Hl7Segment;
  obx: Hl7Segment[];
}

/**
 * Maps an ORU^R40 "Report Alert" (IHE PCD TF-2 §3.4, PCD-04) to one alarm fact per OBR group.
 *
 * - Event identification: the OBX whose OBX-4 ends in facet `.1` (`1.3.1.150456.1`), else the first
 *   OBX that is no ACM attribute. Its code is OBX-3, or for MDC_EVT_ALARM (technical alarms,
 *   advisories) the alert named in its coded OBX-5.
 * - `alarmId` = device / code / OBX-4 instance (without the facet), the same in the start, continue
 *   and end messages of one alert. Device: that OBX's OBX-18, else another OBX-18 of the group, else
 *   MSH-3 (its universal id, else namespace).
 * - `phase`: the MDC_ATTR_EVENT_PHASE OBX through {@link ACM_EVENT_PHASES}; missing or unknown → from
 *   MDC_ATTR_ALARM_STATE (active → start, latched → continue, inactive/off → end), with a warning.
 * - `priority`: a MDC_ATTR_ALARM_PRIORITY OBX (which TF-2 B.8.5 says takes precedence), else OBX-8
 *   repetitions through {@link ACM_PRIORITIES}, else plain H/M/L, else low with a warning.
 * - `message`: CWE.9 original text, else CWE.2, else the value's text, else the OBX-3 name; then the
 *   source's numeric value and unit when it has one ("Low SpO2 88 %"); then an annotation OBX's text.
 * - `at`: the event OBX-14, else OBR-7, else MSH-7, else the receive time.
 * - Subject as for results: patient, visit number, PV1-3, device.
 */
export function mapAlarms(decoded: DecodedHl7, options: AlarmMapperOptions): Hl7FactsResult<AlarmFactDraft> {
  const { header, segments } = decoded;
  const other = refuseOtherTypes<AlarmFactDraft>(header, 'ORU^R40');
  if (other) return other;
  const warnings: string[] = [];
  const times = new Hl7TimeReader(options.facilityTz);
  const overrides = options.overrides;
  let pid: Hl7Segment | undefined;
  let pv1: Hl7Segment | undefined;
  const groups: AlarmGroup[] = [];
  for (const s of segments) {
    if (s.name === 'PID') pid ??= s;
    else if (s.name === 'PV1') pv1 ??= s;
    else if (s.name === 'OBR') groups.push({ obr: s, obx: [] });
    else if (s.name === 'OBX') {
      if (groups.length === 0) groups.push({ obx: [] });
      groups[groups.length - 1]?.obx.push(s);
    }
  }

  const subjectBase: ObservationSubject = {};
  const patient = pid === undefined ? undefined : readPatient(pid, overrides);
  if (patient !== undefined) subjectBase.patient = patientRef(patient);
  const visit = readVisitNumber(pv1, pid, overrides);
  if (visit !== undefined) subjectBase.visitNumber = visit;
  const location = readAssignedLocation(pv1, overrides);
  if (location !== undefined) subjectBase.location = location;
  const msh = segments[0];
  const senderDevice = msh === undefined ? '' : msh.value(3, 2) || msh.value(3, 1);

  const facts: AlarmFactDraft[] = [];
  for (const [index, group] of groups.entries()) {
    const event = eventObx(group.obx);
    if (event === undefined) {
      return refuse(
        'missing-required-field',
        Hl7ErrorCondition.RequiredFieldMissing,
        `Alarm ${index + 1} has no event identification OBX`,
        group.obr === undefined ? { segment: 'OBX' } : { segment: 'OBR', sequence: group.obr.sequence },
      );
    }
    const when = factTime(
      times,
      [
        ['OBX-14', event.value(14)],
        ['OBR-7', group.obr?.value(7) ?? ''],
        ['MSH-7', header.dateTime],
      ],
      options,
      warnings,
    );
    if ('problem' in when) return { ok: false, problem: when.problem };

    const alert = alertCode(event);
    const device =
      readDevice(event, overrides) ??
      group.obx.map((o) => (o.repetitions(18) > 0 ? readDevice(o, overrides) : undefined)).find((d) => d !== undefined);
    const deviceId = device?.id ?? senderDevice;
    const instance = instanceOf(event.value(4));
    const alarmId = [deviceId, alert.key, instance].filter((p) => p !== '').join('/');

    const fact: AlarmFactDraft = {
      kind: 'alarm',
      at: when.at,
      alarmId,
      phase: phaseOf(group.obx, warnings),
      priority: priorityOf(event, group.obx, warnings),
      message: messageOf(event, alert.text, group.obx),
      subject: device === undefined ? { ...subjectBase } : { ...subjectBase, device },
    };
    if (alert.code !== '') fact.code = alert.code;
    facts.push(fact);
  }
  if (facts.length === 0) {
    return refuse('missing-required-field', Hl7ErrorCondition.SegmentSequenceError, 'ORU^R40 without alarm (OBX)', {
      segment: 'OBX',
    });
  }
  return { ok: true, facts, warnings };
}

function attributeOf(obx: Hl7Segment): AcmAttribute | undefined {
  return ATTRIBUTES_BY_REFID.get(obx.value(3, 2)) ?? ATTRIBUTES_BY_CODE.get(obx.value(3, 1));
}

/** The facet of an ACM OBX-4 (`1.3.1.150456.3` → `3`); `''` without the fifth element. */
function facetOf(subId: string): string {
  let dots = 0;
  for (let i = subId.indexOf('.'); i !== -1; i = subId.indexOf('.', i + 1)) dots++;
  return dots === 4 ? subId.slice(subId.lastIndexOf('.') + 1) : '';
}

/** OBX-4 without its facet: the alert's instance in the containment tree. */
function instanceOf(subId: string): string {
  return facetOf(subId) === '' ? subId : subId.slice(0, subId.lastIndexOf('.'));
}

function eventObx(obx: readonly Hl7Segment[]): Hl7Segment | undefined {
  return (
    obx.find((o) => facetOf(o.value(4)) === '1' && attributeOf(o) === undefined) ??
    obx.find((o) => attributeOf(o) === undefined && (o.repetitions(5) > 0 || o.repetitions(8) > 0))
  );
}

/** The alert's code: OBX-3, or for MDC_EVT_ALARM the coded OBX-5 that names the alert. */
function alertCode(event: Hl7Segment): { code: string; key: string; text: string } {
  let c1 = event.value(3, 1);
  let c2 = event.value(3, 2);
  let c3 = event.value(3, 3);
  const type = event.value(2).toUpperCase();
  const coded = type === 'CWE' || type === 'CE' || type === 'CNE';
  if (
    (c1 === MDC_EVT_ALARM || c2 === 'MDC_EVT_ALARM') &&
    coded &&
    (event.value(5, 1) !== '' || event.value(5, 2) !== '')
  ) {
    c1 = event.value(5, 1);
    c2 = event.value(5, 2);
    c3 = event.value(5, 3);
  }
  const parts = [c1, c2, c3];
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return { code: parts.join('^'), key: c1 !== '' && c1 !== '0' ? c1 : c2, text: c2 || c1 };
}

function phaseOf(obx: readonly Hl7Segment[], warnings: string[]): AlarmPhase {
  const phaseObx = obx.find((o) => attributeOf(o) === 'phase');
  const raw = phaseObx?.value(5) ?? '';
  const key = (raw.startsWith('_') ? raw.slice(1) : raw).toLowerCase();
  const phase = ACM_EVENT_PHASES[key];
  if (phase !== undefined) return phase;
  const state = (obx.find((o) => attributeOf(o) === 'state')?.value(5) ?? '').toLowerCase();
  const byState: AlarmPhase | undefined =
    state === 'active'
      ? 'start'
      : state === 'latched'
        ? 'continue'
        : state === 'inactive' || state === 'off'
          ? 'end'
          : undefined;
  warnings.push(
    raw === ''
      ? `No MDC_ATTR_EVENT_PHASE; ${byState === undefined ? "'start' assumed" : `'${byState}' taken from the alarm state`}`
      : `Unknown event phase '${raw}'; ${byState === undefined ? "'start' assumed" : `'${byState}' taken from the alarm state`}`,
  );
  return byState ?? 'start';
}

function priorityOf(event: Hl7Segment, obx: readonly Hl7Segment[], warnings: string[]): AlertPriority {
  const separate =
    obx
      .find((o) => attributeOf(o) === 'priority')
      ?.value(5)
      .toUpperCase() ?? '';
  const fromSeparate = ACM_PRIORITIES[separate];
  if (fromSeparate !== undefined) return fromSeparate;
  const count = event.repetitions(8);
  let plain: AlertPriority | undefined;
  for (let r = 1; r <= count; r++) {
    const flag = event.value(8, 1, 1, r).toUpperCase();
    const priority = ACM_PRIORITIES[flag];
    if (priority !== undefined) return priority;
    plain ??= PLAIN_PRIORITIES[flag];
  }
  if (plain !== undefined) return plain;
  warnings.push('No alarm priority (OBX-8 PH/PM/PL or MDC_ATTR_ALARM_PRIORITY); low assumed');
  return 'low';
}

function messageOf(event: Hl7Segment, codeText: string, obx: readonly Hl7Segment[]): string {
  const type = event.value(2).toUpperCase();
  const coded = type === 'CWE' || type === 'CE' || type === 'CNE';
  const first = event.value(5, 1);
  let text = coded ? event.value(5, 9) || event.value(5, 2) || (parseDecimal(first) === undefined ? first : '') : first;
  if (text === '') text = codeText;
  // The source facet (`.2`) of a numeric alarm, or the first numeric OBX after the event.
  const start = obx.indexOf(event);
  const source =
    obx.find((o) => facetOf(o.value(4)) === '2' && attributeOf(o) === undefined) ??
    obx.slice(start + 1).find((o) => attributeOf(o) === undefined && o.value(2).toUpperCase() === 'NM');
  if (source !== undefined && source !== event) {
    const value = parseDecimal(source.value(5));
    if (value !== undefined && !isIeee11073Special(value)) {
      const unit = readUnit(source, true);
      text = `${text} ${source.value(5)}${unit === undefined || unit === '' ? '' : ` ${unit}`}`;
    }
  }
  const annotation = obx.find((o) => attributeOf(o) === 'annotation')?.value(5) ?? '';
  return annotation === '' ? text : `${text} – ${annotation}`;
}
