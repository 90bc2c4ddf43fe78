import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { applyFact, localDate, type CaseState, type Clock, type Fact } from '@circulator/domain';
import { CaseRepository, InboxRepository, RoomRepository } from '@circulator/persistence';
import {
  CLOCK,
  ChangeBus,
  REALTIME_SETTINGS,
  placementOf,
  topicsForChange,
  type RealtimeSettings,
} from '@circulator/realtime';
import { decodeInboxMessage, type FactDraft } from './fact.decoder';

export type ApplyOutcome = 'applied' | 'already-applied' | 'failed' | 'missing';

/**
 * The worker's one job: inbox message → facts → case engine → one transaction (case rows,
 * case events, inbox row marked applied) → publish the changes.
 */
@Injectable()
export class CaseApplyService {
  private readonly logger = new Logger(CaseApplyService.name);

  constructor(
    private readonly inbox: InboxRepository,
    private readonly cases: CaseRepository,
    private readonly rooms: RoomRepository,
    private readonly bus: ChangeBus,
    @Inject(REALTIME_SETTINGS) private readonly settings: RealtimeSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async apply(inboxId: string): Promise<ApplyOutcome> {
    const message = await this.inbox.get(inboxId);
    if (!message) return 'missing';
    if (message.status === 'applied') {
      // A retry after the commit: the publish may not have happened, so say it again (updates
      // carry whole cases, so a repeat is harmless to clients).
      for (const state of await this.cases.touchedBy('hl7', inboxId)) {
        await this.bus.publish(
          state.id,
          state,
          topicsForChange(state.id, placementOf(state, this.settings.facilityTz), undefined, this.today()),
        );
      }
      return 'already-applied';
    }

    const decoded = decodeInboxMessage(message, { facilityTz: this.settings.facilityTz });
    if (!decoded.ok) {
      // Bad content is not transient: retrying cannot help, so it goes to the failed view.
      await this.inbox.markFailed(inboxId, this.clock.now(), decoded.error);
      this.logger.warn(`inbox ${inboxId} not applied: ${decoded.error}`);
      return 'failed';
    }

    const changed: { before: CaseState | undefined; after: CaseState }[] = [];
    const warnings: string[] = [];
    await this.cases.transaction(async (manager) => {
      // Re-read inside the transaction: a concurrent run of the same job must not apply twice.
      const locked = await manager.query<
        {
          status: string;
        }[]
      >(`SELECT status FROM inbox WHERE id = $1 FOR UPDATE`, [inboxId]);
      if (locked[0]?.status === 'applied') return;
      const receivedAt = message.receivedAt.toISOString();
      for (const draft of decoded.facts) {
        const fact = await this.resolve(manager, draft, inboxId);
        if (fact.kind !== 'schedule') continue;
        const before = await this.cases.findByIdentifiers(manager, fact.identifiers);
        const result = applyFact(before, fact, { newCaseId: randomUUID(), receivedAt });
        warnings.push(...result.warnings.map((w) => `${w.code}: ${w.message}`));
        if (!result.state) continue;
        if (result.events.length === 0) {
          // Nothing visible changed, but the case now reflects a newer fact: keep that, or an
          // older message with the same time applied later would still win.
          const moved =
            before &&
            (result.state.scheduleAt !== before.scheduleAt || result.state.scheduleSeq !== before.scheduleSeq);
          if (moved) await this.cases.save(manager, result.state, [], before.version, this.clock.now());
          continue;
        }
        await this.cases.save(manager, result.state, result.events, before?.version, this.clock.now());
        changed.push({ before, after: result.state });
      }
      await this.inbox.markApplied(manager, inboxId, this.clock.now(), warnings.length ? warnings.join('; ') : null);
    });

    for (const { before, after } of changed) {
      const now = placementOf(after, this.settings.facilityTz);
      const was = before ? placementOf(before, this.settings.facilityTz) : undefined;
      await this.bus.publish(after.id, after, topicsForChange(after.id, now, was, this.today()));
    }
    return 'applied';
  }

  /** The facility-local day that `room:` topics show. */
  private today(): string {
    return localDate(this.clock.now().toISOString(), this.settings.facilityTz);
  }

  private async resolve(
    manager: Parameters<Parameters<CaseRepository['transaction']>[0]>[0],
    draft: FactDraft,
    inboxId: string,
  ): Promise<Fact> {
    const { location, ...rest } = draft.fact;
    const fact: Fact = { ...rest, source: { kind: 'hl7', id: inboxId, label: draft.label, sequence: Number(inboxId) } };
    if (location) fact.room = await this.rooms.resolveLocation(manager, location);
    return fact;
  }
}
