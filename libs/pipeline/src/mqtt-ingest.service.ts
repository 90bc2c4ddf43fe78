import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Clock } from '@circulator/domain';
import { checkFeedPayload, encodeFeedBatch, type FeedPublish, type FeedSink } from '@circulator/devices';
import { DeviceRepository, InboxRepository, type NewInboxMessage } from '@circulator/persistence';
import { CLOCK, METRICS_SINK, type MetricsSink } from '@circulator/realtime';
import { Batcher } from './batcher';
import { InboundQueue } from './inbound.queue';

/** The most device messages one inbox row (and one queue job) carries. */
const MAX_FEED_BATCH = 1_000;
/**
 * How long a device batch waits for the readings that follow its first before it is committed.
 * At 2,000 readings/s without it, commits ran back to back with a few readings each (about 380
 * inbox rows, fsyncs and queue jobs a second) and their cost delayed the readings themselves: in
 * the bench (100 rooms × 20 readings/s, 300 displays) reading → display p50 / p99 went from
 * 107–123 / 202–282 ms to 88–98 / 179–217 ms with 20 ms (four runs each) (about 50 commits a second), and the
 * platform's CPU from 75 % to 68–69 % of a core. A device's PUBACK waits those 20 ms more. One
 * commit is in flight at a time (two before).
 */
const STORE_LINGER_MS = 20;
/** What is kept of a refused payload for the console (a payload bomb is not kept whole). */
const KEEP_REFUSED_BYTES = 64 * 1024;

/**
 * The MQTT feed's way into the inbox (ARCHITECTURE.md: high-rate readings take the same path in
 * batches). Whatever arrives while a commit is in flight is stored together in the next one, as one
 * inbox row and one queue job, so the cost per reading falls as the rate rises; at low rate a
 * message is its own batch and waits for no window. A device gets its PUBACK once its message is in
 * a committed row.
 *
 * A payload that is no valid CONTRACT §6 message is refused here: stored alone as `rejected` with
 * the reason (kept for the integration console), counted in the device's history, and the device
 * is flagged. It is still acknowledged: a resend would be refused again.
 */
@Injectable()
export class MqttIngestService implements FeedSink {
  private readonly logger = new Logger(MqttIngestService.name);
  private readonly writer = new Batcher<FeedPublish, void>((batch) => this.store(batch), {
    maxBatch: MAX_FEED_BATCH,
    linger: { ms: STORE_LINGER_MS },
  });

  constructor(
    private readonly inbox: InboxRepository,
    private readonly devices: DeviceRepository,
    private readonly queue: InboundQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(METRICS_SINK) private readonly metrics?: MetricsSink,
  ) {}

  accept(message: FeedPublish): Promise<void> {
    const problem = checkFeedPayload(message.topic, message.payload);
    const metrics = this.metrics;
    if (!metrics) return problem ? this.refuse(message, problem) : this.writer.submit(message);
    metrics.messageReceived('mqtt', 'mqtt');
    return (problem ? this.refuse(message, problem) : this.writer.submit(message)).then(
      () => metrics.messageAnswered('mqtt', 'mqtt', problem ? 'refused' : 'accepted'),
      (err: unknown) => {
        metrics.messageAnswered('mqtt', 'mqtt', 'not-stored');
        throw err;
      },
    );
  }

  /** Messages waiting for a commit. */
  get backlog(): number {
    return this.writer.backlog;
  }

  private async store(batch: FeedPublish[]): Promise<void[]> {
    const row: NewInboxMessage = {
      channel: 'mqtt',
      sender: 'mqtt',
      controlId: null,
      messageType: 'MQTT',
      raw: encodeFeedBatch(batch),
      peer: null,
      receivedAt: this.clock.now(),
      status: 'received',
    };
    const [stored] = await this.inbox.storeMany([row]);
    if (stored && !stored.duplicate) {
      // Stored: the PUBACKs may go. If queueing fails, the worker's sweep queues it later.
      void this.queue
        .enqueueMany([stored.id])
        .catch((err: unknown) =>
          this.logger.warn(`device batch ${stored.id} stored, queueing postponed: ${(err as Error).message}`),
        );
    }
    return batch.map(() => undefined);
  }

  private async refuse(message: FeedPublish, problem: string): Promise<void> {
    const now = this.clock.now();
    const kept = message.payload.subarray(0, KEEP_REFUSED_BYTES);
    await this.inbox.storeMany([
      {
        channel: 'mqtt',
        sender: message.deviceId,
        controlId: null,
        messageType: `MQTT ${message.topic.split('/').pop() ?? ''}`.slice(0, 64),
        raw: kept,
        peer: message.address,
        receivedAt: message.receivedAt,
        status: 'rejected',
        error:
          `${message.topic.slice(0, 200)}: ${problem}` +
          (kept.length < message.payload.length
            ? ` (payload of ${message.payload.length} bytes, first ${kept.length} kept)`
            : ''),
      },
    ]);
    try {
      await this.devices.transaction(async (manager) => {
        await this.devices.update(
          message.deviceId,
          { flagged: `bad payload: ${problem}`.slice(0, 500), flaggedAt: now.toISOString() },
          now,
          manager,
        );
        await this.devices.addEvents(
          [
            {
              deviceId: message.deviceId,
              at: now,
              kind: 'bad-payload',
              priority: 'low',
              message: problem.slice(0, 500),
              detail: { topic: message.topic.slice(0, 200) },
            },
          ],
          manager,
        );
      });
    } catch (err) {
      this.logger.warn(`device ${message.deviceId}: bad payload kept, flag not recorded: ${(err as Error).message}`);
    }
  }
}
