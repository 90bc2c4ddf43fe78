import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';
import type { MetricsSink } from '@circulator/realtime';

/** What /metrics reads from the running modules at each scrape (each absent where its role does not run). */
export interface MetricsProbes {
  /** Jobs of the inbound queue by state (BullMQ's counts). */
  queueJobs?: () => Promise<Record<string, number>>;
  /** Open socket.io connections on this gateway. */
  socketClients?: () => number;
  /** Open MLLP connections on this process's listeners. */
  mllpConnections?: () => number;
}

/** Prometheus text exposition format 0.0.4, what prom-client's Registry writes. */
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Display latency buckets, seconds: the platform's goal is an update on the wall within a second. */
const DISPLAY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus metrics of one process (prom-client, its own registry: no module-level state, so
 * several platforms in one test process do not share counters). Counters are per process, as
 * Prometheus expects: sum them over the processes of a scaled-out deployment.
 *
 * - `circulator_messages_received_total{channel,interface}` — messages that reached an edge
 * - `circulator_messages_answered_total{channel,interface,outcome}` — accepted (AA/CA, 200,
 *   PUBACK: stored), refused (stored as rejected: AR/AE), not-stored (a fault: resend later)
 * - `circulator_messages_applied_total{channel,interface,outcome}` — the worker's applied/failed
 * - `circulator_queue_jobs{state}` — inbound queue depth (waiting, active, delayed, prioritized, failed)
 * - `circulator_socket_clients`, `circulator_mllp_connections` — open connections here
 * - `circulator_display_latency_seconds` — change appended to the stream → update written to a topic
 * - Node's defaults (`process_*`, `nodejs_*`), among them `nodejs_eventloop_lag_p99_seconds`
 */
/** Counters as prom-client's JSON gives them (structured-clonable: they cross to another thread). */
export type CounterSnapshot = MetricObjectWithValues<MetricValue<string>>[];

export class PlatformMetrics implements MetricsSink {
  readonly registry = new Registry();
  private probes: MetricsProbes = {};
  private readonly sources: (() => Promise<CounterSnapshot>)[] = [];
  private readonly received: Counter<'channel' | 'interface'>;
  private readonly answered: Counter<'channel' | 'interface' | 'outcome'>;
  private readonly applied: Counter<'channel' | 'interface' | 'outcome'>;
  private readonly display: Histogram;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    this.received = new Counter({
      name: 'circulator_messages_received_total',
      help: 'Messages that reached an edge (MLLP frame, FHIR resource, MQTT publish)',
      labelNames: ['channel', 'interface'],
      registers,
    });
    this.answered = new Counter({
      name: 'circulator_messages_answered_total',
      help: 'Answers to senders: accepted (stored, AA/CA/200/PUBACK), refused (AR/AE, kept), not-stored (resend later)',
      labelNames: ['channel', 'interface', 'outcome'],
      registers,
    });
    this.applied = new Counter({
      name: 'circulator_messages_applied_total',
      help: 'Stored messages the worker applied to the case model, or marked failed',
      labelNames: ['channel', 'interface', 'outcome'],
      registers,
    });
    this.display = new Histogram({
      name: 'circulator_display_latency_seconds',
      help: 'From a change appended to the change stream to its update written to a display topic',
      buckets: DISPLAY_BUCKETS,
      registers,
    });
    const probes = (): MetricsProbes => this.probes;
    new Gauge({
      name: 'circulator_queue_jobs',
      help: 'Jobs of the inbound queue by state',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await probes().queueJobs?.();
        this.reset();
        for (const [state, n] of Object.entries(counts ?? {})) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'circulator_socket_clients',
      help: 'Open socket.io connections on this gateway',
      registers,
      collect() {
        this.set(probes().socketClients?.() ?? 0);
      },
    });
    new Gauge({
      name: 'circulator_mllp_connections',
      help: 'Open MLLP connections on this process',
      registers,
      collect() {
        this.set(probes().mllpConnections?.() ?? 0);
      },
    });
  }

  /** Hands over the readers of the running modules (once they exist). */
  useProbes(probes: MetricsProbes): void {
    this.probes = probes;
  }

  messageReceived(channel: string, iface: string): void {
    this.received.inc({ channel, interface: iface });
  }

  messageAnswered(channel: string, iface: string, outcome: 'accepted' | 'refused' | 'not-stored'): void {
    this.answered.inc({ channel, interface: iface, outcome });
  }

  messageApplied(channel: string, iface: string, outcome: 'applied' | 'failed'): void {
    this.applied.inc({ channel, interface: iface, outcome });
  }

  displayUpdate(ms: number): void {
    this.display.observe(ms / 1_000);
  }

  /**
   * Adds the counters of another thread of this process (WORKER_THREAD: the worker's applied
   * messages), summed into this exposition with the same names and labels.
   */
  addCounterSource(source: () => Promise<CounterSnapshot>): void {
    this.sources.push(source);
  }

  /** This registry's counters, for the main thread's exposition (see {@link addCounterSource}). */
  async counters(): Promise<CounterSnapshot> {
    const all = await this.registry.getMetricsAsJSON();
    // MetricType is a declared enum in prom-client's types: compare with its runtime value.
    return all.filter((m) => String(m.type) === 'counter');
  }

  /** The exposition text ({@link PROMETHEUS_CONTENT_TYPE}). */
  async exposition(): Promise<string> {
    if (!this.sources.length) return this.registry.metrics();
    const parts = await Promise.all([this.registry.getMetricsAsJSON(), ...this.sources.map((s) => s())]);
    return AggregatorRegistry.aggregate(parts).metrics();
  }
}
