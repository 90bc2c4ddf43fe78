import { readFileSync } from 'node:fs';
import {
  smartKeyFromPem,
  type FhirAuthSettings,
  type FhirInboundSettings,
  type FhirWritebackSettings,
} from '@circulator/fhir';
import { StartupError } from '../bootstrap/preflight';
import type { AppConfig } from './app-config';

/**
 * The inbound FHIR side's settings from the validated configuration. The SMART private key is read
 * and checked here, at start: a missing file or a key SMART servers do not accept stops the start
 * with one line naming FHIR_SMART_KEY_FILE (CONTRACT §1), not a failed sync an hour later.
 */
export function fhirInboundSettings(fhir: AppConfig['fhir']): FhirInboundSettings {
  let auth: FhirAuthSettings;
  switch (fhir.auth.kind) {
    case 'none':
    case 'bearer':
      auth = fhir.auth;
      break;
    case 'smart-backend': {
      const { keyFile, ...rest } = fhir.auth;
      let pem: Buffer;
      try {
        pem = readFileSync(keyFile);
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        throw new StartupError(
          `FHIR_SMART_KEY_FILE: cannot read ${keyFile} (${reason}); point it at a readable PEM private key`,
        );
      }
      try {
        auth = { ...rest, privateKey: smartKeyFromPem(pem) };
      } catch (err) {
        throw new StartupError(
          `FHIR_SMART_KEY_FILE: ${keyFile} ${(err as Error).message}; use an unencrypted RSA (2048 bits or more) or EC P-384 private key`,
        );
      }
      break;
    }
  }
  const settings: FhirInboundSettings = {
    auth,
    syncIntervalMs: fhir.syncIntervalSeconds * 1000,
    pageSize: fhir.pageSize,
  };
  if (fhir.baseUrl) settings.baseUrl = fhir.baseUrl;
  if (fhir.hookSecret) settings.hookSecret = fhir.hookSecret;
  if (fhir.syncSince) settings.syncSince = fhir.syncSince;
  return settings;
}

/**
 * Write-back settings (FHIR_WRITEBACK), for the worker role; undefined when off. FHIR write-back
 * signs in to FHIR_BASE_URL as the sync does (FHIR_AUTH; with SMART, FHIR_SMART_SCOPE must then
 * grant writes, e.g. `system/Encounter.write system/Procedure.write`).
 */
export function fhirWritebackSettings(fhir: AppConfig['fhir'], facilityTz: string): FhirWritebackSettings | undefined {
  const w = fhir.writeback;
  if (!w) return undefined;
  const common = { sources: w.sources, intervalMs: w.intervalSeconds * 1000 };
  if (w.mode === 'fhir') {
    return { ...common, mode: 'fhir', fhir: { baseUrl: fhir.baseUrl!, auth: fhirInboundSettings(fhir).auth } };
  }
  return {
    ...common,
    mode: 'hl7',
    hl7: {
      destination: { host: w.host, port: w.port },
      identity: {
        sendingApplication: w.sendingApplication,
        facilityTz,
        ...(w.sendingFacility ? { sendingFacility: w.sendingFacility } : {}),
        ...(w.receivingApplication ? { receivingApplication: w.receivingApplication } : {}),
        ...(w.receivingFacility ? { receivingFacility: w.receivingFacility } : {}),
      },
    },
  };
}
