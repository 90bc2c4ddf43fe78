import type { DataSource } from 'typeorm';
import { useTestDatabase } from '../../../test/support/database';
import { WritebackOutboxRepository } from './writeback-outbox.repository';

const now = new Date('2026-11-23T08:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const CASE_A = '11111111-1111-4111-8111-111111111111';
const CASE_B = '22222222-2222-4222-8222-222222222222';

describe.each(['postgresql', 'pglite'] as const)('write-back outbox on %s', (engine) => {
  const db = useTestDatabase(engine);
  let ds: DataSource;
  let repo: WritebackOutboxRepository;

  beforeAll(() => {
    ds = db.ds;
    repo = new WritebackOutboxRepository(ds);
  });
  it('keeps one row per case version, claims the oldest pending one per case under a lease, in order', async () => {
    await ds.transaction((m) =>
      repo.enqueue(
        m,
        [
          { target: 'hl7', caseId: CASE_A, caseVersion: 2, payload: { v: 2 } },
          { target: 'hl7', caseId: CASE_A, caseVersion: 3, payload: { v: 3 } },
          { target: 'hl7', caseId: CASE_B, caseVersion: 5, payload: { v: 5 } },
        ],
        now,
      ),
    );
    // The same version again (a retried transaction): kept once.
    await ds.transaction((m) =>
      repo.enqueue(m, [{ target: 'hl7', caseId: CASE_A, caseVersion: 2, payload: { v: 'again' } }], now),
    );
    const claimed = await repo.claimDue(now, later(60_000), 10);
    expect(claimed.map((r) => [r.caseId, r.caseVersion, r.payload])).toEqual([
      [CASE_A, 2, { v: 2 }],
      [CASE_B, 5, { v: 5 }],
    ]);
    // Held by the lease: nobody else gets them meanwhile.
    expect(await repo.claimDue(later(1_000), later(61_000), 10)).toEqual([]);

    const [a2, b5] = claimed;
    await repo.markFailed(a2!.id, later(2_000), 'AE: busy', { nextAttemptAt: later(12_000) });
    await repo.markSent(b5!.id, later(2_000), 'AA CIRCWB2');
    // A's first row waits for its backoff; its second waits for it.
    expect(await repo.claimDue(later(3_000), later(63_000), 10)).toEqual([]);
    const retried = await repo.claimDue(later(12_000), later(72_000), 10);
    expect(retried.map((r) => [r.caseVersion, r.attempts, r.lastError])).toEqual([[2, 1, 'AE: busy']]);
    await repo.markFailed(retried[0]!.id, later(13_000), 'gave up', { giveUp: true });
    // Given up: the case's next row goes on.
    expect((await repo.claimDue(later(14_000), later(74_000), 10)).map((r) => r.caseVersion)).toEqual([3]);

    const rows = await repo.list();
    expect(rows.map((r) => [r.caseVersion, r.status, r.attempts])).toEqual([
      [5, 'sent', 1],
      [3, 'pending', 0],
      [2, 'failed', 2],
    ]);
    expect(rows[0]).toMatchObject({ result: 'AA CIRCWB2', sentAt: later(2_000).toISOString() });
    // A sent row is never marked again.
    await repo.markFailed(b5!.id, later(20_000), 'late', { giveUp: true });
    expect((await repo.list({ status: 'sent' })).map((r) => r.lastError)).toEqual([null]);
  });
});
