import { BadRequestException } from '@nestjs/common';
import {
  parseErrorsQuery,
  parseReprocessBody,
  parseSearchQuery,
  parseStatsQuery,
  parseUploadQuery,
} from './messages.schemas';

function problemOf(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestException);
    return (err as BadRequestException).getResponse() as Record<string, unknown>;
  }
  throw new Error('expected a 400');
}

describe('message API validation', () => {
  it('reads every search filter and the page', () => {
    expect(
      parseSearchQuery({
        mrn: 'MRN-1',
        caseId: '3f2c8a52-0d1e-4b7a-9c1e-2f3a4b5c6d7e',
        type: 'SIU^S12',
        controlId: 'C-1',
        interface: 'epic-siu',
        status: 'failed,rejected',
        sender: 'EPIC|GENHOSP',
        from: '2026-11-23T08:00:00+01:00',
        to: '2026-11-23T09:00:00Z',
        before: '120',
        limit: '20',
      }),
    ).toEqual({
      filter: {
        mrn: 'MRN-1',
        caseId: '3f2c8a52-0d1e-4b7a-9c1e-2f3a4b5c6d7e',
        type: 'SIU^S12',
        controlId: 'C-1',
        interfaceName: 'epic-siu',
        status: ['failed', 'rejected'],
        sender: 'EPIC|GENHOSP',
        from: new Date('2026-11-23T07:00:00Z'),
        to: new Date('2026-11-23T09:00:00Z'),
      },
      page: { before: '120', limit: 20 },
    });
    expect(parseSearchQuery({})).toEqual({ filter: {}, page: {} });
    expect(parseSearchQuery({ status: ['failed', 'received'] }).filter.status).toEqual(['failed', 'received']);
    expect(parseSearchQuery({ type: 'ADT' }).filter.type).toBe('ADT');
  });

  it.each([
    [{ status: 'lost' }, '/status/0'],
    [{ caseId: 'x' }, '/caseId'],
    [{ type: "SIU' OR 1=1" }, '/type'],
    [{ from: '2026-11-23' }, '/from'],
    [{ from: '2026-11-23T10:00:00Z', to: '2026-11-23T09:00:00Z' }, '/to'],
    [{ before: '-1' }, '/before'],
    [{ limit: '501' }, '/limit'],
    [{ limit: 'ten' }, '/limit'],
    [{ q: 'Doe' }, ''],
    [{ mrn: '' }, '/mrn'],
  ])('answers %j with a 400 problem pointing at %s', (query, pointer) => {
    const problem = problemOf(() => parseSearchQuery(query));
    expect(problem).toMatchObject({
      type: 'urn:circulator:problem:invalid-request',
      title: 'Invalid request',
      detail: expect.any(String),
      errors: [expect.objectContaining({ pointer })],
    });
  });

  it('reads the errors view query', () => {
    expect(parseErrorsQuery({ interface: 'epic-adt', stuckAfterMinutes: '15', limit: '10' })).toEqual({
      filter: { interfaceName: 'epic-adt' },
      page: { limit: 10 },
      stuckAfterMinutes: 15,
    });
    // The errors view has its own statuses: a status filter is an unknown parameter there.
    expect(problemOf(() => parseErrorsQuery({ status: 'failed' }))).toMatchObject({
      errors: [expect.objectContaining({ pointer: '' })],
    });
    problemOf(() => parseErrorsQuery({ stuckAfterMinutes: '0' }));
  });

  it('reads the stats window in minutes, one hour by default', () => {
    expect(parseStatsQuery({})).toEqual({ windowSeconds: 3600 });
    expect(parseStatsQuery({ windowMinutes: '5' })).toEqual({ windowSeconds: 300 });
    problemOf(() => parseStatsQuery({ windowMinutes: '100000' }));
  });

  it('takes 1 to 1000 message ids to reprocess, as strings or safe integers', () => {
    expect(parseReprocessBody({ ids: ['12', 13] })).toEqual({ ids: ['12', '13'] });
    problemOf(() => parseReprocessBody({ ids: [] }));
    problemOf(() => parseReprocessBody({ ids: ['12', 'abc'] }));
    problemOf(() => parseReprocessBody({ ids: [1.5] }));
    problemOf(() => parseReprocessBody({ ids: Array.from({ length: 1001 }, (_, i) => String(i + 1)) }));
    problemOf(() => parseReprocessBody({ ids: ['1'], force: true }));
    problemOf(() => parseReprocessBody(undefined));
  });

  it('takes the upload interface, and nothing else, in the query', () => {
    expect(parseUploadQuery({})).toEqual({});
    expect(parseUploadQuery({ interface: ' epic ' })).toEqual({ interface: 'epic' });
    expect(problemOf(() => parseUploadQuery({ interface: ['a', 'b'] }))['errors']).toEqual([
      expect.objectContaining({ pointer: '/interface' }),
    ]);
    expect(problemOf(() => parseUploadQuery({ interfce: 'epic' }))['errors']).toEqual([
      expect.objectContaining({ pointer: '' }),
    ]);
  });
});
