import type { DataSource } from 'typeorm';
import { useTestDatabase } from '../../../test/support/database';
import { FhirSyncRepository } from './fhir-sync.repository';

const EHR = 'https://ehr.example.org/fhir/R4';
const now = new Date('2026-11-23T06:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);

describe.each(['postgresql', 'pglite'] as const)('FHIR sync state on %s', (engine) => {
  const db = useTestDatabase(engine);
  let ds: DataSource;
  let repo: FhirSyncRepository;

  beforeAll(() => {
    ds = db.ds;
    repo = new FhirSyncRepository(ds);
  });
  it('keeps the high-water mark per EHR and type, moving it only forward, as the server wrote it', async () => {
    expect(await repo.highWater(EHR, 'Appointment')).toBeUndefined();
    await repo.recordRun(EHR, 'Appointment', {
      highWater: '2026-11-23T07:00:00.123+01:00',
      at: now,
      error: null,
      stored: 4,
    });
    expect(await repo.highWater(EHR, 'Appointment')).toBe('2026-11-23T07:00:00.123+01:00');
    // Older (by instant, though it sorts later as text), or absent: the mark stays.
    await repo.recordRun(EHR, 'Appointment', {
      highWater: '2026-11-23T05:59:00Z',
      at: later(1),
      error: null,
      stored: 0,
    });
    await repo.recordRun(EHR, 'Appointment', { at: later(2), error: 'unreachable: HTTP 503', stored: 1 });
    expect(await repo.highWater(EHR, 'Appointment')).toBe('2026-11-23T07:00:00.123+01:00');
    await repo.recordRun(EHR, 'Appointment', {
      highWater: '2026-11-23T06:00:01Z',
      at: later(3),
      error: null,
      stored: 2,
      duplicates: 3,
      pages: 2,
      deleted: 1,
    });
    expect(await repo.highWater(EHR, 'Appointment')).toBe('2026-11-23T06:00:01Z');
    expect(await repo.highWater(EHR, 'Patient')).toBeUndefined();
    expect(await repo.highWater('https://other/fhir', 'Appointment')).toBeUndefined();
    expect(await repo.cursors(EHR)).toEqual([
      {
        source: EHR,
        resourceType: 'Appointment',
        highWater: '2026-11-23T06:00:01Z',
        lastRunAt: later(3).toISOString(),
        lastError: null,
        stored: 7,
        duplicates: 3,
        deleted: 1,
        lastRun: { stored: 2, duplicates: 3, pages: 2 },
      },
    ]);
  });

  it('gives the sync lease to one owner until it runs out or is released', async () => {
    expect(await repo.tryLease(EHR, 'a', now, later(60_000))).toBe(true);
    expect(await repo.tryLease(EHR, 'b', later(1_000), later(61_000))).toBe(false);
    expect(await repo.tryLease(EHR, 'a', later(1_000), later(61_000))).toBe(true); // renewal
    expect(await repo.tryLease(EHR, 'b', later(61_001), later(121_001))).toBe(true); // a's ran out
    await repo.releaseLease(EHR, 'a'); // not a's any more: nothing happens
    expect(await repo.tryLease(EHR, 'a', later(62_000), later(122_000))).toBe(false);
    await repo.releaseLease(EHR, 'b');
    expect(await repo.tryLease(EHR, 'a', later(62_000), later(122_000))).toBe(true);
  });

  it('tells each notification the highest event number before it; a handshake starts over', async () => {
    const sub = `${EHR}/Subscription/surgery`;
    const note = (eventNumber: number | undefined, type = 'event-notification') => ({
      subscription: sub,
      type,
      reset: type === 'handshake',
      at: now,
      ...(eventNumber === undefined ? {} : { eventNumber }),
    });
    expect(await repo.recordNotification(note(0, 'handshake'))).toEqual({});
    expect(await repo.recordNotification(note(1))).toEqual({ previous: 0 });
    expect(await repo.recordNotification(note(3))).toEqual({ previous: 1 });
    expect(await repo.recordNotification(note(2))).toEqual({ previous: 3 }); // late: the count keeps 3
    expect(await repo.recordNotification(note(undefined, 'heartbeat'))).toEqual({ previous: 3 });
    expect(await repo.recordNotification(note(0, 'handshake'))).toEqual({ previous: 3 });
    expect(await repo.recordNotification(note(1))).toEqual({ previous: 0 });
    await repo.recordMissed(sub, now, 'events 2–2 never arrived');
    const rows = await ds.query<
      { events_since_start: string; notifications: string; missed: string; last_missed_reason: string }[]
    >(`SELECT events_since_start::text, notifications::text, missed::text, last_missed_reason FROM fhir_subscription`);
    expect(rows).toEqual([
      { events_since_start: '1', notifications: '7', missed: '1', last_missed_reason: 'events 2–2 never arrived' },
    ]);
  });
});
