import { ROLES, type Role } from '@circulator/contracts';
import { z } from 'zod';
import { type FieldError, IdentityError } from './identity.error';
import { type PasswordCheckOptions, passwordPolicyViolations } from './password.policy';

/**
 * Bound on a password presented to sign in: above the policy's maximum so that an account whose
 * password predates the policy can still sign in, and low enough to bound argon2's work.
 */
export const SIGN_IN_PASSWORD_MAX_LENGTH = 1024;
/** CONTRACT-level rule for user names. */
export const USERNAME_PATTERN = /^[a-z0-9._-]{3,64}$/i;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether an id from a path or a token is a uuid: checked before any query, because anything else
 * would reach PostgreSQL as a cast error (a 500) instead of a 404 or a 401.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Names are compared case-insensitively (stored lower-case) so that `Admin` and `admin` can never
 * be two different accounts that look the same in an audit trail.
 */
export function normalizeUsername(username: string): string {
  return username.toLowerCase();
}

/** Body of `POST /api/auth/token`. Only shape is checked: policy applies when passwords are set. */
export const tokenRequestSchema = z.object({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(SIGN_IN_PASSWORD_MAX_LENGTH),
});
export type TokenRequest = z.infer<typeof tokenRequestSchema>;

/** Body of `POST /api/auth/refresh` and `POST /api/auth/logout` (RFC 6749 §6 parameter name). */
export const refreshRequestSchema = z.object({
  refresh_token: z.string().min(1).max(256),
});
export type RefreshRequest = z.infer<typeof refreshRequestSchema>;

/** Body of `POST /api/auth/password`: the policy applies to `newPassword` once the current one is checked. */
export const passwordChangeSchema = z.object({
  currentPassword: z.string().min(1).max(SIGN_IN_PASSWORD_MAX_LENGTH),
  newPassword: z.string(),
});
export type PasswordChange = z.infer<typeof passwordChangeSchema>;

/** Body of `POST /api/users/{id}/password` (admin reset); the policy applies to `password`. */
export const passwordResetSchema = z.object({
  password: z.string(),
});
export type PasswordReset = z.infer<typeof passwordResetSchema>;

/** Roles a user may hold: known ones, at least one, never `display`; repeats removed. */
const userRolesSchema = z
  .array(z.enum(ROLES))
  .min(1, { error: 'must name at least one role' })
  // `display` belongs to display credentials (POST /api/displays), which carry the one room
  // they may read; a user holding it would be a display bound to no room.
  .refine((roles) => !roles.includes('display'), { error: 'role display is only for display credentials' })
  .transform((roles): Role[] => [...new Set(roles)]);

const displayNameSchema = z.string().trim().min(1).max(200);

/**
 * Body of `PATCH /api/users/{id}`. Strict: a member this route does not change (a password, a
 * username) is refused rather than silently ignored.
 */
export const userPatchSchema = z
  .strictObject({
    displayName: displayNameSchema.optional(),
    roles: userRolesSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), {
    error: 'must change at least one of displayName, roles, disabled',
  });
export type UserPatch = z.infer<typeof userPatchSchema>;

/** Body of `POST /api/cases/{caseId}/consultations`. */
export const newConsultationSchema = z.object({
  /** Who is consulted, as the granting clinician names them (shown in the list; audited). */
  consultant: z.string().trim().min(1).max(120),
  /** How long the access lasts: 5 minutes to 8 hours, default an hour. */
  minutes: z.number().int().min(5).max(480).default(60),
});
export type NewConsultation = z.infer<typeof newConsultationSchema>;

const newUserShape = z.object({
  username: z
    .string()
    .regex(USERNAME_PATTERN, { error: 'must be 3 to 64 letters, digits, dots, underscores or hyphens' })
    .transform(normalizeUsername),
  password: z.string(),
  displayName: displayNameSchema,
  roles: userRolesSchema,
});

/** A validated new user: username normalised, roles de-duplicated, password within policy. */
export interface NewUser {
  username: string;
  password: string;
  displayName: string;
  roles: Role[];
}

/** Body of `POST /api/displays`. */
export const newDisplaySchema = z.object({
  roomId: z.string().trim().min(1).max(200),
});
export type NewDisplay = z.infer<typeof newDisplaySchema>;

/**
 * Parses a request body or throws an `invalid_request` {@link IdentityError} that lists each
 * field problem with a JSON pointer (RFC 9457 §3 extension member `errors`).
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue): FieldError => ({
    pointer: toPointer(issue.path),
    detail: issue.message,
  }));
  throw new IdentityError('invalid_request', describe(errors), errors);
}

/** Validates a new user completely: shape first, then the password policy (`weak_password`). */
export function parseNewUser(input: unknown): NewUser {
  const user = parseBody(newUserShape, input);
  assertPasswordPolicy(user.username, user.password);
  return user;
}

/**
 * Throws a `weak_password` {@link IdentityError} naming every broken rule of the password policy
 * (with `pointer` at the field that carried the password), never the password itself.
 */
export function assertPasswordPolicy(
  username: string,
  password: string,
  pointer = '/password',
  options: PasswordCheckOptions = {},
): void {
  const violations = passwordPolicyViolations(username, password, options);
  if (violations.length === 0) return;
  const errors = violations.map((detail): FieldError => ({ pointer, detail }));
  throw new IdentityError('weak_password', describe(errors), errors);
}

function describe(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.pointer === '' ? 'body' : e.pointer.slice(1)}: ${e.detail}`).join('; ');
}

// RFC 6901 §3: `~` and `/` inside a reference token are escaped as `~0` and `~1`.
function toPointer(path: readonly PropertyKey[]): string {
  return path.map((key) => '/' + String(key).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}
