// Public API of @circulator/identity: everything else in this folder is internal.
export { IdentityModule } from './identity.module';
export {
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_LOCKOUT_SECONDS,
  DEFAULT_LOCKOUT_THRESHOLD,
  DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
  type IdentityModuleOptions,
  type OidcOptions,
} from './identity.options';
export { profileFromClaims, rolesFromClaims, usernameCandidates } from './oidc.claims';
export { actorOf, type Actor, type Principal, type PrincipalKind } from './principal.model';
export { type AuthenticatedRequest, CurrentPrincipal, PUBLIC_KEY, Public, ROLES_KEY, Roles } from './access.decorators';
export { decideConsultAccess, decideRoles, parseBearer, type RoleDecision } from './access.policy';
export { AccessGuard } from './access.guard';
export { type AuditEntry, AuditService } from './audit.service';
export {
  type ConsultationTokenSubject,
  type DisplayTokenSubject,
  type TokenSession,
  type TokenSubject,
  TokenService,
} from './token.service';
export { DISPLAY_TOKEN_TTL_SECONDS, TOKEN_AUDIENCE, TOKEN_ISSUER } from './token.claims';
export { ADMIN_USERNAME, type CreateUserInput, type UserView, UsersService } from './users.service';
export { type CreatedDisplay, DisplaysService } from './displays.service';
export { ConsultationsService } from './consultations.service';
export { CredentialEvents, endedBy, type RevokedListener, type RevokedSubject } from './credential.events';
export {
  type FieldError,
  IdentityError,
  type IdentityErrorCode,
  type IdentityProblem,
  problemForIdentityError,
} from './identity.error';
export { PROBLEM_CONTENT_TYPE, type ProblemDetails, ProblemDetailsFilter } from './problem-details.filter';
export { USERNAME_PATTERN } from './identity.schemas';
export {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  type PasswordCheckOptions,
  type PasswordRule,
  type PasswordViolation,
  checkPassword,
  passwordPolicyViolations,
} from './password.policy';
