import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  type AuditContent,
  type ChainBreak,
  GENESIS_HASH,
  toStorableJson,
  toStorableText,
  verifyChain,
} from './audit/audit.chain';
import { AuditContext } from './audit/audit.context';
import {
  type AuditFilter,
  AuditLogRepository,
  type AuditPage,
  type AuditPageRequest,
} from './audit/audit-log.repository';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import { type Actor, actorOf } from './principal.model';

/** One audit entry. */
export interface AuditEntry {
  /** Who acted: a principal, `'system'`, or null for an anonymous caller (e.g. a failed sign-in). */
  principal: Actor;
  /** Dotted verb, e.g. `auth.token`, `case.read`, `user.create`. */
  action: string;
  /** Kind of thing acted on, e.g. `case`, `user`, `display`. */
  targetType: string;
  targetId?: string;
  /** Extra facts. Never secrets; PHI only where the audit needs it to be meaningful. */
  detail?: Record<string, unknown>;
  /**
   * Where the request came from (client IP or socket address). Defaults to the address of the
   * HTTP or socket.io request being served (AuditSourceInterceptor); none outside a request.
   */
  source?: string;
}

/** The answer of {@link AuditService.verify}. */
export interface AuditVerification {
  /** True when every row holds. */
  ok: boolean;
  /** Rows that held (all of them when `ok`). */
  checked: number;
  /** The first row at which the chain no longer holds. */
  firstBrokenId?: string;
  reason?: ChainBreak['reason'];
  /**
   * The last row checked and its hash, when `ok`. Kept somewhere else (a ticket, a log
   * collector), it also shows rows removed from the end later, which the chain alone cannot.
   */
  head?: { id: string; hash: string } | null;
}

/** Most rows one append writes (10 parameters each: far below PostgreSQL's 65535). */
const MAX_BATCH = 500;

interface PendingAppend {
  content: AuditContent;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Appends to `audit_log`: who read or changed what, when, from where. `record` resolves only once
 * the row is stored and rejects otherwise, so a caller that must not serve unaudited patient data
 * can simply await it.
 *
 * Group commit: rows are hash-chained, so appends are serialised (one process at a time, one
 * transaction at a time in this process). Records that arrive while an append is in flight wait
 * and are written together by the next transaction, up to {@link MAX_BATCH} rows: under load the
 * cost is one transaction per batch, not per row, and each caller still waits for its own row.
 */
@Injectable()
export class AuditService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private readonly queue: PendingAppend[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly log: AuditLogRepository,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
    private readonly context: AuditContext,
  ) {}

  /** Seals rows written before the chain existed (a one-off on a database migrated from v1). */
  async onApplicationBootstrap(): Promise<void> {
    await this.log.seal();
  }

  /** Lets appends in flight finish before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async record(entry: AuditEntry): Promise<void> {
    const content = this.contentOf(entry);
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ content, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** A page of the trail, newest first. */
  search(filter: AuditFilter, page: AuditPageRequest): Promise<AuditPage> {
    return this.log.page(filter, page);
  }

  /** Walks the whole chain page by page (never the whole table in memory) to its first break. */
  async verify(): Promise<AuditVerification> {
    let prev = GENESIS_HASH;
    let after = '0';
    let checked = 0;
    for (;;) {
      const rows = await this.log.chainAfter(after);
      const last = rows.at(-1);
      if (!last) return { ok: true, checked, head: checked > 0 ? { id: after, hash: prev } : null };
      const result = verifyChain(rows, prev);
      checked += result.checked;
      if (result.broken) {
        this.logger.error(`audit chain broken at row ${result.broken.id} (${result.broken.reason})`);
        return { ok: false, checked, firstBrokenId: result.broken.id, reason: result.broken.reason };
      }
      prev = result.lastHash;
      after = last.id;
    }
  }

  /** The row as it will be stored (and hashed): storable text, JSON-only detail, this clock's time. */
  private contentOf(entry: AuditEntry): AuditContent {
    const { principal } = entry;
    const source = entry.source ?? this.context.source();
    return {
      at: this.options.now().toISOString(),
      actor: toStorableText(actorOf(principal)),
      roles: typeof principal === 'object' && principal !== null ? principal.roles.map(toStorableText) : [],
      action: toStorableText(entry.action),
      targetType: toStorableText(entry.targetType),
      targetId: entry.targetId === undefined ? null : toStorableText(entry.targetId),
      detail: toStorableJson(entry.detail ?? {}) as Record<string, unknown>,
      source: source === undefined ? null : toStorableText(source),
    };
  }

  /** Writes what is queued, batch after batch, until nothing is left. Never rejects. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.write(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.draining = undefined;
    }
  }

  private async write(batch: PendingAppend[]): Promise<void> {
    try {
      await this.log.append(batch.map((p) => p.content));
    } catch (err) {
      if (batch.length > 1 && isDataError(err)) {
        // A row the database refuses must not take the others with it: each on its own.
        for (const p of batch) await this.write([p]);
        return;
      }
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) p.resolve();
  }
}

/** PostgreSQL refused the data (SQLSTATE class 22 or 23), rather than being unreachable. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
