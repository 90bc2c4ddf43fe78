import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, type TempDir } from '../../../../test/support/services';
import { StartupError } from '../bootstrap/preflight';
import { ConfigError, loadConfig } from './app-config';
import { fhirInboundSettings } from './fhir-settings';

describe('FHIR settings (CONTRACT §1, §5)', () => {
  let dir: TempDir;
  beforeAll(() => (dir = createTempDir()));
  afterAll(() => dir.remove());

  it('defaults: no EHR, no hook, no auth, a sync every minute in pages of 100', () => {
    const c = loadConfig({});
    expect(c.fhir).toEqual({ auth: { kind: 'none' }, syncIntervalSeconds: 60, pageSize: 100 });
    expect(fhirInboundSettings(c.fhir)).toEqual({ auth: { kind: 'none' }, syncIntervalMs: 60_000, pageSize: 100 });
  });

  it('reads the sync, hook and bearer settings', () => {
    const c = loadConfig({
      FHIR_BASE_URL: 'https://ehr.example/fhir/R4',
      FHIR_HOOK_SECRET: 'sixteen-chars-at-least',
      FHIR_AUTH: 'bearer',
      FHIR_AUTH_TOKEN: 'tok',
      FHIR_SYNC_INTERVAL_SECONDS: '0',
      FHIR_SYNC_SINCE: '2026-11-01T00:00:00+01:00',
      FHIR_SYNC_PAGE_SIZE: '250',
    });
    expect(fhirInboundSettings(c.fhir)).toEqual({
      baseUrl: 'https://ehr.example/fhir/R4',
      hookSecret: 'sixteen-chars-at-least',
      auth: { kind: 'bearer', token: 'tok' },
      syncIntervalMs: 0,
      syncSince: '2026-11-01T00:00:00+01:00',
      pageSize: 250,
    });
  });

  it.each([
    [{ FHIR_AUTH: 'oauth' }, /^FHIR_AUTH must be none, bearer or smart-backend.*got "oauth"/],
    [{ FHIR_AUTH: 'bearer' }, /^FHIR_AUTH is bearer but FHIR_BASE_URL is not set/],
    [{ FHIR_BASE_URL: 'https://ehr/fhir', FHIR_AUTH: 'bearer' }, /^FHIR_AUTH=bearer needs FHIR_AUTH_TOKEN/],
    [
      { FHIR_BASE_URL: 'https://ehr/fhir', FHIR_AUTH: 'smart-backend', FHIR_SMART_CLIENT_ID: 'c' },
      /needs FHIR_SMART_CLIENT_ID and FHIR_SMART_KEY_FILE/,
    ],
    [{ FHIR_SYNC_SINCE: '2026-11-01' }, /^FHIR_SYNC_SINCE must be an ISO 8601 instant with its zone/],
    [{ FHIR_SYNC_INTERVAL_SECONDS: '-1' }, /^FHIR_SYNC_INTERVAL_SECONDS must be 0 \(off\) or more/],
    [{ FHIR_SYNC_PAGE_SIZE: '5000' }, /^FHIR_SYNC_PAGE_SIZE must be 1–1000/],
    [{ FHIR_SMART_TOKEN_URL: 'ftp://x' }, /^FHIR_SMART_TOKEN_URL must be a URL starting with http:/],
    [{ FHIR_HOOK_SECRET: 'short' }, /^FHIR_HOOK_SECRET must be at least 16 characters: use at least 16/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never shows a secret in the error', () => {
    expect(() => loadConfig({ FHIR_HOOK_SECRET: 'short' })).not.toThrow(/short/);
  });

  const smartEnv = (keyFile: string) => ({
    FHIR_BASE_URL: 'https://ehr.example/fhir/R4',
    FHIR_AUTH: 'smart-backend',
    FHIR_SMART_CLIENT_ID: 'circulator',
    FHIR_SMART_KEY_FILE: keyFile,
    FHIR_SMART_KEY_ID: 'k1',
  });

  it('reads the SMART key at start (EC P-384 or RSA 2048+)', () => {
    const file = join(dir.path, 'smart.pem');
    writeFileSync(
      file,
      generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    const settings = fhirInboundSettings(loadConfig(smartEnv(file)).fhir);
    expect(settings.auth).toMatchObject({
      kind: 'smart-backend',
      clientId: 'circulator',
      keyId: 'k1',
      scope: 'system/*.read',
    });
    expect(settings.auth.kind === 'smart-backend' && settings.auth.privateKey.asymmetricKeyType).toBe('ec');
  });

  it('stops the start with one line naming FHIR_SMART_KEY_FILE when the key is missing or unusable', () => {
    expect(() => fhirInboundSettings(loadConfig(smartEnv(join(dir.path, 'missing.pem'))).fhir)).toThrow(
      new StartupError(
        `FHIR_SMART_KEY_FILE: cannot read ${join(dir.path, 'missing.pem')} (ENOENT); point it at a readable PEM private key`,
      ),
    );
    const weak = join(dir.path, 'p256.pem');
    writeFileSync(
      weak,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    expect(() => fhirInboundSettings(loadConfig(smartEnv(weak)).fhir)).toThrow(
      /^FHIR_SMART_KEY_FILE: .*p256\.pem its EC key is on prime256v1; ES384 needs P-384/,
    );
    const junk = join(dir.path, 'junk.pem');
    writeFileSync(junk, 'not a key');
    expect(() => fhirInboundSettings(loadConfig(smartEnv(junk)).fhir)).toThrow(/holds no unencrypted PEM private key/);
  });
});
