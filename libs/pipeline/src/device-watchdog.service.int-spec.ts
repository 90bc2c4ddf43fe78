import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { applyFact, ManualClock, type CaseState, type Fact } from '@circulator/domain';
import { CaseRepository, DeviceRepository, openDatabase } from '@circulator/persistence';
import { ChangeBus, RedisConnections } from '@circulator/realtime';
import {
  createTempDir,
  createTestDatabase,
  dropRedisPrefix,
  TEST_REDIS_URL,
  uniqueName,
  type TempDir,
  type TestDatabase,
} from '../../../test/support/services';
import { DeviceWatchdog } from './device-watchdog.service';

const at = (hhmmss: string) => new Date(`2026-11-23T${hhmmss}.000Z`);

/**
 * The device watchdog alone (issue 5, done-when 2), on the real database and Redis with a manual
 * clock: a device goes offline exactly when its heartbeat period has passed, a device never heard
 * from is neither failed nor a backup, and the device-offline alert on the case in the room names
 * the nearest backup and clears when the device speaks again.
 */
describe('DeviceWatchdog with an injected clock', () => {
  let pg: TestDatabase;
  let dir: TempDir;
  let ds: DataSource;
  let redis: RedisConnections;
  const prefix = uniqueName('watchdog');
  const clock = new ManualClock(at('07:00:00'));
  let devices: DeviceRepository;
  let cases: CaseRepository;
  let watchdog: DeviceWatchdog;
  let caseId = '';

  const seen = (id: string, when: Date) =>
    devices.updateMany(
      [
        {
          id,
          fields: { connectivity: 'online', connectivitySince: when.toISOString(), lastSeenAt: when.toISOString() },
        },
      ],
      when,
    );
  const alertsOf = async () => (await cases.get(caseId))!.alerts.filter((a) => a.kind === 'device-offline');

  beforeAll(async () => {
    dir = createTempDir();
    pg = await createTestDatabase();
    ds = await openDatabase({ databaseUrl: pg.url, dataDir: dir.path });
    devices = new DeviceRepository(ds);
    cases = new CaseRepository(ds);
    redis = new RedisConnections({ url: TEST_REDIS_URL, prefix });
    const bus = new ChangeBus(redis);
    bus.onModuleInit();
    watchdog = new DeviceWatchdog(devices, cases, bus, { facilityTz: 'UTC' }, clock);

    await ds.query(`INSERT INTO room (id, name, locations) VALUES ('or-1', 'OR 1', '[]'), ('or-2', 'OR 2', '[]')`);
    // A case in OR 1, 07:30–09:00, its patient in the room from 07:20.
    const source = { kind: 'hl7' as const, id: '1', label: 'SIU^S12', sequence: 1 };
    const booking: Fact = {
      kind: 'schedule',
      action: 'booked',
      at: '2026-11-20T11:00:00.000Z',
      source,
      identifiers: { placerAppointmentId: 'P-W1' },
      patient: { mrn: 'M-W1', familyName: 'Everyman' },
      procedure: { text: 'Laparoscopic cholecystectomy' },
      room: { id: 'or-1', name: 'OR 1' },
      scheduledStart: '2026-11-23T07:30:00.000Z',
      scheduledEnd: '2026-11-23T09:00:00.000Z',
    };
    const ctx = { newCaseId: randomUUID(), receivedAt: '2026-11-20T11:00:00.000Z' };
    const booked = applyFact(undefined, booking, ctx).state!;
    const inRoom = applyFact(
      booked,
      {
        kind: 'milestone',
        at: '2026-11-23T07:20:00.000Z',
        source: { kind: 'manual', id: '2', sequence: 2 },
        target: { caseId: booked.id },
        milestone: 'inRoom',
        value: '2026-11-23T07:20:00.000Z',
        via: 'manual',
      },
      ctx,
    );
    const state: CaseState = inRoom.state!;
    caseId = state.id;
    await cases.transaction((m) =>
      cases.saveMany(m, [{ state, events: [], expectedVersion: undefined }], at('07:20:00')),
    );
    for (const [id, roomId, label] of [
      ['mon-1', 'or-1', 'Monitor 1'],
      ['mon-2', 'or-2', 'Spare monitor'],
      ['mon-3', 'or-2', 'Never plugged in'],
    ] as const) {
      await devices.insert(id, { type: 'monitor', roomId, label, heartbeatSeconds: 60 }, true, at('06:00:00'));
    }
    await seen('mon-1', at('07:30:00'));
    await seen('mon-2', at('07:30:00'));
  });
  afterAll(async () => {
    await redis?.onApplicationShutdown();
    await dropRedisPrefix(prefix);
    if (ds?.isInitialized) await ds.destroy();
    await pg?.drop();
    dir.remove();
  });

  it('does nothing while every device is within its heartbeat', async () => {
    clock.set(at('07:31:00'));
    expect(await watchdog.tick()).toEqual({ offline: [], changedCases: [] });
    expect((await devices.get('mon-1'))!.connectivity).toBe('online');
    // Never heard from: stays unknown, whatever the time.
    expect((await devices.get('mon-3'))!.connectivity).toBe('unknown');
  });

  it('puts a device offline once its heartbeat has passed, from the end of that period, with a history line', async () => {
    await seen('mon-2', at('07:31:00'));
    clock.set(at('07:31:01'));
    // Offline, but for a second only: no alert on the case yet.
    expect(await watchdog.tick()).toEqual({ offline: ['mon-1'], changedCases: [] });
    const mon1 = (await devices.get('mon-1'))!;
    expect(mon1).toMatchObject({ connectivity: 'offline', connectivitySince: '2026-11-23T07:31:00.000Z' });
    const history = await devices.events({ deviceId: 'mon-1', kinds: ['connectivity'] }, 10);
    expect(history[0]).toMatchObject({
      priority: 'medium',
      message: 'offline: silent since 2026-11-23T07:30:00.000Z (heartbeat 60 s)',
      at: '2026-11-23T07:31:01.000Z',
    });
    // A second look at the same moment changes nothing more.
    expect((await watchdog.tick()).offline).toEqual([]);
  });

  it('raises the device-offline alert on the case in its room, naming the nearest online backup, and clears it', async () => {
    // The rule waits 30 s of silence past offline before alerting.
    clock.set(at('07:31:40'));
    await seen('mon-2', at('07:31:40'));
    const raised = await watchdog.tick();
    expect(raised.changedCases).toEqual([caseId]);
    const [alert] = await alertsOf();
    expect(alert).toMatchObject({
      id: 'rule:device-offline:mon-1',
      priority: 'medium',
      message: 'Monitor 1 offline; backup: Spare monitor (or-2)',
    });
    // Nothing changed since: the case is not written again.
    expect((await watchdog.tick()).changedCases).toEqual([]);
    const version = (await cases.get(caseId))!.version;

    // It speaks again: the next look clears the alert.
    clock.set(at('07:32:00'));
    await seen('mon-1', at('07:32:00'));
    await seen('mon-2', at('07:32:00'));
    expect((await watchdog.tick()).changedCases).toEqual([caseId]);
    expect(await alertsOf()).toEqual([]);
    expect((await cases.get(caseId))!.version).toBe(version + 1);
  });
});
