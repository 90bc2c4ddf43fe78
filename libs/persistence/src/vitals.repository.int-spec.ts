import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { useTestDatabase } from '../../../test/support/database';
import { VitalsRepository, type VitalRow } from './vitals.repository';

const caseId = randomUUID();
const other = randomUUID();

function reading(name: string, at: string, value: number, id = caseId): VitalRow {
  return { caseId: id, name, at, value, unit: name === 'hr' ? '/min' : '%', inboxId: '7' };
}

async function rowsIn(ds: DataSource, table: string): Promise<number> {
  const rows: { n: string }[] = await ds.query(`SELECT count(*)::text AS n FROM ${table}`);
  return Number(rows[0]?.n);
}

// The same DDL (declarative partitions) and queries on both engines.
describe.each(['postgresql', 'pglite'] as const)('vital-sign series on %s', (engine) => {
  const db = useTestDatabase(engine);
  let ds: DataSource;
  let vitals: VitalsRepository;

  beforeAll(() => {
    ds = db.ds;
    vitals = new VitalsRepository(ds);
  });
  it('stores readings with their minute aggregates, a reading stored twice counted once', async () => {
    const first = [
      reading('hr', '2026-11-20T08:00:05.000Z', 60),
      reading('hr', '2026-11-20T08:00:35.000Z', 80),
      reading('spo2', '2026-11-20T08:00:35.000Z', 97),
      reading('hr', '2026-11-20T08:01:10.000Z', 70),
      reading('hr', '2026-11-20T08:00:05.000Z', 60, other),
    ];
    expect(await vitals.store(first)).toBe(5);
    // A message applied again (reprocessing) and a new reading in the same minute.
    expect(await vitals.store([first[1]!, reading('hr', '2026-11-20T08:00:50.000Z', 100)])).toBe(1);

    const raw = await vitals.raw(caseId, new Date('2026-11-20T08:00:00Z'), new Date('2026-11-20T08:01:00Z'), 100);
    expect(raw).toEqual([
      { name: 'hr', at: '2026-11-20T08:00:05.000Z', value: 60, unit: '/min' },
      { name: 'hr', at: '2026-11-20T08:00:35.000Z', value: 80, unit: '/min' },
      { name: 'spo2', at: '2026-11-20T08:00:35.000Z', value: 97, unit: '%' },
      { name: 'hr', at: '2026-11-20T08:00:50.000Z', value: 100, unit: '/min' },
    ]);
    const minutes = await vitals.minutes(
      caseId,
      new Date('2026-11-20T08:00:00Z'),
      new Date('2026-11-20T09:00:00Z'),
      100,
    );
    expect(minutes).toEqual([
      { name: 'hr', at: '2026-11-20T08:00:00.000Z', unit: '/min', min: 60, max: 100, mean: 80, count: 3 },
      { name: 'spo2', at: '2026-11-20T08:00:00.000Z', unit: '%', min: 97, max: 97, mean: 97, count: 1 },
      { name: 'hr', at: '2026-11-20T08:01:00.000Z', unit: '/min', min: 70, max: 70, mean: 70, count: 1 },
    ]);
    expect(
      await vitals.raw(caseId, new Date('2026-11-20T08:00:00Z'), new Date('2026-11-20T09:00:00Z'), 2),
    ).toHaveLength(2);
  });

  it('creates day partitions ahead, moving what the default partition held, and drops old days whole', async () => {
    // Before any upkeep every reading is in the default partition.
    expect(await rowsIn(ds, 'vital_reading_default')).toBe(6);
    const first = await vitals.maintain(['2026-11-19', '2026-11-20', '2026-11-21'], '2026-11-19', new Date(0));
    expect(first).toEqual({ created: ['2026-11-19', '2026-11-20', '2026-11-21'], dropped: [], minutesDeleted: 0 });
    expect(await rowsIn(ds, 'vital_reading_default')).toBe(0);
    expect(await rowsIn(ds, 'vital_reading_p20261120')).toBe(6);
    expect(await vitals.partitionDays()).toEqual(['2026-11-19', '2026-11-20', '2026-11-21']);

    // New readings go to their day; the same upkeep again changes nothing.
    await vitals.store([reading('hr', '2026-11-21T10:00:00.000Z', 75)]);
    expect(await rowsIn(ds, 'vital_reading_p20261121')).toBe(1);
    expect(await vitals.maintain(['2026-11-20', '2026-11-21'], '2026-11-19', new Date(0))).toEqual({
      created: [],
      dropped: [],
      minutesDeleted: 0,
    });

    // Two days on: the 19th and 20th go, with minute aggregates before the 21st.
    const later = await vitals.maintain(
      ['2026-11-21', '2026-11-22', '2026-11-23'],
      '2026-11-21',
      new Date('2026-11-21T00:00:00Z'),
    );
    expect(later).toEqual({
      created: ['2026-11-22', '2026-11-23'],
      dropped: ['2026-11-19', '2026-11-20'],
      minutesDeleted: 4,
    });
    expect(await vitals.partitionDays()).toEqual(['2026-11-21', '2026-11-22', '2026-11-23']);
    expect(await vitals.raw(caseId, new Date('2026-11-01T00:00:00Z'), new Date('2026-12-01T00:00:00Z'), 100)).toEqual([
      { name: 'hr', at: '2026-11-21T10:00:00.000Z', value: 75, unit: '/min' },
    ]);
    // A straggler older than what is kept lands in the default partition and goes at the next upkeep.
    await vitals.store([reading('hr', '2026-11-10T10:00:00.000Z', 75)]);
    expect(await rowsIn(ds, 'vital_reading_default')).toBe(1);
    await vitals.maintain([], '2026-11-21', new Date('2026-11-21T00:00:00Z'));
    expect(await rowsIn(ds, 'vital_reading_default')).toBe(0);
  });
});
