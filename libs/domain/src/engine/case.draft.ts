import type { CaseIdentifiers, CaseStatus, MilestoneKey } from '@circulator/contracts';
import { MILESTONE_KEYS } from '@circulator/contracts';
import type { ApplyResult } from '../case.engine';
import type {
  AcknowledgementRecord,
  AlarmTrack,
  ChecklistClaim,
  MilestoneClaim,
  CaseEvent,
  CaseEventKind,
  CaseOrder,
  CaseResult,
  CaseState,
  CaseTrack,
  CaseVital,
  Disposition,
  IntegrationWarning,
  MergeRecord,
  MilestoneChange,
  MilestoneConfidence,
  SourceRef,
  Stamp,
  TransferRecord,
} from '../case.model';
import type { AlertView } from '@circulator/contracts';
import { clearRuleAlerts } from '../alerts/rule.outcome';
import type { RuleAlert, RuleOutcome } from '../alerts/rules.model';
import type { CasePolicy } from '../case.engine';
import type { ChecklistPhase, Fact, MilestoneSource, PatientFacts } from '../fact';
import { MILESTONE_SOURCES } from '../fact';
import { compareText, deepEqual } from './equal';
import { compareStamps, sameStamp } from './stamp';

/** The procedure of a case nobody has named yet. */
export const UNSPECIFIED_PROCEDURE = 'Unspecified procedure';

/** Without a duration we assume one hour, the median case length, rather than a zero-length bar. */
const DEFAULT_DURATION_MS = 3_600_000;

/**
 * How far from its scheduled window a transfer into the case's room still counts as this case's
 * in-room: ADT reaches every open case of the patient, and next month's case in the same room
 * must not take today's A02. Same bound as {@link pickCaseAt}'s nearest case.
 */
export const MOVEMENT_WINDOW_MS = 12 * 3_600_000;

/** Demographic fields, each last-writer-wins by source time on its own (a name's parts too). */
export const DEMOGRAPHIC_FIELDS = ['familyName', 'givenName', 'birthDate', 'sex', 'assigningAuthority'] as const;

export const IDENTIFIER_KEYS = [
  'placerAppointmentId',
  'fillerAppointmentId',
  'visitNumber',
  'fhirAppointmentId',
  'orderNumber',
] as const satisfies readonly (keyof CaseIdentifiers)[];

/** How far along a case is; cancelled and no-show are dispositions, not progress. */
const PROGRESS: Record<CaseStatus, number> = {
  scheduled: 0,
  'pre-op': 1,
  'in-room': 2,
  'in-procedure': 3,
  recovery: 4,
  completed: 5,
  cancelled: -1,
  'no-show': -1,
};

/**
 * Which progress each milestone implies (AACD: in room → procedure start → out of room → PACU).
 * Room ready and anesthesia start say nothing of the patient's progress (a block may start in a
 * holding area); PACU out ends the perioperative episode.
 */
const MILESTONE_PROGRESS: Record<MilestoneKey, CaseStatus> = {
  roomReady: 'scheduled',
  inRoom: 'in-room',
  anesthesiaStart: 'scheduled',
  induction: 'in-room',
  procedureStart: 'in-procedure',
  procedureEnd: 'in-procedure',
  anesthesiaEnd: 'in-procedure',
  outOfRoom: 'recovery',
  pacuIn: 'recovery',
  pacuOut: 'completed',
};

/** Fields of the state a client sees, compared after each fact to make its event (and replayed from it). */
export const PLAIN_FIELDS = [
  'status',
  'roomId',
  'roomName',
  'scheduledStart',
  'scheduledEnd',
  'procedure',
  'surgeon',
  'anesthesiologist',
  'patient',
  'identifiers',
  'equipment',
  'predictedEnd',
  'predictedStart',
  'prediction',
  'checklist',
  'limits',
] as const satisfies readonly (keyof CaseState)[];

interface MovementSource {
  source?: SourceRef;
  via?: MilestoneSource;
  confidence?: MilestoneConfidence;
  reason?: string;
}

/** How far apart two sources' values of one milestone may be before it is a conflict. */
export const DEFAULT_CONFLICT_TOLERANCE_MS = 5 * 60_000;

/** The alert kind of a checklist part missing when its milestone is reached. */
export const CHECKLIST_ALERT_KIND = 'checklist';

/**
 * Which milestone each checklist part must come before (WHO Surgical Safety Checklist): Sign In
 * before induction of anaesthesia, Time Out before skin incision. A missing Time Out at incision is
 * a high-priority alert. Sign Out (before the patient leaves the room) is recorded and shown but
 * raises no alert: once the patient has left there is nothing left to act on, and an alert on every
 * case of a site that keeps its checklist elsewhere would teach people to ignore alerts.
 */
const CHECKLIST_RULES: readonly {
  phase: ChecklistPhase;
  before: readonly MilestoneKey[];
  priority: AlertView['priority'];
  message: string;
}[] = [
  {
    phase: 'signIn',
    before: ['induction', 'anesthesiaStart'],
    priority: 'medium',
    message: 'Sign In not recorded before induction',
  },
  { phase: 'timeOut', before: ['procedureStart'], priority: 'high', message: 'Time Out not recorded before incision' },
];

/** Vital-sign rules run until the patient leaves the room (and never for a cancelled case). */
export function isMonitored(status: CaseStatus): boolean {
  return status === 'scheduled' || status === 'pre-op' || status === 'in-room' || status === 'in-procedure';
}

/** The alert id of a missing checklist part. */
export function checklistAlertId(phase: ChecklistPhase): string {
  return `checklist:${phase}`;
}

/**
 * One fact's work on one case: a copy-on-write of the state (untouched parts keep their identity,
 * so comparing with the state before is cheap), the rules' writes, then the derived values and
 * the event. A value is written only when the fact is not older than the fact that wrote it last
 * (its stamp in `track.stamps`): any order of the same facts gives the same case.
 */
export class CaseDraft {
  readonly next: CaseState;
  readonly track: CaseTrack;
  readonly warnings: IntegrationWarning[] = [];
  private readonly owned = new Set<string>();
  private readonly movementSources: Partial<Record<MilestoneKey, MovementSource>> = {};

  constructor(
    readonly before: CaseState,
    readonly fact: Fact,
    readonly stamp: Stamp,
    readonly policy: CasePolicy = {},
  ) {
    this.track = adopt(before);
    this.next = { ...before, track: this.track };
  }

  // ---- writes -------------------------------------------------------------------------------

  /**
   * Whether this fact may set the value kept under `key` (it is not older than the fact that set
   * it last); if so, the value's stamp becomes this fact's.
   */
  claim(key: string): boolean {
    const known = this.track.stamps[key];
    if (known && compareStamps(this.stamp, known) < 0) return false;
    if (!sameStamp(known, this.stamp)) this.stamps()[key] = this.stamp;
    return true;
  }

  /** Sets a top-level field, keeping the old value (and its identity) when equal. */
  set<K extends keyof CaseState>(key: K, value: CaseState[K]): void {
    if (!deepEqual(this.next[key], value)) this.next[key] = value;
  }

  setIdentifier(key: keyof CaseIdentifiers, value: string): void {
    if (this.next.identifiers[key] === value) return;
    this.own('identifiers', () => (this.next.identifiers = { ...this.next.identifiers }));
    this.next.identifiers[key] = value;
  }

  setDisposition(value: Disposition): void {
    this.track.disposition = value;
  }

  setScheduleMrn(mrn: string): void {
    this.track.mrn = mrn;
  }

  setScheduleProcedure(procedure: { code?: string; text: string }): void {
    if (!deepEqual(this.track.scheduleProcedure, procedure)) this.track.scheduleProcedure = procedure;
  }

  /** Demographics, each field last-writer-wins on its own; the MRN is not among them (see merges). */
  writeDemographics(patient: PatientFacts): void {
    for (const field of DEMOGRAPHIC_FIELDS) {
      const value = patient[field];
      // An equal value still takes the stamp, so that an older, different one stays out.
      if (!value || !this.claim(`patient.${field}`) || this.next.patient[field] === value) continue;
      this.own('patient', () => (this.next.patient = { ...this.next.patient }));
      this.next.patient[field] = value;
    }
  }

  /** Keeps an ADT transfer (newest {@link MAX_TRANSFERS}, oldest first); in/out of room are derived from them. */
  recordTransfer(record: TransferRecord, max: number): void {
    const list = this.track.transfers ?? [];
    if (list.some((t) => t.ms === record.ms && t.seq === record.seq && t.source.id === record.source.id)) return;
    const next = [...list, record].sort(compareTransfers);
    this.track.transfers = next.length > max ? next.slice(next.length - max) : next;
  }

  /** Keeps a merge (A40) that touched the case, in a canonical order; the MRN is derived from them. */
  recordMerge(record: MergeRecord): void {
    const list = this.track.merges ?? [];
    if (list.some((m) => m.from === record.from && m.to === record.to && sameStamp(m, record))) return;
    this.track.merges = [...list, record].sort(
      (a, b) => compareStamps(a, b) || compareText(a.from, b.from) || compareText(a.to, b.to),
    );
  }

  /** The orders, as a copy this draft may change. */
  orders(): CaseOrder[] {
    this.own('orders', () => (this.next.orders = [...(this.next.orders ?? [])]));
    return this.next.orders!;
  }

  /** The vitals, as a copy this draft may change. */
  vitals(): CaseState['vitals'] {
    this.own('vitals', () => (this.next.vitals = { ...this.next.vitals }));
    return this.next.vitals;
  }

  /** The results, as a copy this draft may change (the caller re-sorts and bounds them). */
  results(): CaseResult[] {
    this.own('results', () => (this.next.results = [...(this.next.results ?? [])]));
    return this.next.results!;
  }

  /** The alerts, as a copy this draft may change. */
  alerts(): CaseState['alerts'] {
    this.own('alerts', () => (this.next.alerts = [...this.next.alerts]));
    return this.next.alerts;
  }

  /** Milestone claims of one milestone, as a copy this draft may change. */
  claims(key: MilestoneKey): Partial<Record<MilestoneSource, MilestoneClaim>> {
    this.own('claims', () => (this.track.claims = { ...this.track.claims }));
    this.own(`claims.${key}`, () => (this.track.claims![key] = { ...this.track.claims![key] }));
    return this.track.claims![key]!;
  }

  /** Checklist records, as a copy this draft may change. */
  checklistClaims(): Partial<Record<ChecklistPhase, ChecklistClaim>> {
    this.own('checklistClaims', () => (this.track.checklist = { ...this.track.checklist }));
    return this.track.checklist!;
  }

  /** Acknowledgements, as a copy this draft may change. */
  acks(): Record<string, AcknowledgementRecord> {
    this.own('acks', () => (this.track.acks = { ...this.track.acks }));
    return this.track.acks!;
  }

  /**
   * Writes a rule evaluation into the case: the rules' state, and their alerts on the case's list
   * (public fields only; the rule's details stay in the state and the event).
   */
  applyRules(outcome: RuleOutcome): void {
    if (outcome.state !== this.track.rules) this.track.rules = outcome.state;
    if (!outcome.raised.length && !outcome.updated.length && !outcome.cleared.length) return;
    const gone = new Set(outcome.cleared);
    this.replaceAlerts((a) => gone.has(a.id), [...outcome.raised, ...outcome.updated].map(ruleAlertView));
  }

  /**
   * Removes the alerts `drop` selects and sets `put` (by id: replaced where shown, else added),
   * keeping the list in {@link compareAlerts} order.
   */
  replaceAlerts(drop: (alert: AlertView) => boolean, put: readonly AlertView[]): void {
    const alerts = this.alerts();
    const kept = alerts.filter((a) => !drop(a));
    for (const view of put) {
      const at = kept.findIndex((a) => a.id === view.id);
      if (at >= 0) kept[at] = view;
      else kept.push(view);
    }
    kept.sort(compareAlerts);
    alerts.length = 0;
    alerts.push(...kept);
  }

  /** The source a shown milestone comes from, as this draft derived it (after {@link derive}). */
  milestoneOrigin(key: MilestoneKey): { via?: MilestoneSource; source?: SourceRef } | undefined {
    return this.movementSources[key];
  }

  /** The alarm tracks, as a copy this draft may change. */
  alarms(): Record<string, AlarmTrack> {
    this.own('alarms', () => (this.track.alarms = { ...this.track.alarms }));
    return this.track.alarms!;
  }

  warn(code: IntegrationWarning['code'], message: string): void {
    this.warnings.push({ code, message, source: this.fact.source });
  }

  // ---- derive and commit --------------------------------------------------------------------

  /**
   * Recomputes what is derived from the kept inputs: the default end, the surviving MRN, the
   * procedure, the movement milestones and the status. Only inputs that changed are walked.
   */
  derive(): void {
    const n = this.next;
    const t = this.track;
    const b = this.before;
    const bt = b.track;
    const fresh = bt === undefined;

    if (!t.stamps.scheduledEnd && (fresh || n.scheduledStart !== b.scheduledStart)) {
      const start = Date.parse(n.scheduledStart);
      if (Number.isFinite(start)) this.set('scheduledEnd', new Date(start + DEFAULT_DURATION_MS).toISOString());
    }

    if (fresh || t.mrn !== bt.mrn || t.merges !== bt.merges) this.deriveIdentity();

    if (fresh || t.scheduleProcedure !== bt.scheduleProcedure || n.orders !== b.orders) {
      this.set('procedure', deriveProcedure(t.scheduleProcedure, n.orders));
    }

    if (
      fresh ||
      t.transfers !== bt.transfers ||
      t.manual !== bt.manual ||
      t.claims !== bt.claims ||
      n.roomId !== b.roomId ||
      n.scheduledStart !== b.scheduledStart ||
      n.scheduledEnd !== b.scheduledEnd
    ) {
      this.deriveMilestones();
    }

    if (fresh || t.checklist !== bt.checklist) this.deriveChecklist();

    const status = deriveStatus(t.disposition, n.milestones, t.statusFloor);
    n.status = status;
    if (t.rules && !isMonitored(status) && Object.values(t.rules.active).some((a) => a.kind === 'vital-limit')) {
      this.applyRules(clearRuleAlerts(t.rules, (a) => a.kind === 'vital-limit'));
    }
    if (fresh || t.checklist !== bt.checklist || n.milestones !== b.milestones || n.status !== b.status) {
      this.deriveChecklistAlerts();
    }
    if (fresh || t.acks !== bt.acks || n.alerts !== b.alerts) this.deriveAcknowledgements();

    const d = t.derived;
    if (d.status !== status || d.inRoom !== n.milestones.inRoom || d.outOfRoom !== n.milestones.outOfRoom) {
      t.derived = { status };
      if (n.milestones.inRoom !== undefined) t.derived.inRoom = n.milestones.inRoom;
      if (n.milestones.outOfRoom !== undefined) t.derived.outOfRoom = n.milestones.outOfRoom;
    }
  }

  /**
   * Finishes the fact: derives, compares with the state before and makes the one event, with the
   * version raised by one. Nothing visible changed: no event, the same version, and `current`
   * itself when the bookkeeping did not change either (the caller then has nothing to write).
   */
  commit(
    kindOf: (change: Record<string, unknown>) => CaseEventKind,
    meta: Record<string, unknown>,
    receivedAt: string,
  ): ApplyResult {
    this.derive();
    const change = this.diff();
    if (!change) {
      const b = this.before;
      const same =
        this.next.scheduleAt === b.scheduleAt &&
        this.next.scheduleSeq === b.scheduleSeq &&
        deepEqual(b.track, this.track);
      return { state: same ? b : this.next, events: [], warnings: this.warnings };
    }
    this.next.version = this.before.version + 1;
    const event: CaseEvent = {
      caseId: this.next.id,
      version: this.next.version,
      kind: kindOf(change),
      at: this.fact.at,
      receivedAt,
      source: this.fact.source,
      change: { ...meta, ...change },
    };
    return { state: this.next, events: [event], warnings: this.warnings };
  }

  /** What a client can see that changed, in the form {@link CaseEvent} documents; undefined when nothing. */
  diff(): Record<string, unknown> | undefined {
    const b = this.before;
    const n = this.next;
    const out: Record<string, unknown> = {};
    let any = false;
    for (const key of PLAIN_FIELDS) {
      if (b[key] !== n[key] && !deepEqual(b[key], n[key])) {
        out[key] = { from: b[key] ?? null, to: n[key] ?? null };
        any = true;
      }
    }
    if (b.milestones !== n.milestones) {
      const list: MilestoneChange[] = [];
      for (const m of MILESTONE_KEYS) {
        const from = b.milestones[m];
        const to = n.milestones[m];
        if (from === to) continue;
        const entry: MilestoneChange = { milestone: m, from: from ?? null, value: to ?? null };
        const origin = this.movementSources[m];
        if (to !== undefined && origin?.source) entry.source = origin.source;
        if (to !== undefined && origin?.via) entry.via = origin.via;
        if (to !== undefined && origin?.confidence) entry.confidence = origin.confidence;
        if (to !== undefined && origin?.reason) entry.reason = origin.reason;
        list.push(entry);
      }
      if (list.length) {
        out.milestones = list;
        any = true;
      }
    }
    if (b.vitals !== n.vitals) {
      const vitals: Record<string, CaseVital> = {};
      let changed = false;
      for (const [name, reading] of Object.entries(n.vitals)) {
        if (reading && !deepEqual(b.vitals[name as keyof CaseState['vitals']], reading)) {
          vitals[name] = reading;
          changed = true;
        }
      }
      if (changed) {
        out.vitals = vitals;
        any = true;
      }
    }
    if (b.results !== n.results) {
      const before = new Map((b.results ?? []).map((r) => [r.code, r]));
      const set = (n.results ?? []).filter((r) => !deepEqual(before.get(r.code), r));
      const kept = new Set((n.results ?? []).map((r) => r.code));
      const dropped = [...before.keys()].filter((code) => !kept.has(code));
      if (set.length || dropped.length) {
        out.results = dropped.length ? { set, dropped } : { set };
        any = true;
      }
    }
    if (b.alerts !== n.alerts) {
      const before = new Map(b.alerts.map((a) => [a.id, a]));
      const after = new Map(n.alerts.map((a) => [a.id, a]));
      const raised = n.alerts.filter((a) => !before.has(a.id));
      const updated = n.alerts.filter((a) => before.has(a.id) && !deepEqual(before.get(a.id), a));
      const cleared = b.alerts.filter((a) => !after.has(a.id)).map((a) => a.id);
      if (raised.length || updated.length || cleared.length) {
        const alerts: Record<string, unknown> = {};
        if (raised.length) alerts.raised = raised;
        if (updated.length) alerts.updated = updated;
        if (cleared.length) alerts.cleared = cleared;
        out.alerts = alerts;
        any = true;
      }
    }
    if (b.orders !== n.orders) {
      const before = new Map((b.orders ?? []).map((o) => [o.number, o]));
      const orders = (n.orders ?? []).filter((o) => !deepEqual(before.get(o.number), o));
      if (orders.length) {
        out.orders = orders;
        any = true;
      }
    }
    return any ? out : undefined;
  }

  // ---- internals ----------------------------------------------------------------------------

  private stamps(): Record<string, Stamp> {
    this.own('stamps', () => (this.track.stamps = { ...this.track.stamps }));
    return this.track.stamps;
  }

  private own(part: string, copy: () => void): void {
    if (this.owned.has(part)) return;
    copy();
    this.owned.add(part);
  }

  /**
   * The MRN is the schedule's, followed through merges: from an MRN, the earliest merge of it
   * after the previous hop (so an A40 and a later reverse A40 cannot loop). `mergedFrom` lists
   * every merged MRN that leads to it.
   */
  private deriveIdentity(): void {
    const merges = this.track.merges ?? [];
    const mrn = resolveMrn(this.track.mrn, merges);
    const from = [...new Set(merges.map((m) => m.from))]
      .filter((m) => m !== mrn && resolveMrn(m, merges) === mrn)
      .sort();
    const p = this.next.patient;
    const sameFrom = from.length === 0 ? p.mergedFrom === undefined : deepEqual(p.mergedFrom, from);
    if (p.mrn === mrn && sameFrom) return;
    this.own('patient', () => (this.next.patient = { ...this.next.patient }));
    this.next.patient.mrn = mrn;
    if (from.length) this.next.patient.mergedFrom = from;
    else delete this.next.patient.mergedFrom;
  }

  /**
   * Each milestone shows the claim of the most trusted source that has one (the policy's order for
   * that milestone, else {@link MILESTONE_SOURCES}' order: manual, device, RTLS, FHIR, ADT, SIU); a
   * value set outside the engine wins over all.
   *
   * ADT's claims are derived from the transfers kept. In room: the earliest A02 into the case's
   * room within {@link MOVEMENT_WINDOW_MS} of its scheduled window. Out of room: the earliest A02
   * to anywhere else after the in-room shown (reported when the prior location is the case's room,
   * inferred otherwise). A later return to the room is not a new in-room.
   */
  private deriveMilestones(): void {
    const n = this.next;
    const manual = this.track.manual ?? {};
    const claims = this.track.claims ?? {};
    const transfers = this.track.transfers ?? [];
    const lo = Date.parse(n.scheduledStart) - MOVEMENT_WINDOW_MS;
    const hi = Date.parse(n.scheduledEnd) + MOVEMENT_WINDOW_MS;
    let entry: TransferRecord | undefined;
    for (const t of transfers) {
      if (t.roomId === n.roomId && t.ms >= lo && t.ms <= hi && (!entry || compareTransfers(t, entry) < 0)) entry = t;
    }
    const next: Partial<Record<MilestoneKey, string>> = {};
    for (const key of MILESTONE_KEYS) {
      const set = manual[key as keyof typeof manual];
      if (set !== undefined) {
        next[key] = set;
        delete this.movementSources[key];
        continue;
      }
      let adt: MilestoneClaim | undefined;
      if (key === 'inRoom' && entry) {
        adt = { ms: entry.ms, value: entry.at, source: entry.source, confidence: 'reported' };
      } else if (key === 'outOfRoom' && next.inRoom !== undefined) {
        // After the transfer that brought the patient in; after the time another source gave, if one did.
        const inMs = Date.parse(next.inRoom);
        const fromAdt = this.movementSources.inRoom?.via === 'adt' && entry;
        const isAfter = (t: TransferRecord): boolean => (fromAdt ? compareTransfers(t, entry!) > 0 : t.ms > inMs);
        let exit: TransferRecord | undefined;
        for (const t of transfers) {
          if (t.roomId !== n.roomId && isAfter(t) && (!exit || compareTransfers(t, exit) < 0)) exit = t;
        }
        if (exit) {
          adt = {
            ms: exit.ms,
            value: exit.at,
            source: exit.source,
            confidence: exit.priorRoomId === n.roomId ? 'reported' : 'inferred',
          };
        }
      }
      const best = this.bestClaim(key, claims[key], adt);
      if (best) {
        next[key] = best.claim.value!;
        const origin: MovementSource = { source: best.claim.source, via: best.via };
        if (best.claim.confidence) origin.confidence = best.claim.confidence;
        if (best.claim.reason) origin.reason = best.claim.reason;
        this.movementSources[key] = origin;
      } else {
        delete this.movementSources[key];
      }
    }
    if (deepEqual(n.milestones, next)) return;
    n.milestones = next;
  }

  /** The most trusted source's claim with a value, by the policy's precedence. */
  private bestClaim(
    key: MilestoneKey,
    claims: Partial<Record<MilestoneSource, MilestoneClaim>> | undefined,
    adt: MilestoneClaim | undefined,
  ): { via: MilestoneSource; claim: MilestoneClaim } | undefined {
    for (const via of precedenceOf(this.policy, key)) {
      const claim = via === 'adt' ? (claims?.adt ?? adt) : claims?.[via];
      if (claim && claim.value !== null && Number.isFinite(Date.parse(claim.value))) return { via, claim };
    }
    return undefined;
  }

  /** What the checklist shows: each part's newest record, unless it withdrew the part. */
  private deriveChecklist(): void {
    const shown: CaseState['checklist'] = {};
    for (const [phase, claim] of Object.entries(this.track.checklist ?? {}) as [ChecklistPhase, ChecklistClaim][]) {
      if (!claim.completed) continue;
      shown[phase] = claim.by ? { at: claim.at, by: claim.by } : { at: claim.at };
    }
    this.set('checklist', Object.keys(shown).length ? shown : undefined);
    if (this.next.checklist === undefined) delete this.next.checklist;
  }

  /**
   * A checklist part missing (or recorded later) when the milestone it must precede is reached
   * raises an alert; recording the part clears it (the log keeps both). Not for cancelled cases.
   */
  private deriveChecklistAlerts(): void {
    const n = this.next;
    const want = new Map<string, AlertView>();
    if (n.status !== 'cancelled' && n.status !== 'no-show') {
      for (const rule of CHECKLIST_RULES) {
        const reached = rule.before.map((k) => n.milestones[k]).find((v) => v !== undefined);
        if (reached === undefined) continue;
        // Recorded, even late, clears it: the event log keeps when it was raised and when it was done.
        if (n.checklist?.[rule.phase]) continue;
        const id = checklistAlertId(rule.phase);
        want.set(id, {
          id,
          kind: CHECKLIST_ALERT_KIND,
          priority: rule.priority,
          message: rule.message,
          raisedAt: reached,
        });
      }
    }
    const current = n.alerts.filter((a) => a.kind === CHECKLIST_ALERT_KIND);
    const same =
      current.length === want.size &&
      current.every((a) => {
        const w = want.get(a.id);
        return w && w.priority === a.priority && w.message === a.message && w.raisedAt === a.raisedAt;
      });
    if (same) return;
    this.replaceAlerts((a) => a.kind === CHECKLIST_ALERT_KIND && !want.has(a.id), [...want.values()]);
  }

  /** An acknowledgement covers the alert's episode raised at or before it; a new episode needs a new one. */
  private deriveAcknowledgements(): void {
    const acks = this.track.acks ?? {};
    const n = this.next;
    let changed: AlertView[] | undefined;
    n.alerts.forEach((alert, i) => {
      const ack = acks[alert.id];
      const at = ack && ack.ms >= Date.parse(alert.raisedAt) ? ack.at : undefined;
      if (alert.acknowledgedAt === at) return;
      changed ??= this.alerts();
      const next = { ...alert };
      if (at === undefined) delete next.acknowledgedAt;
      else next.acknowledgedAt = at;
      changed[i] = next;
    });
  }
}

/** The sources of a milestone from most to least trusted: the policy's, then the rest in default order. */
export function precedenceOf(policy: CasePolicy, key: MilestoneKey): readonly MilestoneSource[] {
  const chosen = policy.milestonePrecedence?.[key];
  if (!chosen?.length) return MILESTONE_SOURCES;
  return [...chosen, ...MILESTONE_SOURCES.filter((s) => !chosen.includes(s))];
}

function ruleAlertView(rule: RuleAlert): AlertView {
  return { id: rule.id, kind: rule.kind, priority: rule.priority, message: rule.message, raisedAt: rule.raisedAt };
}

/** The order alerts are kept in: oldest raised first, ties by id. */
export function compareAlerts(a: AlertView, b: AlertView): number {
  return Date.parse(a.raisedAt) - Date.parse(b.raisedAt) || compareText(a.id, b.id);
}

/** Transfers in time order; same time: arrival order, then message id (any order of arrival gives one order). */
function compareTransfers(a: TransferRecord, b: TransferRecord): number {
  return compareStamps(a, b) || compareText(a.source.id, b.source.id);
}

function resolveMrn(start: string, merges: readonly MergeRecord[]): string {
  let mrn = start;
  let after: MergeRecord | undefined;
  // Each hop is strictly later than the one before, so there are at most as many hops as merges.
  for (let hops = 0; hops < merges.length; hops++) {
    let hop: MergeRecord | undefined;
    for (const m of merges) {
      if (m.from !== mrn || (after && compareStamps(m, after) <= 0)) continue;
      if (!hop || compareStamps(m, hop) < 0 || (compareStamps(m, hop) === 0 && m.to < hop.to)) hop = m;
    }
    if (!hop) return mrn;
    mrn = hop.to;
    after = hop;
  }
  return mrn;
}

/**
 * The case's procedure: the schedule's when it is coded; else an order's coded one (the newest
 * active order's); else the schedule's text; else an uncoded order's; else "Unspecified procedure".
 * A coded schedule procedure is never replaced by an order's (the conflict is warned about).
 */
export function deriveProcedure(
  schedule: { code?: string; text: string } | undefined,
  orders: readonly CaseOrder[] | undefined,
): { code?: string; text: string } {
  if (schedule?.code) return schedule;
  let best: CaseOrder | undefined;
  for (const o of orders ?? []) {
    if (!o.procedure || o.status === 'cancelled' || o.status === 'discontinued') continue;
    if (!best || betterOrder(o, best)) best = o;
  }
  if (best?.procedure?.code) return best.procedure;
  if (schedule) return schedule;
  return best?.procedure ?? { text: UNSPECIFIED_PROCEDURE };
}

function betterOrder(a: CaseOrder, b: CaseOrder): boolean {
  const coded = Number(Boolean(a.procedure?.code)) - Number(Boolean(b.procedure?.code));
  if (coded !== 0) return coded > 0;
  const at = Date.parse(a.at) - Date.parse(b.at);
  if (at !== 0) return at > 0;
  return a.number > b.number;
}

function deriveStatus(
  disposition: Disposition,
  milestones: CaseState['milestones'],
  floor: CaseStatus | undefined,
): CaseStatus {
  if (disposition !== 'active') return disposition;
  let status: CaseStatus = floor && PROGRESS[floor] >= 0 ? floor : 'scheduled';
  for (const key of MILESTONE_KEYS) {
    const implied = MILESTONE_PROGRESS[key];
    if (milestones[key] !== undefined && PROGRESS[implied] > PROGRESS[status]) status = implied;
  }
  return status;
}

/**
 * The bookkeeping to work on: the state's own (a shallow copy), reconciled with what changed
 * outside the engine since (a person set the status or a movement milestone), or, for a case
 * written before the engine kept any, built from what the case shows (every schedule value
 * stamped with the schedule's time, as the old engine's whole-fact rule had it).
 */
function adopt(state: CaseState): CaseTrack {
  const track: CaseTrack = state.track ? { ...state.track } : legacyTrack(state);
  if (state.status !== track.derived.status) {
    if (state.status === 'cancelled' || state.status === 'no-show') {
      track.disposition = state.status;
    } else {
      track.disposition = 'active';
      track.statusFloor = state.status;
    }
  }
  for (const key of ['inRoom', 'outOfRoom'] as const) {
    const shown = state.milestones[key];
    if (shown === track.derived[key]) continue;
    const manual = { ...track.manual };
    if (shown === undefined) delete manual[key];
    else manual[key] = shown;
    if (Object.keys(manual).length) track.manual = manual;
    else delete track.manual;
  }
  return track;
}

function legacyTrack(state: CaseState): CaseTrack {
  const seq = state.scheduleSeq;
  const stamp: Stamp =
    seq === undefined ? { ms: Date.parse(state.scheduleAt) } : { ms: Date.parse(state.scheduleAt), seq };
  const stamps: Record<string, Stamp> = {};
  for (const key of ['room', 'scheduledStart', 'scheduledEnd', 'disposition', 'patient.mrn'] as const)
    stamps[key] = stamp;
  if (state.procedure.text !== UNSPECIFIED_PROCEDURE || state.procedure.code) stamps.procedure = stamp;
  if (state.surgeon) stamps.surgeon = stamp;
  if (state.anesthesiologist) stamps.anesthesiologist = stamp;
  for (const field of DEMOGRAPHIC_FIELDS) if (state.patient[field]) stamps[`patient.${field}`] = stamp;
  for (const key of IDENTIFIER_KEYS) if (state.identifiers[key]) stamps[`identifiers.${key}`] = stamp;
  const track: CaseTrack = {
    stamps,
    disposition: 'active',
    mrn: state.patient.mrn,
    // The old engine set only scheduled, cancelled and no-show: anything else came from outside.
    derived: { status: 'scheduled' },
  };
  if (stamps.procedure) track.scheduleProcedure = state.procedure;
  return track;
}
