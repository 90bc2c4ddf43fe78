import type { Client } from 'pg';
import { waitFor } from './services';

/** MSA-1 of an ACK ('?' when there is none). */
export function ackCode(ack: string): string {
  return (
    ack
      .split('\r')
      .find((s) => s.startsWith('MSA|'))
      ?.split('|')[1] ?? '?'
  );
}

/** The checker's verdict on what the senders were told against what PostgreSQL holds. */
export interface AppliedOnceVerdict {
  acknowledged: number;
  /** Acknowledged, yet not in the inbox as applied. */
  missing: number;
  /** Message ids with more than one inbox row. */
  storedTwice: number;
  /**
   * Cases with more events, or a higher version, than the messages acknowledged for them (updates
   * of one case applied in one batch may share an event and a version: fewer is not a fault).
   */
  appliedTwice: number;
  /** Cases the messages made (each booking is its own case). */
  cases: number;
}

/**
 * Issue 10's checker. `acknowledged` are the control ids (MSH-10) a sender heard AA for, all with
 * `controlPrefix`; each booked its own case, whose SCH-1 placer id starts with `placerPrefix`, and
 * `updatesOf` says how many acknowledged updates (S14) each such case had (0 when absent). Waits
 * until every acknowledged message is applied (or `timeoutMs`), then: each message is in the inbox
 * once and applied; each case has at most 1 + its updates events and version (a booking: exactly 1).
 */
export async function checkAppliedOnce(
  pg: Client,
  {
    controlPrefix,
    placerPrefix,
    acknowledged,
    updatesOf = new Map(),
    timeoutMs = 120_000,
  }: {
    controlPrefix: string;
    placerPrefix: string;
    acknowledged: ReadonlySet<string>;
    updatesOf?: ReadonlyMap<string, number>;
    timeoutMs?: number;
  },
): Promise<AppliedOnceVerdict> {
  const appliedIds = async (): Promise<Set<string>> => {
    const { rows } = await pg.query<{ control_id: string }>(
      `SELECT DISTINCT control_id FROM inbox WHERE control_id LIKE $1 AND status = 'applied'`,
      [`${controlPrefix}%`],
    );
    return new Set(rows.map((r) => r.control_id));
  };
  await waitFor(
    async () => {
      const applied = await appliedIds();
      return [...acknowledged].every((id) => applied.has(id)) ? true : undefined;
    },
    { timeoutMs, intervalMs: 200, what: 'every acknowledged message applied' },
  ).catch(() => undefined); // the verdict below says what is missing
  const applied = await appliedIds();
  const inbox = await pg.query<{ control_id: string; n: string }>(
    `SELECT control_id, count(*)::text AS n FROM inbox WHERE control_id LIKE $1 GROUP BY control_id`,
    [`${controlPrefix}%`],
  );
  const cases = await pg.query<{ placer: string; events: string; version: number }>(
    `SELECT c.state -> 'identifiers' ->> 'placerAppointmentId' AS placer, count(e.id)::text AS events,
            max(c.version) AS version
     FROM surgical_case c JOIN case_event e ON e.case_id = c.id
     WHERE c.state -> 'identifiers' ->> 'placerAppointmentId' LIKE $1 GROUP BY c.id`,
    [`${placerPrefix}%`],
  );
  const expected = (placer: string): number => 1 + (updatesOf.get(placer) ?? 0);
  return {
    acknowledged: acknowledged.size,
    missing: [...acknowledged].filter((id) => !applied.has(id)).length,
    storedTwice: inbox.rows.filter((r) => r.n !== '1').length,
    appliedTwice: cases.rows.filter((r) => Number(r.events) > expected(r.placer) || r.version > expected(r.placer))
      .length,
    cases: cases.rows.length,
  };
}
