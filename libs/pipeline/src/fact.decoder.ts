import type { ScheduleFact } from '@circulator/domain';
import { decodeSiu, SIU_TRIGGER_ACTIONS, type Hl7Problem } from '@circulator/hl7';
import type { StoredInboxMessage } from '@circulator/persistence';

/** A fact as decoded, before the worker resolves its room and attaches its source. */
export interface FactDraft {
  /** Short provenance label, e.g. `SIU^S12 MSG00012`. */
  label: string;
  fact: Omit<ScheduleFact, 'room' | 'source'> & { location?: { code: string; name?: string } };
}

export type DecodeOutcome = { ok: true; facts: FactDraft[]; warnings: string[] } | { ok: false; error: string };

/** The HL7 message types this build applies; everything else is answered AR 200 and kept. */
export function isSupportedMessageType(code: string, trigger: string): boolean {
  return code === 'SIU' && trigger in SIU_TRIGGER_ACTIONS;
}

/**
 * Checks a supported message's content at the edge, so that the sender hears AE with the reason
 * now (CONTRACT §4) instead of AA followed by a silent failure in the worker. Returns the problem,
 * or undefined when the worker will be able to apply it.
 */
export function contentProblem(raw: Buffer, options: { facilityTz: string; receivedAt: Date }): Hl7Problem | undefined {
  const mapped = decodeSiu(raw, { facilityTz: options.facilityTz, receivedAt: options.receivedAt.toISOString() });
  return mapped.ok ? undefined : mapped.problem;
}

/** Inbox message → fact drafts. Bad content is a typed outcome, never a throw. */
export function decodeInboxMessage(message: StoredInboxMessage, options: { facilityTz: string }): DecodeOutcome {
  const [code = '', trigger = ''] = (message.messageType ?? '').split('^');
  if (message.channel !== 'mllp' || !isSupportedMessageType(code, trigger)) {
    return { ok: false, error: `no decoder for ${message.channel} ${message.messageType ?? 'message'}` };
  }
  const mapped = decodeSiu(message.raw, {
    facilityTz: options.facilityTz,
    receivedAt: message.receivedAt.toISOString(),
  });
  if (!mapped.ok) return { ok: false, error: `${mapped.problem.kind}: ${mapped.problem.text}` };
  const { fact, location, header, warnings } = mapped.mapping;
  return {
    ok: true,
    facts: [
      {
        label: `${header.messageType.code}^${header.messageType.trigger} ${header.controlId}`,
        fact: location ? { ...fact, location } : fact,
      },
    ],
    warnings,
  };
}
