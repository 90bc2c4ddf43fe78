/**
 * Where the pipeline and the gateway report what Prometheus counts (apps/server/src/metrics). An
 * interface, so that the libs stay free of prom-client; absent (tests of a module alone), nothing is
 * counted. Labels are bounded: a channel, an interface name an engineer configured, an outcome —
 * never a sender's free text or a patient identifier.
 */
export interface MetricsSink {
  /** A message reached an edge (a frame, a hook bundle's resource, a device publish). */
  messageReceived(channel: string, iface: string): void;
  /**
   * Its answer: `accepted` (stored; AA/CA, HTTP 200, PUBACK), `refused` (stored as rejected: AR/AE)
   * or `not-stored` (a fault: AR/CR 207, resend later).
   */
  messageAnswered(channel: string, iface: string, outcome: 'accepted' | 'refused' | 'not-stored'): void;
  /** The worker's verdict on a stored message. */
  messageApplied(channel: string, iface: string, outcome: 'applied' | 'failed'): void;
  /** An update written to a display topic, `ms` after its oldest change was appended to the change stream. */
  displayUpdate(ms: number): void;
}

/** Injection token of the {@link MetricsSink} (optional everywhere). */
export const METRICS_SINK = Symbol('METRICS_SINK');
