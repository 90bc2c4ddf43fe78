import type { CaseEvent, CaseState } from '@circulator/domain';
import { useTestDatabase } from '../../../test/support/database';
import { CaseRepository } from './case.repository';
import { RoomRepository } from './room.repository';

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const savedAt = new Date('2026-11-23T06:00:00Z');

function state(n: number, version: number, over: Partial<CaseState> = {}): CaseState {
  const start = new Date(Date.UTC(2026, 10, 23, 7 + n)).toISOString();
  return {
    id: id(n),
    version,
    status: 'scheduled',
    roomId: 'or1',
    roomName: 'OR 1',
    patient: { mrn: `M-${n}` },
    procedure: { text: 'Procedure' },
    scheduledStart: start,
    scheduledEnd: new Date(Date.parse(start) + 3_600_000).toISOString(),
    milestones: {},
    vitals: {},
    alerts: [],
    identifiers: { fillerAppointmentId: `FL-${n}` },
    scheduleAt: start,
    ...over,
  };
}

function event(s: CaseState, label?: string): CaseEvent {
  return {
    caseId: s.id,
    version: s.version,
    kind: s.version === 1 ? 'case-created' : 'status-changed',
    at: s.scheduleAt ?? s.scheduledStart,
    receivedAt: savedAt.toISOString(),
    source: { kind: 'hl7', id: String(s.version), sequence: s.version, ...(label ? { label } : {}) },
    change: { version: s.version },
  };
}

// The embedded database is the default deployment: the same statement on both engines.
describe.each(['postgresql', 'pglite'] as const)('case writes on %s', (engine) => {
  const db = useTestDatabase(engine);
  let cases: CaseRepository;

  beforeAll(async () => {
    cases = new CaseRepository(db.ds);
    await db.ds.transaction((m) => new RoomRepository(db.ds).ensureLocation(m, 'or1', 'OR 1', 'OR1^^^GENHOSP'));
  });

  const identifierRows = (): Promise<{ kind: string; value: string; case_id: string }[]> =>
    db.ds.query(`SELECT kind, value, case_id FROM case_identifier ORDER BY kind, value`);

  it('writes new cases with their identifiers and events in one call', async () => {
    const one = state(1, 1);
    const two = state(2, 1, { identifiers: { fillerAppointmentId: 'FL-2', placerAppointmentId: 'PL-2' } });
    await cases.transaction((m) =>
      cases.saveMany(
        m,
        [one, two].map((s) => ({ state: s, events: [event(s, `SIU^S12 ${s.id}`)], expectedVersion: undefined })),
        savedAt,
      ),
    );
    expect(await cases.get(one.id)).toEqual(one);
    expect(await identifierRows()).toEqual([
      { kind: 'fillerAppointmentId', value: 'FL-1', case_id: one.id },
      { kind: 'fillerAppointmentId', value: 'FL-2', case_id: two.id },
      { kind: 'placerAppointmentId', value: 'PL-2', case_id: two.id },
    ]);
    const history = await cases.events(two.id);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      kind: 'case-created',
      source: { kind: 'hl7', id: '1' },
      change: { version: 1, sourceLabel: `SIU^S12 ${two.id}` },
    });
    const found = await cases.transaction((m) =>
      cases.loadByIdentifiers(m, [{ kind: 'placerAppointmentId', value: 'PL-2' }]),
    );
    expect(found.map((f) => f.state.id)).toEqual([two.id]);
  });

  it('updates a case at the version it was read at, adding only identifiers it did not have', async () => {
    const loaded = (await cases.get(id(1)))!;
    const next = state(1, 2, { status: 'pre-op', identifiers: { ...loaded.identifiers, placerAppointmentId: 'PL-1' } });
    await cases.transaction((m) =>
      cases.saveMany(m, [{ state: next, events: [event(next)], expectedVersion: 1, loaded }], savedAt),
    );
    expect(await cases.get(id(1))).toMatchObject({ version: 2, status: 'pre-op' });
    expect((await identifierRows()).filter((r) => r.case_id === id(1)).map((r) => r.kind)).toEqual([
      'fillerAppointmentId',
      'placerAppointmentId',
    ]);
    expect((await cases.events(id(1))).map((e) => e.change.version)).toEqual([1, 2]);
  });

  it('writes nothing of a batch when one case changed since it was read', async () => {
    const fresh = state(3, 1);
    const stale = state(2, 2, { status: 'cancelled' }); // case 2 is at version 1, read as if at 0
    await expect(
      cases.transaction((m) =>
        cases.saveMany(
          m,
          [
            { state: fresh, events: [event(fresh)], expectedVersion: undefined },
            { state: stale, events: [event(stale)], expectedVersion: 0 },
          ],
          savedAt,
        ),
      ),
    ).rejects.toThrow('1 case(s) changed concurrently; the batch is retried');
    expect(await cases.get(fresh.id)).toBeUndefined();
    expect(await cases.get(id(2))).toMatchObject({ version: 1, status: 'scheduled' });
    expect((await cases.events(id(2))).map((e) => e.change.version)).toEqual([1]);
    expect((await identifierRows()).some((r) => r.value === 'FL-3')).toBe(false);
  });

  it('updates a case in place (a HOT update: no index entry) when its patient, room and times stay', async () => {
    const loaded = (await cases.get(id(2)))!;
    const next = {
      ...loaded,
      version: loaded.version + 1,
      vitals: { hr: { value: 64, unit: '/min', at: savedAt.toISOString() } },
    };
    const updates = await cases.transaction(async (m) => {
      // This backend's counts not yet sent to the statistics (no collector to wait for): the
      // difference across the save is the save's own.
      const counts = async (): Promise<{ hot: number; all: number }> => {
        const [row] = await m.query<{ hot: string; all: string }[]>(
          `SELECT pg_stat_get_xact_tuples_hot_updated('surgical_case'::regclass)::text AS hot,
                  pg_stat_get_xact_tuples_updated('surgical_case'::regclass)::text AS all`,
        );
        return { hot: Number(row?.hot), all: Number(row?.all) };
      };
      const before = await counts();
      await cases.saveMany(m, [{ state: next, events: [], expectedVersion: loaded.version, loaded }], savedAt);
      const after = await counts();
      return { hot: after.hot - before.hot, all: after.all - before.all };
    });
    expect(updates).toEqual({ hot: 1, all: 1 });
    const found = await cases.transaction((m) => cases.loadByPatients(m, ['M-2']));
    expect(found.map((c) => [c.id, c.version])).toEqual([[id(2), loaded.version + 1]]);
  });

  it('refuses to write outside a transaction', async () => {
    const s = state(4, 1);
    await expect(
      cases.saveMany(db.ds.manager, [{ state: s, events: [], expectedVersion: undefined }], savedAt),
    ).rejects.toThrow('must run inside a transaction');
  });
});
