import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CaseIdentifiers } from '@circulator/contracts';
import {
  applyFact,
  caseLookupFor,
  localDate,
  matchByPatientDayRoom,
  PATIENT_EVENT_WINDOW_MS,
  pickCaseAt,
  pickRecoveryCase,
  sameOnBoard,
  type CaseState,
  type Clock,
  type Fact,
  type FactDraft,
  type FactSource,
  type IdentityFallback,
  type IdentityMatch,
  type RoomRef,
  type ScheduleFact,
  type SourceLocation,
} from '@circulator/domain';
import { mapFhirEnvelope, writebackRows } from '@circulator/fhir';
import { mapHl7 } from '@circulator/hl7';
import {
  CaseRepository,
  DeviceRepository,
  FirmwareApprovalRepository,
  InboxRepository,
  RoomRepository,
  UNIQUE_IDENTIFIER_KINDS,
  WritebackOutboxRepository,
  VitalsRepository,
  writeTogether,
  type InboxAttempt,
  type ParkedFactInput,
  type StoredInboxMessage,
} from '@circulator/persistence';
import {
  CLOCK,
  ChangeBus,
  REALTIME_SETTINGS,
  METRICS_SINK,
  placementOf,
  alertChanges,
  topicsForChange,
  type MetricsSink,
  type RealtimeSettings,
} from '@circulator/realtime';
import type { EntityManager } from 'typeorm';
import { CaseWorkingSet, type WorkingCase } from './case.working-set';
import { DeviceFeedWork } from './device-feed.work';
import { PredictionService } from './prediction.service';
import { coalescible, ReadingCoalescer } from './reading.coalescer';
import {
  INTERFACE_LOOKUP,
  PIPELINE_SETTINGS,
  type IngestInterface,
  type InterfaceLookup,
  type PipelineSettings,
} from './pipeline.tokens';

export type ApplyOutcome = 'applied' | 'already-applied' | 'failed' | 'missing' | 'skipped';

/**
 * What applying one message of a batch came to: an outcome, or the error that stopped it (the
 * queue retries it). Tagged, not an Error instance: errors from drivers may come from another
 * realm, where `instanceof Error` is false.
 */
export type ApplyItemResult = { ok: true; outcome: ApplyOutcome; warnings?: string[] } | { ok: false; error: string };

/** One message to apply, as the queue hands it over. */
export interface ApplyRequest {
  inboxId: string;
  trigger?: 'queue' | 'reprocess' | 'api';
  actor?: string;
}

/**
 * Messages decoded or applied between two turns of the event loop. The worker shares its process
 * with the MLLP edge: a long synchronous stretch would hold every sender's ACK behind it.
 */
const YIELD_EVERY = 16;

/** Lets pending I/O (ACKs, socket reads) run before going on. */
function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How far around a reading's time the cases of its room are loaded (a long day's case). */
const ROOM_WINDOW_MS = 18 * 3_600_000;

/** The fact source kind of an inbox channel (what `case_event.source_kind` says). */
function sourceKindOf(channel: string): string {
  if (channel === 'mqtt') return 'device';
  if (channel === 'api') return 'manual';
  return channel === 'fhir' ? 'fhir' : 'hl7';
}

/** A message that cannot be applied as it is: failed, kept for the console, not retried. */
class MessageProblem extends Error {}

/** What an `api` inbox row holds: the fact a person's request made, and a label for the log. */
export interface ApiCommand {
  fact: FactDraft;
  label?: string;
}

/** What one message came to in a batch. */
interface MessageWork {
  message: StoredInboxMessage;
  request: ApplyRequest;
  facts: Fact[];
  warnings: string[];
  caseIds: Set<string>;
  mrn?: string;
  problem?: string;
}

/**
 * The worker's job: inbox messages → facts → case engine → one transaction (cases, case events,
 * inbox rows and attempt records) → publish the changes.
 *
 * Messages are applied in batches (whatever the queue has ready): the cases a batch needs are
 * loaded in a few queries, each fact sees the effect of the facts before it, and each changed case
 * is written once. Order inside a batch is inbox order; across batches and workers the engine's
 * own rules (source times, then arrival order) decide, so any order gives the same cases.
 */
@Injectable()
export class CaseApplyService {
  private readonly logger = new Logger(CaseApplyService.name);
  /** The last batch's publish (see {@link inOrder}). */
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly inbox: InboxRepository,
    private readonly cases: CaseRepository,
    private readonly rooms: RoomRepository,
    private readonly devices: DeviceRepository,
    private readonly bus: ChangeBus,
    @Inject(REALTIME_SETTINGS) private readonly settings: RealtimeSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(INTERFACE_LOOKUP) private readonly interfaces: InterfaceLookup,
    @Inject(PIPELINE_SETTINGS) private readonly pipeline: PipelineSettings,
    @Optional() private readonly predictions?: PredictionService,
    @Optional() private readonly outbox?: WritebackOutboxRepository,
    @Optional() @Inject(METRICS_SINK) private readonly metrics?: MetricsSink,
    @Optional() private readonly vitals?: VitalsRepository,
    @Optional() private readonly approvals?: FirmwareApprovalRepository,
  ) {}

  /**
   * Applies a batch in one transaction. If the batch fails (a database fault, a concurrent writer,
   * a bug one message triggers), each message is tried alone, so that one bad message fails only
   * itself: its entry is then the error, for the queue to retry.
   */
  async applyBatch(requests: readonly ApplyRequest[], committed?: () => void): Promise<ApplyItemResult[]> {
    try {
      const warnings = new Map<string, string[]>();
      const outcomes = await this.applyTogether(requests, warnings, committed);
      return outcomes.map((outcome, i): ApplyItemResult => {
        const said = warnings.get(requests[i]!.inboxId);
        return said?.length ? { ok: true, outcome, warnings: said } : { ok: true, outcome };
      });
    } catch (err) {
      const message = String((err as Error)?.message ?? err);
      if (requests.length === 1) {
        await this.recordError(requests[0]!, message);
        return [{ ok: false, error: message }];
      }
      this.logger.warn(`a batch of ${requests.length} failed (${message}); applying one by one`);
      const out: ApplyItemResult[] = [];
      for (const request of requests) out.push(...(await this.applyBatch([request])));
      return out;
    }
  }

  private async applyTogether(
    requests: readonly ApplyRequest[],
    warnings: Map<string, string[]>,
    committed?: () => void,
  ): Promise<ApplyOutcome[]> {
    const startedAt = this.clock.now();
    const outcomes = new Map<string, ApplyOutcome>();
    const republish: StoredInboxMessage[] = [];
    let changed: WorkingCase[] = [];
    let done: MessageWork[] = [];

    await this.cases.transaction(async (manager) => {
      const byId = new Map(requests.map((r) => [r.inboxId, r]));
      const messages = await this.inbox.lockMany(manager, [...byId.keys()]);
      const work: MessageWork[] = [];
      const fresh = messages.filter((m) => m.status === 'received');
      const mqtt = fresh.filter((m) => m.channel === 'mqtt');
      const feed = mqtt.length
        ? await DeviceFeedWork.load(this.devices, manager, mqtt, {
            ...(this.approvals ? { approvals: this.approvals } : {}),
            ...(this.pipeline.isPacu ? { isPacu: this.pipeline.isPacu } : {}),
          })
        : undefined;
      const decodedAt = this.clock.now().toISOString();
      for (const message of messages) {
        if (message.status === 'applied') {
          outcomes.set(message.id, 'already-applied');
          republish.push(message);
        } else if (message.status !== 'received') {
          outcomes.set(message.id, 'skipped');
        } else {
          const request = byId.get(message.id) ?? { inboxId: message.id };
          work.push(
            message.channel === 'mqtt' && feed
              ? this.decodeFeed(feed, message, request, decodedAt)
              : this.decode(message, request),
          );
          if (work.length % YIELD_EVERY === 0) await yieldToIo();
        }
      }
      if (feed) await feed.saveEnvironments(this.devices, manager);
      if (!work.length) return;

      const set = new CaseWorkingSet();
      await this.resolveRooms(manager, work);
      await this.load(manager, set, work);
      const parked: ParkedFactInput[] = [];
      const readings = new ReadingCoalescer<MessageWork>();
      for (const [n, item] of work.entries()) {
        if (!item.problem) this.applyMessage(set, item, parked, readings);
        if (n % YIELD_EVERY === YIELD_EVERY - 1) await yieldToIo();
      }
      this.applyReadings(set, readings);
      const now = this.clock.now();
      await this.cases.park(manager, parked, now);
      await this.replayParked(manager, set);
      // The predictions of the room-days the batch changed, in the same write and publish.
      await this.predictions?.predictWithin(manager, set, set.changes());

      changed = set.changes();
      const attempts: InboxAttempt[] = work.map((item) => ({
        inboxId: item.message.id,
        trigger: item.request.trigger ?? 'queue',
        actor: item.request.actor ?? null,
        startedAt,
        finishedAt: now,
        outcome: item.problem ? 'failed' : 'applied',
        error: item.problem ?? (item.warnings.length ? item.warnings.join('; ').slice(0, 2000) : null),
        // A device batch's plain readings are not copied into its attempt: they are in the raw
        // message and, once applied, in the vitals series with the message's id (at 2,000
        // readings/s the copies came to about 20 GB a day). Other facts (alarms, RTLS) are kept.
        facts: item.message.channel === 'mqtt' ? item.facts.filter((f) => !coalescible(f)) : item.facts,
        caseIds: [...item.caseIds],
        warnings: item.warnings,
        mrn: item.mrn ?? null,
      }));
      // What the batch changed, in one statement: the devices it heard from, the readings, the
      // cases with their events, and each message's attempt and status.
      await writeTogether(manager, [
        ...(feed ? feed.writes(this.devices, now) : []),
        this.vitals?.storePart(set.vitals),
        this.cases.savePart(
          changed.map((c) => ({
            state: c.state,
            events: c.events,
            expectedVersion: c.loadedVersion,
            loaded: c.loaded,
          })),
          now,
        ),
        this.inbox.finishPart(attempts),
      ]);
      // Write-back (off by default): the intent to tell the EHR commits with the change itself.
      const writeback = this.pipeline.writeback;
      if (writeback && this.outbox) {
        await this.outbox.enqueue(
          manager,
          writebackRows(
            changed.map((c) => ({ state: c.state, events: c.events })),
            writeback,
          ),
          now,
        );
      }
      for (const item of work) {
        for (const fact of item.facts) {
          if (fact.kind === 'merge' && !item.problem) {
            await this.cases.recordMerge(manager, fact.merged.mrn, fact.survivor.mrn, fact.at, item.message.id);
          }
        }
      }
      for (const item of work) {
        outcomes.set(item.message.id, item.problem ? 'failed' : 'applied');
        warnings.set(item.message.id, item.problem ? [item.problem] : item.warnings);
      }
      done = work;
    });
    // Committed: count each message once, on the interface it came in on.
    for (const { message, problem } of done) {
      this.metrics?.messageApplied(
        message.channel,
        message.interfaceName ?? message.channel,
        problem ? 'failed' : 'applied',
      );
    }

    // The next batch's transaction may start now; publishes still go out in commit order.
    committed?.();
    await this.inOrder(async () => {
      await Promise.all(changed.map((c) => this.publish(c.loaded, c.state)));
      for (const message of republish) {
        // A retry after the commit: the publish may not have happened, so say it again (updates
        // carry whole cases, so a repeat is harmless to clients).
        for (const state of await this.cases.touchedBy(sourceKindOf(message.channel), message.id)) {
          await this.publish(undefined, state);
        }
      }
    });
    for (const [id, outcome] of outcomes) if (outcome === 'failed') this.logger.warn(`inbox ${id} not applied`);
    return requests.map((r) => outcomes.get(r.inboxId) ?? 'missing');
  }

  /** A batch of device messages → facts with their source (rooms come from the registry). */
  private decodeFeed(
    feed: DeviceFeedWork,
    message: StoredInboxMessage,
    request: ApplyRequest,
    now: string,
  ): MessageWork {
    const decoded = feed.decode(message, now);
    const work: MessageWork = {
      message,
      request,
      facts: decoded.facts,
      warnings: decoded.warnings,
      caseIds: new Set(),
    };
    if (decoded.problem) work.problem = decoded.problem;
    return work;
  }

  /** Message → facts with their source (rooms not yet resolved). */
  private decode(message: StoredInboxMessage, request: ApplyRequest): MessageWork {
    const work: MessageWork = { message, request, facts: [], warnings: [], caseIds: new Set() };
    if (message.channel === 'api') return decodeCommand(message, work);
    if (message.channel === 'fhir') return decodeFhir(message, work);
    // HL7 arrives over MLLP, or as a file an integration engineer uploaded (channel `rest`).
    if (message.channel !== 'mllp' && message.channel !== 'rest') {
      work.problem = `no decoder for ${message.channel} messages`;
      return work;
    }
    const iface = this.interfaceOf(message);
    const mapped = mapHl7(message.raw, {
      facilityTz: iface.facilityTz,
      receivedAt: message.receivedAt.toISOString(),
      roles: iface.roles,
      overrides: iface.overrides,
    });
    if (!mapped.ok) {
      work.problem = `${mapped.problem.kind}: ${mapped.problem.text}`;
      return work;
    }
    const { mapping } = mapped;
    const source: FactSource = {
      kind: 'hl7',
      id: message.id,
      label: mapping.label,
      sequence: Number(message.id),
    };
    work.facts = mapping.facts.map((draft: FactDraft): Fact => ({ ...draft, source }));
    work.warnings.push(...mapping.warnings);
    if (mapping.mrn) work.mrn = mapping.mrn;
    return work;
  }

  private interfaceOf(message: StoredInboxMessage): IngestInterface {
    return this.interfaceNamed(message.interfaceName ?? null);
  }

  private interfaceNamed(name: string | null): IngestInterface {
    return (name ? this.interfaces.get(name) : undefined) ?? { name: 'default', facilityTz: this.settings.facilityTz };
  }

  /**
   * Source locations → rooms. A booking at an unknown location creates an unmapped room
   * (CONTRACT §3) unless the interface requires a mapping, in which case the message fails until an
   * integration engineer maps it and reprocesses. ADT and readings never create rooms.
   */
  private async resolveRooms(manager: EntityManager, work: MessageWork[]): Promise<void> {
    await this.resolveLocations(
      manager,
      work.filter((w) => !w.problem).map((w) => ({ facts: w.facts, iface: this.interfaceOf(w.message), item: w })),
      (item, problem) => (item.problem = problem),
    );
  }

  /** Resolves the locations of facts read with their interface's mappings (see {@link resolveRooms}). */
  private async resolveLocations<T>(
    manager: EntityManager,
    groups: readonly { facts: readonly Fact[]; iface: IngestInterface; item: T }[],
    fail: (item: T, problem: string) => void,
  ): Promise<void> {
    if (!groups.some((g) => g.facts.some((f) => locationsOf(f).length > 0))) return;
    // Only the rooms this batch names (by location code, or as an interface's mapping target):
    // the room table keeps every unmapped location ever seen. A code two rooms claim goes to the
    // first by id, as in RoomRepository.resolveLocations.
    const codes: string[] = [];
    const mappedIds: string[] = [];
    for (const { facts, iface } of groups) {
      for (const fact of facts) {
        for (const { location } of locationsOf(fact)) {
          const code = location.code.trim();
          codes.push(code);
          const mapped = iface.locations?.[code];
          if (mapped) mappedIds.push(mapped);
        }
      }
    }
    const known = new Map<string, RoomRef>();
    const byId = new Map<string, RoomRef>();
    for (const room of await this.rooms.byLocationsOrIds(manager, codes, mappedIds)) {
      const ref = { id: room.id, name: room.name };
      byId.set(room.id, ref);
      for (const code of room.locations) if (!known.has(code)) known.set(code, ref);
    }

    // The batch's new locations, created in one statement (a new interface, or the bench, brings
    // many at once); the loop below then finds them known.
    const fresh = new Map<string, SourceLocation>();
    for (const { facts, iface } of groups) {
      if (iface.locationPolicy === 'require-mapping') continue;
      for (const fact of facts) {
        for (const { location, create } of locationsOf(fact)) {
          const code = location.code.trim();
          if (create && !iface.locations?.[code] && !known.has(code)) fresh.set(code, location);
        }
      }
    }
    if (fresh.size > 1) {
      for (const [code, room] of await this.rooms.resolveLocations(manager, [...fresh.values()])) {
        known.set(code, room);
        byId.set(room.id, room);
      }
    }

    for (const { facts, iface, item } of groups) {
      try {
        for (const fact of facts) {
          for (const { location, assign, create } of locationsOf(fact)) {
            const code = location.code.trim();
            const mapped = iface.locations?.[code];
            let room: RoomRef | undefined = known.get(code);
            if (mapped && room?.id !== mapped) {
              const existing = byId.get(mapped);
              room = await this.rooms.ensureLocation(manager, mapped, existing?.name ?? location.name, code);
            } else if (!room && create) {
              if (iface.locationPolicy === 'require-mapping') {
                throw new MessageProblem(
                  `location ${code} is not mapped to a room on interface ${iface.name}; map it, then reprocess`,
                );
              }
              room = await this.rooms.resolveLocation(manager, location);
            }
            if (room) {
              known.set(code, room);
              byId.set(room.id, room);
              assign(room);
            }
          }
        }
      } catch (err) {
        if (!(err instanceof MessageProblem)) throw err;
        fail(item, err.message);
      }
    }
  }

  /** Loads, in a few queries, every case the batch's facts may apply to. */
  private async load(manager: EntityManager, set: CaseWorkingSet, work: MessageWork[]): Promise<void> {
    await this.loadCandidates(
      manager,
      set,
      work.flatMap((item) => (item.problem ? [] : item.facts)),
    );
  }

  /**
   * Loads every case these facts may apply to: by identifier, every case of the patients they name,
   * and every case of the rooms they name around their times — all candidates, so that the choice
   * among them does not depend on which cases happen to be loaded.
   */
  private async loadCandidates(manager: EntityManager, set: CaseWorkingSet, facts: readonly Fact[]): Promise<void> {
    const identifiers = new Map<string, { kind: string; value: string }>();
    const caseIds = new Set<string>();
    const mrns = new Set<string>();
    const rooms = new Set<string>();
    let earliest = Infinity;
    let latest = -Infinity;
    for (const fact of facts) {
      const lookup = caseLookupFor(fact);
      switch (lookup.by) {
        case 'case':
          caseIds.add(lookup.caseId);
          break;
        case 'identifiers':
          for (const kind of UNIQUE_IDENTIFIER_KINDS) {
            const value = lookup.identifiers[kind];
            if (value) identifiers.set(`${kind}\u0000${value}`, { kind, value });
          }
          // The identity fallback's candidates: the patient's cases (see identityFallback).
          if (fact.kind === 'schedule' && fact.patient?.mrn) mrns.add(fact.patient.mrn);
          break;
        case 'patient':
          mrns.add(lookup.patient.mrn);
          break;
        case 'subject': {
          if (lookup.subject.patient) mrns.add(lookup.subject.patient.mrn);
          else if (lookup.subject.room) {
            rooms.add(lookup.subject.room.id);
            const at = Date.parse(lookup.at);
            if (Number.isFinite(at)) {
              earliest = Math.min(earliest, at);
              latest = Math.max(latest, at);
            }
          }
          break;
        }
      }
    }
    for (const state of await this.cases.loadByIds(manager, [...caseIds])) set.addLoaded(state);
    const ids = [...identifiers.values()];
    await this.cases.lockIdentifiers(manager, ids);
    for (const row of await this.cases.loadByIdentifiers(manager, ids)) set.addLoaded(row.state);
    if (mrns.size) {
      for (const [merged, survivor] of await this.cases.survivors(manager, [...mrns])) set.addAlias(merged, survivor);
      for (const state of await this.cases.loadByPatients(manager, [...mrns])) set.addLoaded(state);
    }
    if (rooms.size && Number.isFinite(earliest)) {
      const from = new Date(earliest - ROOM_WINDOW_MS).toISOString();
      const to = new Date(latest + ROOM_WINDOW_MS).toISOString();
      for (const state of await this.cases.loadInRooms(manager, [...rooms], from, to)) set.addLoaded(state);
    }
  }

  /**
   * Applies one message's facts to the working set; facts that match no case are parked. A
   * device's vital-sign readings for one case are set aside in `readings`, to be applied with the
   * batch's other readings of that device and case as one fact (see ReadingCoalescer); any other
   * fact first applies what was set aside, so nothing is applied out of its place.
   */
  private applyMessage(
    set: CaseWorkingSet,
    item: MessageWork,
    parked: ParkedFactInput[],
    readings: ReadingCoalescer<MessageWork>,
  ): void {
    const receivedAt = item.message.receivedAt.toISOString();
    for (const fact of item.facts) {
      if (coalescible(fact)) {
        const targets = this.targetsOf(set, fact);
        const target = targets.length === 1 ? targets[0] : undefined;
        if (target) {
          readings.add(target.id, item, fact);
          continue;
        }
      }
      if (readings.size) this.applyReadings(set, readings);
      if (fact.kind === 'merge') set.addAlias(fact.merged.mrn, fact.survivor.mrn);
      let targets = this.targetsOf(set, fact);
      let identity: IdentityMatch | undefined;
      if (fact.kind === 'schedule' && !fact.caseId && targets.every((c) => c === undefined)) {
        const fallback = this.identityFallback(set, fact);
        if (fallback.outcome === 'matched') {
          targets = [fallback.state];
          identity = fallback.match;
        } else if (fallback.outcome === 'ambiguous') {
          item.warnings.push(
            `identity-ambiguous: no identifier matched and cases ${fallback.caseIds.join(', ')} of the patient ` +
              'that day in that room could each be the one; none was chosen',
          );
        }
      }
      const applied = this.applyToTargets(set, fact, receivedAt, targets, item.warnings, identity);
      for (const id of applied.changed) item.caseIds.add(id);
      if (applied.matched) continue;
      if (fact.kind === 'observations' && fact.source.kind === 'device' && !fact.subject.patient) {
        // A monitor in an empty room streams all day: its readings are not parked (a parked row per
        // reading for a week was most of the database). The room's next readings reach its case.
        item.warnings.push(`no-case: device readings of room ${fact.subject.room?.id ?? '?'} match no case; not kept`);
        continue;
      }
      const keys = parkingKeys(set, fact);
      if (keys) {
        const interfaceName = item.message.interfaceName ?? null;
        parked.push({ inboxId: item.message.id, at: fact.at, ...keys, fact: { fact, receivedAt, interfaceName } });
        item.warnings.push(`parked: ${fact.kind} fact matches no case yet; it is applied when its case appears`);
      } else {
        item.warnings.push(`no-case: ${fact.kind} fact matches no case`);
      }
    }
  }

  /** Applies the readings set aside, one fact per device and case; each message records the cases changed. */
  private applyReadings(set: CaseWorkingSet, readings: ReadingCoalescer<MessageWork>): void {
    for (const group of readings.drain()) {
      const last = group.items[group.items.length - 1]!;
      const target = set.get(group.caseId)?.state;
      const applied = this.applyToTargets(
        set,
        group.fact,
        last.message.receivedAt.toISOString(),
        target ? [target] : [],
        last.warnings,
      );
      for (const item of group.items) for (const id of applied.changed) item.caseIds.add(id);
    }
  }

  /** The cases a fact applies to in the working set (`[undefined]`: a booking that creates one). */
  private targetsOf(set: CaseWorkingSet, fact: Fact): (CaseState | undefined)[] {
    const lookup = caseLookupFor(fact);
    switch (lookup.by) {
      case 'case': {
        const found = set.get(lookup.caseId)?.state;
        return found ? [found] : [];
      }
      case 'identifiers': {
        const found = set.findByIdentifiers(lookup.identifiers);
        return found || lookup.mayCreate ? [found] : [];
      }
      case 'patient': {
        const all = set.findByPatient(lookup.patient.mrn);
        if (lookup.scope === 'all') return all;
        const at = Date.parse(lookup.at);
        return all.filter((c) => Math.abs(Date.parse(c.scheduledStart) - at) <= PATIENT_EVENT_WINDOW_MS);
      }
      case 'subject': {
        // A named patient decides alone (their case may not be booked yet: the fact then waits);
        // the room only when the source names no patient.
        const { subject } = lookup;
        const found = subject.patient
          ? (lookup.recovery ? pickRecoveryCase : pickCaseAt)(set.findByPatient(subject.patient.mrn), lookup.at)
          : subject.room
            ? pickCaseAt(set.inRoom(subject.room.id), lookup.at)
            : undefined;
        return found ? [found] : [];
      }
    }
  }

  /**
   * A schedule fact none of whose identifiers matched: the patient's case that day in that room,
   * if there is exactly one (domain `matchByPatientDayRoom`; the candidates were loaded with the
   * batch). The facility's day, not the interface's zone: boards are per facility day.
   */
  private identityFallback(set: CaseWorkingSet, fact: ScheduleFact): IdentityFallback {
    const mrn = fact.patient?.mrn;
    if (!mrn) return { outcome: 'none' };
    return matchByPatientDayRoom(set.findByPatient(mrn), fact, this.settings.facilityTz);
  }

  private applyToTargets(
    set: CaseWorkingSet,
    fact: Fact,
    receivedAt: string,
    targets: readonly (CaseState | undefined)[],
    warnings: string[],
    identity?: IdentityMatch,
  ): { matched: boolean; changed: string[]; applied: string[] } {
    const changed: string[] = [];
    const applied: string[] = [];
    for (const current of targets) {
      const result = applyFact(current, fact, {
        newCaseId: randomUUID(),
        receivedAt,
        policy: this.pipeline.policy ?? {},
        ...(identity && current ? { identity } : {}),
      });
      warnings.push(...result.warnings.map((w) => `${w.code}: ${w.message}`));
      if (!result.state) continue;
      set.record(current, result.state, result.events);
      applied.push(result.state.id);
      if (fact.kind === 'observations' && fact.vitals.length) {
        const inboxId = /^\d+$/.test(fact.source.id) ? fact.source.id : null;
        for (const v of fact.vitals) {
          set.vitals.push({ caseId: result.state.id, name: v.name, at: v.at, value: v.value, unit: v.unit, inboxId });
        }
      }
      if (result.events.length) changed.push(result.state.id);
    }
    return { matched: applied.length > 0, changed, applied };
  }

  /**
   * Applies parked facts to the cases this batch created or changed, until nothing more matches
   * (a parked ADT can move a case into a room where a parked reading then belongs).
   */
  private async replayParked(manager: EntityManager, set: CaseWorkingSet): Promise<void> {
    for (let round = 0; round < 3; round++) {
      const dirty = set.changes().map((c) => c.state);
      const rows = await this.cases.parkedFor(manager, {
        mrns: [...new Set(dirty.map((c) => c.patient.mrn))],
        orderNumbers: dirty.flatMap((c) => (c.identifiers.orderNumber ? [c.identifiers.orderNumber] : [])),
        appointmentKeys: dirty.flatMap((c) => appointmentKeys(c.identifiers)),
        rooms: dirty.map((c) => ({
          roomId: c.roomId,
          from: new Date(Date.parse(c.scheduledStart) - PARK_MATCH_MS).toISOString(),
          to: new Date(Date.parse(c.scheduledEnd) + PARK_MATCH_MS).toISOString(),
        })),
      });
      const parked = rows.map((row) => ({
        row,
        ...(row.fact as { fact: Fact; receivedAt: string; interfaceName?: string | null }),
      }));
      // Rooms a parked fact names may exist now (a booking created them after the fact arrived).
      await this.resolveLocations(
        manager,
        parked.map((p) => ({ facts: [p.fact], iface: this.interfaceNamed(p.interfaceName ?? null), item: p })),
        () => undefined,
      );
      await this.loadCandidates(
        manager,
        set,
        parked.map((p) => p.fact),
      );
      const marks = new Map<string, string[]>();
      let progressed = false;
      for (const { row, fact, receivedAt } of parked) {
        const targets = this.targetsOf(set, fact).filter((c) => c && !row.appliedTo.includes(c.id));
        if (!targets.length) continue;
        const result = this.applyToTargets(set, fact, receivedAt, targets, []);
        if (!result.applied.length) continue;
        marks.set(row.id, [...row.appliedTo, ...result.applied]);
        progressed ||= result.changed.length > 0;
      }
      await this.cases.markParkedApplied(manager, marks);
      if (!progressed) return;
    }
  }

  /**
   * Runs `publishing` after every publish started before it has finished: batches publish in the
   * order they committed, although a batch's transaction may overlap the previous one's publish
   * (a later version of a case never goes out before an earlier one from this process).
   */
  private inOrder(publishing: () => Promise<void>): Promise<void> {
    const turn = this.publishing.then(publishing);
    this.publishing = turn.catch(() => undefined);
    return turn;
  }

  private async publish(before: CaseState | undefined, after: CaseState): Promise<void> {
    const now = placementOf(after, this.settings.facilityTz);
    const was = before ? placementOf(before, this.settings.facilityTz) : undefined;
    const alerts = alertChanges(before?.alerts, after.alerts);
    const onBoard = before === undefined || !sameOnBoard(before, after);
    await this.bus.publish(after.id, after, topicsForChange(after.id, now, was, this.today(), alerts, onBoard));
  }

  /** Records an attempt that threw (it is retried by the queue), outside the failed transaction. */
  private async recordError(request: ApplyRequest, error: string): Promise<void> {
    const now = this.clock.now();
    await this.cases
      .transaction((manager) =>
        this.inbox.recordAttempts(manager, [
          {
            inboxId: request.inboxId,
            trigger: request.trigger ?? 'queue',
            actor: request.actor ?? null,
            startedAt: now,
            finishedAt: now,
            outcome: 'error',
            error: error.slice(0, 2000),
          },
        ]),
      )
      .catch((e: unknown) =>
        this.logger.warn(`attempt of inbox ${request.inboxId} not recorded: ${(e as Error).message}`),
      );
  }

  /** The facility-local day that `room:` topics show. */
  private today(): string {
    return localDate(this.clock.now().toISOString(), this.settings.facilityTz);
  }
}

/**
 * A person's command through the API (see `CaseCommandService`): the fact as the API made it,
 * stored as JSON; its source is the person (`manual`) and the inbox row.
 */
function decodeCommand(message: StoredInboxMessage, work: MessageWork): MessageWork {
  let command: ApiCommand;
  try {
    command = JSON.parse(message.raw.toString('utf8')) as ApiCommand;
  } catch (err) {
    work.problem = `api command is not JSON: ${(err as Error).message}`;
    return work;
  }
  if (!command || typeof command !== 'object' || !command.fact || typeof command.fact.kind !== 'string') {
    work.problem = 'api command without a fact';
    return work;
  }
  const source: FactSource = {
    kind: 'manual',
    id: message.id,
    label: command.label ?? message.messageType ?? 'api',
    sequence: Number(message.id),
  };
  work.facts = [{ ...command.fact, source }];
  return work;
}

/**
 * A FHIR resource from the EHR sync or the subscription hook, stored with the resources it
 * references (libs/fhir `encodeFhirEnvelope`): its facts, with the resource version as provenance
 * (`Appointment/123/_history/2`).
 */
function decodeFhir(message: StoredInboxMessage, work: MessageWork): MessageWork {
  const mapped = mapFhirEnvelope(message.raw, { receivedAt: message.receivedAt.toISOString() });
  if (!mapped.ok) {
    work.problem = mapped.label ? `${mapped.label}: ${mapped.problem}` : mapped.problem;
    return work;
  }
  const { mapping } = mapped;
  const source: FactSource = { kind: 'fhir', id: message.id, label: mapping.label, sequence: Number(message.id) };
  work.facts = mapping.facts.map((draft: FactDraft): Fact => ({ ...draft, source }));
  work.warnings.push(...mapping.warnings);
  if (mapping.mrn) work.mrn = mapping.mrn;
  return work;
}

/** The keys a case's appointment identifiers are parked under (`kind:value`). */
function appointmentKeys(ids: CaseIdentifiers): string[] {
  return UNIQUE_IDENTIFIER_KINDS.flatMap((kind) => (ids[kind] ? [`${kind}:${ids[kind]}`] : []));
}

/** How far outside a case's scheduled window a parked reading of its room may belong to it. */
const PARK_MATCH_MS = 12 * 3_600_000;

/** The keys a fact waits under until its case appears; undefined when nothing could ever match it. */
function parkingKeys(
  set: CaseWorkingSet,
  fact: Fact,
): { mrn?: string; orderNumber?: string; roomId?: string; appointmentKeys?: string[] } | undefined {
  switch (fact.kind) {
    case 'schedule': {
      // A change to a booking we have not seen yet (a cancellation before its booking).
      const keys = appointmentKeys(fact.identifiers);
      return keys.length ? { appointmentKeys: keys } : undefined;
    }
    case 'merge':
      // A merge of a patient without cases: the alias is recorded, nothing waits.
      return undefined;
    case 'patient':
      return { mrn: set.survivorOf(fact.patient.mrn) };
    case 'order':
      return fact.identifiers.orderNumber ? { orderNumber: fact.identifiers.orderNumber } : undefined;
    case 'observations':
    case 'alarm': {
      const { patient, room } = fact.subject;
      if (patient) return { mrn: set.survivorOf(patient.mrn) };
      return room ? { roomId: room.id } : undefined;
    }
    case 'prediction':
    case 'device-conditions':
    case 'conditions':
    case 'limits':
      return undefined;
    case 'milestone':
    case 'checklist':
    case 'acknowledgement': {
      // A person names an existing case: nothing to wait for. FHIR and devices may be early.
      const target = fact.target;
      if ('caseId' in target) return undefined;
      if ('identifiers' in target) {
        const keys = appointmentKeys(target.identifiers);
        return keys.length ? { appointmentKeys: keys } : undefined;
      }
      if (target.subject.patient) return { mrn: set.survivorOf(target.subject.patient.mrn) };
      return target.subject.room ? { roomId: target.subject.room.id } : undefined;
    }
  }
}

/** The source locations a fact carries, with where the resolved room goes and whether it may create one. */
function locationsOf(fact: Fact): { location: SourceLocation; assign: (room: RoomRef) => void; create: boolean }[] {
  switch (fact.kind) {
    case 'schedule':
      return fact.location ? [{ location: fact.location, assign: (r) => (fact.room = r), create: true }] : [];
    case 'patient': {
      const out: { location: SourceLocation; assign: (room: RoomRef) => void; create: boolean }[] = [];
      if (fact.location) out.push({ location: fact.location, assign: (r) => (fact.room = r), create: false });
      if (fact.priorLocation) {
        out.push({ location: fact.priorLocation, assign: (r) => (fact.priorRoom = r), create: false });
      }
      return out;
    }
    case 'observations':
    case 'alarm': {
      const subject = fact.subject;
      // Readings name the room they were taken in: an unknown one is created unmapped (CONTRACT §3),
      // so that a reading can wait there for the case booked in it.
      return subject.location ? [{ location: subject.location, assign: (r) => (subject.room = r), create: true }] : [];
    }
    case 'milestone':
    case 'checklist':
    case 'acknowledgement': {
      const target = fact.target;
      if (!('subject' in target) || !target.subject.location) return [];
      const subject = target.subject;
      return [{ location: subject.location!, assign: (r) => (subject.room = r), create: false }];
    }
    case 'merge':
    case 'order':
    case 'prediction':
    case 'device-conditions':
    case 'conditions':
    case 'limits':
      return [];
  }
}
