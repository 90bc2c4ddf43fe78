import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { type Role, type UserAccountView, isRole } from '@circulator/contracts';
import { UserEntity } from '@circulator/persistence';
import { AuditService } from './audit.service';
import { CredentialEvents } from './credential.events';
import { IdentityError } from './identity.error';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import {
  type PasswordReset,
  type UserPatch,
  assertPasswordPolicy,
  isUuid,
  normalizeUsername,
  parseBody,
  parseNewUser,
  passwordResetSchema,
  userPatchSchema,
} from './identity.schemas';
import { LoginThrottle } from './login.throttle';
import { PasswordHasher } from './password.hasher';
import { passwordPolicyViolations } from './password.policy';
import { type Actor, type Principal } from './principal.model';
import { RefreshTokenRepository } from './refresh-token.repository';

/** A user as the API shows it: never the password hash. */
export interface UserView {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
}

/** Input of {@link UsersService.create}; validated there, whoever the caller is. */
export interface CreateUserInput {
  username: string;
  password: string;
  displayName: string;
  roles: readonly string[];
}

/** The built-in administrator of CONTRACT §1 (`ADMIN_PASSWORD`). */
export const ADMIN_USERNAME = 'admin';

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  roles: unknown;
  disabled: boolean;
  created_at: Date;
}

/**
 * User accounts: creation and administration with policy checks, sign-in checks, and the
 * start-up admin. Every change is audited; disabling a user ends its sign-ins and is announced
 * on {@link CredentialEvents}.
 */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottle,
    private readonly sessions: RefreshTokenRepository,
    private readonly events: CredentialEvents,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
  ) {}

  /**
   * Creates a user. Throws `invalid_request` or `weak_password` (400) for bad input and
   * `username_taken` (409) when the (case-insensitive) name exists. Audited as `user.create`.
   */
  async create(input: CreateUserInput, by: Actor = 'system'): Promise<UserView> {
    const user = parseNewUser(input);
    const id = randomUUID();
    const hash = await this.hasher.hash(user.password);
    // ON CONFLICT rather than check-then-insert: two concurrent creations cannot both win.
    const inserted = await this.users.query<{ id: string }[]>(
      `INSERT INTO app_user (id, username, password_hash, display_name, roles, disabled, created_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, false, $6)
       ON CONFLICT (username) DO NOTHING RETURNING id`,
      [id, user.username, hash, user.displayName, JSON.stringify(user.roles), this.options.now()],
    );
    if (inserted.length === 0) throw new IdentityError('username_taken', `user ${user.username} already exists`);
    await this.audit.record({
      principal: by,
      action: 'user.create',
      targetType: 'user',
      targetId: id,
      detail: { username: user.username, roles: user.roles },
    });
    return { id, username: user.username, displayName: user.displayName, roles: user.roles };
  }

  /** Every account, by username, with its lock if one is in force. */
  async list(): Promise<UserAccountView[]> {
    const rows = await this.users.query<UserRow[]>(
      `SELECT id, username, display_name, roles, disabled, created_at FROM app_user ORDER BY username`,
    );
    return this.accountViews(rows);
  }

  /** One account; `not_found` for an unknown (or malformed) id. */
  async get(id: string): Promise<UserAccountView> {
    const [view] = await this.accountViews([await this.row(id)]);
    if (!view) throw new IdentityError('not_found', 'no such user');
    return view;
  }

  /**
   * Changes display name, roles and/or the disabled flag. An admin may neither take away their
   * own admin role nor disable themselves, and at least one enabled admin always remains
   * (`conflict`, 409). Disabling ends the user's sign-ins and is announced on
   * {@link CredentialEvents}. Audited as `user.update` when anything changed.
   */
  async update(id: string, input: unknown, by: Principal): Promise<UserAccountView> {
    const patch: UserPatch = parseBody(userPatchSchema, input);
    if (!isUuid(id)) throw new IdentityError('not_found', 'no such user');
    const now = this.options.now();
    const change = await this.users.manager.transaction(async (m) => {
      // Lock the target and every enabled admin, in id order (two admins changing each other at
      // once then queue instead of deadlocking), so the "one enabled admin remains" check holds.
      const rows = await m.query<UserRow[]>(
        `SELECT id, username, display_name, roles, disabled, created_at FROM app_user
         WHERE id = $1 OR (disabled = false AND roles @> '["admin"]'::jsonb)
         ORDER BY id FOR UPDATE`,
        [id],
      );
      const current = rows.find((r) => r.id === id);
      if (!current) throw new IdentityError('not_found', 'no such user');
      const before = { displayName: current.display_name, roles: rolesOf(current.roles), disabled: current.disabled };
      const after = {
        displayName: patch.displayName ?? before.displayName,
        roles: patch.roles ?? before.roles,
        disabled: patch.disabled ?? before.disabled,
      };
      const wasAdmin = before.roles.includes('admin') && !before.disabled;
      const isAdmin = after.roles.includes('admin') && !after.disabled;
      if (by.kind === 'user' && by.sub === id) {
        if (after.disabled && !before.disabled) throw new IdentityError('conflict', 'you cannot disable yourself');
        if (before.roles.includes('admin') && !after.roles.includes('admin')) {
          throw new IdentityError('conflict', 'you cannot remove your own admin role');
        }
      }
      if (wasAdmin && !isAdmin && !rows.some((r) => r.id !== id)) {
        throw new IdentityError('conflict', 'at least one enabled admin must remain');
      }
      const changed: Record<string, unknown> = {};
      if (after.displayName !== before.displayName) changed['displayName'] = after.displayName;
      if (!sameRoles(after.roles, before.roles)) changed['roles'] = { from: before.roles, to: after.roles };
      if (after.disabled !== before.disabled) changed['disabled'] = after.disabled;
      if (Object.keys(changed).length === 0) return undefined;
      await m.query(`UPDATE app_user SET display_name = $2, roles = $3::jsonb, disabled = $4 WHERE id = $1`, [
        id,
        after.displayName,
        JSON.stringify(after.roles),
        after.disabled,
      ]);
      return { changed, disabling: after.disabled && !before.disabled, username: current.username };
    });
    if (change) {
      let endedSessions = 0;
      if (change.disabling) endedSessions = await this.sessions.revokeAllOf(id, 'user-disabled', now);
      await this.audit.record({
        principal: by,
        action: 'user.update',
        targetType: 'user',
        targetId: id,
        detail: { username: change.username, ...change.changed, ...(change.disabling ? { endedSessions } : {}) },
      });
      if (change.disabling) this.events.revoked({ kind: 'user', sub: id });
    }
    return this.get(id);
  }

  /**
   * Sets a new password for a user (admin reset): the policy applies; the user's sign-ins end and
   * any lock on the name is lifted (the admin has just handed over a password that works).
   * Audited as `user.password.reset`, never with the password.
   */
  async resetPassword(id: string, input: unknown, by: Principal): Promise<void> {
    const { password }: PasswordReset = parseBody(passwordResetSchema, input);
    const user = await this.row(id);
    if (!user) throw new IdentityError('not_found', 'no such user');
    assertPasswordPolicy(user.username, password);
    await this.users.update({ id }, { passwordHash: await this.hasher.hash(password) });
    const now = this.options.now();
    const endedSessions = await this.sessions.revokeAllOf(id, 'password-reset', now);
    // Whoever is connected with the old password's sign-ins is dropped at once.
    this.events.revoked({ kind: 'user', sub: id });
    const unlocked = await this.throttle.reset(user.username);
    await this.audit.record({
      principal: by,
      action: 'user.password.reset',
      targetType: 'user',
      targetId: id,
      detail: { username: user.username, endedSessions, unlocked },
    });
  }

  /** Sets a user's own new password, already checked against the current one and the policy. */
  async setPassword(id: string, password: string): Promise<void> {
    await this.users.update({ id }, { passwordHash: await this.hasher.hash(password) });
  }

  /** Lifts the lock (and forgets the failures) of a user's name. Audited as `user.unlock`. */
  async unlock(id: string, by: Principal): Promise<void> {
    const user = await this.row(id);
    if (!user) throw new IdentityError('not_found', 'no such user');
    const now = this.options.now();
    const wasLocked = (await this.throttle.lockedUntil(user.username, now)) !== undefined;
    await this.throttle.reset(user.username);
    await this.audit.record({
      principal: by,
      action: 'user.unlock',
      targetType: 'user',
      targetId: id,
      detail: { username: user.username, wasLocked },
    });
  }

  /** An enabled user by id as it is now (for a refresh), or undefined. */
  async findEnabled(id: string): Promise<UserView | undefined> {
    const user = await this.row(id);
    if (!user || user.disabled) return undefined;
    return { id: user.id, username: user.username, displayName: user.display_name, roles: rolesOf(user.roles) };
  }

  /**
   * The user these credentials belong to, or null. Unknown, disabled and wrong-password cases all
   * cost one argon2 verification, so response time does not tell an attacker which one it was.
   */
  async verifyCredentials(username: string, password: string): Promise<UserView | null> {
    const user = await this.users.findOneBy({ username: normalizeUsername(username) });
    if (!user) {
      await this.hasher.burn(password);
      return null;
    }
    if (!user.passwordHash.startsWith('$argon2')) {
      // No local password (a user of the OpenID Provider): refused, at the cost of a real check.
      await this.hasher.burn(password);
      return null;
    }
    const matches = await this.hasher.verify(user.passwordHash, password);
    if (!matches || user.disabled) return null;
    return toView(user);
  }

  /**
   * Makes sure user `admin` exists, holds role `admin`, is enabled and has exactly `password`.
   * Safe when several processes start at once: the insert is `ON CONFLICT DO NOTHING` and the
   * follow-up update is idempotent.
   */
  async ensureAdmin(password: string): Promise<void> {
    // The username rule is `equals` here, not `contains`: see PasswordCheckOptions.username.
    const violations = passwordPolicyViolations(ADMIN_USERNAME, password, { username: 'equals' });
    if (violations.length > 0) {
      // The value is a secret: say what is wrong with it, never what it is.
      throw new IdentityError('invalid_configuration', `adminPassword (ADMIN_PASSWORD) ${violations.join(' and ')}`);
    }
    let admin = await this.users.findOneBy({ username: ADMIN_USERNAME });
    if (!admin) {
      const id = randomUUID();
      const inserted = await this.users.query<{ id: string }[]>(
        `INSERT INTO app_user (id, username, password_hash, display_name, roles, disabled, created_at)
         VALUES ($1, $2, $3, 'Administrator', '["admin"]'::jsonb, false, $4)
         ON CONFLICT (username) DO NOTHING RETURNING id`,
        [id, ADMIN_USERNAME, await this.hasher.hash(password), this.options.now()],
      );
      if (inserted.length > 0) {
        await this.audit.record({
          principal: 'system',
          action: 'user.ensure-admin',
          targetType: 'user',
          targetId: id,
          detail: { created: true },
        });
        return;
      }
      // Another process created it between our read and our insert: check what it wrote.
      admin = await this.users.findOneByOrFail({ username: ADMIN_USERNAME });
    }
    const passwordMatches = await this.hasher.verify(admin.passwordHash, password);
    const hasRole = admin.roles.includes('admin');
    if (passwordMatches && hasRole && !admin.disabled) return;
    await this.users.update(
      { id: admin.id },
      {
        passwordHash: passwordMatches ? admin.passwordHash : await this.hasher.hash(password),
        roles: hasRole ? admin.roles : [...admin.roles, 'admin'],
        disabled: false,
      },
    );
    await this.audit.record({
      principal: 'system',
      action: 'user.ensure-admin',
      targetType: 'user',
      targetId: admin.id,
      detail: { passwordChanged: !passwordMatches, roleAdded: !hasRole, enabled: admin.disabled },
    });
  }

  private async row(id: string): Promise<UserRow | undefined> {
    if (!isUuid(id)) return undefined;
    const rows = await this.users.query<UserRow[]>(
      `SELECT id, username, display_name, roles, disabled, created_at FROM app_user WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  private async accountViews(rows: readonly (UserRow | undefined)[]): Promise<UserAccountView[]> {
    const present = rows.filter((r): r is UserRow => r !== undefined);
    const locks = await this.throttle.locksOf(
      present.map((r) => r.username),
      this.options.now(),
    );
    return present.map((r) => ({
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      roles: rolesOf(r.roles),
      disabled: r.disabled,
      lockedUntil: locks.get(r.username)?.toISOString() ?? null,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }
}

function rolesOf(value: unknown): Role[] {
  return Array.isArray(value) ? value.filter(isRole) : [];
}

function sameRoles(a: readonly Role[], b: readonly Role[]): boolean {
  return a.length === b.length && a.every((role) => b.includes(role));
}

function toView(user: UserEntity): UserView {
  return { id: user.id, username: user.username, displayName: user.displayName, roles: user.roles.filter(isRole) };
}
