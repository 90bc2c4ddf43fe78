import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Device secrets are 256 random bits, shown once. They are stored as SHA-256: a secret of that
 * entropy cannot be guessed from its hash, so a slow password hash (argon2, as for people) would
 * only make every MQTT connect cost tens of milliseconds and 64 MiB, which a reconnect storm of a
 * few hundred devices after a network blip turns into an outage.
 */
export function newDeviceSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashDeviceSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether `secret` matches the stored hash, in constant time. A missing hash matches nothing. */
export function deviceSecretMatches(storedHash: string | null, secret: string): boolean {
  if (!storedHash || !/^[0-9a-f]{64}$/.test(storedHash)) return false;
  const given = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(given, Buffer.from(storedHash, 'hex'));
}
