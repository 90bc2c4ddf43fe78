import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { UserEntity } from '@circulator/persistence';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';

/** A sign-in started at the provider and awaiting its callback (keyed by `state`). */
export interface PendingLogin {
  kind: 'login';
  nonce: string;
  codeVerifier: string;
}

/** A finished sign-in awaiting the web client's exchange (keyed by the one-time code). */
export interface PendingHandoff {
  kind: 'handoff';
  userId: string;
}

export type Pending = PendingLogin | PendingHandoff;

/** How long a sign-in at the provider may take (state, nonce, PKCE verifier kept). */
export const LOGIN_TTL_SECONDS = 600;
/** How long the web client has to exchange the one-time code after the callback. */
export const HANDOFF_TTL_SECONDS = 60;

/** A random value of 256 bits, base64url: a `state`, a one-time code. */
export function randomKey(): string {
  return randomBytes(32).toString('base64url');
}

/** Rows are stored under the SHA-256 of the value, so that a database reader cannot use them. */
export function storageKey(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** When a pending entry made at `now` for `ttlSeconds` stops being accepted. */
export function expiryOf(now: Date, ttlSeconds: number): Date {
  return new Date(now.getTime() + ttlSeconds * 1000);
}

/** Whether an entry expiring at `expiresAt` is still accepted at `now` (the end is exclusive). */
export function isLive(expiresAt: Date, now: Date): boolean {
  return now.getTime() < expiresAt.getTime();
}

/**
 * Server-side state of the OpenID Connect flow, in the database (so any gateway process can take
 * the callback or the exchange of a sign-in another one started). Each entry is taken at most once:
 * `take` deletes it in the same statement that reads it, so a replayed state or one-time code finds
 * nothing, even when two requests race. Expired rows are refused, and swept at each `put`.
 */
@Injectable()
export class OidcPendingStore {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
  ) {}

  async put(key: string, entry: Pending, ttlSeconds: number): Promise<void> {
    const now = this.options.now();
    await this.users.query(`DELETE FROM oidc_pending WHERE expires_at <= $1`, [now]);
    await this.users.query(`INSERT INTO oidc_pending (key, kind, payload, expires_at) VALUES ($1, $2, $3::jsonb, $4)`, [
      storageKey(key),
      entry.kind,
      JSON.stringify(entry),
      expiryOf(now, ttlSeconds),
    ]);
  }

  /** The entry of that kind under `key`, removed; undefined when unknown, taken or expired. */
  async take<K extends Pending['kind']>(kind: K, key: string): Promise<Extract<Pending, { kind: K }> | undefined> {
    const rows = await this.users.query<{ payload: unknown; expires_at: Date }[]>(
      `DELETE FROM oidc_pending WHERE key = $1 AND kind = $2 RETURNING payload, expires_at`,
      [storageKey(key), kind],
    );
    // TypeORM answers a DELETE … RETURNING with [rows, count] on PostgreSQL.
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as { payload: unknown; expires_at: Date }[];
    const row = list[0];
    if (!row || !isLive(new Date(row.expires_at), this.options.now())) return undefined;
    const payload = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Pending;
    return payload.kind === kind ? (payload as Extract<Pending, { kind: K }>) : undefined;
  }
}
