import { randomBytes } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';

/**
 * argon2id hashing (RFC 9106). The library defaults (m = 64 MiB, t = 3, p = 4) are above the
 * OWASP minimums; the parameters travel inside each hash, so raising them later only needs
 * `needsRehash` on sign-in, not a migration.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash: string | undefined;

  async onModuleInit(): Promise<void> {
    // Made once at start so that checking an unknown user costs the same from the first request.
    this.dummyHash = await this.hash(randomBytes(32).toString('base64url'));
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  /** Whether `password` matches `hash`; a malformed stored hash counts as no match. */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch (err) {
      // argon2 throws a TypeError for an unparseable stored hash: that account cannot sign in
      // until its password is set again, which is a refusal, not a server fault.
      if (err instanceof TypeError) return false;
      throw err;
    }
  }

  /**
   * Spends the time of one verification against a hash nobody knows the password of, so that
   * "no such user" takes as long as "wrong password" and timing does not reveal who exists.
   */
  async burn(password: string): Promise<void> {
    this.dummyHash ??= await this.hash(randomBytes(32).toString('base64url'));
    await argon2.verify(this.dummyHash, password);
  }
}
