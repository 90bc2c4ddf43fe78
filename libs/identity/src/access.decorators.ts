import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '@circulator/contracts';
import { IdentityError } from './identity.error';
import type { Principal } from './principal.model';

/** Metadata key of {@link Public}. */
export const PUBLIC_KEY = 'circulator:identity:public';
/** Metadata key of {@link Roles}. */
export const ROLES_KEY = 'circulator:identity:roles';

/**
 * Opens a handler (or every handler of a controller) to unauthenticated callers. Use sparingly:
 * CONTRACT §2 allows it only for `/api/auth/token`, `/health/**` and the FHIR subscription hook;
 * `/api/auth/refresh` and `/api/auth/logout` take a refresh token instead (issue 7).
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/**
 * The roles that may call a handler (or every handler of a controller; a handler's own list
 * replaces its controller's). `admin` always passes. An empty list (e.g. a spread of an empty
 * array) admits nobody, exactly like a missing annotation: deny by default.
 */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

/** The request as the access guard leaves it. */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
  ip?: string;
  method?: string;
  /** As received (Express keeps it when a router rewrites `url`). */
  originalUrl?: string;
  url?: string;
}

/**
 * Injects the verified {@link Principal} of the request. On a `@Public()` handler there is none,
 * and asking for it fails closed with 401 instead of handing out `undefined`.
 */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new IdentityError('unauthorized', 'this route has no authenticated principal');
  return principal;
});
