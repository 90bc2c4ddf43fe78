import type { DataSource } from 'typeorm';
import type { MilestoneKey } from '@circulator/contracts';
import { type CaseState, toCaseView } from '@circulator/domain';
import { CaseRepository, openDatabase, RoomRepository } from '@circulator/persistence';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from '../../../../test/support/services';
import { stayPeriod } from '../outbound/encounter.mapper';
import type { CaseCriteria, CaseTimeline } from './case-search.criteria';
import { CaseSearchRepository } from './case-search.repository';
import { dateCondition, parseDateValue, timeMatches } from './search.query';

const ZONE = 'Europe/Paris';
const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function state(n: number, over: Partial<CaseState> = {}): CaseState {
  const start = new Date(Date.UTC(2026, 10, 23, 7 + n, 0)).toISOString();
  return {
    id: id(n),
    version: 1,
    status: 'scheduled',
    roomId: n % 2 ? 'or1' : 'or2',
    roomName: n % 2 ? 'OR 1' : 'OR 2',
    patient: { mrn: `M-${n}`, familyName: 'Case', givenName: `N${n}` },
    procedure: { code: n % 3 ? '47562' : '27130', text: 'Procedure' },
    scheduledStart: start,
    scheduledEnd: new Date(Date.parse(start) + 3600_000).toISOString(),
    milestones: {},
    vitals: {},
    alerts: [],
    identifiers: { placerAppointmentId: `PL-${n}`, fillerAppointmentId: `FL-${n}` },
    scheduleAt: start,
    ...over,
  };
}

const at = (h: number, m = 0): string => new Date(Date.UTC(2026, 10, 23, h, m)).toISOString();
const vital = (value: number, unit: string, when: string) => ({ value, unit, at: when });

/** Ten cases on 2026-11-23 (07:00Z…16:00Z), in every state of progress. */
const CASES: CaseState[] = [
  state(0),
  state(1, { status: 'pre-op' }),
  state(2, { status: 'in-room', milestones: { inRoom: at(9, 5) }, vitals: { hr: vital(70, '/min', at(9, 10)) } }),
  state(3, {
    status: 'in-procedure',
    milestones: { inRoom: at(10, 5), procedureStart: at(10, 30) },
    vitals: {
      hr: vital(72, '/min', at(10, 40)),
      spo2: vital(97, '%', at(10, 41)),
      nibpSys: vital(120, 'mmHg', at(10, 42)),
      nibpDia: vital(80, 'mmHg', at(10, 42)),
      bis: vital(45, '', at(10, 43)),
    },
  }),
  state(4, {
    status: 'in-procedure',
    milestones: { inRoom: at(11, 5), procedureStart: at(11, 30), procedureEnd: at(12, 20) },
    vitals: { nibpSys: vital(110, 'mmHg', at(12, 0)) },
  }),
  state(5, {
    status: 'recovery',
    milestones: {
      inRoom: at(12, 5),
      procedureStart: at(12, 30),
      procedureEnd: at(13, 0),
      outOfRoom: at(13, 10),
      pacuIn: at(13, 15),
    },
    vitals: { etco2: vital(38, 'mmHg', at(13, 5)) },
  }),
  state(6, {
    status: 'completed',
    milestones: { inRoom: at(13, 5), outOfRoom: at(14, 10), pacuIn: at(14, 15), pacuOut: at(15, 40) },
  }),
  state(7, { status: 'completed', milestones: { inRoom: at(14, 5), outOfRoom: at(15, 10) } }),
  state(8, { status: 'cancelled', vitals: { hr: vital(60, '/min', at(15, 0)) } }),
  state(9, { status: 'no-show', patient: { mrn: 'M-OLD' } }),
];

// The same queries on both engines: the embedded database is the default deployment.
describe.each(['postgresql', 'pglite'] as const)('case search on %s', (engine) => {
  let pg: TestDatabase | undefined;
  let dir: TempDir;
  let ds: DataSource;
  let search: CaseSearchRepository;
  const all = { offset: 0, limit: 100 };
  const ids = async (criteria: CaseCriteria): Promise<string[]> =>
    (await search.searchCases(criteria, all)).rows.map((r) => r.state.id);
  const n = (...numbers: number[]) => numbers.map(id);

  beforeAll(async () => {
    dir = createTempDir();
    if (engine === 'postgresql') pg = await createTestDatabase();
    ds = await openDatabase({ databaseUrl: pg?.url, dataDir: dir.path });
    const cases = new CaseRepository(ds);
    await cases.transaction(async (m) => {
      const rooms = new RoomRepository(ds);
      await rooms.ensureLocation(m, 'or1', 'OR 1', 'OR1^^^GENHOSP');
      await rooms.ensureLocation(m, 'or2', 'OR 2', 'OR2^^^GENHOSP');
      await cases.saveMany(
        m,
        CASES.map((s) => ({ state: s, events: [], expectedVersion: undefined })),
        new Date('2026-11-23T06:00:00Z'),
      );
      // M-OLD was merged into M-2 (ADT A40): searching either finds case 2's patient.
      await cases.recordMerge(m, 'M-OLD', 'M-2', at(6), 'inbox:1');
    });
    search = new CaseSearchRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await pg?.drop();
    dir?.remove();
  });

  it('pages in scheduled order and counts every match', async () => {
    const first = await search.searchCases({}, { offset: 0, limit: 4 });
    const last = await search.searchCases({}, { offset: 8, limit: 4 });
    expect(first.total).toBe(10);
    expect(first.rows.map((r) => r.state.id)).toEqual(n(0, 1, 2, 3));
    expect(last.rows.map((r) => r.state.id)).toEqual(n(8, 9));
    expect(last.rows[0]!.updatedAt).toBe('2026-11-23T06:00:00.000Z');
    expect(await search.searchCases({}, { offset: 0, limit: 0 })).toEqual({ total: 10, rows: [] });
    expect(await search.searchCases({}, { offset: 50, limit: 5 })).toEqual({ total: 10, rows: [] });
  });

  it('combines criteria: ORs within a list, ANDs across lists', async () => {
    expect(await ids({ ids: [n(1, 2, 3)], roomIds: [['or1']] })).toEqual(n(1, 3));
    expect(await ids({ ids: [n(1, 2, 3)], roomIds: [['or1'], ['or2']] })).toEqual([]);
    expect(await ids({ ids: [[]] })).toEqual([]);
    expect(await ids({ procedureCodes: [['27130']] })).toEqual(n(0, 3, 6, 9));
  });

  it('finds a patient by MRN, and by an MRN merged into it', async () => {
    expect(await ids({ mrns: [['M-3']] })).toEqual(n(3));
    expect(await ids({ mrns: [['M-OLD']] })).toEqual(n(2, 9));
  });

  it('finds an appointment by identifier, under the kinds asked', async () => {
    expect(await ids({ identifiers: [[{ kinds: ['fillerAppointmentId'], value: 'FL-4' }]] })).toEqual(n(4));
    expect(await ids({ identifiers: [[{ kinds: ['placerAppointmentId'], value: 'FL-4' }]] })).toEqual([]);
  });

  it('matches statuses with and without a milestone', async () => {
    const closed = { key: 'procedureEnd' as MilestoneKey, present: true };
    const open = { ...closed, present: false };
    expect(await ids({ statuses: [[{ status: 'in-procedure', milestone: closed }]] })).toEqual(n(4));
    expect(await ids({ statuses: [[{ status: 'in-procedure', milestone: open }]] })).toEqual(n(3));
    expect(await ids({ statuses: [[{ status: 'cancelled' }, { status: 'no-show' }]] })).toEqual(n(8, 9));
  });

  // The SQL of each timeline against the in-memory rule on the mapper's own periods: they must agree.
  const periods: Record<CaseTimeline, (s: CaseState) => { start?: string; end?: string }> = {
    scheduled: (s) => ({ start: s.scheduledStart, end: s.scheduledStart }),
    stay: (s) => stayPeriod(toCaseView(s, 'full')),
    procedure: (s) => ({ start: s.milestones.procedureStart, end: s.milestones.procedureEnd }),
  };
  const values = ['2026-11-23', '2026-11-22', '2026-11-23T10:00:00Z', '2026-11-23T13:00+01:00', '2026-11-23T14:30:00Z'];
  const prefixes = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'];

  it.each(['scheduled', 'stay', 'procedure'] as const)(
    'date search on the %s timeline agrees with the mapper',
    async (timeline) => {
      for (const value of values) {
        for (const prefix of prefixes) {
          const condition = dateCondition(parseDateValue(`${prefix}${value}`, ZONE, 'date'));
          const expected = CASES.filter((s) => {
            const p = periods[timeline](s);
            return timeMatches(condition, p.start, p.end);
          }).map((s) => s.id);
          const found = await ids({ time: { timeline, conditions: [condition] } });
          expect([timeline, prefix + value, found]).toEqual([timeline, prefix + value, expected]);
        }
      }
    },
  );

  it('expands vitals into one row per Observation, the pressures one panel, none of cancelled cases', async () => {
    const { total, rows } = await search.searchVitals({}, {}, all);
    expect(rows.map((r) => `${r.row.state.id.slice(-2)}-${r.kind}`)).toEqual([
      '02-hr',
      '03-hr',
      '03-spo2',
      '03-bp',
      '03-bis',
      '04-bp',
      '05-etco2',
    ]);
    expect(total).toBe(7);
  });

  it('filters vitals by kind, id, case and the reading’s time, and pages them', async () => {
    const kinds = async (criteria: CaseCriteria, v: Parameters<CaseSearchRepository['searchVitals']>[1]) =>
      (await search.searchVitals(criteria, v, all)).rows.map((r) => `${r.row.state.id.slice(-2)}-${r.kind}`);
    expect(await kinds({}, { kinds: [['bp', 'hr']] })).toEqual(['02-hr', '03-hr', '03-bp', '04-bp']);
    expect(
      await kinds(
        {},
        {
          ids: [
            [
              { caseId: id(3), kind: 'spo2' },
              { caseId: id(4), kind: 'spo2' },
            ],
          ],
        },
      ),
    ).toEqual(['03-spo2']);
    expect(await kinds({ ids: [n(3)] }, { kinds: [['bp', 'bis']] })).toEqual(['03-bp', '03-bis']);
    const after1041 = dateCondition(parseDateValue('ge2026-11-23T10:41:00Z', ZONE, 'date'));
    const before13 = dateCondition(parseDateValue('lt2026-11-23T13:00:00Z', ZONE, 'date'));
    expect(await kinds({}, { conditions: [after1041, before13] })).toEqual(['03-spo2', '03-bp', '03-bis', '04-bp']);
    const page = await search.searchVitals({}, {}, { offset: 5, limit: 5 });
    expect(page.total).toBe(7);
    expect(page.rows.map((r) => r.kind)).toEqual(['bp', 'etco2']);
  });
});
