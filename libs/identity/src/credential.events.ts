import { Injectable, Logger } from '@nestjs/common';

/** A credential that stopped being valid: whoever is connected with it must be dropped. */
export interface RevokedSubject {
  /** `display`: a display credential; `user`: a user account (disabled); `consult`: a consultation. */
  kind: 'display' | 'user' | 'consult';
  /** The principal's `sub`: credential id, user id or consultation id. */
  sub: string;
  /** Only this sign-in of the user ended (logout, a refresh token reused). */
  session?: string;
  /** Every sign-in of the user ended but this one (the user changed their own password in it). */
  keepSession?: string;
}

/** Whether a connection of `principal` (its `sub` and sign-in) is one a revocation ends. */
export function endedBy(subject: RevokedSubject, principal: { sub: string; sessionId?: string }): boolean {
  if (principal.sub !== subject.sub) return false;
  if (subject.session !== undefined && principal.sessionId !== subject.session) return false;
  return subject.keepSession === undefined || principal.sessionId !== subject.keepSession;
}

/** Called once per revocation; may be async (a rejection is logged, never thrown at the revoker). */
export type RevokedListener = (subject: RevokedSubject) => void | Promise<void>;

/**
 * In-process notifications of revoked credentials, emitted after the revocation is stored: when a
 * display credential is revoked, a user is disabled, a user's sign-ins end (logout, password reset
 * or change, a refresh token reused), or a consultation is revoked.
 *
 * Token verification already refuses a revoked credential on its next use; this lets long-lived
 * connections (socket.io) drop its holder at once instead of at their next re-check. It is one
 * process's view: a bridge (e.g. over Redis) carries it to the other processes.
 */
@Injectable()
export class CredentialEvents {
  private readonly logger = new Logger(CredentialEvents.name);
  private readonly listeners = new Set<RevokedListener>();

  /** Tells every listener, synchronously and in subscription order; a listener's fault stays its own. */
  revoked(subject: RevokedSubject): void {
    for (const listener of [...this.listeners]) {
      try {
        const result = listener(subject);
        if (result instanceof Promise) result.catch((err: unknown) => this.failed(subject, err));
      } catch (err) {
        this.failed(subject, err);
      }
    }
  }

  /** Subscribes; the returned function unsubscribes (idempotent). */
  onRevoked(listener: RevokedListener): () => void {
    // Wrapped so that the same function subscribed twice is called twice and removed once each.
    const entry: RevokedListener = (subject) => listener(subject);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  private failed(subject: RevokedSubject, err: unknown): void {
    // The revocation itself is stored and stands; only the prompt disconnect may be late.
    const reason = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.logger.error(`a revocation listener failed for ${subject.kind}:${subject.sub}`, reason);
  }
}
