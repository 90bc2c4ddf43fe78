import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares the `X-Hook-Secret` a caller sent with FHIR_HOOK_SECRET in constant time. Both are hashed
 * first (SHA-256), so the comparison takes the same time whatever their lengths: neither the
 * secret's content nor its length leaks through timing. No secret configured, or none sent, never
 * matches.
 */
export function hookSecretMatches(
  given: string | readonly string[] | undefined,
  expected: string | undefined,
): boolean {
  if (expected === undefined || expected === '') return false;
  const sent = typeof given === 'string' ? given : undefined;
  const a = createHash('sha256')
    .update(sent ?? '', 'utf8')
    .digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  // Always compare, also when nothing was sent, so that "no header" takes as long as "wrong header".
  const equal = timingSafeEqual(a, b);
  return equal && sent !== undefined;
}
