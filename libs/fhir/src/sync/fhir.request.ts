import type { RetrySettings } from '../inbound.tokens';

/** A request to the EHR that failed; `retryable` when trying again later may succeed. */
export class FhirRequestError extends Error {
  override readonly name = 'FhirRequestError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    /** The server's Retry-After, in ms, when it gave one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** An address a message named that is not on FHIR_BASE_URL: never fetched. */
export class NotOnBaseError extends Error {
  override readonly name = 'NotOnBaseError';
}

export const DEFAULT_SYNC_RETRY: RetrySettings = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };
export const DEFAULT_HOOK_RETRY: RetrySettings = { attempts: 3, baseDelayMs: 250, maxDelayMs: 2_000 };

/** HTTP statuses worth another try (RFC 9110 §15: timeouts, throttling, server trouble). */
const RETRY_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Retry-After (RFC 9110 §10.2.3): seconds, or an HTTP date. */
export function retryAfterMs(value: string | null | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** What a failed fhir-kit-client call (or fetch) means for retrying. */
export function classify(err: unknown, what: string, now: Date): FhirRequestError {
  if (err instanceof FhirRequestError) return err;
  const e = err as {
    response?: { status?: number; data?: unknown };
    config?: { headers?: Headers };
    name?: string;
    message?: string;
  };
  const status = e?.response?.status;
  if (typeof status === 'number') {
    const after = retryAfterMs(e.config?.headers?.get?.('retry-after'), now);
    return new FhirRequestError(
      `${what}: HTTP ${status}${outcomeText(e.response?.data)}`,
      RETRY_STATUSES.has(status),
      status,
      after,
    );
  }
  // fetch failed (connection refused or reset, DNS), or our timeout aborted it.
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const reason = cause?.code ?? cause?.message ?? e?.name ?? 'error';
  return new FhirRequestError(`${what}: ${reason}${e?.message ? ` (${e.message})` : ''}`, true);
}

/** The first issue of an OperationOutcome body, for the log. */
function outcomeText(data: unknown): string {
  const issue = (data as { resourceType?: string; issue?: { diagnostics?: string; details?: { text?: string } }[] })
    ?.issue?.[0];
  const text = issue?.diagnostics ?? issue?.details?.text;
  return text ? ` — ${text.slice(0, 200)}` : '';
}

/**
 * Runs `call` until it succeeds, fails for good, or has been tried `attempts` times; waits
 * baseDelay·2ⁿ between tries (a server's Retry-After instead, when longer), each wait at most
 * `maxDelayMs`. With the sync's defaults: 0.5 + 1 + 2 + 4 s = 7.5 s of waiting in all.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  describe: (err: unknown) => FhirRequestError,
  retry: RetrySettings,
  sleep: (ms: number) => Promise<void>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const failure = describe(err);
      if (!failure.retryable || attempt >= retry.attempts) throw failure;
      const backoff = retry.baseDelayMs * 2 ** (attempt - 1);
      await sleep(Math.min(retry.maxDelayMs, Math.max(backoff, failure.retryAfterMs ?? 0)));
    }
  }
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
