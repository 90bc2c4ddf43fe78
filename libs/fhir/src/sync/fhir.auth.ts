import type { Clock } from '@circulator/domain';
import type { FhirAuthSettings, RetrySettings } from '../inbound.tokens';
import { classify, FhirRequestError, withRetry } from './fhir.request';
import { signClientAssertion, tokenRequestBody } from './smart-backend';

/** A token is renewed this long before it expires, so that no request carries one that just ran out. */
const RENEW_BEFORE_MS = 60_000;

/**
 * The Authorization header of requests to the EHR: none, a static bearer token, or a SMART Backend
 * Services access token, fetched when needed and kept until a minute before it expires. A 401 from
 * the EHR drops it (`invalidate`), so the next request gets a fresh one.
 */
export class FhirAuth {
  private token?: { value: string; renewAt: number };
  private pending?: Promise<string>;
  private tokenUrl?: string;

  constructor(
    private readonly settings: FhirAuthSettings,
    private readonly base: string,
    private readonly clock: Clock,
    private readonly retry: RetrySettings,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly timeoutMs: number,
  ) {}

  async header(): Promise<string | undefined> {
    switch (this.settings.kind) {
      case 'none':
        return undefined;
      case 'bearer':
        return `Bearer ${this.settings.token}`;
      case 'smart-backend': {
        if (this.token && this.clock.now().getTime() < this.token.renewAt) return `Bearer ${this.token.value}`;
        this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
        return `Bearer ${await this.pending}`;
      }
    }
  }

  /** Forgets the access token (the EHR refused it). */
  invalidate(): void {
    this.token = undefined;
  }

  private async fetchToken(): Promise<string> {
    if (this.settings.kind !== 'smart-backend') throw new Error('no SMART settings');
    const smart = this.settings;
    const tokenUrl = (this.tokenUrl ??= smart.tokenUrl ?? (await this.discoverTokenUrl()));
    const body = await withRetry(
      async () => {
        // A fresh assertion (new jti, new exp) for each try: a server refuses a replayed one.
        const assertion = signClientAssertion({
          clientId: smart.clientId,
          tokenUrl,
          key: smart.privateKey,
          ...(smart.keyId === undefined ? {} : { keyId: smart.keyId }),
          now: this.clock.now(),
        });
        const res = await fetch(tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: tokenRequestBody(assertion, smart.scope),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await res.text();
        if (!res.ok) {
          throw new FhirRequestError(
            `SMART token request to ${tokenUrl}: HTTP ${res.status} ${text.slice(0, 200)}`,
            res.status >= 500 || res.status === 429,
            res.status,
          );
        }
        return JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
      },
      (err) => classify(err, `SMART token request to ${tokenUrl}`, this.clock.now()),
      this.retry,
      this.sleep,
    );
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new FhirRequestError(`SMART token endpoint ${tokenUrl} answered without an access_token`, false);
    }
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
    this.token = {
      value: body.access_token,
      renewAt: this.clock.now().getTime() + Math.max(0, seconds * 1000 - RENEW_BEFORE_MS),
    };
    return body.access_token;
  }

  /** SMART App Launch 2.x §2.1: the server publishes its token endpoint in `.well-known/smart-configuration`. */
  private async discoverTokenUrl(): Promise<string> {
    const url = `${this.base}/.well-known/smart-configuration`;
    const config = await withRetry(
      async () => {
        const res = await fetch(url, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        if (!res.ok) throw new FhirRequestError(`${url}: HTTP ${res.status}`, res.status >= 500, res.status);
        return (await res.json()) as { token_endpoint?: unknown };
      },
      (err) => classify(err, url, this.clock.now()),
      this.retry,
      this.sleep,
    );
    if (typeof config.token_endpoint !== 'string' || !URL.canParse(config.token_endpoint)) {
      throw new FhirRequestError(`${url} names no token_endpoint: set FHIR_SMART_TOKEN_URL`, false);
    }
    return config.token_endpoint;
  }
}
