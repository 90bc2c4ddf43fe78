import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selfSignedCertificate, type TestCertificate } from '../../../../test/support/certificates';
import { createTempDir, type TempDir } from '../../../../test/support/services';
import { StartupError } from '../bootstrap/preflight';
import { readTlsFiles } from './tls-files';

describe('readTlsFiles', () => {
  let dir: TempDir;
  let pair: TestCertificate;
  let other: TestCertificate;
  const names = { cert: 'HTTP_TLS_CERT', key: 'HTTP_TLS_KEY' };

  beforeAll(() => {
    dir = createTempDir('tls-files-');
    pair = selfSignedCertificate(dir.path);
    other = selfSignedCertificate(dir.path, 'other');
    writeFileSync(join(dir.path, 'garbage.pem'), 'not a pem file\n');
    // The right key, but locked with a passphrase the server is never given.
    execFileSync(
      'openssl',
      ['pkey', '-in', pair.keyFile, '-aes256', '-passout', 'pass:secret', '-out', join(dir.path, 'encrypted.key')],
      { stdio: 'ignore' },
    );
  });
  afterAll(() => dir.remove());

  it('reads a matching pair', () => {
    const files = readTlsFiles(names, { certFile: pair.certFile, keyFile: pair.keyFile });
    expect(files.cert.equals(pair.cert)).toBe(true);
    expect(files.key.equals(pair.key)).toBe(true);
  });

  it('has a really encrypted key to test with', () => {
    expect(readFileSync(join(dir.path, 'encrypted.key'), 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');
  });

  it.each([
    [
      'a missing certificate',
      () => ({ certFile: join(dir.path, 'missing.pem'), keyFile: pair.keyFile }),
      /^HTTP_TLS_CERT: cannot read .*missing\.pem \(ENOENT\); point HTTP_TLS_CERT at a readable PEM certificate file$/,
    ],
    [
      'a folder as the key',
      () => ({ certFile: pair.certFile, keyFile: dir.path }),
      /^HTTP_TLS_KEY: cannot read .* \(EISDIR\); point HTTP_TLS_KEY at a readable PEM private key file$/,
    ],
    [
      'a certificate that is no PEM',
      () => ({ certFile: join(dir.path, 'garbage.pem'), keyFile: pair.keyFile }),
      /^HTTP_TLS_CERT: .*garbage\.pem holds no PEM certificate/,
    ],
    [
      'a key that is no PEM',
      () => ({ certFile: pair.certFile, keyFile: join(dir.path, 'garbage.pem') }),
      /^HTTP_TLS_KEY: .*garbage\.pem holds no unencrypted PEM private key/,
    ],
    [
      'an encrypted key',
      () => ({ certFile: pair.certFile, keyFile: join(dir.path, 'encrypted.key') }),
      /^HTTP_TLS_KEY: .*encrypted\.key holds no unencrypted PEM private key/,
    ],
    [
      'the key of another certificate',
      () => ({ certFile: pair.certFile, keyFile: other.keyFile }),
      /^HTTP_TLS_KEY: .*other\.key is not the key of the certificate in .*server\.pem; set HTTP_TLS_CERT and HTTP_TLS_KEY to one pair$/,
    ],
  ])('stops the start with one line for %s', (_what, files, message) => {
    let thrown: unknown;
    try {
      readTlsFiles(names, files());
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(StartupError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('\n');
  });
});
