import type { AuditEntry, AuditService, Principal } from '@circulator/identity';
import type { MessageLogRepository, ReprocessReset, ReprocessResetResult } from '@circulator/persistence';
import type { InboundQueue } from './inbound.queue';
import { REPROCESS_MAX_IDS, ReprocessService } from './reprocess.service';

const engineer: Principal = { kind: 'user', sub: 'u-1', username: 'ie', roles: ['integration'] };

function reset(id: string, attempts = 1, previousStatus: 'applied' | 'failed' = 'applied'): ReprocessReset {
  return { id, previousStatus, previousError: previousStatus === 'failed' ? 'boom' : null, attempts };
}

function setup(
  result: ReprocessResetResult,
  options: { auditFails?: boolean; jobs?: Record<string, 'completed' | 'failed' | 'waiting'> } = {},
) {
  const undone: ReprocessReset[][] = [];
  const removed: string[] = [];
  const audited: AuditEntry[] = [];
  const added: { id: string; actor: string; nonce: string }[] = [];
  const failing = new Set<string>();
  const log = {
    resetForReprocess: jest.fn(() => Promise.resolve(result)),
    undoReset: jest.fn((r: ReprocessReset[]) => {
      undone.push([...r]);
      return Promise.resolve();
    }),
  };
  const queue = {
    queue: {
      getJob: jest.fn((jobId: string) => {
        const state = options.jobs?.[jobId];
        return Promise.resolve(
          state && {
            getState: () => Promise.resolve(state),
            remove: () => {
              removed.push(jobId);
              return Promise.resolve();
            },
          },
        );
      }),
    },
    enqueueReprocess: jest.fn((id: string, actor: string, nonce: string) => {
      if (failing.has(id)) return Promise.reject(new Error('Redis away'));
      added.push({ id, actor, nonce });
      return Promise.resolve();
    }),
  };
  const audit = {
    record: jest.fn((entry: AuditEntry) => {
      if (options.auditFails) return Promise.reject(new Error('audit down'));
      audited.push(entry);
      return Promise.resolve();
    }),
  };
  const service = new ReprocessService(
    log as unknown as MessageLogRepository,
    queue as unknown as InboundQueue,
    audit as unknown as AuditService,
  );
  return { service, log, undone, audited, added, failing, removed };
}

describe('ReprocessService', () => {
  it('queues each reset message as its next attempt, audits the request and explains the others', async () => {
    const t = setup({
      reset: [reset('12', 1), reset('14', 3, 'failed')],
      notReset: [
        { id: '13', status: 'rejected' },
        { id: '15', status: 'received' },
        { id: '99', status: null },
      ],
    });
    const result = await t.service.reprocess(['12', '13', '14', '12', '15', '99'], engineer);
    expect(t.log.resetForReprocess).toHaveBeenCalledWith(['12', '13', '14', '15', '99']);
    expect(t.added).toEqual([
      { id: '12', actor: 'u-1', nonce: '2' },
      { id: '14', actor: 'u-1', nonce: '4' },
    ]);
    expect(result).toEqual({
      queued: ['12', '14'],
      skipped: [
        { id: '13', reason: expect.stringContaining('rejected') },
        { id: '15', reason: expect.stringContaining('already waiting') },
        { id: '99', reason: 'no such message' },
      ],
    });
    expect(t.audited).toEqual([
      {
        principal: engineer,
        action: 'message.reprocess',
        targetType: 'message',
        detail: { ids: ['12', '14'], skipped: expect.objectContaining({ '13': expect.any(String) }) },
      },
    ]);
    expect(t.undone).toEqual([[]]);
  });

  it('names the one message it was asked about as the audit target', async () => {
    const t = setup({ reset: [reset('12')], notReset: [] });
    await t.service.reprocess(['12'], engineer);
    expect(t.audited[0]).toMatchObject({ targetId: '12' });
  });

  it('queues nothing and gives the statuses back when the audit cannot be written', async () => {
    const resets = [reset('12')];
    const t = setup({ reset: resets, notReset: [] }, { auditFails: true });
    await expect(t.service.reprocess(['12'], engineer)).rejects.toThrow('audit down');
    expect(t.added).toEqual([]);
    expect(t.undone).toEqual([resets]);
  });

  it('gives a message its status back when it cannot be queued', async () => {
    const t = setup({ reset: [reset('12'), reset('13')], notReset: [] });
    t.failing.add('13');
    const result = await t.service.reprocess(['12', '13'], engineer);
    expect(result).toEqual({ queued: ['12'], skipped: [{ id: '13', reason: expect.stringContaining('queue') }] });
    expect(t.undone).toEqual([[reset('13')]]);
  });

  it('makes room for its job when a finished job holds the id (BullMQ would drop the add silently)', async () => {
    // A reprocess that ran out of retries was marked failed without counting as an attempt, so the
    // next reprocess is the same attempt number.
    const t = setup({ reset: [reset('12', 1, 'failed')], notReset: [] }, { jobs: { 'inbox-12-r2': 'failed' } });
    const result = await t.service.reprocess(['12'], engineer);
    expect(t.removed).toEqual(['inbox-12-r2']);
    expect(t.added).toEqual([{ id: '12', actor: 'u-1', nonce: '2' }]);
    expect(result).toEqual({ queued: ['12'], skipped: [] });
  });

  it('leaves a job of the same attempt that is still waiting alone', async () => {
    const t = setup({ reset: [reset('12', 1)], notReset: [] }, { jobs: { 'inbox-12-r2': 'waiting' } });
    expect(await t.service.reprocess(['12'], engineer)).toEqual({ queued: ['12'], skipped: [] });
    expect(t.removed).toEqual([]);
  });

  it(`refuses more than ${REPROCESS_MAX_IDS} messages at once`, async () => {
    const t = setup({ reset: [], notReset: [] });
    const ids = Array.from({ length: REPROCESS_MAX_IDS + 1 }, (_, i) => String(i + 1));
    await expect(t.service.reprocess(ids, engineer)).rejects.toThrow(RangeError);
    expect(t.log.resetForReprocess).not.toHaveBeenCalled();
  });
});
