import type { CaseView, OrderView, ResultView, VitalName } from '@circulator/contracts';
import type { CaseOrder, CaseResult, CaseState } from './case.model';
import { DEVICE_ALARM_KIND } from './engine/alarm.apply';
import { deepEqual } from './engine/equal';

/** How much of a patient's name a role may see (minimum necessary PHI). */
export type NameDisclosure = 'full' | 'initials';

/**
 * What a wall display shows of the patient, per site (DISPLAY_PATIENT): by default initials, age
 * and sex, enough for the team to know whom they expect and nothing that identifies them.
 */
export interface DisplayPatientFields {
  initials: boolean;
  age: boolean;
  sex: boolean;
}

export const DEFAULT_DISPLAY_PATIENT: Readonly<DisplayPatientFields> = { initials: true, age: true, sex: true };

/** "EVERYMAN, Adam" for clinicians; "A.E." for wall displays. */
export function patientName(patient: CaseState['patient'], disclosure: NameDisclosure): string {
  const family = patient.familyName?.trim() ?? '';
  const given = patient.givenName?.trim() ?? '';
  switch (disclosure) {
    case 'full':
      return [family.toUpperCase(), given].filter(Boolean).join(', ') || 'Unknown';
    case 'initials': {
      const initials = [given, family].map((part) => part.charAt(0).toUpperCase()).filter(Boolean);
      return initials.length ? `${initials.join('.')}.` : '?';
    }
  }
}

/**
 * Reduces the engine's state to the public CaseView, with the patient name as the role allows.
 * Orders and results are PHI a wall display does not need: full disclosure only. The engine's
 * bookkeeping (`track`, `scheduleAt`, merged MRNs) never leaves the server.
 *
 * A cancelled or no-show case shows no live vitals and no device alarms: readings taken in its
 * room or from its patient are kept (they may have arrived before the cancellation), but no one
 * should read them as this case's.
 */
export function toCaseView(
  state: CaseState,
  disclosure: NameDisclosure,
  display: Readonly<DisplayPatientFields> = DEFAULT_DISPLAY_PATIENT,
): CaseView {
  const full = disclosure === 'full';
  const off = state.status === 'cancelled' || state.status === 'no-show';
  const view: CaseView = {
    id: state.id,
    version: state.version,
    status: state.status,
    roomId: state.roomId,
    roomName: state.roomName,
    // The MRN is a direct identifier: a wall display does not need it (minimum necessary PHI).
    patient: {
      mrn: full ? state.patient.mrn : '',
      name: full || display.initials ? patientName(state.patient, disclosure) : '',
    },
    procedure: { ...state.procedure },
    scheduledStart: state.scheduledStart,
    scheduledEnd: state.scheduledEnd,
    milestones: { ...state.milestones },
    vitals: off ? {} : copyVitals(state.vitals),
    alerts: state.alerts.filter((a) => !off || a.kind !== DEVICE_ALARM_KIND).map((a) => ({ ...a })),
    identifiers: { ...state.identifiers },
  };
  if (disclosure === 'full' && state.patient.birthDate) view.patient.birthDate = state.patient.birthDate;
  // Age and sex tell the team at the wall whom they expect, without identifying anyone.
  const age = ageOn(state.patient.birthDate, state.scheduledStart);
  if (age !== undefined && (full || display.age)) view.patient.age = age;
  if (state.patient.sex && (full || display.sex)) view.patient.sex = state.patient.sex;
  if (state.surgeon) view.surgeon = { ...state.surgeon };
  if (state.anesthesiologist) view.anesthesiologist = { ...state.anesthesiologist };
  if (state.predictedEnd) view.predictedEnd = state.predictedEnd;
  if (state.predictedStart) view.predictedStart = state.predictedStart;
  if (state.prediction) view.prediction = { ...state.prediction };
  if (state.equipment) view.equipment = state.equipment.map((e) => ({ ...e }));
  if (state.checklist) view.checklist = structuredClone(state.checklist);
  if (state.limits) view.limits = structuredClone(state.limits) as CaseView['limits'];
  if (disclosure === 'full') {
    if (state.orders) view.orders = state.orders.map(orderView);
    if (state.results) view.results = state.results.map(resultView);
  }
  return view;
}

/**
 * Whole years from a birth date (YYYY-MM-DD) to the calendar day of an instant (its UTC date:
 * off by a day at most around midnight, never by a year but on a birthday); undefined when
 * either is missing or malformed. Pure: the case's own date, not today's, so a view never
 * depends on when it is made.
 */
export function ageOn(birthDate: string | undefined, at: string | undefined): number | undefined {
  const born = /^(\d{4})-(\d{2})-(\d{2})/.exec(birthDate ?? '');
  const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(at ?? '');
  if (!born || !day) return undefined;
  const [by, bm, bd] = born.slice(1).map(Number) as [number, number, number];
  const [y, m, d] = day.slice(1).map(Number) as [number, number, number];
  const age = y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
  return age >= 0 && age < 150 ? age : undefined;
}

function copyVitals(vitals: CaseState['vitals']): CaseView['vitals'] {
  const out: CaseView['vitals'] = {};
  for (const [name, v] of Object.entries(vitals) as [VitalName, CaseState['vitals'][VitalName]][]) {
    if (v) out[name] = { value: v.value, unit: v.unit, at: v.at };
  }
  return out;
}

function orderView(order: CaseOrder): OrderView {
  const view: OrderView = { ...order };
  if (order.procedure) view.procedure = { ...order.procedure };
  if (order.orderedBy) view.orderedBy = { ...order.orderedBy };
  return view;
}

function resultView(result: CaseResult): ResultView {
  const { seq: _seq, ...view } = result;
  return view;
}

/**
 * What the day's board (`board:` topics) leaves out of a case: its live vital signs. The desk
 * plans the day and does not read a patient's heart rate (minimum necessary PHI), live readings
 * have their own topics (`room:` and `case:`, with `vitals` events), and at a monitor's rate they
 * were most of what the board was sent: every reading changed the case, and each change went to
 * every desk in full. The case's alerts, readings' included, stay on the board.
 */
export function boardCaseView(view: CaseView): CaseView {
  return { ...view, vitals: {} };
}

/** Members of the state that a board's view of the case does not show (see {@link boardCaseView}). */
const OFF_BOARD = new Set<string>(['vitals', 'version', 'track']);

/**
 * Whether a change left the case as the board shows it (only off-board members differ: readings,
 * the version, the engine's bookkeeping), so that the board need not hear of it. Cheap on the
 * engine's copy-on-write states: members the change did not replace compare by reference.
 */
export function sameOnBoard(before: CaseState, after: CaseState): boolean {
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!OFF_BOARD.has(key) && !deepEqual(a[key], b[key])) return false;
  }
  return true;
}
