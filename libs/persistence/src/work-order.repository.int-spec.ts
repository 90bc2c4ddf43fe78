import type { DataSource } from 'typeorm';
import { useTestDatabase } from '../../../test/support/database';
import { DeviceRepository } from './device.repository';
import { isWorkOrderId, WorkOrderRepository } from './work-order.repository';

const at = new Date('2026-11-21T09:00:00Z');

describe.each(['postgresql', 'pglite'] as const)('work orders on %s', (engine) => {
  const db = useTestDatabase(engine);
  let ds: DataSource;
  let orders: WorkOrderRepository;

  beforeAll(async () => {
    ds = db.ds;
    orders = new WorkOrderRepository(ds);
    const devices = new DeviceRepository(ds);
    for (const id of ['pump-1', 'pump-2']) await devices.insert(id, { type: 'infusion-pump' }, true, at);
  });
  it('opens, lists newest first by device and status, and closes once', async () => {
    const first = await orders.open({ deviceId: 'pump-1', note: 'check', assignee: 'bio', at, by: 'alice' });
    const second = await orders.open({ deviceId: 'pump-2', note: 'battery', at, by: 'alice' });
    expect(first).toEqual({
      id: first.id,
      deviceId: 'pump-1',
      status: 'open',
      note: 'check',
      assignee: 'bio',
      openedAt: '2026-11-21T09:00:00.000Z',
      openedBy: 'alice',
      closedAt: null,
      closedBy: null,
      closeNote: null,
      serviced: false,
    });
    expect(isWorkOrderId(first.id)).toBe(true);
    expect((await orders.list()).map((o) => o.id)).toEqual([second.id, first.id]);
    expect((await orders.list({ deviceId: 'pump-1' })).map((o) => o.id)).toEqual([first.id]);

    const closedAt = new Date('2026-11-21T10:00:00Z');
    const closed = await orders.close(first.id, { note: 'done', serviced: true, at: closedAt, by: 'bob' });
    expect(closed).toMatchObject({
      status: 'closed',
      closedAt: closedAt.toISOString(),
      closedBy: 'bob',
      serviced: true,
    });
    expect(await orders.close(first.id, { note: 'again', serviced: false, at: closedAt, by: 'bob' })).toBeUndefined();
    expect((await orders.get(first.id))?.closeNote).toBe('done');
    expect((await orders.list({ status: 'open' })).map((o) => o.id)).toEqual([second.id]);
  });

  it('refuses a work order on a device that is not registered', async () => {
    await expect(orders.open({ deviceId: 'ghost', note: 'x', at, by: 'alice' })).rejects.toThrow(/foreign key/i);
  });
});
