import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@circulator/contracts';
import { type AuthenticatedRequest, PUBLIC_KEY, ROLES_KEY } from './access.decorators';
import { decideConsultAccess, decideRoles, parseBearer, pathOf } from './access.policy';
import { IdentityError } from './identity.error';
import { TokenService } from './token.service';

/**
 * The one global guard (registered as APP_GUARD by IdentityModule). On every HTTP route:
 * `@Public()` passes; otherwise a valid bearer token is required (401) and the route must declare
 * `@Roles(...)` that the principal satisfies (403). Undeclared routes are refused: deny by default.
 * A consultation principal holds no role: it passes on the read routes of its own case only
 * ({@link decideConsultAccess}), and the route's own `@Roles` is not consulted for it.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);
  private readonly warned = new WeakSet<object>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Nest also runs global guards on socket.io message handlers. Those are authenticated once at
    // the handshake (CONTRACT §7, via TokenService.verify) and authorised per topic by the
    // gateway, which has no Authorization header to show here.
    if (context.getType() !== 'http') return true;

    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets) === true) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = parseBearer(request.headers['authorization']);
    if (token === undefined) throw new IdentityError('unauthorized', 'an Authorization: Bearer token is required');
    const principal = await this.tokens.verify(token);
    request.principal = principal;

    const required = this.reflector.getAllAndOverride<readonly Role[] | undefined>(ROLES_KEY, targets);
    if (required === undefined) this.warnUndeclared(context);
    const decision =
      principal.kind === 'consult'
        ? // Even there, a route that declares no roles stays closed (deny by default).
          required === undefined || required.length === 0
          ? 'forbidden'
          : decideConsultAccess(
              principal.caseId,
              request.method ?? '',
              pathOf(request.originalUrl ?? request.url ?? ''),
            )
        : decideRoles(principal.roles, required);
    switch (decision) {
      case 'allow':
        return true;
      case 'forbidden':
        throw new IdentityError('forbidden', 'your role may not do this');
    }
  }

  /** Tells the developer, once per handler, why a route answers 403 to everyone. */
  private warnUndeclared(context: ExecutionContext): void {
    const handler = context.getHandler();
    if (this.warned.has(handler)) return;
    this.warned.add(handler);
    this.logger.warn(
      `${context.getClass().name}.${handler.name} declares neither @Public() nor @Roles(...): refused to everyone`,
    );
  }
}
