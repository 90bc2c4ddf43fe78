import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Clock } from '@circulator/domain';
import {
  buildAck,
  Hl7ErrorCondition,
  MllpListener,
  outcomeFromProblem,
  readMsh,
  type AckOutcome,
  type MshHeader,
} from '@circulator/hl7';
import { InboxRepository } from '@circulator/persistence';
import { CLOCK } from '@circulator/realtime';
import { contentProblem, isSupportedMessageType } from './fact.decoder';
import { InboundQueue } from './inbound.queue';
import { PIPELINE_SETTINGS, type PipelineSettings } from './pipeline.tokens';

/** A listener could not bind: carries the setting to name in the one-line start failure. */
export class ListenerStartError extends Error {
  override readonly name = 'ListenerStartError';
  readonly code: string | undefined;
  constructor(
    readonly setting: string,
    readonly port: number,
    cause: unknown,
  ) {
    super(`${setting}: cannot listen on port ${port}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.code = (cause as NodeJS.ErrnoException)?.code;
  }
}

/**
 * The HL7 v2 edge: MLLP frame → header check → inbox (durable) → queue → ACK.
 * Nothing is acknowledged AA before the inbox commit (CONTRACT §4); a sender's repeat of a
 * message id is answered AA and not applied again; what we refuse is stored too, for the
 * integration console.
 */
@Injectable()
export class MllpIngestService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MllpIngestService.name);
  private listener?: MllpListener;
  private boundPort: number | undefined;

  constructor(
    private readonly inbox: InboxRepository,
    private readonly queue: InboundQueue,
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { mllp } = this.settings;
    this.listener = new MllpListener({
      host: mllp.host,
      port: mllp.port,
      maxFrameBytes: mllp.maxFrameBytes,
      tls: mllp.tls,
      handler: (frame, peer) => this.handle(frame, `${peer.remoteAddress ?? '?'}:${peer.remotePort ?? '?'}`),
      logger: this.logger,
    });
    let port: number;
    try {
      ({ port } = await this.listener.listen());
    } catch (err) {
      throw new ListenerStartError('MLLP_PORT', mllp.port, err);
    }
    this.boundPort = port;
    this.logger.log(`HL7 MLLP listening on port ${port}${mllp.tls ? ' (TLS)' : ''}`);
  }

  port(): number | undefined {
    return this.boundPort;
  }

  isListening(): boolean {
    return this.listener?.isListening() ?? false;
  }

  /** Handles one frame; returns the ACK text (null: none is due, e.g. enhanced mode NE). */
  async handle(frame: Buffer, peer: string): Promise<string | null> {
    const receivedAt = this.clock.now();
    const read = readMsh(frame);
    const header: Partial<MshHeader> = read.ok ? read.header : read.partial;
    const sender = `${header.sendingApplication ?? ''}|${header.sendingFacility ?? ''}`;
    const type = header.messageType ? `${header.messageType.code}^${header.messageType.trigger}` : null;

    let outcome: AckOutcome;
    let status: 'received' | 'rejected' = 'received';
    if (!read.ok) {
      outcome = outcomeFromProblem(read.problem);
      status = 'rejected';
    } else if (!isSupportedMessageType(read.header.messageType.code, read.header.messageType.trigger)) {
      outcome = {
        code: 'reject',
        error: {
          code: Hl7ErrorCondition.UnsupportedMessageType,
          text: `message type ${type ?? '?'} is not supported`,
          location: { segment: 'MSH', sequence: 1, field: 9 },
        },
      };
      status = 'rejected';
    } else {
      const problem = contentProblem(frame, { facilityTz: this.settings.facilityTz, receivedAt });
      outcome = problem ? outcomeFromProblem(problem) : { code: 'accept' };
      if (problem) status = 'rejected';
    }

    try {
      const stored = await this.inbox.store({
        channel: 'mllp',
        sender,
        controlId: header.controlId || null,
        messageType: type,
        raw: frame,
        peer,
        receivedAt,
        status,
        error: outcome.code === 'accept' ? null : (outcome.error?.text ?? 'rejected'),
      });
      if (status === 'received' && !stored.duplicate) {
        // Stored: the ACK may say so even if Redis is away right now — the worker's sweep queues
        // every stored message that is not yet applied.
        await this.queue
          .enqueueApply(stored.id)
          .catch((err: unknown) =>
            this.logger.warn(`inbox ${stored.id} stored, queueing postponed: ${(err as Error).message}`),
          );
      }
    } catch (err) {
      // Not stored: never AA. AR with 207 tells the sender to send it again later.
      this.logger.error(`could not store a message from ${sender}: ${(err as Error).message}`);
      outcome = {
        code: 'reject',
        error: { code: Hl7ErrorCondition.ApplicationInternalError, text: 'message not stored; send it again later' },
      };
    }

    return buildAck(header, outcome, {
      now: this.clock.now(),
      controlId: randomUUID().replace(/-/g, '').slice(0, 20),
      facilityTz: this.settings.facilityTz,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener?.close();
  }
}
