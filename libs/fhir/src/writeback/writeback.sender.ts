import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Clock } from '@circulator/domain';
import { WritebackOutboxRepository, type WritebackRow, type WritebackRowInput } from '@circulator/persistence';
import { CLOCK } from '@circulator/realtime';
import { realSleep } from '../sync/fhir.request';
import { FhirSource } from '../sync/fhir.source';
import { FhirWritebackDelivery } from './fhir-writeback.delivery';
import { Hl7WritebackDelivery } from './hl7-writeback.delivery';
import { WritebackError, type WritebackDelivery } from './writeback.delivery';
import { planWriteback, type ChangedCase } from './writeback.plan';
import { DEFAULT_WRITEBACK_RETRY, FHIR_WRITEBACK_SETTINGS, type FhirWritebackSettings } from './writeback.tokens';

/** Rows claimed at once; a drain claims again until nothing is due. */
const CLAIM = 20;
/** A claim's lease: a sender that dies mid-row frees its rows after this. */
const LEASE_MS = 5 * 60_000;

/** The outbox rows of a transaction's case changes (pure; the worker writes them in that transaction). */
export function writebackRows(changes: readonly ChangedCase[], settings: FhirWritebackSettings): WritebackRowInput[] {
  return planWriteback(changes, settings.sources).map((payload) => ({
    target: settings.mode,
    caseId: payload.caseId,
    caseVersion: payload.version,
    payload,
  }));
}

/** The wait before attempt `attempts + 1` after `attempts` failed ones. */
export function backoffMs(attempts: number, retry = DEFAULT_WRITEBACK_RETRY): number {
  return Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Sends the write-back outbox to the EHR (worker role, FHIR_WRITEBACK=fhir|hl7). Every
 * FHIR_WRITEBACK_INTERVAL_SECONDS it claims the rows that are due — the oldest pending one of each
 * case, so a case's changes reach the EHR in order — and delivers them one by one. A row is `sent`
 * once the EHR acknowledged it (HL7 AA, FHIR 2xx) and never sent again; a failure is recorded on
 * the row (attempts, last error) and retried after a backoff, until `maxAttempts`, then `failed`.
 * The only repeat possible is a delivery whose acknowledgement was lost (or whose sender died
 * before recording it): HL7 carries the same MSH-10, and FHIR updates set the same values again.
 */
@Injectable()
export class WritebackSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WritebackSender.name);
  private readonly retry;
  private draining?: Promise<number>;
  private again?: Promise<number>;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private fhir?: Promise<FhirSource>;

  constructor(
    @Inject(FHIR_WRITEBACK_SETTINGS) private readonly settings: FhirWritebackSettings,
    @Inject(WritebackOutboxRepository) private readonly outbox: WritebackOutboxRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.retry = settings.retry ?? DEFAULT_WRITEBACK_RETRY;
  }

  onApplicationBootstrap(): void {
    if (this.settings.intervalMs > 0) this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([this.draining, this.again]);
  }

  /**
   * Delivers every row that is due now; resolves with how many were tried. While a drain runs, the
   * call waits for it and drains once more.
   */
  drainNow(): Promise<number> {
    if (!this.draining) return this.start();
    this.again ??= this.draining
      .catch(() => 0)
      .then(() => {
        this.again = undefined;
        return this.start();
      });
    return this.again;
  }

  private start(): Promise<number> {
    const run = this.drain().finally(() => {
      if (this.draining === run) this.draining = undefined;
    });
    this.draining = run;
    return run;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.drainNow()
        .catch((err: unknown) => this.logger.warn(`write-back drain failed: ${(err as Error).message}`))
        .finally(() => this.schedule());
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  private async delivery(): Promise<WritebackDelivery> {
    const s = this.settings;
    if (s.mode === 'hl7') return new Hl7WritebackDelivery(s.hl7.destination, s.hl7.identity);
    this.fhir ??= FhirSource.open(
      {
        baseUrl: s.fhir.baseUrl,
        auth: s.fhir.auth,
        // One try per attempt: the outbox itself retries, with a longer backoff, across drains.
        retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        timeoutMs: s.fhir.timeoutMs ?? 30_000,
        sleep: realSleep,
      },
      this.clock,
    );
    return new FhirWritebackDelivery(await this.fhir);
  }

  private async drain(): Promise<number> {
    let tried = 0;
    const delivery = await this.delivery();
    try {
      const seen = new Set<string>();
      while (!this.stopped) {
        const now = this.clock.now();
        const rows = (await this.outbox.claimDue(now, new Date(now.getTime() + LEASE_MS), CLAIM)).filter(
          (r) => !seen.has(r.id),
        );
        if (!rows.length) break;
        for (const row of rows) {
          seen.add(row.id);
          tried++;
          await this.attempt(delivery, row);
        }
      }
    } finally {
      await delivery.close().catch(() => undefined);
    }
    return tried;
  }

  private async attempt(delivery: WritebackDelivery, row: WritebackRow): Promise<void> {
    try {
      const result = await delivery.deliver(row);
      await this.outbox.markSent(row.id, this.clock.now(), result);
      this.logger.log(`write-back ${row.id} (case ${row.caseId} v${row.caseVersion}) delivered: ${result}`);
    } catch (err) {
      const failure =
        err instanceof WritebackError ? err : new WritebackError(String((err as Error)?.message ?? err), false);
      const attempts = row.attempts + 1;
      const now = this.clock.now();
      const giveUp = failure.permanent || attempts >= this.retry.maxAttempts;
      await this.outbox.markFailed(
        row.id,
        now,
        failure.message,
        giveUp ? { giveUp: true } : { nextAttemptAt: new Date(now.getTime() + backoffMs(attempts, this.retry)) },
      );
      this.logger.warn(
        `write-back ${row.id} (case ${row.caseId} v${row.caseVersion}) attempt ${attempts} failed: ${failure.message}` +
          (giveUp ? '; given up' : ''),
      );
    }
  }
}
