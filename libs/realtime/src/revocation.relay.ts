import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CredentialEvents } from '@circulator/identity';
import { ChangeBus } from './change.bus';

/**
 * Carries revocations (a display credential revoked, a user disabled, a consultation ended) from
 * the process where they happen to every gateway, through the change stream: each gateway then
 * disconnects the subject's live connections at once instead of at its next token re-check.
 */
@Injectable()
export class RevocationRelay implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RevocationRelay.name);
  private unsubscribe?: () => void;

  constructor(
    private readonly events: CredentialEvents,
    private readonly bus: ChangeBus,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.onRevoked(async (subject) => {
      try {
        await this.bus.revoke(subject);
      } catch (err) {
        // The gateways' periodic re-check still drops the subject within 15 s.
        this.logger.warn(`could not announce a revoked ${subject.kind}: ${(err as Error).message}`);
      }
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
