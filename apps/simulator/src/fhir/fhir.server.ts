import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, BundleEntry, CapabilityStatement, FhirResource, OperationOutcome } from 'fhir/r4';
import type { FhirStore } from './fhir.player';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
/**
 * What the simulated EHR serves (what the platform reads, CONTRACT §5); searches of the others are
 * empty. Its own list, not the platform's (the simulator plays an outside EHR and loads none of the
 * platform's modules): a spec keeps the two equal.
 */
export const SERVED_TYPES = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'Device',
  'Appointment',
  'Encounter',
  'Procedure',
  'Observation',
] as const;
const MAX_COUNT = 500;

/**
 * The EHR's FHIR R4 server, in process, on `127.0.0.1` (read only, JSON): `GET metadata`, read and
 * vread of every version put, and type searches with `_id` (comma-separated), `_lastUpdated`
 * (`eq`, `gt`, `ge`, `lt`, `le`, repeatable), `_count` and `_offset` (with a `next` link), sorted by
 * `meta.lastUpdated` — what the platform's sync (fhir-kit-client) and its id-only notification
 * fetches ask. Other search parameters are ignored. The base is `http://127.0.0.1:PORT/fhir`.
 */
export class SimFhirServer implements FhirStore {
  private readonly versions = new Map<string, FhirResource[]>();
  private server?: Server;
  /** The FHIR base once listening. */
  base = '';
  /** Requests served (method and path with query), for the tests and the summary. */
  readonly requests: string[] = [];

  /** Keeps a new version (its `meta.versionId` and `meta.lastUpdated` as given). */
  put(resource: FhirResource): void {
    const key = `${resource.resourceType}/${String(resource.id)}`;
    const list = this.versions.get(key) ?? [];
    list.push(structuredClone(resource));
    this.versions.set(key, list);
  }

  /** Listens on `port` (0: any free port); resolves with the FHIR base. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.base = `http://${host}:${address.port}/fhir`;
    return this.base;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.requests.push(`${req.method ?? ''} ${url.pathname}${url.search}`);
    const send = (status: number, body: FhirResource) => {
      res.writeHead(status, { 'content-type': FHIR_JSON });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') {
      send(405, outcome('not-supported', `${req.method ?? ''}: this EHR server is read only`));
      return;
    }
    const parts = url.pathname.split('/').filter((p) => p !== '');
    if (parts[0] !== 'fhir') {
      send(404, outcome('not-found', `${url.pathname}: the FHIR base is /fhir`));
      return;
    }
    const [type, id, history, versionId] = parts.slice(1);
    if (type === 'metadata' && id === undefined) {
      send(200, capabilityStatement());
      return;
    }
    if (type === undefined || !/^[A-Z][A-Za-z]+$/.test(type)) {
      send(404, outcome('not-found', `${url.pathname}: no such resource type`));
      return;
    }
    if (id === undefined) {
      send(200, this.search(type, url));
      return;
    }
    const list = this.versions.get(`${type}/${id}`);
    const found =
      history === undefined
        ? list?.at(-1)
        : history === '_history' && versionId !== undefined
          ? list?.find((r) => r.meta?.versionId === versionId)
          : undefined;
    if (found === undefined)
      send(404, outcome('not-found', `${type}/${id}${history ? `/${history}/${versionId ?? ''}` : ''} is not known`));
    else send(200, found);
  }

  private search(type: string, url: URL): Bundle {
    const params = url.searchParams;
    const ids = params
      .get('_id')
      ?.split(',')
      .map((s) => s.trim());
    const bounds = params.getAll('_lastUpdated').map(parseBound);
    const matches = [...this.versions.entries()]
      .filter(([key]) => key.startsWith(`${type}/`))
      .map(([, list]) => list.at(-1) as FhirResource)
      .filter((r) => ids === undefined || ids.includes(String(r.id)))
      .filter((r) => bounds.every((b) => b(Date.parse(r.meta?.lastUpdated ?? ''))))
      .sort((a, b) => Date.parse(a.meta?.lastUpdated ?? '') - Date.parse(b.meta?.lastUpdated ?? ''));
    const count = Math.min(MAX_COUNT, Math.max(0, Number(params.get('_count') ?? MAX_COUNT) || MAX_COUNT));
    const offset = Math.max(0, Number(params.get('_offset') ?? 0) || 0);
    const page = matches.slice(offset, offset + count);
    const link: Bundle['link'] = [{ relation: 'self', url: `${this.base}/${type}${url.search}` }];
    if (offset + count < matches.length) {
      const next = new URLSearchParams(params);
      next.set('_offset', String(offset + count));
      next.set('_count', String(count));
      link.push({ relation: 'next', url: `${this.base}/${type}?${next.toString()}` });
    }
    const entry: BundleEntry[] = page.map((resource) => ({
      fullUrl: `${this.base}/${resource.resourceType}/${String(resource.id)}`,
      resource,
      search: { mode: 'match' },
    }));
    return { resourceType: 'Bundle', type: 'searchset', total: matches.length, link, entry };
  }
}

/** `_lastUpdated=geX` and the like as a test on epoch ms (an unreadable bound matches nothing). */
function parseBound(text: string): (ms: number) => boolean {
  const m = /^(eq|gt|ge|lt|le)?(.+)$/.exec(text);
  const at = Date.parse(m?.[2] ?? '');
  if (Number.isNaN(at)) return () => false;
  const compare: Record<string, (ms: number) => boolean> = {
    gt: (ms) => ms > at,
    ge: (ms) => ms >= at,
    lt: (ms) => ms < at,
    le: (ms) => ms <= at,
  };
  return compare[m?.[1] ?? 'eq'] ?? ((ms) => ms === at);
}

function outcome(code: string, diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

function capabilityStatement(): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    software: { name: 'Circulator simulator (simulated EHR)' },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        resource: SERVED_TYPES.map((type) => ({
          type,
          versioning: 'versioned',
          interaction: [{ code: 'read' }, { code: 'vread' }, { code: 'search-type' }],
          searchParam: [
            { name: '_id', type: 'token' },
            { name: '_lastUpdated', type: 'date' },
          ],
        })),
      },
    ],
  };
}
