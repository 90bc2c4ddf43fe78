import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { CaseState } from '@circulator/domain';
import { RedisConnections } from './redis.connections';
import type { TopicChange } from './topics';

/** What travels from a worker to every gateway when a case changes. */
export interface CaseChangeMessage {
  caseId: string;
  state: CaseState;
  topics: (TopicChange & { version: number })[];
}

/**
 * Allocates the next version of every topic and publishes, in one atomic Redis step, so that
 * every gateway sees each topic's updates in version order whichever worker made them.
 */
const PUBLISH_SCRIPT = `
local versions = {}
for i, key in ipairs(KEYS) do
  versions[i] = redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[3])
end
redis.call('PUBLISH', ARGV[1], cjson.encode({ versions = versions, body = ARGV[2] }))
return versions
`;

/**
 * A topic's version counter is forgotten after a week without updates (a case topic per case
 * would otherwise stay forever). A subscriber that then sees version 1 after N takes it as a gap
 * and re-subscribes, which is the right outcome.
 */
const TOPIC_VERSION_TTL_SECONDS = 7 * 24 * 3600;

@Injectable()
export class ChangeBus implements OnModuleInit {
  private redis!: Redis;

  constructor(private readonly connections: RedisConnections) {}

  onModuleInit(): void {
    this.redis = this.connections.create('publisher');
  }

  get channel(): string {
    return this.connections.key('changes');
  }

  versionKey(topic: string): string {
    return this.connections.key('topic-version', topic);
  }

  /** The current version of a topic (0 before its first update). */
  async version(topic: string): Promise<number> {
    return Number((await this.redis.get(this.versionKey(topic))) ?? 0);
  }

  async publish(caseId: string, state: CaseState, topics: TopicChange[]): Promise<number[]> {
    const body = JSON.stringify({ caseId, state, topics });
    const versions = (await this.redis.eval(
      PUBLISH_SCRIPT,
      topics.length,
      ...topics.map((t) => this.versionKey(t.topic)),
      this.channel,
      body,
      TOPIC_VERSION_TTL_SECONDS,
    )) as number[];
    return versions;
  }

  /** Decodes a message published by `publish`. */
  static decode(raw: string): CaseChangeMessage {
    const envelope = JSON.parse(raw) as { versions: number[]; body: string };
    const body = JSON.parse(envelope.body) as { caseId: string; state: CaseState; topics: TopicChange[] };
    return {
      caseId: body.caseId,
      state: body.state,
      topics: body.topics.map((t, i) => ({ ...t, version: Number(envelope.versions[i]) })),
    };
  }
}
