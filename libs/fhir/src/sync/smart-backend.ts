import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';

/**
 * SMART Backend Services authorization (SMART App Launch 2.x, "Backend Services"; the client
 * credentials grant with a JWT assertion, RFC 7523): the platform signs a short-lived JWT with its
 * private key and exchanges it at the EHR's token endpoint for an access token.
 */

/** SMART asks servers to support RS384 and ES384 (P-384); the platform signs with one of them. */
export type SmartAlgorithm = 'RS384' | 'ES384';

/** The JWT `alg` a private key signs with, or why it cannot be used. */
export function algorithmFor(key: KeyObject): { alg: SmartAlgorithm } | { problem: string } {
  if (key.type !== 'private') return { problem: 'it is not a private key' };
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return bits >= 2048 ? { alg: 'RS384' } : { problem: `its RSA key has ${bits} bits; SMART asks for 2048 or more` };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === 'secp384r1'
      ? { alg: 'ES384' }
      : { problem: `its EC key is on ${curve ?? 'an unknown curve'}; ES384 needs P-384` };
  }
  return { problem: `its ${key.asymmetricKeyType ?? 'unknown'} key is neither RSA nor EC P-384` };
}

/** Reads a PEM private key (PKCS#8, PKCS#1 or SEC1, unencrypted) and checks it can sign for SMART. */
export function smartKeyFromPem(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error('holds no unencrypted PEM private key');
  }
  const verdict = algorithmFor(key);
  if ('problem' in verdict) throw new Error(verdict.problem);
  return key;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export interface ClientAssertionInput {
  clientId: string;
  /** The token endpoint: the assertion's audience. */
  tokenUrl: string;
  key: KeyObject;
  keyId?: string;
  now: Date;
  /** A fresh id per assertion (the server refuses a replayed `jti`). */
  jti?: string;
}

/**
 * The signed client assertion: header `{alg, typ: "JWT", kid}`, claims `iss` = `sub` = client id,
 * `aud` = token URL, `exp` five minutes ahead (the most SMART allows), `jti` unique. ES384 is
 * signed in JOSE form (IEEE P1363 r‖s, RFC 7518 §3.4), not DER.
 */
export function signClientAssertion(input: ClientAssertionInput): string {
  const verdict = algorithmFor(input.key);
  if ('problem' in verdict) throw new Error(`the SMART key cannot sign: ${verdict.problem}`);
  const { alg } = verdict;
  const header = input.keyId === undefined ? { alg, typ: 'JWT' } : { alg, typ: 'JWT', kid: input.keyId };
  const iat = Math.floor(input.now.getTime() / 1000);
  const claims = {
    iss: input.clientId,
    sub: input.clientId,
    aud: input.tokenUrl,
    exp: iat + 300,
    iat,
    jti: input.jti ?? randomUUID(),
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature =
    alg === 'RS384'
      ? sign('sha384', Buffer.from(signingInput), input.key)
      : sign('sha384', Buffer.from(signingInput), { key: input.key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${base64url(signature)}`;
}

/** The form a backend service POSTs to the token endpoint (SMART Backend Services, step 2). */
export function tokenRequestBody(assertion: string, scope: string): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  });
}
