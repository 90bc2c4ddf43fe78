import type { DataSource } from 'typeorm';
import { useTestDatabase } from '../../../test/support/database';
import { RoomRepository } from './room.repository';

describe.each(['postgresql', 'pglite'] as const)('RoomRepository.resolveLocations on %s', (engine) => {
  const db = useTestDatabase(engine);
  let ds: DataSource;
  let rooms: RoomRepository;

  beforeAll(() => {
    ds = db.ds;
    rooms = new RoomRepository(ds);
  });
  it('gives the same rooms as one-by-one resolution, in one statement for distinct ids', async () => {
    // A room an engineer mapped: its id is not the slug of the location it holds.
    await rooms.ensureLocation(ds.manager, 'theatre-7', 'Theatre 7', 'OR7^^^GEN');
    const many = await ds.transaction((m) =>
      rooms.resolveLocations(m, [
        { code: 'OR7^^^GEN', name: 'ignored' },
        { code: ' NEW1 ', name: 'New one' },
        { code: 'NEW2' },
        { code: 'NEW1' },
      ]),
    );
    expect([...many.entries()].sort()).toEqual([
      ['NEW1', { id: 'new1', name: 'New one' }],
      ['NEW2', { id: 'new2', name: 'NEW2' }],
      ['OR7^^^GEN', { id: 'theatre-7', name: 'Theatre 7' }],
    ]);
    const ours = async () =>
      (await rooms.list()).filter((r) => r.id.startsWith('new')).sort((a, b) => a.id.localeCompare(b.id));
    const stored = await ours();
    expect(stored).toEqual([
      { id: 'new1', name: 'New one', locations: ['NEW1'], unmapped: true },
      { id: 'new2', name: 'NEW2', locations: ['NEW2'], unmapped: true },
    ]);
    // The one-by-one path agrees, and a second batch changes nothing.
    expect(await ds.transaction((m) => rooms.resolveLocation(m, { code: 'NEW2' }))).toEqual({
      id: 'new2',
      name: 'NEW2',
    });
    await ds.transaction((m) => rooms.resolveLocations(m, [{ code: 'NEW1' }, { code: 'NEW2' }]));
    expect(await ours()).toEqual(stored);
  });

  it('puts codes whose room ids collide into the one room, as one-by-one resolution does', async () => {
    const many = await ds.transaction((m) => rooms.resolveLocations(m, [{ code: 'OR 9' }, { code: 'or-9' }]));
    expect(many.get('OR 9')).toEqual({ id: 'or-9', name: 'OR 9' });
    expect(many.get('or-9')).toEqual({ id: 'or-9', name: 'OR 9' });
    expect((await rooms.get('or-9'))?.locations).toEqual(['OR 9', 'or-9']);
  });

  it('reads only the rooms named by location code or id, in id order', async () => {
    await rooms.ensureLocation(ds.manager, 'lk-a', 'Lookup A', 'LKA^^^GEN');
    await rooms.ensureLocation(ds.manager, 'lk-a', 'Lookup A', 'LKA2');
    await rooms.ensureLocation(ds.manager, 'lk-b', 'Lookup B', 'LKB');
    await rooms.ensureLocation(ds.manager, 'lk-c', 'Lookup C', 'LKC');
    const named = await rooms.byLocationsOrIds(ds.manager, ['LKB', 'LKA2', 'NOWHERE', 'LKB'], ['lk-c', 'absent']);
    expect(named.map((r) => r.id)).toEqual(['lk-a', 'lk-b', 'lk-c']);
    expect(named[0]).toEqual({ id: 'lk-a', name: 'Lookup A', locations: ['LKA^^^GEN', 'LKA2'], unmapped: false });
    expect((await rooms.byLocationsOrIds(ds.manager, ['LKC'])).map((r) => r.id)).toEqual(['lk-c']);
    expect(await rooms.byLocationsOrIds(ds.manager, [], [])).toEqual([]);
    // A code is a whole array element, never a prefix or part of one.
    expect(await rooms.byLocationsOrIds(ds.manager, ['LKA'])).toEqual([]);
  });

  it('answers a location lookup from the GIN index', async () => {
    const plan = await ds.transaction(async (m) => {
      await m.query('SET LOCAL enable_seqscan = off');
      const rows = await m.query<{ 'QUERY PLAN': string }[]>(
        `EXPLAIN SELECT id FROM room WHERE locations ?| $1::text[] OR id = ANY($2::text[])`,
        [['LKB'], []],
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('room_locations');
  });
});
