import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';

/**
 * What the audit knows of the request being served, for as long as its handler runs: the client
 * address. {@link AuditSourceInterceptor} sets it around every HTTP and socket.io handler, so each
 * `AuditService.record` made on a request's behalf (in a controller or in a service it calls)
 * carries its `source` without every caller passing it.
 */
@Injectable()
export class AuditContext {
  private readonly storage = new AsyncLocalStorage<{ source: string }>();

  /** Runs `fn` (and everything it starts) as serving a request from `source`. */
  run<T>(source: string, fn: () => T): T {
    return this.storage.run({ source }, fn);
  }

  /** The client address of the request being served, if any. */
  source(): string | undefined {
    return this.storage.getStore()?.source;
  }
}
