import type { DataSource } from 'typeorm';
import { useTestDatabase } from '../../../test/support/database';
import { DeviceRepository } from './device.repository';

const registered = new Date('2026-11-21T07:00:00Z');
const now = new Date('2026-11-21T08:00:00Z');

describe.each(['postgresql', 'pglite'] as const)('device registry writes on %s', (engine) => {
  const db = useTestDatabase(engine);
  let ds: DataSource;
  let devices: DeviceRepository;

  beforeAll(async () => {
    ds = db.ds;
    devices = new DeviceRepository(ds);
    for (const id of ['mon-1', 'mon-2', 'tag-1']) {
      await devices.insert(
        id,
        { type: id.startsWith('tag') ? 'rtls-tag' : 'monitor', vendor: 'Acme', connectivity: 'unknown' },
        true,
        registered,
      );
    }
  });

  it('updates many devices in one call, each with its own fields, leaving the others as they were', async () => {
    await devices.updateMany(
      [
        { id: 'mon-2', fields: { lastSeenAt: '2026-11-21T07:59:59.250Z' } },
        {
          id: 'mon-1',
          fields: {
            lastSeenAt: '2026-11-21T07:59:58.000Z',
            connectivity: 'online',
            connectivitySince: '2026-11-21T07:59:58.000Z',
            usageCount: 12,
            errorCode: null,
          },
        },
        { id: 'tag-1', fields: { binding: { kind: 'device', deviceId: 'mon-1' }, tagRoomId: 'or-1' } },
        { id: 'not-registered', fields: { lastSeenAt: '2026-11-21T07:59:00.000Z' } },
        { id: 'mon-2', fields: {} },
      ],
      now,
    );
    const [one, two, tag] = await devices
      .getMany(['mon-1', 'mon-2', 'tag-1'])
      .then((all) => ['mon-1', 'mon-2', 'tag-1'].map((id) => all.find((d) => d.id === id)!));
    expect(one).toMatchObject({
      lastSeenAt: '2026-11-21T07:59:58.000Z',
      connectivity: 'online',
      connectivitySince: '2026-11-21T07:59:58.000Z',
      usageCount: 12,
      errorCode: null,
      vendor: 'Acme',
      updatedAt: now.toISOString(),
    });
    expect(two).toMatchObject({
      lastSeenAt: '2026-11-21T07:59:59.250Z',
      connectivity: 'unknown',
      vendor: 'Acme',
      updatedAt: now.toISOString(),
    });
    expect(tag).toMatchObject({
      binding: { kind: 'device', deviceId: 'mon-1' },
      tagRoomId: 'or-1',
      lastSeenAt: null,
      updatedAt: now.toISOString(),
    });
    expect(await devices.get('not-registered')).toBeUndefined();
  });

  it("reads devices for a batch with their rooms' names, and writes them back without locking again", async () => {
    await ds.query(`INSERT INTO room (id, name, locations, unmapped) VALUES ('or-7', 'OR 7', '[]', false)`);
    await devices.update('mon-2', { roomId: 'or-7' }, now);
    await devices.update('mon-1', { roomId: 'or-missing' }, now);
    const read = await ds.transaction(async (manager) => {
      const locked = await devices.lockMany(['tag-1', 'mon-2', 'mon-1', 'not-registered'], manager);
      await devices.updateMany([{ id: 'mon-2', fields: { lastSeenAt: '2026-11-21T08:00:01.000Z' } }], now, manager, {
        locked: true,
      });
      return locked;
    });
    expect(read.map((d) => [d.id, d.roomId, d.roomName])).toEqual([
      ['mon-1', 'or-missing', null],
      ['mon-2', 'or-7', 'OR 7'],
      ['tag-1', null, null],
    ]);
    expect(read[1]).toMatchObject({ vendor: 'Acme', type: 'monitor', createdAt: registered.toISOString() });
    expect((await devices.get('mon-2'))?.lastSeenAt).toBe('2026-11-21T08:00:01.000Z');
    expect(await ds.transaction((manager) => devices.lockMany([], manager))).toEqual([]);
  });

  it('does nothing when nothing changed', async () => {
    const before = await devices.get('mon-1');
    await devices.updateMany([], new Date('2026-11-21T09:00:00Z'));
    await devices.updateMany([{ id: 'mon-1', fields: {} }], new Date('2026-11-21T09:00:00Z'));
    expect(await devices.get('mon-1')).toEqual(before);
  });
});

describe('device registry locks on postgresql', () => {
  const db = useTestDatabase('postgresql');
  let devices: DeviceRepository;

  beforeAll(async () => {
    devices = new DeviceRepository(db.ds);
    for (const id of ['mon-1', 'mon-2']) await devices.insert(id, { type: 'monitor' }, true, registered);
  });

  /** Whether another connection can lock the device at once (NOWAIT: no waiting, no timing). */
  const lockable = async (id: string): Promise<boolean> =>
    (await db.other()).transaction((manager) =>
      manager.query(`SELECT 1 FROM device WHERE id = $1 FOR UPDATE NOWAIT`, [id]).then(
        () => true,
        (err: { code?: string }) => {
          if (err.code === '55P03') return false; // lock_not_available
          throw err;
        },
      ),
    );

  it('holds the devices a batch read until its transaction ends', async () => {
    await db.ds.transaction(async (manager) => {
      await devices.lockMany(['mon-1'], manager);
      expect(await lockable('mon-1')).toBe(false);
      expect(await lockable('mon-2')).toBe(true);
    });
    expect(await lockable('mon-1')).toBe(true);
  });
});
