import type { DataSource } from 'typeorm';
import { ManualClock } from '@circulator/domain';
import { openDatabase, VitalsRepository } from '@circulator/persistence';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from '../../../test/support/services';
import type { PipelineSettings } from './pipeline.tokens';
import { VitalsRetention } from './vitals-retention.service';

describe('VitalsRetention with an injected clock', () => {
  let pg: TestDatabase;
  let dir: TempDir;
  let ds: DataSource;
  let vitals: VitalsRepository;
  const clock = new ManualClock(new Date('2026-11-23T10:00:00Z'));

  beforeAll(async () => {
    dir = createTempDir();
    pg = await createTestDatabase();
    ds = await openDatabase({ databaseUrl: pg.url, dataDir: dir.path });
    vitals = new VitalsRepository(ds);
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await pg?.drop();
    dir.remove();
  });

  it('keeps partitions from yesterday to two days ahead, and drops days past the retention', async () => {
    const settings = { vitals: { retentionDays: 3, aggregateRetentionDays: 10 } } as PipelineSettings;
    const retention = new VitalsRetention(vitals, clock, settings);
    expect(await retention.run()).toEqual({
      created: ['2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25'],
      dropped: [],
      minutesDeleted: 0,
    });
    // A minute aggregate of the 15th is 10 days old on the 25th.
    await vitals.store([
      {
        caseId: '00000000-0000-4000-8000-000000000001',
        name: 'hr',
        at: '2026-11-15T09:00:00Z',
        value: 60,
        unit: '/min',
      },
    ]);
    clock.set(new Date('2026-11-25T10:00:00Z'));
    // Three days kept: the 23rd, 24th and 25th.
    expect(await retention.run()).toEqual({
      created: ['2026-11-26', '2026-11-27'],
      dropped: ['2026-11-22'],
      minutesDeleted: 1,
    });
    expect(await vitals.partitionDays()).toEqual([
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
    ]);
  });
});
