import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { type Role, isRole } from '@circulator/contracts';
import { UserEntity } from '@circulator/persistence';
import { AuditService } from './audit.service';
import { IdentityError } from './identity.error';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import { normalizeUsername, parseNewUser } from './identity.schemas';
import { passwordPolicyViolations } from './password.policy';
import { PasswordHasher } from './password.hasher';
import type { Actor } from './principal.model';

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

/** User accounts: creation with policy checks, sign-in checks, and the start-up admin. */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
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
}

function toView(user: UserEntity): UserView {
  return { id: user.id, username: user.username, displayName: user.displayName, roles: user.roles.filter(isRole) };
}
