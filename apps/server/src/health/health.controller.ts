import { Controller, Get, Optional, type OnModuleInit } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from '@circulator/identity';
import { MqttEdge } from '@circulator/devices';
import { MllpIngestService } from '@circulator/pipeline';
import { RedisConnections } from '@circulator/realtime';

/** Bounds a probe so that a hung dependency reads as down instead of hanging the check. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** CONTRACT §1: live while the process runs; ready when every dependency and listener is up. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController implements OnModuleInit {
  private redis!: Redis;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly connections: RedisConnections,
    @Optional() private readonly mllp?: MllpIngestService,
    @Optional() private readonly mqtt?: MqttEdge,
  ) {}

  onModuleInit(): void {
    this.redis = this.connections.create('health', { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  }

  @Get('live')
  @ApiOperation({ summary: '200 while the process runs' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: '200 when database, Redis, the MQTT broker and every listener are up; 503 naming what is down',
  })
  ready() {
    const checks = [
      () => this.probe('database', () => this.ds.query('SELECT 1')),
      () => this.probe('redis', () => this.redis.ping()),
    ];
    if (this.mllp) {
      const mllp = this.mllp;
      checks.push(() =>
        this.probe('mllp', () => (mllp.isListening() ? Promise.resolve() : Promise.reject(new Error('not listening')))),
      );
    }
    if (this.mqtt) {
      const mqtt = this.mqtt;
      checks.push(() =>
        this.probe('mqtt', () => {
          const { up, detail } = mqtt.status();
          return up ? Promise.resolve() : Promise.reject(new Error(detail));
        }),
      );
    }
    return this.health.check(checks);
  }

  private async probe(key: string, work: () => Promise<unknown>): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    try {
      await within(2_000, work());
      return session.up();
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}
