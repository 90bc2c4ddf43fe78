import {
  applyDecorators,
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Logger,
  NotFoundException,
  Optional,
  Param,
  Post,
  Query,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Clock } from '@circulator/domain';
import { AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import type { MessageErrors, MessagePage, MessageStatsView, MessageView } from '@circulator/contracts';
import { MessageLogRepository, isInboxId } from '@circulator/persistence';
import {
  InboundQueue,
  InterfaceRegistry,
  MllpIngestService,
  ReprocessService,
  type ReprocessResult,
} from '@circulator/pipeline';
import { CLOCK } from '@circulator/realtime';
import { messageDocument, messageText } from './message.view';
import {
  parseErrorsQuery,
  parseReprocessBody,
  parseSearchQuery,
  parseStatsQuery,
  parseUploadQuery,
} from './messages.schemas';

/** Inbox channels whose rows are JSON, not HL7. */
const JSON_CHANNELS: ReadonlySet<string> = new Set(['fhir', 'api', 'mqtt']);

/** What an upload came to: one ACK per message, and the batch ACK as HL7 text. */
export interface UploadResult {
  messages: number;
  acks: { controlId: string; code: string }[];
  ack: string;
}

/** The filters every list of the log takes (OpenAPI only: validation is in messages.schemas.ts). */
const FILTER_QUERIES: [name: string, description: string][] = [
  ['mrn', 'the MRN the message carried, or of a patient whose case it changed'],
  ['caseId', 'messages that changed this case'],
  ['type', 'SIU^S12 (exact) or SIU (every trigger)'],
  ['controlId', 'MSH-10'],
  ['interface', 'inbound interface name'],
  ['sender', 'MSH-3|MSH-4'],
  ['from', 'received at or after (ISO 8601 with zone)'],
  ['to', 'received before (ISO 8601 with zone)'],
  ['before', 'cursor: the `next` of the previous page'],
  ['limit', 'page size, default 50, at most 500'],
];

function ApiFilters(...extra: [name: string, description: string][]): MethodDecorator {
  return applyDecorators(
    ...[...FILTER_QUERIES, ...extra].map(([name, description]) => ApiQuery({ name, description, required: false })),
  );
}

/**
 * The integration engineer's message log: search, one message in full (raw text, parse tree,
 * attempts, case changes), errors and dead letters, reprocessing, traffic statistics.
 *
 * Every answer that carries patient data (MRNs, raw text, the tree) is audited as `message.read`
 * before it is sent (CONTRACT: every read of patient data is audited); statistics carry none.
 * Static routes are declared before `:id`.
 */
@ApiTags('messages')
@ApiBearerAuth()
@Roles('integration')
@Controller('api/messages')
export class MessagesController {
  private readonly logger = new Logger(MessagesController.name);

  constructor(
    private readonly log: MessageLogRepository,
    private readonly reprocessor: ReprocessService,
    private readonly inbound: InboundQueue,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly interfaces: InterfaceRegistry,
    @Optional() private readonly ingest?: MllpIngestService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Search the message log, newest first (keyset pages: pass `next` as `before`)' })
  @ApiFilters(['status', 'one or several of received, applied, rejected, failed (comma-separated or repeated)'])
  async search(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
  ): Promise<MessagePage> {
    const { filter, page } = parseSearchQuery(query);
    const result = await this.log.search(filter, page);
    await this.audit.record({
      principal,
      action: 'message.read',
      targetType: 'message',
      detail: { view: 'search', filter, ids: result.items.map((m) => m.id) },
    });
    return result;
  }

  @Get('errors')
  @ApiOperation({ summary: 'Refused, failed (dead letters) and stuck messages, counted per error' })
  @ApiFilters(['stuckAfterMinutes', 'a received message older than this is stuck (default 5)'])
  async errors(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
  ): Promise<MessageErrors> {
    const { filter, page, stuckAfterMinutes } = parseErrorsQuery(query);
    const result = await this.log.errors(
      { ...filter, now: this.clock.now(), ...(stuckAfterMinutes !== undefined ? { stuckAfterMinutes } : {}) },
      page,
    );
    await this.audit.record({
      principal,
      action: 'message.read',
      targetType: 'message',
      detail: { view: 'errors', filter, ids: result.items.map((m) => m.id) },
    });
    return result;
  }

  @Get('stats')
  @ApiOperation({ summary: 'Traffic per interface and sender: rate, error rate, last message; queue depth' })
  @ApiQuery({ name: 'windowMinutes', required: false, description: 'the window counted, default 60, at most 1440' })
  async stats(@Query() query: Record<string, unknown>): Promise<MessageStatsView> {
    const { windowSeconds } = parseStatsQuery(query);
    const [stats, queue] = await Promise.all([
      this.log.stats({ now: this.clock.now(), windowSeconds }),
      this.queueDepth(),
    ]);
    return { ...stats, queue };
  }

  @Post('reprocess')
  @HttpCode(202)
  @ApiOperation({ summary: 'Process applied or failed messages again (after a mapping fix); audited' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['ids'],
      properties: { ids: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 1000 } },
    },
  })
  reprocess(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<ReprocessResult> {
    const { ids } = parseReprocessBody(body);
    return this.reprocessor.reprocess(ids, principal);
  }

  @Post('upload')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Upload HL7 v2 (one message, a batch with FHS/BHS, or messages one after another) as the body ' +
      '(Content-Type: application/hl7-v2 or text/plain); each message is stored, acknowledged and applied ' +
      'as if it came over MLLP on the named interface (default: default). Answers the batch of ACKs; audited.',
  })
  @ApiQuery({ name: 'interface', required: false })
  async upload(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Query() query: unknown,
  ): Promise<UploadResult> {
    const { interface: interfaceName } = parseUploadQuery(query);
    if (!this.ingest) {
      throw new ServiceUnavailableException('this process does not ingest messages (ROLES has no ingest)');
    }
    if (!Buffer.isBuffer(body) || body.toString('latin1').trim() === '') {
      throw new BadRequestException('send the HL7 text as the body, Content-Type application/hl7-v2');
    }
    const name = interfaceName ?? 'default';
    const iface = this.interfaces.get(name);
    if (!iface) throw new NotFoundException(`no interface ${name}`);
    const ack = await this.ingest.handleBatch(body, `upload:${principal.sub}`, iface, 'rest');
    const acks = ack
      .split('\r')
      .filter((segment) => segment.startsWith('MSA'))
      .map((msa) => {
        const [, code = '', controlId = ''] = msa.split(msa.charAt(3));
        return { controlId, code };
      });
    await this.audit.record({
      principal,
      action: 'message.upload',
      targetType: 'interface',
      targetId: name,
      detail: { messages: acks.length },
    });
    return { messages: acks.length, acks, ack };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One message: raw text, parse tree, processing attempts and the case changes it caused' })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<MessageView> {
    const detail = isInboxId(id) ? await this.log.get(id) : undefined;
    if (!detail) throw new NotFoundException(`no message ${id}`);
    const { raw, ...summary } = detail.message;
    await this.audit.record({ principal, action: 'message.read', targetType: 'message', targetId: id });
    // FHIR, API and MQTT rows hold JSON (a resource with what it references, a person's request, a
    // batch of device messages), not HL7: their content as structure, no HL7 tree.
    if (JSON_CHANNELS.has(summary.channel)) {
      const { text, charset, tree, ...document } = messageDocument(raw, summary.channel);
      return {
        message: { ...summary, text, charset },
        tree,
        ...document,
        attempts: detail.attempts,
        events: detail.events,
      };
    }
    const { text, charset, tree, problem } = messageText(raw);
    return {
      message: { ...summary, text, charset },
      tree,
      ...(problem ? { problem } : {}),
      attempts: detail.attempts,
      events: detail.events,
    };
  }

  /** The inbound queue's job counts. Statistics are still worth showing while Redis is away. */
  private async queueDepth(): Promise<MessageStatsView['queue']> {
    try {
      const counts = await this.inbound.queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed');
      return {
        // Results and observations wait in BullMQ's prioritized set (the bulk lane): waiting too.
        waiting: (counts['wait'] ?? 0) + (counts['prioritized'] ?? 0),
        active: counts['active'] ?? 0,
        delayed: counts['delayed'] ?? 0,
        failed: counts['failed'] ?? 0,
      };
    } catch (err) {
      this.logger.warn(`queue depth unavailable: ${(err as Error).message}`);
      return null;
    }
  }
}
