import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Clock } from '@circulator/domain';
import {
  buildAck,
  Hl7ErrorCondition,
  MllpListener,
  readMsh,
  type MllpLogger,
  type MllpPeer,
  type MllpTlsOptions,
  type MshHeader,
} from '@circulator/hl7';
import { CLOCK } from '@circulator/realtime';
import { DEFAULT_INTERFACE_NAME, type ResolvedInterface } from './interface.config';
import { INTERFACE_SETTINGS, InterfaceRegistry, type InterfaceSettings } from './interface.registry';
import { compileSources, normalizeHd, routeInterface } from './interface.routing';

/**
 * Handles one frame of a routed interface and returns the ACK (unframed), or null to send none.
 * Resolves only once the message is durably stored (CONTRACT §4); a rejection sends no ACK, so
 * the sender retransmits (see MllpListener).
 */
export type InterfaceFrameHandler = (frame: Buffer, peer: string, iface: ResolvedInterface) => Promise<string | null>;

/**
 * Why a frame has no interface: nothing matches its MSH-3/MSH-4 on its port and there is no enabled
 * `default` (`no-interface`), or the interface it belongs to does not admit the sender's address
 * (`source-not-allowed`: possible on a shared port whose other interfaces admit it).
 */
export type UnroutedReason = 'no-interface' | 'source-not-allowed';

/** The routing of one frame. `header` is what could be read of its MSH (for the ACK). */
export type FrameRouting =
  | { ok: true; iface: ResolvedInterface; header: Partial<MshHeader> }
  | { ok: false; reason: UnroutedReason; text: string; header: Partial<MshHeader>; localPort: number };

/** Answers a frame that has no interface (e.g. stores it as rejected, then AR). */
export type UnroutedFrameHandler = (
  frame: Buffer,
  peer: string,
  routing: Extract<FrameRouting, { ok: false }>,
) => Promise<string | null>;

/** Options of {@link InterfaceListeners.start}. */
export interface InterfaceListenersOptions {
  handler: InterfaceFrameHandler;
  /** Default: AR with ERR-3 207 and the reason (not stored anywhere). */
  onUnrouted?: UnroutedFrameHandler;
  /** Address every listener binds; default all interfaces. */
  host?: string;
  /** MLLP_TLS_CERT/MLLP_TLS_KEY: TLS of the shared MLLP_PORT. */
  sharedTls?: MllpTlsOptions;
  maxFrameBytes?: number;
  /** Limits of every listener (MLLP_MAX_CONNECTIONS…, see MllpListenerOptions). */
  limits?: MllpLimits;
  /** Answers a frame larger than maxFrameBytes (stored head, AR); default: dropped unanswered. */
  onOversized?: (head: Buffer, peer: string, limit: number) => Promise<string | null>;
  /** Logger handed to each MllpListener; default this class's Nest logger. */
  logger?: MllpLogger;
  /** How long a closing listener waits for in-flight handlers; default MllpListener's. */
  closeGraceMs?: number;
  /** How often a port that failed to open is tried again; default 10 000 ms. */
  retryMs?: number;
}

/** Connection and time limits of each MLLP listener (per port). */
export interface MllpLimits {
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  idleTimeoutMs?: number;
  frameTimeoutMs?: number;
}

/** One port, as the readiness check and the console show it. */
export interface InterfacePortStatus {
  /** The configured port (MLLP_PORT's value for the shared one, 0 included). */
  port: number;
  /** The port actually bound (differs from `port` only for 0). */
  boundPort?: number;
  shared: boolean;
  tls: boolean;
  clientCertificate: boolean;
  /** Enabled interfaces on this port, by name. */
  interfaces: string[];
  listening: boolean;
  /** Why it is not listening. */
  error?: string;
}

interface Desired {
  port: number;
  shared: boolean;
  /** Identity of the transport: a change reopens the listener. */
  key: string;
  tls: { kind: 'none' } | { kind: 'shared' } | { kind: 'files'; iface: ResolvedInterface };
  interfaces: string[];
}

interface Entry {
  desired: Desired;
  listener?: MllpListener;
  boundPort?: number;
  error?: string;
  cause?: unknown;
}

/**
 * Opens one MllpListener per distinct port of the enabled interfaces and keeps them in step with
 * the registry: a port no longer used is closed, a new one opened, a port whose TLS changed is
 * closed and reopened (its senders reconnect); routes, allow-lists and mappings apply to the next
 * connection or frame without touching the socket.
 *
 * Per connection: refused at once unless some enabled interface on its port admits the source
 * address (and open connections are re-checked after each change). Per frame: MSH-3/MSH-4 pick
 * the interface (see routeInterface); no match falls back to `default` when it is enabled;
 * otherwise, or when the interface does not admit the address, `onUnrouted` answers.
 */
@Injectable()
export class InterfaceListeners implements OnApplicationShutdown {
  private readonly logger = new Logger(InterfaceListeners.name);
  private readonly ports = new Map<number, Entry>();
  private readonly allowLists = new WeakMap<ResolvedInterface, (address: string) => boolean>();
  private options: InterfaceListenersOptions | undefined;
  private unsubscribe: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly registry: InterfaceRegistry,
    @Inject(INTERFACE_SETTINGS) private readonly settings: InterfaceSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Opens the listeners of the current interfaces and follows the registry from then on.
   * @throws the MllpListener error (code kept, e.g. EADDRINUSE) when the shared MLLP_PORT cannot
   *   listen: that is a start failure (CONTRACT §1). Another port that cannot open is logged, shown
   *   by {@link status} (readiness reports it) and retried every `retryMs`: its configuration
   *   comes from REST or a file, and one bad interface must not keep the others down.
   */
  async start(options: InterfaceListenersOptions): Promise<void> {
    if (this.options !== undefined) throw new Error('InterfaceListeners already started');
    this.options = options;
    this.stopped = false;
    this.unsubscribe = this.registry.onChange(() => void this.reconcileSoon());
    await this.reconcileSoon();
    const shared = this.ports.get(this.settings.sharedPort);
    if (shared?.error !== undefined) {
      const cause = shared.cause instanceof Error ? shared.cause : new Error(shared.error);
      await this.stop();
      throw cause;
    }
    const retryMs = options.retryMs ?? 10_000;
    this.retryTimer = setInterval(() => {
      if ([...this.ports.values()].some((e) => e.listener === undefined)) void this.reconcileSoon();
    }, retryMs);
    this.retryTimer.unref();
  }

  /** Closes every listener (in-flight frames finish first, see MllpListener.close). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.retryTimer);
    await this.chain;
    await Promise.all([...this.ports.values()].map((e) => e.listener?.close() ?? Promise.resolve()));
    this.ports.clear();
    this.options = undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Resolves once the listeners match the interfaces as of the last change (tests, readiness). */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Every port that should be listening, and whether it is. */
  status(): InterfacePortStatus[] {
    return [...this.ports.values()]
      .map(({ desired, listener, boundPort, error }) => {
        const status: InterfacePortStatus = {
          port: desired.port,
          shared: desired.shared,
          tls: desired.tls.kind !== 'none',
          clientCertificate:
            desired.tls.kind === 'files'
              ? desired.tls.iface.tls?.requireClientCert === true
              : desired.tls.kind === 'shared' && this.options?.sharedTls?.requestCert === true,
          interfaces: desired.interfaces,
          listening: listener?.isListening() ?? false,
        };
        if (boundPort !== undefined) status.boundPort = boundPort;
        if (error !== undefined) status.error = error;
        return status;
      })
      .sort((a, b) => a.port - b.port);
  }

  /** True once started, while every port of the enabled interfaces is listening. */
  isListening(): boolean {
    if (this.options === undefined) return false;
    return [...this.ports.values()].every((e) => e.listener?.isListening() === true);
  }

  /** Open connections on every listener (for /metrics). */
  connectionCount(): number {
    let n = 0;
    for (const entry of this.ports.values()) n += entry.listener?.connectionCount() ?? 0;
    return n;
  }

  /** The bound port of the shared MLLP_PORT listener (the real one when MLLP_PORT is 0). */
  sharedPort(): number | undefined {
    return this.ports.get(this.settings.sharedPort)?.boundPort;
  }

  /** The bound port an interface listens on, if it is listening. */
  portOf(interfaceName: string): number | undefined {
    const iface = this.registry.get(interfaceName);
    return iface === undefined ? undefined : this.ports.get(iface.port)?.boundPort;
  }

  /**
   * Routes one frame that arrived on the listener of `localPort` from `remoteAddress`. Public so
   * that the ingest service can route frames that reach it another way (and for tests).
   */
  route(frame: Buffer, localPort: number, remoteAddress: string): FrameRouting {
    const read = readMsh(frame);
    const header: Partial<MshHeader> = read.ok ? read.header : read.partial;
    const component = header.encoding?.component ?? '^';
    const interfaces = this.registry.list();
    const iface =
      routeInterface(interfaces, {
        localPort,
        sendingApplication: normalizeHd(header.sendingApplication ?? '', component),
        sendingFacility: normalizeHd(header.sendingFacility ?? '', component),
      }) ?? interfaces.find((i) => i.name === DEFAULT_INTERFACE_NAME && i.enabled);
    if (iface === undefined) {
      return { ok: false, reason: 'no-interface', text: 'no interface for sender', header, localPort };
    }
    if (!this.admits(iface, remoteAddress)) {
      // The interface's name is not echoed to a sender that is not allowed to use it.
      return { ok: false, reason: 'source-not-allowed', text: 'source address not allowed', header, localPort };
    }
    return { ok: true, iface, header };
  }

  private admits(iface: ResolvedInterface, remoteAddress: string): boolean {
    let check = this.allowLists.get(iface);
    if (check === undefined) {
      check = compileSources(iface.allowedSources);
      this.allowLists.set(iface, check);
    }
    return check(remoteAddress);
  }

  /** A connection may stay when some enabled interface on its port admits its address. */
  private portAdmits(port: number, remoteAddress: string): boolean {
    return this.registry.list().some((i) => i.enabled && i.port === port && this.admits(i, remoteAddress));
  }

  private async onFrame(port: number, frame: Buffer, peer: MllpPeer): Promise<string | null> {
    const options = this.options;
    if (options === undefined) throw new Error('listener stopped');
    // The same peer text the ingest path has always stored.
    const peerText = `${peer.remoteAddress}:${peer.remotePort}`;
    const routing = this.route(frame, port, peer.remoteAddress);
    if (routing.ok) return options.handler(frame, peerText, routing.iface);
    this.logger.warn(
      `MLLP frame on port ${port} from ${peer.remoteAddress} not routed (${routing.reason}): ` +
        `MSH-3 ${JSON.stringify(routing.header.sendingApplication ?? '')} MSH-4 ${JSON.stringify(routing.header.sendingFacility ?? '')}`,
    );
    if (options.onUnrouted !== undefined) return options.onUnrouted(frame, peerText, routing);
    return buildAck(
      routing.header,
      {
        code: 'reject',
        error: { code: Hl7ErrorCondition.ApplicationInternalError, text: routing.text },
      },
      {
        now: this.clock.now(),
        controlId: randomUUID().replace(/-/g, '').slice(0, 20),
        facilityTz: this.settings.facilityTz,
      },
    );
  }

  /** Queues a reconcile after the ones already queued; the returned promise never rejects. */
  private reconcileSoon(): Promise<void> {
    this.chain = this.chain.then(() =>
      this.reconcile().catch((err: unknown) =>
        this.logger.error(`MLLP listeners not updated: ${(err as Error)?.message ?? String(err)}`),
      ),
    );
    return this.chain;
  }

  private desiredPorts(): Map<number, Desired> {
    const desired = new Map<number, Desired>();
    for (const iface of this.registry.list()) {
      if (!iface.enabled) continue;
      const known = desired.get(iface.port);
      if (known !== undefined) {
        known.interfaces.push(iface.name);
        continue;
      }
      const shared = iface.sharedPort;
      // Interfaces on one port agree about TLS (interfaceSetProblems); the first one speaks for all.
      const tls: Desired['tls'] = shared
        ? this.options?.sharedTls === undefined
          ? { kind: 'none' }
          : { kind: 'shared' }
        : iface.tls === undefined
          ? { kind: 'none' }
          : { kind: 'files', iface };
      const key =
        tls.kind === 'files'
          ? JSON.stringify([
              'files',
              tls.iface.tls?.certFile,
              tls.iface.tls?.keyFile,
              tls.iface.tls?.caFile ?? null,
              tls.iface.tls?.requireClientCert,
            ])
          : tls.kind;
      desired.set(iface.port, { port: iface.port, shared, key, tls, interfaces: [iface.name] });
    }
    return desired;
  }

  private async reconcile(): Promise<void> {
    if (this.stopped || this.options === undefined) return;
    const desired = this.desiredPorts();
    for (const [port, entry] of [...this.ports]) {
      const want = desired.get(port);
      if (want !== undefined && want.key === entry.desired.key) continue;
      this.ports.delete(port);
      if (entry.listener !== undefined) {
        this.logger.log(
          `MLLP port ${port}: ${want === undefined ? 'no enabled interface left; closing' : 'TLS changed; reopening'}`,
        );
        await entry.listener.close();
      }
    }
    for (const [port, want] of desired) {
      const entry = this.ports.get(port);
      if (entry?.listener !== undefined) {
        entry.desired = want;
        continue;
      }
      this.ports.set(port, await this.open(want, entry?.error));
    }
    for (const entry of this.ports.values()) entry.listener?.reapplyConnectionFilter();
  }

  /** Opens the listener of one port; `previousError` keeps a retry that fails the same way quiet. */
  private async open(want: Desired, previousError?: string): Promise<Entry> {
    const options = this.options;
    if (options === undefined) return { desired: want, error: 'stopped' };
    const names = want.interfaces.join(', ');
    let tls: MllpTlsOptions | undefined;
    try {
      tls = await this.tlsFor(want, options);
    } catch (err) {
      const error = `interface ${names} on port ${want.port}: ${(err as Error).message}`;
      if (error !== previousError) this.logger.error(`MLLP listener not opened: ${error}`);
      return { desired: want, error, cause: err };
    }
    const port = want.port;
    let listener: MllpListener | undefined;
    try {
      // Inside the try: node:tls refuses a key that does not match its certificate right here.
      listener = new MllpListener({
        port,
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
        ...(options.closeGraceMs === undefined ? {} : { closeGraceMs: options.closeGraceMs }),
        ...options.limits,
        ...(options.onOversized === undefined
          ? {}
          : {
              onOversizedFrame: (head: Buffer, peer: MllpPeer, size: { limit: number }) =>
                options.onOversized!(head, `${peer.remoteAddress}:${peer.remotePort}`, size.limit),
            }),
        ...(tls === undefined ? {} : { tls }),
        connectionFilter: (source) => this.portAdmits(port, source.remoteAddress),
        handler: (frame, peer) => this.onFrame(port, frame, peer),
        logger: options.logger ?? this.logger,
      });
      const { port: boundPort } = await listener.listen();
      const security = tls === undefined ? '' : tls.requestCert ? ' (TLS, client certificate required)' : ' (TLS)';
      this.logger.log(`HL7 MLLP listening on port ${boundPort}${security} for ${names}`);
      return { desired: want, listener, boundPort };
    } catch (err) {
      const error = `interface ${names}: ${(err as Error).message}`;
      if (error !== previousError) this.logger.error(`MLLP listener not opened: ${error}`);
      return { desired: want, error, cause: err };
    }
  }

  private async tlsFor(want: Desired, options: InterfaceListenersOptions): Promise<MllpTlsOptions | undefined> {
    switch (want.tls.kind) {
      case 'none':
        return undefined;
      case 'shared':
        return options.sharedTls;
      case 'files': {
        const t = want.tls.iface.tls;
        if (t === undefined) return undefined;
        const read = async (what: string, path: string): Promise<Buffer> => {
          try {
            return await readFile(path);
          } catch (err) {
            throw new Error(
              `cannot read tls.${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
              {
                cause: err,
              },
            );
          }
        };
        const [cert, key, ca] = await Promise.all([
          read('certFile', t.certFile),
          read('keyFile', t.keyFile),
          t.caFile === undefined ? Promise.resolve(undefined) : read('caFile', t.caFile),
        ]);
        return { cert, key, ...(ca === undefined ? {} : { ca }), requestCert: t.requireClientCert };
      }
    }
  }
}
