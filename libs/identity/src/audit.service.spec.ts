import type { AuditContent } from './audit/audit.chain';
import { AuditContext } from './audit/audit.context';
import type { AuditLogRepository } from './audit/audit-log.repository';
import { type AuditEntry, AuditService } from './audit.service';
import { resolveIdentityOptions } from './identity.options';
import type { Principal } from './principal.model';

const NURSE: Principal = { kind: 'user', sub: 'u-1', username: 'nora', roles: ['nurse'] };

/** A repository whose appends finish when the test says so: group commit made visible. */
class FakeLog {
  readonly batches: AuditContent[][] = [];
  private pending: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  refuse?: (c: AuditContent) => boolean;

  append(rows: readonly AuditContent[]): Promise<void> {
    this.batches.push([...rows]);
    if (this.refuse && rows.some(this.refuse)) {
      return Promise.reject(Object.assign(new Error('invalid input syntax'), { code: '22P02' }));
    }
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  /** Completes the oldest append in flight. */
  async finish(err?: unknown): Promise<void> {
    const next = this.pending.shift();
    if (!next) throw new Error('no append in flight');
    if (err === undefined) next.resolve();
    else next.reject(err);
    // Let the service's continuation run (it starts the next batch).
    await new Promise((r) => setImmediate(r));
  }

  get inFlight(): number {
    return this.pending.length;
  }
}

function setup() {
  const log = new FakeLog();
  const context = new AuditContext();
  const service = new AuditService(
    log as unknown as AuditLogRepository,
    resolveIdentityOptions({ now: () => new Date('2026-11-23T07:31:00.000Z') }),
    context,
  );
  return { log, context, service };
}

const entry = (i: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
  principal: NURSE,
  action: 'cases.read',
  targetType: 'case',
  targetId: `c-${i}`,
  ...over,
});

/** Whether a promise has settled, without waiting for it. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('AuditService group commit', () => {
  it('writes records that arrive during an append together, in order, and resolves each once stored', async () => {
    const { log, service } = setup();
    const first = service.record(entry(0));
    const rest = [1, 2, 3].map((i) => service.record(entry(i)));
    expect(log.batches.map((b) => b.map((c) => c.targetId))).toEqual([['c-0']]);
    expect(log.inFlight).toBe(1);

    await log.finish();
    await expect(first).resolves.toBeUndefined();
    // The three that queued meanwhile go in one append, and wait for it.
    expect(log.batches.map((b) => b.map((c) => c.targetId))).toEqual([['c-0'], ['c-1', 'c-2', 'c-3']]);
    expect(await settled(Promise.all(rest))).toBe(false);
    await log.finish();
    await expect(Promise.all(rest)).resolves.toHaveLength(3);

    // Idle again: the next record starts its own append.
    const later = service.record(entry(4));
    expect(log.batches).toHaveLength(3);
    await log.finish();
    await later;
  });

  it('rejects every record of an append that failed, and carries on with the next', async () => {
    const { log, service } = setup();
    const a = expect(service.record(entry(0))).rejects.toThrow('connection terminated');
    const b = expect(service.record(entry(1))).rejects.toThrow('connection terminated');
    await log.finish(new Error('connection terminated'));
    await a;
    await log.finish(new Error('connection terminated'));
    await b;
    const c = service.record(entry(2));
    await log.finish();
    await expect(c).resolves.toBeUndefined();
  });

  it('lets a row the database refuses fail alone: the others of its batch are written one by one', async () => {
    const { log, service } = setup();
    const first = service.record(entry(0));
    const outcomes = Promise.allSettled([1, 2, 3].map((i) => service.record(entry(i))));
    log.refuse = (c) => c.targetId === 'c-2';
    await log.finish();
    await first;
    // [c-1 c-2 c-3] refused as a whole (SQLSTATE 22P02), then c-1 alone, in flight.
    await log.finish(); // c-1
    await log.finish(); // c-3 (c-2 was refused without going in flight)
    expect((await outcomes).map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log.batches.map((b) => b.map((c) => c.targetId))).toEqual([
      ['c-0'],
      ['c-1', 'c-2', 'c-3'],
      ['c-1'],
      ['c-2'],
      ['c-3'],
    ]);
  });

  it('stores the content as it will be hashed: clock time, actor, roles, storable detail, the request source', async () => {
    const { log, context, service } = setup();
    const done = context.run('10.0.0.7', () =>
      service.record(entry(0, { detail: { at: new Date('2026-11-23T07:00:00Z'), gone: undefined, nul: 'a\u0000b' } })),
    );
    const explicit = service.record(entry(1, { source: '192.0.2.1' }));
    const none = service.record({ principal: 'system', action: 'user.ensure-admin', targetType: 'user' });
    await log.finish();
    await log.finish();
    await Promise.all([done, explicit, none]);
    expect(log.batches.flat()).toEqual([
      {
        at: '2026-11-23T07:31:00.000Z',
        actor: 'user:u-1',
        roles: ['nurse'],
        action: 'cases.read',
        targetType: 'case',
        targetId: 'c-0',
        detail: { at: '2026-11-23T07:00:00.000Z', nul: 'a\ufffdb' },
        source: '10.0.0.7',
      },
      expect.objectContaining({ targetId: 'c-1', source: '192.0.2.1' }),
      expect.objectContaining({ actor: 'system', roles: [], targetId: null, source: null, detail: {} }),
    ]);
  });

  it('waits for appends in flight before the application shuts down', async () => {
    const { log, service } = setup();
    const record = service.record(entry(0));
    const shutdown = service.beforeApplicationShutdown();
    expect(await settled(shutdown)).toBe(false);
    await log.finish();
    await record;
    await expect(shutdown).resolves.toBeUndefined();
  });
});
