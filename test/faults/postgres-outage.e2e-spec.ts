import { Client } from 'pg';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { waitFor } from '../support/services';

/** MSA-1 and ERR-3.1 of an ACK. */
function ackOf(ack: string): { code: string; error?: string } {
  const segments = ack.split('\r');
  const msa = segments.find((s) => s.startsWith('MSA|'))?.split('|') ?? [];
  const err = segments
    .find((s) => s.startsWith('ERR|'))
    ?.split('|')[3]
    ?.split('^')[0];
  return { code: msa[1] ?? '?', ...(err ? { error: err } : {}) };
}

const TOTAL = 120;
const STOP_AFTER_ACCEPTED = 40;
const RESTART_AFTER_REFUSED = 12;

/**
 * CONTRACT §4 and issue 3: with the database stopped mid-stream, senders get AR (or CR in enhanced
 * mode) and never AA/CA; after it returns, their resends land exactly once. PostgreSQL here is the
 * test's own (initdb in a temporary folder), crashed with `pg_ctl -m immediate`.
 */
describe('PostgreSQL stops mid-stream', () => {
  let pg: PrivatePostgres;
  let t: TestPlatform;
  let sender: MllpClient;
  let db: Client;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    t = await startTestPlatform({ databaseUrl: pg.url });
    sender = new MllpClient({ ackTimeoutMs: 20_000 });
    await sender.connect('127.0.0.1', t.platform.mllpPort!);
  }, 120_000);
  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await sender?.close();
    await t?.stop();
    t?.dataDir.remove();
    await pg?.destroy();
  });

  it('answers AR/CR while it is down, never AA/CA, and applies every resend exactly once', async () => {
    const message = (i: number) =>
      siu({
        trigger: 'S12',
        controlId: `OUT-${i}`,
        placerId: `PL-OUT-${i}`,
        fillerId: `FL-OUT-${i}`,
        start: '20261123083000',
        minutes: 60,
        room: `OR${(i % 4) + 1}`,
        mrn: `MRN-OUT-${i}`,
        family: 'Outage',
        given: `Patient${i}`,
        // Half the senders ask for enhanced mode: they must hear CA/CR instead of AA/AR.
        ...(i % 2 === 1 ? { acceptAck: 'AL' as const } : {}),
      });

    const history: { i: number; code: string; error?: string; down: boolean }[] = [];
    let accepted = 0;
    let refused = 0;
    let down = false;
    let restarted = false;
    const unacknowledged: number[] = [];

    // The sender's loop: every message until it is accepted, in order; a refused one goes to the
    // back of the line, as an interface engine's resend queue would do.
    const queue = Array.from({ length: TOTAL }, (_, i) => i);
    while (queue.length) {
      const i = queue.shift()!;
      let reply;
      try {
        reply = ackOf(await sender.send(message(i)));
      } catch {
        // The connection dropped (the ACK never came): the sender reconnects and resends.
        await sender.close();
        await sender.connect('127.0.0.1', t.platform.mllpPort!);
        queue.push(i);
        continue;
      }
      history.push({ i, ...reply, down });
      if (reply.code === 'AA' || reply.code === 'CA') {
        accepted += 1;
      } else {
        refused += 1;
        unacknowledged.push(i);
        queue.push(i);
      }
      if (!down && !restarted && accepted === STOP_AFTER_ACCEPTED) {
        await pg.stop('immediate');
        down = true;
      } else if (down && refused >= RESTART_AFTER_REFUSED) {
        await pg.start();
        down = false;
        restarted = true;
      }
    }

    const whileDown = history.filter((h) => h.down);
    expect(whileDown.length).toBeGreaterThanOrEqual(RESTART_AFTER_REFUSED);
    // Never an acceptance while the database was away; each refusal says "not stored, send again" (207).
    expect(whileDown.filter((h) => h.code === 'AA' || h.code === 'CA')).toEqual([]);
    expect(new Set(whileDown.map((h) => h.code))).toEqual(new Set(['AR', 'CR']));
    expect(whileDown.every((h) => h.error === '207')).toBe(true);
    expect(whileDown.every((h) => h.code === (h.i % 2 === 1 ? 'CR' : 'AR'))).toBe(true);
    expect(unacknowledged.length).toBeGreaterThanOrEqual(RESTART_AFTER_REFUSED);

    db = new Client({ connectionString: pg.url });
    await db.connect();
    // Every accepted message applied, once: one inbox row per message id, one case per booking,
    // each created by exactly one event.
    await waitFor(
      async () => {
        const { rows } = await db.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM inbox WHERE control_id LIKE 'OUT-%' AND status = 'applied'`,
        );
        return rows[0]?.n === String(TOTAL) ? true : undefined;
      },
      { timeoutMs: 120_000, what: 'every accepted message applied' },
    ).catch(async (err: unknown) => {
      const { rows } = await db.query(`SELECT status, count(*)::text AS n FROM inbox GROUP BY status`);
      throw new Error(
        `${(err as Error).message}: inbox ${JSON.stringify(rows)}; logs:\n${t.logs
          .filter((l) => !l.includes('could not store'))
          .slice(-40)
          .join('')}`,
      );
    });
    const inbox = await db.query<{ control_id: string; n: string }>(
      `SELECT control_id, count(*)::text AS n FROM inbox WHERE control_id LIKE 'OUT-%' GROUP BY control_id`,
    );
    expect(inbox.rows).toHaveLength(TOTAL);
    expect(inbox.rows.every((r) => r.n === '1')).toBe(true);
    const cases = await db.query<{ placer: string; events: string }>(
      `SELECT c.state -> 'identifiers' ->> 'placerAppointmentId' AS placer, count(e.id)::text AS events
       FROM surgical_case c JOIN case_event e ON e.case_id = c.id
       WHERE c.state -> 'identifiers' ->> 'placerAppointmentId' LIKE 'PL-OUT-%' GROUP BY c.id`,
    );
    expect(cases.rows).toHaveLength(TOTAL);
    expect(cases.rows.every((r) => r.events === '1')).toBe(true);

    // A resend of a message that was accepted before the outage: accepted again, applied never again.
    expect(ackOf(await sender.send(message(0))).code).toBe('AA');
    const again = await db.query<{ duplicates: number; status: string }>(
      `SELECT duplicates, status FROM inbox WHERE control_id = 'OUT-0'`,
    );
    expect(again.rows).toEqual([{ duplicates: 1, status: 'applied' }]);
  }, 300_000);
});
