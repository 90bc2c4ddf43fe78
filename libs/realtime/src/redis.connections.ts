import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';

export const REDIS_SETTINGS = Symbol('REDIS_SETTINGS');

export interface RedisSettings {
  url: string;
  /** Prefix of every key and channel, so that deployments and test runs never collide. */
  prefix: string;
}

/**
 * Makes and closes the process's Redis connections. BullMQ needs `maxRetriesPerRequest: null`
 * on its blocking connections; subscribers need a connection of their own.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  private readonly open = new Set<Redis>();

  constructor(@Inject(REDIS_SETTINGS) readonly settings: RedisSettings) {}

  /** A key or channel name under this deployment's prefix. */
  key(...parts: string[]): string {
    return [this.settings.prefix, ...parts].join(':');
  }

  create(purpose: string, extra: RedisOptions = {}): Redis {
    const client = new Redis(this.settings.url, {
      lazyConnect: false,
      connectionName: `circulator-${this.settings.prefix}-${purpose}`,
      ...extra,
    });
    client.on('error', (err: Error) => this.logger.warn(`redis (${purpose}): ${err.message}`));
    this.open.add(client);
    return client;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(
      [...this.open].map(async (c) => {
        this.open.delete(c);
        if (c.status === 'end') return;
        await c.quit().catch(() => c.disconnect());
      }),
    );
  }
}
