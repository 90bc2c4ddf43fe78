import type { DataSource } from 'typeorm';
import { encodeFeedBatch, type FeedPublish } from '@circulator/devices';
import {
  DeviceRepository,
  FirmwareApprovalRepository,
  openDatabase,
  type DeviceEventRecord,
  type StoredInboxMessage,
} from '@circulator/persistence';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from '../../../test/support/services';
import { DeviceFeedWork } from './device-feed.work';

const T0 = Date.parse('2026-11-21T06:00:00Z');
const at = (minutes: number, seconds = 0) => new Date(T0 + minutes * 60_000 + seconds * 1_000);

let nextId = 1;
function row(messages: FeedPublish[]): StoredInboxMessage {
  const id = String(nextId++);
  return {
    id,
    channel: 'mqtt',
    sender: 'mqtt',
    controlId: null,
    messageType: 'MQTT',
    raw: encodeFeedBatch(messages),
    receivedAt: messages[messages.length - 1]!.receivedAt,
    status: 'received',
    error: null,
  };
}

function publish(
  deviceId: string,
  topic: string,
  payload: unknown,
  receivedAt: Date,
  address = '10.1.0.7',
): FeedPublish {
  return { deviceId, topic, payload: Buffer.from(JSON.stringify(payload)), address, receivedAt };
}

const status = (id: string, firmware: string, receivedAt: Date) =>
  publish(id, `circulator/v1/devices/${id}/status`, { state: 'online', firmware }, receivedAt);
const reading = (id: string, receivedAt: Date, address?: string) =>
  publish(
    id,
    `circulator/v1/devices/${id}/observations`,
    { at: receivedAt.toISOString(), observations: [{ code: 'hr', value: 70 }] },
    receivedAt,
    address,
  );

/**
 * The feed-anomaly rules wired into the worker's device side (issue 5): each alert is a `security`
 * line in the device's history, and the rules' state is kept on the device between batches.
 */
describe('DeviceFeedWork: feed anomalies', () => {
  let pg: TestDatabase;
  let dir: TempDir;
  let ds: DataSource;
  let devices: DeviceRepository;
  let approvals: FirmwareApprovalRepository;

  /** Runs one worker batch of these rows, as the worker does, at `now`. */
  async function batch(rows: StoredInboxMessage[], now: Date): Promise<void> {
    await ds.transaction(async (manager) => {
      const work = await DeviceFeedWork.load(devices, manager, rows, { approvals });
      for (const r of rows) work.decode(r, now.toISOString());
      await work.persist(devices, manager, now);
    });
  }
  const security = async (id: string): Promise<DeviceEventRecord[]> =>
    devices.events({ deviceId: id, kinds: ['security'] }, 100);

  beforeAll(async () => {
    dir = createTempDir();
    pg = await createTestDatabase();
    ds = await openDatabase({ databaseUrl: pg.url, dataDir: dir.path });
    devices = new DeviceRepository(ds);
    approvals = new FirmwareApprovalRepository(ds);
    for (const [id, type, roomId] of [
      ['mon-1', 'monitor', 'or-1'],
      ['mon-2', 'monitor', 'or-1'],
      ['pump-1', 'infusion-pump', 'or-1'],
      ['env-1', 'environment-sensor', 'or-1'],
    ] as const) {
      await devices.insert(id, { type, roomId }, true, at(0));
    }
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await pg?.drop();
    dir.remove();
  });

  it('learns the first client address silently and raises one alert for a new one', async () => {
    await batch([row([reading('mon-1', at(1)), reading('mon-1', at(1, 1))])], at(2));
    expect(await security('mon-1')).toEqual([]);
    await batch([row([reading('mon-1', at(2), '::ffff:10.9.9.9'), reading('mon-1', at(2, 1), '10.9.9.9')])], at(3));
    const alerts = await security('mon-1');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      priority: 'medium',
      message: 'Device mon-1 connected from a new address 10.9.9.9 (known: 10.1.0.7)',
      detail: { rule: 'new-address', address: '10.9.9.9', alertId: `sec:new-address:mon-1:${at(2).toISOString()}` },
    });
    const stored = (await devices.get('mon-1'))!.anomalyState as { addresses: { known: string[] } };
    expect(stored.addresses.known).toEqual(['10.1.0.7', '10.9.9.9']);
  });

  it('raises a rate alert when a device publishes far above the rate it kept for the warm-up', async () => {
    // 31 minutes at one message a minute (the warm-up is 30 minutes), one batch a minute…
    for (let m = 0; m <= 31; m += 1) await batch([row([reading('mon-2', at(10 + m))])], at(10 + m, 1));
    expect(await security('mon-2')).toEqual([]);
    // …then 150 messages within one minute: above 5 × 1 and above the floor of 120.
    const flood = Array.from({ length: 150 }, (_, i) => reading('mon-2', at(42, i * 0.2)));
    await batch([row(flood.slice(0, 75)), row(flood.slice(75))], at(43));
    const alerts = await security('mon-2');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      priority: 'medium',
      detail: { rule: 'feed-rate', count: 121, baselinePerMinute: 1, threshold: 120 },
    });
  });

  it('raises a security alert for a firmware change without an approval dated before it', async () => {
    await batch([row([status('pump-1', '1.0.0', at(60))])], at(60, 1));
    expect((await devices.get('pump-1'))!.firmware).toBe('1.0.0');
    expect(await security('pump-1')).toEqual([]);

    await batch([row([status('pump-1', '1.1.0', at(61))])], at(61, 1));
    let alerts = await security('pump-1');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      priority: 'high',
      message: 'Device pump-1 firmware changed 1.0.0 → 1.1.0 without an approved update record',
      detail: { rule: 'firmware-unapproved', fromVersion: '1.0.0', toVersion: '1.1.0', reason: 'no-approval' },
    });

    // Approved before the update: no alert, only the history's firmware line.
    await approvals.approve({
      deviceId: 'pump-1',
      firmware: '1.2.0',
      reference: 'CHG-42',
      note: null,
      approvedBy: 'user:biomed',
      approvedAt: at(62),
    });
    await batch([row([status('pump-1', '1.2.0', at(63))])], at(63, 1));
    alerts = await security('pump-1');
    expect(alerts).toHaveLength(1);
    expect((await devices.get('pump-1'))!.firmware).toBe('1.2.0');
    const history = await devices.events({ deviceId: 'pump-1', kinds: ['firmware'] }, 10);
    expect(history.map((e) => e.message)).toEqual([
      'firmware changed from 1.1.0 to 1.2.0',
      'firmware changed from 1.0.0 to 1.1.0',
      'firmware 1.0.0 reported',
    ]);

    // An approval written after the change documents it; it does not authorise it.
    await approvals.approve({
      deviceId: 'pump-1',
      firmware: '1.3.0',
      reference: null,
      note: null,
      approvedBy: 'user:biomed',
      approvedAt: at(65),
    });
    await batch([row([status('pump-1', '1.3.0', at(64))])], at(66));
    alerts = await security('pump-1');
    expect(alerts).toHaveLength(2);
    expect(alerts[0]!.detail).toMatchObject({ rule: 'firmware-unapproved', reason: 'approved-after-change' });
  });

  it("raises one wrong-room alert for a sensor writing another room's environment (external broker)", async () => {
    const env = (roomId: string, m: number) =>
      publish('env-1', `circulator/v1/rooms/${roomId}/environment`, { temperatureC: 20 }, at(m));
    await batch([row([env('or-2', 70), env('or-2', 71)])], at(72));
    const alerts = await security('env-1');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      message: 'Device env-1 published data for room or-2 but is registered in or-1',
      detail: { rule: 'wrong-room', roomId: 'or-2', registeredRoomId: 'or-1' },
    });
    // Its own room again ends the incident; the wrong room again is a new one.
    await batch([row([env('or-1', 73)]), row([env('or-2', 74)])], at(75));
    expect(await security('env-1')).toHaveLength(2);
  });
});
