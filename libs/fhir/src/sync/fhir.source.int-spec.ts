import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock, systemClock } from '@circulator/domain';
import { startFhirServer, type FhirTestServer } from '../../../../test/support/fhir-server';
import { objects, type FhirResource } from '../inbound/fhir.json';
import { FhirRequestError, NotOnBaseError } from './fhir.request';
import { FhirSource, type FhirSourceSettings } from './fhir.source';

/** fhir-kit-client against a real FHIR server (Medplum's router, served by test/support/fhir-server.ts). */
describe('FhirSource against a FHIR server', () => {
  const waits: number[] = [];
  const settings = (server: FhirTestServer, extra: Partial<FhirSourceSettings> = {}): FhirSourceSettings => ({
    baseUrl: server.url,
    auth: { kind: 'none' },
    retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 5_000 },
    timeoutMs: 5_000,
    // Retries wait through this: recorded, not slept (no wall-clock dependence).
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    ...extra,
  });
  const ids = (bundle: FhirResource) => objects(bundle['entry']).map((e) => (e['resource'] as FhirResource).id);

  describe('without authentication', () => {
    let server: FhirTestServer;
    let source: FhirSource;
    beforeAll(async () => {
      server = await startFhirServer();
      for (let i = 1; i <= 5; i++)
        await server.put({ resourceType: 'Location', id: `or${i}`, name: `OR ${i}`, status: 'active' });
      source = await FhirSource.open(settings(server), systemClock);
    });
    afterAll(() => server.close());
    beforeEach(() => (waits.length = 0));

    it('pages through a search along the next links', async () => {
      const pages: (string | undefined)[][] = [];
      let page: FhirResource | undefined = await source.search('Location', { _count: 2, _sort: '_lastUpdated' });
      while (page) {
        pages.push(ids(page));
        page = await source.nextPage(page);
      }
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat().sort()).toEqual(['or1', 'or2', 'or3', 'or4', 'or5']);
    });

    it('reads only what changed since a mark (_lastUpdated=ge…)', async () => {
      const updated = await server.put({
        resourceType: 'Location',
        id: 'or2',
        name: 'OR 2 (renamed)',
        status: 'active',
      });
      const mark = updated.meta!.lastUpdated!;
      const since = await source.search('Location', { _count: 100, _lastUpdated: `ge${mark}` });
      expect(ids(since)).toContain('or2');
      for (const e of objects(since['entry'])) {
        const lastUpdated = ((e['resource'] as FhirResource)['meta'] as { lastUpdated: string }).lastUpdated;
        expect(Date.parse(lastUpdated)).toBeGreaterThanOrEqual(Date.parse(mark));
      }
      expect(ids(await source.search('Location', { _lastUpdated: 'ge2999-01-01T00:00:00Z' }))).toEqual([]);
      expect(
        ids(await source.search('Location', { _count: 100, _lastUpdated: 'ge2000-01-01T00:00:00Z' })),
      ).toHaveLength(5);
    });

    it('retries 503 with backoff, honouring Retry-After, and gives up after the last attempt', async () => {
      server.failNext(2, 503, 2);
      await expect(source.read('Location/or1')).resolves.toMatchObject({ id: 'or1' });
      expect(waits).toEqual([2_000, 2_000]);
      waits.length = 0;
      server.failNext(4, 502);
      const failure = await source.read('Location/or1').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(FhirRequestError);
      expect(failure).toMatchObject({ status: 502, retryable: true });
      expect(waits).toEqual([100, 200, 400]);
    });

    it('does not retry what cannot succeed, and reads a missing resource as none', async () => {
      server.failNext(1, 400);
      await expect(source.read('Location/or1')).rejects.toMatchObject({ status: 400, retryable: false });
      await expect(source.read('Location/nope')).resolves.toBeUndefined();
      expect(waits).toEqual([]);
    });

    it('fetches an address on its base, and never one elsewhere', async () => {
      const before = server.requests.length;
      await expect(source.readAddress(`${server.url}/Location/or3`)).resolves.toMatchObject({ id: 'or3' });
      await expect(source.readAddress('Location/or4')).resolves.toMatchObject({ id: 'or4' });
      const other = server.url.replace('/fhir/R4', '/fhir/other');
      await expect(source.readAddress(`${other}/Location/or3`)).rejects.toBeInstanceOf(NotOnBaseError);
      await expect(source.readAddress('https://evil.example/fhir/R4/Location/or3')).rejects.toBeInstanceOf(
        NotOnBaseError,
      );
      expect(server.requests.slice(before).map((r) => new URL(r.url).pathname)).toEqual([
        '/fhir/R4/Location/or3',
        '/fhir/R4/Location/or4',
      ]);
    });

    it('refuses a next link that leaves the base', async () => {
      const page = {
        resourceType: 'Bundle',
        type: 'searchset',
        link: [{ relation: 'next', url: 'https://evil.example/fhir/R4/Location?_offset=2' }],
      };
      await expect(source.nextPage(page)).rejects.toBeInstanceOf(NotOnBaseError);
    });

    it('retries a connection refused, then says the server is unreachable', async () => {
      const dead = createServer();
      await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
      const port = (dead.address() as AddressInfo).port;
      await new Promise<void>((resolve) => dead.close(() => resolve()));
      const gone = await FhirSource.open(
        { ...settings(server), baseUrl: `http://127.0.0.1:${port}/fhir` },
        systemClock,
      );
      await expect(gone.read('Location/or1')).rejects.toMatchObject({ retryable: true, name: 'FhirRequestError' });
      expect(waits).toEqual([100, 200, 400]);
    });
  });

  describe('with a static bearer token', () => {
    let server: FhirTestServer;
    beforeAll(async () => {
      server = await startFhirServer({ auth: { kind: 'bearer', token: 'static-token-123' } });
      await server.put({ resourceType: 'Location', id: 'or1', name: 'OR 1', status: 'active' });
    });
    afterAll(() => server.close());

    it('sends it, and is refused without it', async () => {
      const good = await FhirSource.open(
        settings(server, { auth: { kind: 'bearer', token: 'static-token-123' } }),
        systemClock,
      );
      await expect(good.read('Location/or1')).resolves.toMatchObject({ id: 'or1' });
      const bad = await FhirSource.open(settings(server), systemClock);
      await expect(bad.read('Location/or1')).rejects.toMatchObject({ status: 401, retryable: false });
    });
  });

  describe('with SMART Backend Services', () => {
    const clock = new ManualClock(new Date('2026-11-23T06:00:00Z'));
    const client = generateKeyPairSync('rsa', { modulusLength: 2048 });
    let server: FhirTestServer;
    beforeAll(async () => {
      server = await startFhirServer({
        auth: { kind: 'smart', clientId: 'circulator', publicKey: client.publicKey, now: () => clock.now() },
      });
      await server.put({ resourceType: 'Location', id: 'or1', name: 'OR 1', status: 'active' });
    });
    afterAll(() => server.close());

    const smart = (key = client.privateKey) => ({
      kind: 'smart-backend' as const,
      clientId: 'circulator',
      privateKey: key,
      keyId: 'k1',
      scope: 'system/*.read',
    });

    it('discovers the token endpoint, signs in with a JWT assertion, and keeps the token until it nears expiry', async () => {
      const source = await FhirSource.open(settings(server, { auth: smart() }), clock);
      await expect(source.read('Location/or1')).resolves.toMatchObject({ id: 'or1' });
      await expect(source.read('Location/or1')).resolves.toMatchObject({ id: 'or1' });
      expect(server.issuedTokens).toHaveLength(1);
      clock.advance(241_000); // past expires_in (300 s) less the minute kept in hand
      await expect(source.read('Location/or1')).resolves.toMatchObject({ id: 'or1' });
      expect(server.issuedTokens).toHaveLength(2);
      const paths = server.requests.map((r) => new URL(r.url).pathname);
      expect(paths.filter((p) => p.endsWith('/.well-known/smart-configuration'))).toHaveLength(1);
      expect(
        server.requests
          .filter((r) => r.url.endsWith('/Location/or1'))
          .every((r) => r.authorization?.startsWith('Bearer ')),
      ).toBe(true);
    });

    it('is refused with a key the EHR does not know', async () => {
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const source = await FhirSource.open(settings(server, { auth: smart(stranger) }), clock);
      await expect(source.read('Location/or1')).rejects.toMatchObject({ status: 401, retryable: false });
    });
  });
});
