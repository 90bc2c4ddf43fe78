import { generateKeyPairSync, verify } from 'node:crypto';
import { algorithmFor, signClientAssertion, smartKeyFromPem, tokenRequestBody } from './smart-backend';

function decode(jwt: string): {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signed: string;
  signature: Buffer;
} {
  const [h, c, s] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(c!, 'base64url').toString()) as Record<string, unknown>,
    signed: `${h}.${c}`,
    signature: Buffer.from(s!, 'base64url'),
  };
}

describe('SMART Backend Services client assertion', () => {
  const now = new Date('2026-11-23T08:00:00Z');
  const tokenUrl = 'https://ehr.example.org/oauth2/token';

  it('signs an RS384 assertion that verifies with the public key, with the claims SMART asks for', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwt = signClientAssertion({
      clientId: 'circulator',
      tokenUrl,
      key: privateKey,
      keyId: 'k1',
      now,
      jti: 'j-1',
    });
    const { header, claims, signed, signature } = decode(jwt);
    expect(header).toEqual({ alg: 'RS384', typ: 'JWT', kid: 'k1' });
    expect(claims).toEqual({
      iss: 'circulator',
      sub: 'circulator',
      aud: tokenUrl,
      iat: 1795420800,
      exp: 1795421100,
      jti: 'j-1',
    });
    expect(verify('sha384', Buffer.from(signed), publicKey, signature)).toBe(true);
    expect(verify('sha384', Buffer.from(`${signed}x`), publicKey, signature)).toBe(false);
  });

  it('signs ES384 in JOSE form (r‖s, 96 bytes)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const jwt = signClientAssertion({ clientId: 'circulator', tokenUrl, key: privateKey, now });
    const { header, claims, signed, signature } = decode(jwt);
    expect(header).toEqual({ alg: 'ES384', typ: 'JWT' });
    expect(signature).toHaveLength(96);
    expect(verify('sha384', Buffer.from(signed), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    expect(claims['jti']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives every assertion its own jti', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const a = decode(signClientAssertion({ clientId: 'c', tokenUrl, key: privateKey, now })).claims['jti'];
    const b = decode(signClientAssertion({ clientId: 'c', tokenUrl, key: privateKey, now })).claims['jti'];
    expect(a).not.toBe(b);
  });

  it('refuses keys SMART servers need not accept', () => {
    expect(algorithmFor(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)).toEqual({
      problem: 'its EC key is on prime256v1; ES384 needs P-384',
    });
    expect(algorithmFor(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)).toEqual({
      problem: 'its RSA key has 1024 bits; SMART asks for 2048 or more',
    });
    expect(algorithmFor(generateKeyPairSync('ed25519').privateKey)).toEqual({
      problem: 'its ed25519 key is neither RSA nor EC P-384',
    });
    expect(() => smartKeyFromPem('not a key')).toThrow('holds no unencrypted PEM private key');
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(algorithmFor(smartKeyFromPem(pem))).toEqual({ alg: 'RS384' });
  });

  it('posts the client credentials grant with the assertion', () => {
    expect(Object.fromEntries(tokenRequestBody('a.b.c', 'system/*.read'))).toEqual({
      grant_type: 'client_credentials',
      scope: 'system/*.read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: 'a.b.c',
    });
  });
});
