import type { KeyObject } from 'node:crypto';
import type { FhirRoleCodes } from './inbound/fhir.roles';

/** How the platform authenticates to the EHR's FHIR server (FHIR_AUTH and its companions). */
export type FhirAuthSettings =
  | { kind: 'none' }
  /** A static bearer token (FHIR_AUTH_TOKEN). */
  | { kind: 'bearer'; token: string }
  /**
   * SMART Backend Services (SMART App Launch 2.x §"Backend Services"): client credentials with a
   * signed JWT assertion (RS384 or ES384) exchanged for an access token at the token endpoint.
   */
  | {
      kind: 'smart-backend';
      clientId: string;
      privateKey: KeyObject;
      /** `kid` of the key in the JWKS the EHR has for this client. */
      keyId?: string;
      /** Token endpoint; unset: read from `{base}/.well-known/smart-configuration`. */
      tokenUrl?: string;
      scope: string;
    };

/** Retries of one HTTP request to the EHR: attempts in all, delay doubling from `baseDelayMs`. */
export interface RetrySettings {
  attempts: number;
  baseDelayMs: number;
  /** The most one wait may be (a server's Retry-After included). */
  maxDelayMs: number;
}

/** Settings of the inbound FHIR side (CONTRACT §5), from configuration. */
export interface FhirInboundSettings {
  /** The EHR's FHIR R4 base (FHIR_BASE_URL); unset: no sync, and id-only notifications cannot be fetched. */
  baseUrl?: string;
  /** FHIR_HOOK_SECRET; unset: the subscription hook refuses every call. */
  hookSecret?: string;
  auth: FhirAuthSettings;
  /** Time between syncs (FHIR_SYNC_INTERVAL_SECONDS); 0: no periodic sync, only catch-ups and explicit runs. */
  syncIntervalMs: number;
  /** The first sync of a resource type reads what changed since then (FHIR_SYNC_SINCE); unset: everything. */
  syncSince?: string;
  /** `_count` asked of the EHR per page (FHIR_SYNC_PAGE_SIZE). */
  pageSize: number;
  /** Participant type and role codes of surgeon and anesthesiologist. */
  roles?: FhirRoleCodes;
  /** Retries of the sync's requests (default: 5 attempts, 0.5 s doubling, at most 30 s a wait). */
  retry?: RetrySettings;
  /** Retries of the hook's fetches, which hold the EHR's request open (default: 3 attempts, 0.25 s doubling). */
  hookRetry?: RetrySettings;
  /** How long one HTTP request may take (default 30 s). */
  requestTimeoutMs?: number;
  /** How a retry waits (tests pass one that does not). */
  sleep?: (ms: number) => Promise<void>;
}

export const FHIR_INBOUND_SETTINGS = Symbol('FHIR_INBOUND_SETTINGS');

/** One resource version to store in the inbox (channel `fhir`). */
export interface FhirInboxItem {
  /** The EHR it came from (its FHIR base; see `fhirSenderOf`): the inbox dedups per sender. */
  sender: string;
  /** `Type/id/_history/vid` (or lastUpdated, or a content hash): a repeat is a duplicate. */
  controlId: string;
  resourceType: string;
  /** The envelope: the resource and what it references (see `encodeFhirEnvelope`). */
  raw: Buffer;
  /** Where it came from: the EHR's address, or the hook's caller. */
  peer: string | null;
}

/** What storing one item did. */
export interface FhirStoreResult {
  inboxId: string;
  /** The same version was stored before: it is not applied again. */
  duplicate: boolean;
}

/** Something a notification named that we refused to take (kept as a `rejected` inbox row). */
export interface FhirRefusal {
  sender: string;
  /** What was named (a URL), or the resource's key. */
  subject: string;
  /** Why it was not taken. */
  reason: string;
  peer: string | null;
}

/**
 * Where the inbound FHIR side hands what it received: the inbox, then the worker's queue. Provided
 * by the pipeline (`FhirIngestService`), so that FHIR takes the one path every datum takes.
 */
export interface FhirResourceSink {
  /** Stores items in one commit; durable when this resolves. Results in input order. */
  store(items: readonly FhirInboxItem[]): Promise<FhirStoreResult[]>;
  /** Keeps a refusal for the integration console. */
  refuse(refusal: FhirRefusal): Promise<void>;
}

export const FHIR_RESOURCE_SINK = Symbol('FHIR_RESOURCE_SINK');

/**
 * The inbox sender of everything the inbound side stores: the EHR's FHIR base, so that a version
 * fetched by the sync and delivered by the hook is one message; `fhir` when no base is configured
 * (the hook alone).
 */
export function fhirSenderOf(baseUrl: string | undefined): string {
  return baseUrl ? baseUrl.trim().replace(/\/+$/, '') : 'fhir';
}
