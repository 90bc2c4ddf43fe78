import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from '../../../test/support/services';
import { openDatabase } from './data-source';
import type { InboxStatus } from './entities/inbox-message.entity';
import { MessageLogRepository, type MessageSummary } from './message-log.repository';

/** The fixed "now" of every time-dependent read: nothing here reads the wall clock. */
const NOW = new Date('2026-11-23T12:00:00.000Z');
const ago = (ms: number): Date => new Date(NOW.getTime() - ms);
const MIN = 60_000;

interface Row {
  type: string | null;
  sender?: string;
  controlId?: string | null;
  interfaceName?: string | null;
  status: InboxStatus;
  error?: string | null;
  mrn?: string | null;
  receivedAt: Date;
  raw?: Buffer;
  channel?: string;
}

// The same queries on both engines: the embedded database is the default deployment.
describe.each(['postgresql', 'pglite'] as const)('message log on %s', (engine) => {
  let pg: TestDatabase | undefined;
  let dir: TempDir;
  let ds: DataSource;
  let log: MessageLogRepository;
  const id: Record<string, string> = {};
  const caseA = randomUUID();
  const caseB = randomUUID();

  async function insert(r: Row): Promise<string> {
    const rows = await ds.query<{ id: string }[]>(
      `INSERT INTO inbox (channel, sender, control_id, message_type, raw, peer, received_at, status, error,
                          interface_name, mrn, attempts, processed_at)
       VALUES ($1, $2, $3, $4, $5, '10.0.0.9:4000', $6, $7, $8, $9, $10, $11, $12) RETURNING id::text AS id`,
      [
        r.channel ?? 'mllp',
        r.sender ?? 'EPIC|GENHOSP',
        r.controlId ?? null,
        r.type,
        r.raw ?? Buffer.from(`MSH|^~\\&|X|Y|||20261123||${r.type ?? ''}|${r.controlId ?? ''}|P|2.5.1`),
        r.receivedAt,
        r.status,
        r.error ?? null,
        r.interfaceName ?? null,
        r.mrn ?? null,
        r.status === 'received' ? 0 : 1,
        r.status === 'received' ? null : r.receivedAt,
      ],
    );
    return rows[0]!.id;
  }

  async function event(caseId: string, version: number, sourceKind: string, sourceId: string): Promise<void> {
    await ds.query(
      `INSERT INTO case_event (case_id, version, kind, at, received_at, source_kind, source_id, change)
       VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`,
      [caseId, version, version === 1 ? 'case-created' : 'rescheduled', NOW, sourceKind, sourceId, '{"v":1}'],
    );
  }

  async function attempt(inboxId: string, n: number, trigger: string, caseIds: string[], actor: string | null = null) {
    await ds.query(
      `INSERT INTO inbox_attempt (inbox_id, attempt, trigger, started_at, finished_at, outcome, error, facts,
                                  case_ids, warnings, actor)
       VALUES ($1, $2, $3, $4, $4, 'applied', NULL, $5, $6, '[]', $7)`,
      [inboxId, n, trigger, ago(n), JSON.stringify([{ kind: 'schedule', n }]), JSON.stringify(caseIds), actor],
    );
  }

  const ids = (items: MessageSummary[]) => items.map((m) => m.id);
  const named = (...names: string[]) => names.map((n) => id[n]!);

  beforeAll(async () => {
    dir = createTempDir();
    if (engine === 'postgresql') pg = await createTestDatabase();
    ds = await openDatabase({ databaseUrl: pg?.url, dataDir: dir.path });
    log = new MessageLogRepository(ds);

    // Bulk traffic from before the window (for paging), oldest ids.
    await ds.query(
      `INSERT INTO inbox (channel, sender, control_id, message_type, raw, received_at, status)
       SELECT 'mllp', 'BULK|X', 'B-' || g, 'ORU^R01', '\\x4d5348', $1::timestamptz + g * interval '1 second', 'applied'
       FROM generate_series(1, 520) g`,
      [ago(300 * MIN)],
    );
    id['m7'] = await insert({
      type: 'ORU^R01',
      sender: 'PCD|OR',
      controlId: 'D-1',
      interfaceName: 'devices',
      status: 'applied',
      receivedAt: ago(120 * MIN),
    });
    id['m1'] = await insert({
      type: 'SIU^S12',
      controlId: 'C-1',
      interfaceName: 'epic-siu',
      status: 'applied',
      mrn: 'MRN-1',
      receivedAt: ago(50 * MIN),
      // ISO 8859-1 bytes: the raw text must come back byte for byte.
      raw: Buffer.from(
        'MSH|^~\\&|EPIC|GENHOSP|||20261123||SIU^S12|C-1|P|2.5.1||||||8859/1\rPID|1||MRN-1||M\xfcller',
        'latin1',
      ),
    });
    id['m2'] = await insert({
      type: 'SIU^S13',
      controlId: 'C-2',
      interfaceName: 'epic-siu',
      status: 'applied',
      mrn: 'MRN-1',
      receivedAt: ago(40 * MIN),
    });
    id['m3'] = await insert({
      type: 'ADT^A08',
      sender: 'EPIC|ADT',
      controlId: 'A-1',
      interfaceName: 'epic-adt',
      status: 'failed',
      error: 'no such patient',
      mrn: 'MRN-2',
      receivedAt: ago(30 * MIN),
    });
    id['m8'] = await insert({
      type: 'ADT^A08',
      sender: 'EPIC|ADT',
      controlId: 'A-2',
      interfaceName: 'epic-adt',
      status: 'failed',
      error: 'no such patient',
      mrn: 'MRN-4',
      receivedAt: ago(25 * MIN),
    });
    id['m4'] = await insert({
      type: 'ZZZ^Z99',
      sender: 'EPIC|ADT',
      controlId: 'A-3',
      interfaceName: 'epic-adt',
      status: 'rejected',
      error: 'message type ZZZ^Z99 is not supported',
      receivedAt: ago(20 * MIN),
    });
    id['m9'] = await insert({
      type: 'SIUX^S12',
      controlId: 'C-9',
      interfaceName: 'epic-siu',
      status: 'rejected',
      error: 'message type SIUX^S12 is not supported',
      receivedAt: ago(15 * MIN),
    });
    id['m5'] = await insert({
      type: 'SIU^S12',
      controlId: 'C-3',
      interfaceName: 'epic-siu',
      status: 'received',
      receivedAt: ago(10 * MIN),
    });
    id['m6'] = await insert({
      type: 'SIU^S14',
      controlId: 'C-4',
      interfaceName: 'epic-siu',
      status: 'received',
      receivedAt: ago(MIN / 2),
    });
    // After "now": outside every window of the fixed clock.
    id['m11'] = await insert({
      type: 'SIU^S12',
      controlId: 'C-11',
      interfaceName: 'epic-siu',
      status: 'received',
      receivedAt: new Date(NOW.getTime() + MIN),
    });

    await ds.query(`INSERT INTO room (id, name) VALUES ('or1', 'OR 1')`);
    for (const [caseId, mrn] of [
      [caseA, 'MRN-1'],
      [caseB, 'MRN-3'],
    ] as const) {
      await ds.query(
        `INSERT INTO surgical_case (id, version, status, room_id, scheduled_start, scheduled_end, state, updated_at)
         VALUES ($1, 1, 'scheduled', 'or1', $2, $2, $3, $2)`,
        [caseId, NOW, JSON.stringify({ id: caseId, patient: { mrn } })],
      );
    }
    await event(caseA, 1, 'hl7', id['m1']);
    await event(caseA, 2, 'hl7', id['m2']);
    // Events from other sources never name an inbox message, even when their id looks like one.
    await event(caseA, 3, 'fhir', 'Appointment/123');
    await event(caseA, 4, 'fhir', id['m3']);
    // m7's MRN column is empty (stored before it existed): found through the case it changed.
    await event(caseB, 1, 'hl7', id['m7']);
    await attempt(id['m7'], 1, 'queue', [caseB]);
    // m8 touched case B in an attempt but left no event.
    await attempt(id['m8'], 1, 'queue', [caseB]);
    // Attempts of m1, stored out of order.
    await attempt(id['m1'], 2, 'reprocess', [], 'user:42');
    await attempt(id['m1'], 1, 'queue', [caseA]);

    await ds.query(
      `INSERT INTO hl7_interface (name, config, origin, updated_at, updated_by)
       VALUES ('quiet', '{}', 'api', $1, 'test')`,
      [NOW],
    );
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await pg?.drop();
    dir?.remove();
  });

  describe('search', () => {
    const newest = () => named('m11', 'm6', 'm5', 'm9', 'm4', 'm8', 'm3', 'm2', 'm1', 'm7');

    it('lists every message newest first, without the raw bytes', async () => {
      const page = await log.search({}, { limit: 10 });
      expect(ids(page.items)).toEqual(newest());
      expect(page.next).toBe(id['m7']);
      const m1 = (await log.search({ controlId: 'C-1' })).items[0]!;
      expect(m1).toEqual({
        id: id['m1'],
        channel: 'mllp',
        sender: 'EPIC|GENHOSP',
        controlId: 'C-1',
        messageType: 'SIU^S12',
        interfaceName: 'epic-siu',
        status: 'applied',
        ackCode: null,
        mrn: 'MRN-1',
        error: null,
        duplicates: 0,
        attempts: 1,
        bytes: 86,
        peer: '10.0.0.9:4000',
        receivedAt: ago(50 * MIN).toISOString(),
        processedAt: ago(50 * MIN).toISOString(),
      });
      expect(m1).not.toHaveProperty('raw');
    });

    it('finds by MRN: the one the message carried, or a case of that patient it changed', async () => {
      expect(ids((await log.search({ mrn: 'MRN-1' })).items)).toEqual(named('m2', 'm1'));
      expect(ids((await log.search({ mrn: 'MRN-3' })).items)).toEqual(named('m7'));
      expect(ids((await log.search({ mrn: 'MRN-2' })).items)).toEqual(named('m3'));
      expect((await log.search({ mrn: 'NOBODY' })).items).toEqual([]);
    });

    it("finds by case: the case's hl7 events and the attempts that touched it", async () => {
      expect(ids((await log.search({ caseId: caseA })).items)).toEqual(named('m2', 'm1'));
      expect(ids((await log.search({ caseId: caseB })).items)).toEqual(named('m8', 'm7'));
      expect((await log.search({ caseId: randomUUID() })).items).toEqual([]);
      expect((await log.search({ caseId: 'not-a-uuid' })).items).toEqual([]);
    });

    it('finds by exact type, or every trigger of a message code (and not a longer code)', async () => {
      expect(ids((await log.search({ type: 'SIU^S12' })).items)).toEqual(named('m11', 'm5', 'm1'));
      expect(ids((await log.search({ type: 'SIU' })).items)).toEqual(named('m11', 'm6', 'm5', 'm2', 'm1'));
      expect(ids((await log.search({ type: 'ADT' })).items)).toEqual(named('m8', 'm3'));
      expect((await log.search({ type: 'SI' })).items).toEqual([]);
    });

    it('finds by control id, interface, sender and one or several statuses', async () => {
      expect(ids((await log.search({ controlId: 'A-2' })).items)).toEqual(named('m8'));
      expect(ids((await log.search({ interfaceName: 'epic-adt' })).items)).toEqual(named('m4', 'm8', 'm3'));
      expect(ids((await log.search({ sender: 'PCD|OR' })).items)).toEqual(named('m7'));
      expect(ids((await log.search({ status: ['failed'] })).items)).toEqual(named('m8', 'm3'));
      expect(ids((await log.search({ status: ['failed', 'rejected'] })).items)).toEqual(named('m9', 'm4', 'm8', 'm3'));
    });

    it('finds by received time: from inclusive, to exclusive', async () => {
      const items = (await log.search({ from: ago(40 * MIN), to: ago(20 * MIN) })).items;
      expect(ids(items)).toEqual(named('m8', 'm3', 'm2'));
    });

    it('combines filters with AND', async () => {
      const items = (await log.search({ type: 'ADT^A08', status: ['failed'], interfaceName: 'epic-adt', mrn: 'MRN-4' }))
        .items;
      expect(ids(items)).toEqual(named('m8'));
      expect((await log.search({ type: 'SIU', status: ['failed'] })).items).toEqual([]);
    });

    it('pages by id with a cursor until the last page, 50 by default and 500 at most', async () => {
      const seen: string[] = [];
      let before: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await log.search({ status: ['failed', 'rejected', 'received'] }, { before, limit: 2 });
        seen.push(...ids(page.items));
        if (page.next === null) break;
        before = page.next;
      }
      expect(seen).toEqual(named('m11', 'm6', 'm5', 'm9', 'm4', 'm8', 'm3'));

      const first = await log.search({ sender: 'BULK|X' });
      expect(first.items).toHaveLength(50);
      expect(first.next).toBe(first.items[49]!.id);
      const second = await log.search({ sender: 'BULK|X' }, { before: first.next! });
      expect(Number(second.items[0]!.id)).toBeLessThan(Number(first.next));
      const max = await log.search({ sender: 'BULK|X' }, { limit: 10_000 });
      expect(max.items).toHaveLength(500);
      expect(max.next).not.toBeNull();
      expect((await log.search({ sender: 'BULK|X' }, { limit: 0 })).items).toHaveLength(1);
      const last = await log.search({ sender: 'BULK|X' }, { before: max.next!, limit: 500 });
      expect(last.items).toHaveLength(20);
      expect(last.next).toBeNull();
    });

    it('answers a cursor that is not an id with nothing', async () => {
      expect(await log.search({}, { before: '1 OR 1=1' })).toEqual({ items: [], next: null });
    });
  });

  describe('get', () => {
    it('returns the raw bytes, the attempts oldest first and the case events it caused', async () => {
      const detail = await log.get(id['m1']!);
      expect(detail?.message.raw.toString('latin1')).toContain('PID|1||MRN-1||M\xfcller');
      expect(detail?.message.raw.includes(0xfc)).toBe(true);
      expect(detail?.message.raw).toHaveLength(86);
      expect(detail?.message).toMatchObject({ id: id['m1'], controlId: 'C-1', status: 'applied' });
      expect(detail?.attempts).toEqual([
        {
          attempt: 1,
          trigger: 'queue',
          startedAt: ago(1).toISOString(),
          finishedAt: ago(1).toISOString(),
          outcome: 'applied',
          error: null,
          facts: [{ kind: 'schedule', n: 1 }],
          caseIds: [caseA],
          warnings: [],
          actor: null,
        },
        expect.objectContaining({ attempt: 2, trigger: 'reprocess', actor: 'user:42', caseIds: [] }),
      ]);
      expect(detail?.events).toEqual([
        {
          caseId: caseA,
          version: 1,
          kind: 'case-created',
          at: NOW.toISOString(),
          receivedAt: NOW.toISOString(),
          change: { v: 1 },
        },
      ]);
    });

    it('does not count events of other sources as the message', async () => {
      expect((await log.get(id['m3']!))?.events).toEqual([]);
    });

    it('returns nothing for an unknown or malformed id', async () => {
      expect(await log.get('999999999')).toBeUndefined();
      expect(await log.get('abc')).toBeUndefined();
      expect(await log.get('01')).toBeUndefined();
    });
  });

  describe('errors', () => {
    it('counts refused, failed and stuck messages per error text and lists them newest first', async () => {
      const errors = await log.errors({ now: NOW });
      expect(errors.groups).toEqual([
        {
          kind: 'failed',
          error: 'no such patient',
          count: 2,
          firstAt: ago(30 * MIN).toISOString(),
          lastAt: ago(25 * MIN).toISOString(),
          lastId: id['m8'],
        },
        expect.objectContaining({ kind: 'stuck', error: null, count: 1, lastId: id['m5'] }),
        expect.objectContaining({ kind: 'rejected', error: 'message type SIUX^S12 is not supported', count: 1 }),
        expect.objectContaining({ kind: 'rejected', error: 'message type ZZZ^Z99 is not supported', count: 1 }),
      ]);
      expect(ids(errors.items)).toEqual(named('m5', 'm9', 'm4', 'm8', 'm3'));
      expect(errors.next).toBeNull();
    });

    it('calls a message stuck after the time it is given, measured from the given now', async () => {
      const errors = await log.errors({ now: NOW, stuckAfterMinutes: 0.25 });
      expect(errors.groups.find((g) => g.kind === 'stuck')?.count).toBe(2);
      expect(ids(errors.items)).toContain(id['m6']);
      // An hour later m11 (received after NOW) is stuck too.
      const later = await log.errors({ now: new Date(NOW.getTime() + 60 * MIN) });
      expect(later.groups.find((g) => g.kind === 'stuck')?.count).toBe(3);
    });

    it('takes the search filters and pages', async () => {
      const adt = await log.errors({ now: NOW, interfaceName: 'epic-adt' }, { limit: 2 });
      expect(ids(adt.items)).toEqual(named('m4', 'm8'));
      expect(adt.next).toBe(id['m8']);
      expect(adt.groups.map((g) => [g.kind, g.count])).toEqual([
        ['failed', 2],
        ['rejected', 1],
      ]);
      const rest = await log.errors({ now: NOW, interfaceName: 'epic-adt' }, { before: adt.next!, limit: 2 });
      expect(ids(rest.items)).toEqual(named('m3'));
    });
  });

  describe('stats', () => {
    it('counts per interface and sender over the window before the given now', async () => {
      const stats = await log.stats({ now: NOW });
      expect(stats.at).toBe(NOW.toISOString());
      expect(stats.windowSeconds).toBe(3600);
      // In the hour: m1 m2 m3 m8 m4 m9 m5 m6 (m7 is older, m11 is after now).
      expect(stats.total).toEqual({
        messages: { lastMinute: 1, window: 8 },
        ratePerSecond: 1 / 60,
        errorRate: 4 / 8,
        byStatus: { received: 2, applied: 2, rejected: 2, failed: 2 },
        lastMessageAt: ago(MIN / 2).toISOString(),
      });
      expect(stats.interfaces).toEqual([
        {
          interfaceName: 'devices',
          messages: { lastMinute: 0, window: 0 },
          ratePerSecond: 0,
          errorRate: null,
          byStatus: { received: 0, applied: 0, rejected: 0, failed: 0 },
          // Silent in the window, but its last message is known.
          lastMessageAt: ago(120 * MIN).toISOString(),
        },
        {
          interfaceName: 'epic-adt',
          messages: { lastMinute: 0, window: 3 },
          ratePerSecond: 0,
          errorRate: 1,
          byStatus: { received: 0, applied: 0, rejected: 1, failed: 2 },
          lastMessageAt: ago(20 * MIN).toISOString(),
        },
        {
          interfaceName: 'epic-siu',
          messages: { lastMinute: 1, window: 5 },
          ratePerSecond: 1 / 60,
          errorRate: 1 / 5,
          byStatus: { received: 2, applied: 2, rejected: 1, failed: 0 },
          // Not m11: it is after now.
          lastMessageAt: ago(MIN / 2).toISOString(),
        },
        {
          // Configured, never heard from.
          interfaceName: 'quiet',
          messages: { lastMinute: 0, window: 0 },
          ratePerSecond: 0,
          errorRate: null,
          byStatus: { received: 0, applied: 0, rejected: 0, failed: 0 },
          lastMessageAt: null,
        },
      ]);
      expect(stats.senders.map((s) => [s.interfaceName, s.sender, s.messages.window, s.lastMessageAt])).toEqual([
        ['epic-adt', 'EPIC|ADT', 3, ago(20 * MIN).toISOString()],
        ['epic-siu', 'EPIC|GENHOSP', 5, ago(MIN / 2).toISOString()],
      ]);
    });

    it('takes its window and lists messages of no interface apart', async () => {
      const stats = await log.stats({ now: NOW, windowSeconds: 3 * 3600 });
      expect(stats.windowSeconds).toBe(10_800);
      expect(stats.total.messages.window).toBe(9);
      expect(stats.interfaces.find((i) => i.interfaceName === 'devices')?.messages.window).toBe(1);
      const wider = await log.stats({ now: NOW, windowSeconds: 6 * 3600 });
      const unnamed = wider.interfaces.at(-1);
      expect(unnamed).toMatchObject({ interfaceName: null, messages: { window: 520 }, byStatus: { applied: 520 } });
      expect(wider.senders).toContainEqual(expect.objectContaining({ interfaceName: null, sender: 'BULK|X' }));
    });
  });

  describe('reset for reprocessing', () => {
    it('sets applied and failed messages back to received, and nothing else', async () => {
      const applied = await insert({ type: 'SIU^S12', controlId: 'R-1', status: 'applied', receivedAt: ago(MIN) });
      const failed = await insert({
        type: 'SIU^S12',
        controlId: 'R-2',
        status: 'failed',
        error: 'no room',
        receivedAt: ago(MIN),
      });
      const result = await log.resetForReprocess([applied, failed, failed, id['m4']!, id['m5']!, '999999999', 'x']);
      expect(result.reset).toEqual([
        { id: applied, previousStatus: 'applied', previousError: null, attempts: 1 },
        { id: failed, previousStatus: 'failed', previousError: 'no room', attempts: 1 },
      ]);
      expect(result.notReset).toEqual([
        { id: id['m4'], status: 'rejected' },
        { id: id['m5'], status: 'received' },
        { id: '999999999', status: null },
        { id: 'x', status: null },
      ]);
      const rows = await ds.query<{ status: string; error: string | null }[]>(
        `SELECT status, error FROM inbox WHERE id = ANY($1::bigint[]) ORDER BY id`,
        [[applied, failed]],
      );
      expect(rows).toEqual([
        { status: 'received', error: null },
        { status: 'received', error: null },
      ]);
      // A second request finds them pending.
      expect((await log.resetForReprocess([applied])).notReset).toEqual([{ id: applied, status: 'received' }]);

      await log.undoReset(result.reset);
      const undone = await ds.query<{ status: string; error: string | null }[]>(
        `SELECT status, error FROM inbox WHERE id = ANY($1::bigint[]) ORDER BY id`,
        [[applied, failed]],
      );
      expect(undone).toEqual([
        { status: 'applied', error: null },
        { status: 'failed', error: 'no room' },
      ]);
    });

    it('resets a message once when two requests race', async () => {
      const applied = await insert({ type: 'SIU^S12', controlId: 'R-3', status: 'applied', receivedAt: ago(MIN) });
      const results = await Promise.all([log.resetForReprocess([applied]), log.resetForReprocess([applied])]);
      expect(results.map((r) => r.reset.length).sort()).toEqual([0, 1]);
    });
  });
});
