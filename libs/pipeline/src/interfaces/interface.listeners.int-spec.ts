import { Global, type LoggerService, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { systemClock } from '@circulator/domain';
import { buildAck, MllpClient, type MllpLogger, readMsh } from '@circulator/hl7';
import { IdentityModule, type Principal } from '@circulator/identity';
import { PersistenceModule } from '@circulator/persistence';
import { CLOCK } from '@circulator/realtime';
import {
  createTempDir,
  createTestDatabase,
  type TempDir,
  type TestDatabase,
  waitFor,
} from '../../../../test/support/services';
import type { ResolvedInterface } from './interface.config';
import { type InterfaceListenersOptions, InterfaceListeners } from './interface.listeners';
import { InterfaceRegistry } from './interface.registry';
import { InterfacesModule } from './interfaces.module';

const ENGINEER: Principal = { kind: 'user', sub: 'u-ie', username: 'ie', roles: ['integration'] };

@Global()
@Module({ providers: [{ provide: CLOCK, useValue: systemClock }], exports: [CLOCK] })
class ClockModule {}

class SilentLogger implements LoggerService {
  log(): void {}
  error(): void {}
  warn(): void {}
}

const message = (id: string, app = 'OR', facility = 'HOSP'): string =>
  `MSH|^~\\&|${app}|${facility}|CIRC|HOSP|20240715073000||SIU^S12^SIU_S12|${id}|P|2.5.1\rSCH|${id}|F${id}`;
const msa = (ack: string): string[] => ack.split('\r')[1]?.split('|') ?? [];
const errText = (ack: string): string | undefined =>
  ack
    .split('\r')
    .find((s) => s.startsWith('ERR|'))
    ?.split('|')[8];

/** A port nothing listens on right now (for interfaces with a port of their own; 0 is not a valid one). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Connects, and resolves with what the listener did: `closed` (no byte ever came back). */
function rawConnection(port: number): Promise<{ closed: Promise<Buffer[]> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    socket.on('data', (b: Buffer) => received.push(b));
    const closed = new Promise<Buffer[]>((done) => socket.on('close', () => done(received)));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') reject(err);
    });
    socket.once('connect', () => {
      socket.write('\x0b' + message('RAW') + '\x1c\r');
      resolve({ closed });
    });
  });
}

describe('InterfaceListeners (real sockets, PostgreSQL)', () => {
  let db: TestDatabase;
  let dir: TempDir;
  let module: TestingModule;
  let registry: InterfaceRegistry;
  let listeners: InterfaceListeners;
  let handled: { id: string; iface: string; peer: string }[];
  let logLines: { level: string; message: string }[];
  const clients: MllpClient[] = [];

  const logger: MllpLogger = {
    info: (m) => logLines.push({ level: 'info', message: m }),
    warn: (m) => logLines.push({ level: 'warn', message: m }),
    error: (m) => logLines.push({ level: 'error', message: m }),
  };

  /** Acknowledges AA and records which interface each message was routed to. */
  const handler = (frame: Buffer, peer: string, iface: ResolvedInterface): Promise<string | null> => {
    const read = readMsh(frame);
    if (!read.ok) return Promise.resolve(null);
    handled.push({ id: read.header.controlId, iface: iface.name, peer });
    return Promise.resolve(
      buildAck(read.header, { code: 'accept' }, { now: new Date(), controlId: 'ACK1', facilityTz: iface.facilityTz }),
    );
  };

  async function start(options: Partial<InterfaceListenersOptions> = {}): Promise<void> {
    await listeners.start({ handler, host: '127.0.0.1', logger, closeGraceMs: 200, ...options });
  }

  async function send(port: number, text: string): Promise<string> {
    const client = new MllpClient({ ackTimeoutMs: 5_000 });
    clients.push(client);
    await client.connect('127.0.0.1', port);
    return client.send(text);
  }

  /** One ingest process: registry and listener manager with their real dependencies. */
  async function boot(sharedPort = 0): Promise<void> {
    module = await Test.createTestingModule({
      imports: [
        PersistenceModule.forRoot({ databaseUrl: db.url, dataDir: dir.path }),
        IdentityModule.forRoot({}),
        ClockModule,
        // MLLP_PORT=0: the shared listener takes a free port.
        InterfacesModule.forRoot({ sharedPort, facilityTz: 'Europe/Paris', pollIntervalMs: 60_000 }),
      ],
    })
      .setLogger(new SilentLogger())
      .compile();
    await module.init();
    registry = module.get(InterfaceRegistry);
    listeners = module.get(InterfaceListeners);
  }

  beforeEach(async () => {
    handled = [];
    logLines = [];
    db = await createTestDatabase();
    dir = createTempDir();
    await boot();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await module.close();
    await db.drop();
    dir.remove();
  });

  it('serves the implicit default on the shared port and routes by MSH-3/MSH-4 as soon as an interface is added', async () => {
    await start();
    const port = listeners.sharedPort();
    if (port === undefined) throw new Error('shared port not listening');
    expect(listeners.isListening()).toBe(true);

    expect(msa(await send(port, message('M1', 'EPIC')))).toEqual(['MSA', 'AA', 'M1']);
    await registry.upsert({ name: 'epic', route: { sendingApplication: 'EPIC' } }, ENGINEER);
    await registry.upsert({ name: 'west', route: { sendingFacility: 'WEST' } }, ENGINEER);
    await listeners.settled();
    expect(msa(await send(port, message('M2', 'EPIC^1.2.3^ISO', 'EAST')))[1]).toBe('AA');
    expect(msa(await send(port, message('M3', 'LIS', 'WEST')))[1]).toBe('AA');
    expect(msa(await send(port, message('M4', 'LIS', 'EAST')))[1]).toBe('AA');
    expect(handled.map((h) => `${h.id}:${h.iface}`)).toEqual(['M1:default', 'M2:epic', 'M3:west', 'M4:default']);
    expect(handled[0]?.peer).toMatch(/127\.0\.0\.1:\d+$/);
    expect(listeners.status()).toEqual([
      expect.objectContaining({ port: 0, boundPort: port, shared: true, tls: false, listening: true }),
    ]);
  });

  it('refuses a connection from an address no interface on the port admits, at once and logged', async () => {
    await start();
    const port = listeners.sharedPort() ?? 0;
    // An open connection from 127.0.0.1, before the allow-list excludes it…
    const kept = new MllpClient();
    clients.push(kept);
    await kept.connect('127.0.0.1', port);
    expect(msa(await kept.send(message('BEFORE')))[1]).toBe('AA');
    await registry.upsert({ name: 'default', allowedSources: ['10.0.0.0/8', 'fd00::/8'] }, ENGINEER);
    await listeners.settled();
    // …is closed by the change, and a new one is closed before anything is read from it.
    await waitFor(() => !kept.isConnected(), { what: 'the disallowed connection to be closed' });
    const denied = await rawConnection(port);
    expect(await denied.closed).toEqual([]);
    expect(handled.map((h) => h.id)).toEqual(['BEFORE']);
    expect(logLines).toContainEqual({ level: 'warn', message: 'MLLP connection refused: source address not allowed' });

    // Allowed again (as a CIDR block), without a restart.
    await registry.upsert({ name: 'default', allowedSources: ['127.0.0.0/8'] }, ENGINEER);
    await listeners.settled();
    expect(msa(await send(port, message('AFTER')))[1]).toBe('AA');
  });

  it('answers AR 207 when the interface a message belongs to does not admit its sender, or none is found', async () => {
    const unrouted: string[] = [];
    await start();
    const port = listeners.sharedPort() ?? 0;
    await registry.upsert(
      { name: 'epic', route: { sendingApplication: 'EPIC' }, allowedSources: ['10.0.0.0/8'] },
      ENGINEER,
    );
    const notAllowed = await send(port, message('S1', 'EPIC'));
    expect(msa(notAllowed).slice(0, 3)).toEqual(['MSA', 'AR', 'S1']);
    expect(errText(notAllowed)).toBe('source address not allowed');

    // Two routed interfaces and no default left: a stranger's message has no home.
    await registry.upsert({ name: 'epic', route: { sendingApplication: 'EPIC' } }, ENGINEER);
    await registry.upsert({ name: 'cerner', route: { sendingApplication: 'CERNER' } }, ENGINEER);
    await registry.upsert({ name: 'default', enabled: false }, ENGINEER);
    await listeners.settled();
    const stranger = await send(port, message('S2', 'XYZ'));
    expect(msa(stranger).slice(0, 3)).toEqual(['MSA', 'AR', 'S2']);
    expect(errText(stranger)).toBe('no interface for sender');
    expect(stranger).toContain('|207^Application internal error^HL70357|');
    expect(handled).toEqual([]);

    // The ingest service may answer those itself (e.g. store them as rejected first).
    await listeners.stop();
    await start({
      onUnrouted: (_frame, _peer, routing) => {
        unrouted.push(routing.reason);
        return Promise.resolve('MSA|AR|custom');
      },
    });
    expect(await send(listeners.sharedPort() ?? 0, message('S3', 'XYZ'))).toBe('MSA|AR|custom');
    expect(unrouted).toEqual(['no-interface']);
  });

  it('opens, moves and closes the port of an interface that has its own, without a restart', async () => {
    await start();
    const [first, second] = [await freePort(), await freePort()];
    await registry.upsert({ name: 'lab', port: first, route: { sendingApplication: 'LIS' } }, ENGINEER);
    await listeners.settled();
    expect(listeners.portOf('lab')).toBe(first);
    // The only interface on its port: it takes every message there, whatever MSH-3 says.
    expect(msa(await send(first, message('L1', 'OTHER')))[1]).toBe('AA');
    expect(handled.map((h) => `${h.id}:${h.iface}`)).toEqual(['L1:lab']);

    await registry.upsert({ name: 'lab', port: second }, ENGINEER);
    await listeners.settled();
    await expect(rawConnection(first)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(msa(await send(second, message('L2')))[1]).toBe('AA');

    await registry.remove('lab', ENGINEER);
    await listeners.settled();
    await expect(rawConnection(second)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(listeners.status().map((s) => s.port)).toEqual([0]);
  });

  /** A port something else holds. */
  async function occupy(): Promise<{ port: number; release: () => Promise<void> }> {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    return {
      port: (blocker.address() as AddressInfo).port,
      release: () => new Promise<void>((resolve) => blocker.close(() => resolve())),
    };
  }

  it('reports a port it cannot open, keeps the others, and opens it once it is free', async () => {
    const taken = await occupy();
    try {
      await start({ retryMs: 50 });
      await registry.upsert({ name: 'lab', port: taken.port }, ENGINEER);
      await listeners.settled();
      expect(listeners.isListening()).toBe(false);
      expect(listeners.status()).toContainEqual(
        expect.objectContaining({
          port: taken.port,
          listening: false,
          error: expect.stringMatching(/lab.*EADDRINUSE/),
        }),
      );
      expect(msa(await send(listeners.sharedPort() ?? 0, message('OK')))[1]).toBe('AA');
    } finally {
      await taken.release();
    }
    await waitFor(() => listeners.isListening(), { what: 'the freed port to be opened' });
    expect(msa(await send(taken.port, message('LAB')))[1]).toBe('AA');
    expect(handled.map((h) => `${h.id}:${h.iface}`)).toEqual(['OK:default', 'LAB:lab']);
  });

  it('refuses to start when the shared MLLP_PORT is taken, with the listener error', async () => {
    const taken = await occupy();
    try {
      await module.close();
      await boot(taken.port);
      await expect(start()).rejects.toMatchObject({
        code: 'EADDRINUSE',
        message: expect.stringContaining(`127.0.0.1:${taken.port}`),
      });
      expect(listeners.status()).toEqual([]);
      expect(listeners.isListening()).toBe(false);
    } finally {
      await taken.release();
    }
  });

  describe('over TLS with a client certificate', () => {
    let pkiDir: TempDir | undefined;
    let pki = '';
    const file = (name: string) => join(pki, name);

    beforeAll(() => {
      pkiDir = createTempDir('mllp-pki-');
      pki = pkiDir.path;
      const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: pki, stdio: 'ignore' });
      const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
      // A throwaway CA, a server certificate for localhost and a client certificate it signs, and
      // a self-signed client certificate it does not.
      openssl('req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Test CA');
      writeFileSync(join(pki, 'san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
      openssl('req', ...key, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
      openssl(
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'server.pem',
        '-days',
        '1',
        '-extfile',
        'san.cnf',
      );
      openssl('req', ...key, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=epic-sender');
      openssl(
        'x509',
        '-req',
        '-in',
        'client.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'client.pem',
        '-days',
        '1',
      );
      openssl('req', '-x509', ...key, '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '1', '-subj', '/CN=rogue');
    });
    afterAll(() => pkiDir?.remove());

    it('accepts a sender with a certificate from the CA and refuses one without, or with another', async () => {
      await start();
      const port = await freePort();
      await registry.upsert(
        {
          name: 'secure',
          port,
          tls: {
            certFile: file('server.pem'),
            keyFile: file('server.key'),
            caFile: file('ca.pem'),
            requireClientCert: true,
          },
        },
        ENGINEER,
      );
      await listeners.settled();
      expect(listeners.status()).toContainEqual(
        expect.objectContaining({ port, tls: true, clientCertificate: true, listening: true }),
      );
      const ca = readFileSync(file('ca.pem'));
      const tlsClient = (cert?: string, key?: string) => {
        const client = new MllpClient({
          ackTimeoutMs: 5_000,
          tls: {
            ca,
            servername: 'localhost',
            ...(cert === undefined ? {} : { cert: readFileSync(file(cert)), key: readFileSync(file(key ?? '')) }),
          },
        });
        clients.push(client);
        return client;
      };

      const good = tlsClient('client.pem', 'client.key');
      await good.connect('127.0.0.1', port);
      expect(msa(await good.send(message('T1')))[1]).toBe('AA');
      expect(handled.map((h) => `${h.id}:${h.iface}`)).toEqual(['T1:secure']);

      // TLS 1.3 lets the client finish its side of the handshake before the server checks its
      // certificate: the refusal shows on connect or on the first send.
      for (const client of [tlsClient(), tlsClient('rogue.pem', 'rogue.key')]) {
        await expect(
          (async () => {
            await client.connect('127.0.0.1', port);
            return client.send(message('T2'));
          })(),
        ).rejects.toThrow();
      }
      expect(handled.map((h) => h.id)).toEqual(['T1']);
    });

    it('reports a certificate file it cannot read instead of opening the port', async () => {
      await start();
      const port = await freePort();
      await registry.upsert(
        { name: 'secure', port, tls: { certFile: file('missing.pem'), keyFile: file('server.key') } },
        ENGINEER,
      );
      await listeners.settled();
      expect(listeners.status()).toContainEqual(
        expect.objectContaining({
          port,
          listening: false,
          error: expect.stringMatching(/secure on port \d+: cannot read tls.certFile .*missing.pem: ENOENT/),
        }),
      );
    });
  });
});
