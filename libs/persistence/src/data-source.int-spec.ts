import type { DataSource } from 'typeorm';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from '../../../test/support/services';
import { openDatabase } from './data-source';

// The same migrations and queries on both engines (issue: "the persistence tests run on both").
describe.each(['postgresql', 'pglite'] as const)('database on %s', (engine) => {
  let pg: TestDatabase | undefined;
  let dir: TempDir;
  let ds: DataSource;

  const open = () => openDatabase({ databaseUrl: pg?.url, dataDir: dir.path });

  beforeAll(async () => {
    dir = createTempDir();
    if (engine === 'postgresql') pg = await createTestDatabase();
    ds = await open();
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await pg?.drop();
    dir.remove();
  });

  it('runs the migrations and records them', async () => {
    const rows: { name: string }[] = await ds.query('SELECT name FROM migrations');
    expect(rows.map((r) => r.name)).toEqual([
      'InitialSchema1732150000000',
      'CaseEventSourceIndex1732236400000',
      'MessageLogAndInterfaces1763700000000',
      'PatientsAndParkedFacts1763750000000',
      'MessageLogSearch1763800000000',
      'ParkedFactAppointments1763900000000',
      'ApiCommands1764000000000',
      'Devices1764100000000',
      'IdentityHardening1764200000000',
      'AuditChain1764210000000',
      'FhirInbound1764305000000',
      'OidcSignIn1764400000000',
      'InboxHotUpdates1764500000000',
      'WritebackOutbox1764510000000',
      'WorkOrders1764520000000',
      'VitalsAndFirmwareApprovals1764530000000',
      'RoomLocationsIndex1764540000000',
      'CaseHotUpdates1764550000000',
    ]);
  });

  it('round-trips jsonb, timestamptz, bytea and bigserial', async () => {
    const raw = Buffer.from([0x4d, 0x53, 0x48, 0xff, 0x00]);
    const inserted: { id: string }[] = await ds.query(
      `INSERT INTO inbox (channel, sender, control_id, raw, status, received_at)
       VALUES ($1, $2, $3, $4, 'received', $5) RETURNING id::text AS id`,
      ['mllp', 'APP|FAC', 'C1', raw, new Date('2026-11-21T07:30:00Z')],
    );
    expect(inserted[0]?.id).toMatch(/^\d+$/);
    const rows: { raw: Buffer; received_at: Date }[] = await ds.query(
      'SELECT raw, received_at FROM inbox WHERE id = $1',
      [inserted[0]?.id],
    );
    expect(Buffer.compare(Buffer.from(rows[0]!.raw), raw)).toBe(0);
    expect(new Date(rows[0]!.received_at).toISOString()).toBe('2026-11-21T07:30:00.000Z');

    await ds.query(`INSERT INTO room (id, name, locations) VALUES ($1, $2, $3)`, [
      'or-1',
      'OR 1',
      JSON.stringify(['OR1']),
    ]);
    const room: { locations: string[] }[] = await ds.query('SELECT locations FROM room WHERE id = $1', ['or-1']);
    expect(room[0]?.locations).toEqual(['OR1']);
  });

  it('refuses a second copy of a sender message id but accepts a resend of a rejected one', async () => {
    const insert = (status: string) =>
      ds.query<{ id: string; duplicates: number }[]>(
        `INSERT INTO inbox (channel, sender, control_id, raw, status) VALUES ('mllp', 'A|B', 'DUP', '\\x00', $1)
         ON CONFLICT (channel, sender, control_id) WHERE control_id IS NOT NULL AND dedup
         DO UPDATE SET duplicates = inbox.duplicates + 1
         RETURNING id::text AS id, duplicates`,
        [status],
      );
    await insert('rejected');
    const first = await insert('received');
    const second = await insert('received');
    expect(second[0]?.id).toBe(first[0]?.id);
    expect(second[0]?.duplicates).toBe(1);
  });

  it('commits a transaction atomically and rolls back a failed one', async () => {
    await expect(
      ds.transaction(async (m) => {
        await m.query(`INSERT INTO app_secret (name, value) VALUES ('t1', 'v')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await ds.transaction(async (m) => {
      await m.query(`INSERT INTO app_secret (name, value) VALUES ('t2', 'v')`);
    });
    const rows: { name: string }[] = await ds.query(`SELECT name FROM app_secret WHERE name IN ('t1','t2')`);
    expect(rows.map((r) => r.name)).toEqual(['t2']);
  });

  it('keeps concurrent transactions apart', async () => {
    await ds.query(`INSERT INTO app_secret (name, value) VALUES ('counter', '0')`);
    // Ten read-modify-write transactions at once: interleaved on one session they would lose
    // updates or fail; serialised (PGlite) or row-locked (PostgreSQL) they must all count.
    await Promise.all(
      Array.from({ length: 10 }, () =>
        ds.transaction(async (m) => {
          const [row] = await m.query<
            {
              value: string;
            }[]
          >(`SELECT value FROM app_secret WHERE name = 'counter' FOR UPDATE`);
          await m.query(`UPDATE app_secret SET value = $1 WHERE name = 'counter'`, [String(Number(row?.value) + 1)]);
        }),
      ),
    );
    const [row] = await ds.query<{ value: string }[]>(`SELECT value FROM app_secret WHERE name = 'counter'`);
    expect(row?.value).toBe('10');
  });

  it('keeps its data across a restart', async () => {
    await ds.query(`INSERT INTO app_secret (name, value) VALUES ('persist', 'yes')`);
    await ds.destroy();
    ds = await open();
    const rows: { value: string }[] = await ds.query(`SELECT value FROM app_secret WHERE name = 'persist'`);
    expect(rows[0]?.value).toBe('yes');
  });
});
