import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { AuditContext } from './audit.context';

/**
 * Global interceptor (APP_INTERCEPTOR of IdentityModule): runs each HTTP and socket.io handler in
 * an {@link AuditContext} that knows the client's address. Nest creates the handler's observable
 * inside `next.handle()`, bound to the async context of that call, so the store reaches the
 * handler and whatever it awaits.
 */
@Injectable()
export class AuditSourceInterceptor implements NestInterceptor {
  constructor(private readonly context: AuditContext) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const source = sourceOf(context);
    return source === undefined ? next.handle() : this.context.run(source, () => next.handle());
  }
}

/**
 * The client address of a request: for HTTP, Express's `req.ip` (which follows the app's
 * `trust proxy` setting, so a trusted proxy's X-Forwarded-For counts), else the socket's peer;
 * for socket.io, the handshake's peer address.
 */
export function sourceOf(context: ExecutionContext): string | undefined {
  switch (context.getType()) {
    case 'http': {
      const req = context.switchToHttp().getRequest<{ ip?: string; socket?: { remoteAddress?: string } } | undefined>();
      return nonEmpty(req?.ip) ?? nonEmpty(req?.socket?.remoteAddress);
    }
    case 'ws': {
      const client = context.switchToWs().getClient<{ handshake?: { address?: unknown } } | undefined>();
      const address = client?.handshake?.address;
      return typeof address === 'string' ? nonEmpty(address) : undefined;
    }
    case 'rpc':
      return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
