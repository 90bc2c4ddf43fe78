import { Injectable, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InboundQueue, MllpIngestService } from '@circulator/pipeline';
import { LiveGateway } from '@circulator/realtime';
import { PlatformMetrics } from './platform.metrics';

/** Queue states /metrics shows (BullMQ's names). */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

/**
 * Connects the metrics to the modules this process runs, chosen by ROLES: the inbound queue (any
 * role that has one), the socket.io gateway, the MLLP listeners. Looked up once the application
 * is built, since which of them exist depends on the roles.
 */
@Injectable()
export class MetricsProbes implements OnApplicationBootstrap {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly metrics: PlatformMetrics,
  ) {}

  onApplicationBootstrap(): void {
    const queue = this.find(InboundQueue);
    const gateway = this.find(LiveGateway);
    const mllp = this.find(MllpIngestService);
    this.metrics.useProbes({
      ...(queue ? { queueJobs: () => queue.queue.getJobCounts(...QUEUE_STATES) } : {}),
      ...(gateway ? { socketClients: () => gateway.clientCount() } : {}),
      ...(mllp ? { mllpConnections: () => mllp.connectionCount() } : {}),
    });
  }

  private find<T>(type: Type<T>): T | undefined {
    try {
      return this.moduleRef.get(type, { strict: false });
    } catch {
      // Not part of this process's roles.
      return undefined;
    }
  }
}
