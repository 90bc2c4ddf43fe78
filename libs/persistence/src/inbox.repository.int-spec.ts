import type { DataSource } from 'typeorm';
import { useTestDatabase } from '../../../test/support/database';
import { InboxRepository, type NewInboxMessage } from './inbox.repository';

const at = new Date('2026-11-21T07:30:00Z');

function message(controlId: string | null, over: Partial<NewInboxMessage> = {}): NewInboxMessage {
  return {
    channel: 'mllp',
    sender: 'EHR|GENHOSP',
    controlId,
    messageType: 'SIU^S12',
    raw: Buffer.from(`MSH|^~\\&|EHR|GENHOSP|||20261121073000||SIU^S12|${controlId ?? ''}|P|2.5\r`, 'latin1'),
    peer: '127.0.0.1:5000',
    receivedAt: at,
    status: 'received',
    interfaceName: 'default',
    ackCode: 'AA',
    ...over,
  };
}

describe.each(['postgresql', 'pglite'] as const)('inbox group commit on %s', (engine) => {
  const db = useTestDatabase(engine);
  let ds: DataSource;
  let inbox: InboxRepository;

  beforeAll(() => {
    ds = db.ds;
    inbox = new InboxRepository(ds);
  });
  it('stores a batch in input order with its own ids, bytes and columns', async () => {
    const raw = Buffer.from([0x4d, 0x53, 0x48, 0xe9, 0x00, 0xff]);
    const results = await inbox.storeMany([message('B1'), message(null, { status: 'rejected', raw }), message('B2')]);
    expect(results.map((r) => r.duplicate)).toEqual([false, false, false]);
    const ids = results.map((r) => Number(r.id));
    expect(new Set(ids).size).toBe(3);
    const rows = await ds.query<{ id: string; control_id: string | null; raw: Uint8Array; interface_name: string }[]>(
      `SELECT id::text AS id, control_id, raw, interface_name FROM inbox WHERE id = ANY($1) ORDER BY id`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(results[0]!.id)?.control_id).toBe('B1');
    expect(Buffer.from(byId.get(results[1]!.id)!.raw)).toEqual(raw);
    expect(byId.get(results[2]!.id)?.control_id).toBe('B2');
    expect(byId.get(results[2]!.id)?.interface_name).toBe('default');
  });

  it('answers a repeat of a stored id, and a repeat inside one batch, with the first copy', async () => {
    const [first] = await inbox.storeMany([message('D1', { ackCode: 'CA' })]);
    const again = await inbox.storeMany([message('D2'), message('D1'), message('D2')]);
    expect(again[1]).toEqual({ id: first!.id, duplicate: true, status: 'received', ackCode: 'CA' });
    expect(again[0]?.duplicate).toBe(false);
    expect(again[2]).toEqual({ ...again[0], duplicate: true });
    const counts = await ds.query<{ control_id: string; duplicates: number; n: string }[]>(
      `SELECT control_id, max(duplicates) AS duplicates, count(*)::text AS n FROM inbox
       WHERE control_id IN ('D1', 'D2') GROUP BY control_id ORDER BY control_id`,
    );
    expect(counts).toEqual([
      { control_id: 'D1', duplicates: 1, n: '1' },
      { control_id: 'D2', duplicates: 1, n: '1' },
    ]);
  });

  it('never treats a refused copy as the original: a corrected resend is stored anew', async () => {
    const [refused] = await inbox.storeMany([message('R1', { status: 'rejected', ackCode: 'AE' })]);
    const [resent] = await inbox.storeMany([message('R1')]);
    expect(resent?.duplicate).toBe(false);
    expect(resent?.id).not.toBe(refused?.id);
  });

  it('keeps the per-message store() for single writers', async () => {
    const one = await inbox.store(message('S1'));
    const two = await inbox.store(message('S1'));
    expect(two).toEqual({ ...one, duplicate: true });
  });

  it('ends a batch of attempts: applied and failed rows change status once, every attempt is recorded and numbered', async () => {
    const [a, b, c] = await inbox.storeMany([message('F1'), message('F2'), message('F3')]);
    const done = new Date('2026-11-21T07:31:00Z');
    await ds.transaction((manager) =>
      inbox.finishAttempts(manager, [
        {
          inboxId: a!.id,
          trigger: 'queue',
          startedAt: at,
          finishedAt: done,
          outcome: 'applied',
          facts: [{ kind: 'observations', at: '2026-11-21T07:30:00.000Z' }],
          caseIds: ['case-1'],
          warnings: [],
          mrn: 'M1',
        },
        { inboxId: b!.id, trigger: 'queue', startedAt: at, finishedAt: done, outcome: 'failed', error: 'no room' },
        { inboxId: c!.id, trigger: 'queue', startedAt: at, finishedAt: done, outcome: 'error', error: 'database away' },
      ]),
    );
    // A second run over the applied one (a reprocess): its status stays, its attempt is number 2.
    await ds.transaction((manager) =>
      inbox.finishAttempts(manager, [
        { inboxId: a!.id, trigger: 'reprocess', actor: 'user:7', startedAt: done, finishedAt: done, outcome: 'failed' },
      ]),
    );
    const rows = await ds.query<
      { id: string; status: string; error: string | null; mrn: string | null; attempts: number }[]
    >(`SELECT id::text AS id, status, error, mrn, attempts FROM inbox WHERE id = ANY($1) ORDER BY id`, [
      [a!.id, b!.id, c!.id],
    ]);
    expect(rows.map((r) => [r.status, r.error, r.mrn, r.attempts])).toEqual([
      ['applied', null, 'M1', 1],
      ['failed', 'no room', null, 1],
      ['received', null, null, 0],
    ]);
    const attempts = await ds.query<
      {
        inbox_id: string;
        attempt: number;
        trigger: string;
        outcome: string;
        facts: unknown;
        case_ids: unknown;
        actor: string | null;
      }[]
    >(
      `SELECT inbox_id::text AS inbox_id, attempt, trigger, outcome, facts, case_ids, actor FROM inbox_attempt
       WHERE inbox_id = ANY($1) ORDER BY inbox_id, attempt`,
      [[a!.id, b!.id, c!.id]],
    );
    expect(attempts.map((x) => [x.inbox_id, x.attempt, x.trigger, x.outcome, x.actor])).toEqual([
      [a!.id, 1, 'queue', 'applied', null],
      [a!.id, 2, 'reprocess', 'failed', 'user:7'],
      [b!.id, 1, 'queue', 'failed', null],
      [c!.id, 1, 'queue', 'error', null],
    ]);
    expect(attempts[0]).toMatchObject({
      facts: [{ kind: 'observations', at: '2026-11-21T07:30:00.000Z' }],
      case_ids: ['case-1'],
    });
  });

  it('lists exactly the unsettled messages in inbox_open, whoever changes their status', async () => {
    const [r, x, f] = await inbox.storeMany([
      message('O1', { mrn: 'M9' }),
      message('O2', { status: 'rejected', error: 'bad' }),
      message('O3'),
    ]);
    const open = async () =>
      new Map(
        (
          await ds.query<{ id: string; status: string }[]>(
            `SELECT inbox_id::text AS id, status FROM inbox_open WHERE inbox_id = ANY($1)`,
            [[r!.id, x!.id, f!.id]],
          )
        ).map((o) => [o.id, o.status]),
      );
    expect(await open()).toEqual(
      new Map([
        [r!.id, 'received'],
        [x!.id, 'rejected'],
        [f!.id, 'received'],
      ]),
    );
    await ds.transaction((manager) =>
      inbox.finishAttempts(manager, [
        { inboxId: r!.id, trigger: 'queue', startedAt: at, finishedAt: at, outcome: 'applied', mrn: 'M9' },
      ]),
    );
    await inbox.markFailed(f!.id, at, 'no room');
    expect(await open()).toEqual(
      new Map([
        [x!.id, 'rejected'],
        [f!.id, 'failed'],
      ]),
    );
    // A reprocess puts a message back to received: it is open again.
    await ds.query(`UPDATE inbox SET status = 'received' WHERE id = $1`, [r!.id]);
    expect((await open()).get(r!.id)).toBe('received');
    expect(await inbox.pendingIds(10, new Date(at.getTime() + 1))).toEqual(expect.arrayContaining([r!.id]));
    expect(await inbox.pendingIds(10, new Date(at.getTime() + 1))).not.toContain(f!.id);
  });

  it('applies a message as a HOT update: no index of the inbox reads a column that changes', async () => {
    const [m] = await inbox.storeMany([message('H1', { mrn: 'M1' })]);
    const hot = await ds.transaction(async (manager) => {
      // This connection's counters not yet flushed to the shared statistics: exact, and not
      // shared with other connections' writes. The difference is the update's own.
      const counters = async () =>
        (
          await manager.query<{ updated: number; hot: number }[]>(
            `SELECT pg_stat_get_xact_tuples_updated('inbox'::regclass)::int AS updated,
                    pg_stat_get_xact_tuples_hot_updated('inbox'::regclass)::int AS hot`,
          )
        )[0]!;
      const before = await counters();
      await inbox.finishAttempts(manager, [
        { inboxId: m!.id, trigger: 'queue', startedAt: at, finishedAt: at, outcome: 'applied', mrn: 'M1' },
      ]);
      const after = await counters();
      return { updated: after.updated - before.updated, hot: after.hot - before.hot };
    });
    expect(hot).toEqual({ updated: 1, hot: 1 });
  });
});
