import type { Client } from 'fhir-kit-client';
import type { Clock } from '@circulator/domain';
import { isResource, objects, str, type FhirResource } from '../inbound/fhir.json';
import { isOnBase, normalizeBase, parseReference } from '../inbound/fhir.reference';
import type { FhirAuthSettings, RetrySettings } from '../inbound.tokens';
import { FhirAuth } from './fhir.auth';
import { classify, FhirRequestError, NotOnBaseError, withRetry } from './fhir.request';

export interface FhirSourceSettings {
  baseUrl: string;
  auth: FhirAuthSettings;
  retry: RetrySettings;
  timeoutMs: number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * fhir-kit-client 2 is an ES module only. Our server is built to CommonJS, so it is loaded with a
 * dynamic import (which TypeScript keeps as `import()` for Node16+ module resolution), once.
 */
let clientClass: Promise<typeof Client> | undefined;
function loadClient(): Promise<typeof Client> {
  clientClass ??= import('fhir-kit-client').then((m) => m.Client);
  return clientClass;
}

/**
 * The EHR's FHIR server, through fhir-kit-client: searches with paging, reads, and fetches of
 * addresses a notification named. Every request carries the configured authorization, is retried
 * with backoff on network errors, timeouts, 429 and 5xx, and gets one more try with a new token
 * after a 401. Nothing is ever fetched from another server: next-page links and named addresses
 * must be on the base (`isOnBase`).
 */
export class FhirSource {
  readonly base: string;
  private readonly auth: FhirAuth;

  private constructor(
    private readonly client: Client,
    private readonly settings: FhirSourceSettings,
    private readonly clock: Clock,
  ) {
    this.base = normalizeBase(settings.baseUrl);
    this.auth = new FhirAuth(settings.auth, this.base, clock, settings.retry, settings.sleep, settings.timeoutMs);
  }

  static async open(settings: FhirSourceSettings, clock: Clock): Promise<FhirSource> {
    const ClientClass = await loadClient();
    return new FhirSource(new ClientClass({ baseUrl: normalizeBase(settings.baseUrl) }), settings, clock);
  }

  /** A type-level search (one page). */
  search(resourceType: string, searchParams: Record<string, string | number>): Promise<FhirResource> {
    return this.call(`search ${resourceType}`, (options) =>
      this.client.resourceSearch({ resourceType, searchParams, options }),
    );
  }

  /** The next page of a search, or undefined at the last; a next link off the base is refused. */
  async nextPage(bundle: FhirResource): Promise<FhirResource | undefined> {
    const next = objects(bundle['link']).find((l) => l['relation'] === 'next');
    const url = str(next?.['url']);
    if (url === undefined) return undefined;
    if (!isOnBase(url, this.base)) {
      throw new NotOnBaseError(`the server's next-page link ${url} is not on ${this.base}: not followed`);
    }
    return this.call(`next page`, (options) => this.client.request(url, { options }));
  }

  /** A resource by `Type/id` (or `Type/id/_history/vid`); undefined when the server has none (404, 410). */
  async read(key: string): Promise<FhirResource | undefined> {
    const parsed = parseReference(key);
    if (parsed.kind !== 'relative') throw new Error(`not a Type/id reference: ${key}`);
    try {
      return await this.call(`read ${key}`, (options) =>
        parsed.version === undefined
          ? this.client.read({ resourceType: parsed.type, id: parsed.id, options })
          : this.client.vread({ resourceType: parsed.type, id: parsed.id, version: parsed.version, options }),
      );
    } catch (err) {
      if (err instanceof FhirRequestError && (err.status === 404 || err.status === 410)) return undefined;
      throw err;
    }
  }

  /**
   * A resource a notification named by address: relative, or absolute on this base. Anything else
   * is a {@link NotOnBaseError} and is never requested.
   */
  readAddress(address: string): Promise<FhirResource | undefined> {
    const parsed = parseReference(address);
    if (parsed.kind === 'relative') return this.read(address);
    if (parsed.kind === 'absolute' && isOnBase(address, this.base) && parsed.base === this.base) {
      return this.read(
        parsed.version === undefined
          ? `${parsed.type}/${parsed.id}`
          : `${parsed.type}/${parsed.id}/_history/${parsed.version}`,
      );
    }
    return Promise.reject(new NotOnBaseError(`${address} is not on ${this.base}: not fetched`));
  }

  /**
   * Updates a resource (write-back), only if the server still has `versionId` (`If-Match`,
   * R4 §3.1.0.6.2: a 412 says someone else changed it since it was read).
   */
  update(resource: FhirResource & { id: string }, versionId: string | undefined): Promise<FhirResource> {
    const key = `${resource.resourceType}/${resource.id}`;
    return this.call(`update ${key}`, (options) =>
      this.client.update({
        resourceType: resource.resourceType,
        id: resource.id,
        body: resource,
        options:
          versionId === undefined
            ? options
            : { ...options, headers: { ...options.headers, 'if-match': `W/"${versionId}"` } },
      }),
    );
  }

  /**
   * Creates a resource unless one matches `ifNoneExist` (a conditional create, R4 §3.1.0.8), so
   * that a create retried after its answer was lost makes no second resource.
   */
  create(resource: FhirResource, ifNoneExist: string): Promise<FhirResource> {
    return this.call(`create ${resource.resourceType}`, (options) =>
      this.client.create({
        resourceType: resource.resourceType,
        body: resource,
        options: { ...options, headers: { ...options.headers, 'if-none-exist': ifNoneExist } },
      }),
    );
  }

  /** One request: authorization, timeout, retries with backoff, one retry with a new token on 401. */
  private async call(
    what: string,
    request: (options: { headers: Record<string, string>; signal: AbortSignal }) => Promise<unknown>,
  ): Promise<FhirResource> {
    let renewed = false;
    const result = await withRetry(
      async () => {
        const authorization = await this.auth.header();
        const headers: Record<string, string> = authorization ? { authorization } : {};
        try {
          return await request({ headers, signal: AbortSignal.timeout(this.settings.timeoutMs) });
        } catch (err) {
          const failure = classify(err, what, this.clock.now());
          if (failure.status === 401 && this.settings.auth.kind === 'smart-backend' && !renewed) {
            // The token may have been revoked or expired early: once more with a new one.
            renewed = true;
            this.auth.invalidate();
            throw new FhirRequestError(failure.message, true, 401, 0);
          }
          throw failure;
        }
      },
      (err) => classify(err, what, this.clock.now()),
      this.settings.retry,
      this.settings.sleep,
    );
    if (!isResource(result)) throw new FhirRequestError(`${what}: the answer is not a FHIR resource`, false);
    return result;
  }
}
