import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { StartupError } from '../bootstrap/preflight';

/** A certificate (chain) and its private key, as PEM bytes. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

function read(variable: string, path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new StartupError(`${variable}: cannot read ${path} (${reason}); point ${variable} at a readable ${what}`);
  }
}

/**
 * Reads and checks a certificate/key pair named by two settings (e.g. HTTP_TLS_CERT and
 * HTTP_TLS_KEY) before anything listens: a missing file, a file that is not PEM, an encrypted key
 * or a key of another certificate stops the start with one line naming the setting, instead of a
 * stack trace from deep inside the TLS stack (CONTRACT §1).
 */
export function readTlsFiles(
  variables: { cert: string; key: string },
  files: { certFile: string; keyFile: string },
): TlsFiles {
  const cert = read(variables.cert, files.certFile, 'PEM certificate file');
  const key = read(variables.key, files.keyFile, 'PEM private key file');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new StartupError(
      `${variables.cert}: ${files.certFile} holds no PEM certificate; point ${variables.cert} at the server certificate (-----BEGIN CERTIFICATE-----), chain after it`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new StartupError(
      `${variables.key}: ${files.keyFile} holds no unencrypted PEM private key; point ${variables.key} at the certificate's key (without a passphrase)`,
    );
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new StartupError(
      `${variables.key}: ${files.keyFile} is not the key of the certificate in ${files.certFile}; set ${variables.cert} and ${variables.key} to one pair`,
    );
  }
  return { cert, key };
}
