import { randomBytes } from 'node:crypto';
import type { Repository } from 'typeorm';
import type { AppSecretEntity } from '@circulator/persistence';

/** Name of the HS256 key in table `app_secret`. */
export const SIGNING_KEY_NAME = 'jwt-signing-key';
/** Injection token of the loaded signing key (a 32-byte Buffer). */
export const SIGNING_KEY = Symbol('SIGNING_KEY');

const KEY_BYTES = 32; // 256 bits: RFC 7518 §3.2 requires an HS256 key of at least the hash size.

/**
 * Loads the token signing key, creating it on the very first start of a deployment.
 *
 * Several processes may start at once on an empty database: each proposes a random key with
 * `ON CONFLICT DO NOTHING`, then all read back whichever row won, so every process and every
 * restart signs and verifies with the same key.
 */
export async function loadOrCreateSigningKey(secrets: Repository<AppSecretEntity>): Promise<Buffer> {
  await secrets.query(`INSERT INTO app_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [
    SIGNING_KEY_NAME,
    randomBytes(KEY_BYTES).toString('base64url'),
  ]);
  const row = await secrets.findOneBy({ name: SIGNING_KEY_NAME });
  if (!row) throw new Error(`identity: app_secret '${SIGNING_KEY_NAME}' vanished right after it was written`);
  const key = Buffer.from(row.value, 'base64url');
  if (key.length < KEY_BYTES) {
    // Never print the value: it is the key that signs every token.
    throw new Error(
      `identity: app_secret '${SIGNING_KEY_NAME}' is shorter than ${KEY_BYTES} bytes; delete it to regenerate`,
    );
  }
  return key;
}
