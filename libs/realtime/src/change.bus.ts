import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { CaseState } from '@circulator/domain';
import type { RevokedSubject } from '@circulator/identity';
import { RedisConnections } from './redis.connections';
import type { TopicChange } from './topics';

/** What travels from a worker to every gateway when a case changes. */
export interface CaseChangeMessage {
  caseId: string;
  state: CaseState;
  topics: (TopicChange & { version: number })[];
}

/** One entry of the change stream: its id (the stream offset) and what it carries. */
export type ChangeEntry =
  { id: string; kind: 'change'; change: CaseChangeMessage } | { id: string; kind: 'revoke'; subject: RevokedSubject };

/**
 * Allocates the next version of every topic and appends the change to the stream, in one atomic
 * Redis step: the stream's order is then each topic's version order, whichever worker wrote it,
 * and every gateway reads the same order. Entries older than the recovery window are trimmed,
 * and the stream never holds more than a bounded number of entries.
 *
 * A state older than one already appended for its case is not appended (nor are versions taken):
 * a worker that stalled between its commit and its publish (stopped, its Redis unreachable) would
 * otherwise put a screen back to a version another worker has long since published. The same
 * version again is appended (a retry's repeat, harmless).
 */
const APPEND_SCRIPT = `
local caseVersion = tonumber(ARGV[5])
if caseVersion >= 0 then
  if caseVersion < tonumber(redis.call('GET', KEYS[2]) or '0') then return { false, {} } end
  redis.call('SET', KEYS[2], ARGV[5], 'EX', ARGV[2])
end
local versions = {}
for i = 3, #KEYS do
  versions[i - 2] = redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
local t = redis.call('TIME')
local minId = (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) - tonumber(ARGV[3])
local id = redis.call('XADD', KEYS[1], 'MINID', '~', string.format('%d', minId), '*',
  'v', table.concat(versions, ','), 'b', ARGV[1])
redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[4])
return { id, versions }
`;

/**
 * A topic's version counter is forgotten after a week without updates (a case topic per case
 * would otherwise stay forever). A subscriber that then sees version 1 after N takes it as a gap
 * and re-subscribes, which is the right outcome.
 */
const TOPIC_VERSION_TTL_SECONDS = 7 * 24 * 3600;

/**
 * How long the stream keeps entries: longer than socket.io's two-minute connection-state
 * recovery, so that a display that drops for under two minutes can be caught up from it on
 * any gateway, and a gateway whose Redis connection blipped reads on where it stopped.
 */
export const CHANGE_RETENTION_MS = 3 * 60_000;

/**
 * And at most this many entries (about 100 MB at 2 KB each), whatever the rate: a gateway or a
 * client further behind than the stream reaches takes snapshots instead.
 */
export const CHANGE_STREAM_MAX_ENTRIES = 50_000;

/**
 * The change stream: how workers tell every gateway that a case changed (and that a credential
 * was revoked), in one total order that gateways and recovered connections read back by offset.
 */
@Injectable()
export class ChangeBus implements OnModuleInit {
  private redis!: Redis;

  constructor(private readonly connections: RedisConnections) {}

  onModuleInit(): void {
    // A worker batch publishes every case it changed at once (100 at 100 rooms of device readings):
    // auto-pipelining sends the appends of one tick in one write, in order, instead of a socket
    // write (and a wake-up of Redis) each.
    this.redis = this.connections.create('publisher', { enableAutoPipelining: true });
  }

  /** The stream's key. */
  get stream(): string {
    return this.connections.key('changes');
  }

  versionKey(topic: string): string {
    return this.connections.key('topic-version', topic);
  }

  /** The current version of a topic (0 before its first update). */
  async version(topic: string): Promise<number> {
    return Number((await this.redis.get(this.versionKey(topic))) ?? 0);
  }

  /**
   * Appends a case change; resolves with the versions its topics got, in `topics` order (none when
   * a newer version of the case was appended already: the change is then not appended).
   */
  async publish(caseId: string, state: CaseState, topics: TopicChange[]): Promise<number[]> {
    const body = JSON.stringify({ caseId, state, topics });
    const [, versions] = (await this.redis.eval(
      APPEND_SCRIPT,
      topics.length + 2,
      this.stream,
      this.connections.key('case-version', caseId),
      ...topics.map((t) => this.versionKey(t.topic)),
      body,
      TOPIC_VERSION_TTL_SECONDS,
      CHANGE_RETENTION_MS,
      CHANGE_STREAM_MAX_ENTRIES,
      // A state without a version (none in the engine's output) is never taken for a stale one.
      String(Number.isInteger(state.version) ? state.version : -1),
    )) as [string | null, number[]];
    return versions;
  }

  /** Tells every gateway to end the live connections of a revoked credential or user. */
  async revoke(subject: RevokedSubject): Promise<void> {
    await this.redis.xadd(
      this.stream,
      'MAXLEN',
      '~',
      String(CHANGE_STREAM_MAX_ENTRIES),
      '*',
      'r',
      JSON.stringify(subject),
    );
  }

  /**
   * Decodes one stream entry as XREAD/XRANGE return it; undefined for a foreign one. A change is
   * `v` (its topics' versions, comma-separated) and `b` (the change as published, untouched: the
   * append script no longer wraps it in a JSON envelope, which cost Redis an escape of every case
   * state and the gateway a second parse). `m`, the envelope, is still read: entries written by a
   * worker of the previous version stay in the stream for its retention.
   */
  static decodeEntry(id: string, fields: string[]): ChangeEntry | undefined {
    let versions: string | undefined;
    let body: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const value = fields[i + 1] as string;
      if (fields[i] === 'v') versions = value;
      else if (fields[i] === 'b') body = value;
      else if (fields[i] === 'm') return { id, kind: 'change', change: ChangeBus.decode(value) };
      else if (fields[i] === 'r') return { id, kind: 'revoke', subject: JSON.parse(value) as RevokedSubject };
    }
    if (versions === undefined || body === undefined) return undefined;
    return { id, kind: 'change', change: ChangeBus.decodeParts(versions === '' ? [] : versions.split(','), body) };
  }

  /** Decodes the `m` field of a change entry (the previous format: versions and body in one envelope). */
  static decode(raw: string): CaseChangeMessage {
    const envelope = JSON.parse(raw) as { versions: number[]; body: string };
    return ChangeBus.decodeParts(envelope.versions, envelope.body);
  }

  private static decodeParts(versions: readonly (number | string)[], raw: string): CaseChangeMessage {
    const body = JSON.parse(raw) as { caseId: string; state: CaseState; topics: TopicChange[] };
    return {
      caseId: body.caseId,
      state: body.state,
      topics: body.topics.map((t, i) => ({ ...t, version: Number(versions[i]) })),
    };
  }
}

/** Whether a string is a stream id (`ms-seq`), e.g. a client's recovery offset. */
export function isStreamId(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,20}-\d{1,20}$/.test(value);
}
