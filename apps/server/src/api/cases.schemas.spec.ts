import { BadRequestException } from '@nestjs/common';
import { parseAlertAckQuery, parseDayQuery } from './cases.schemas';

function problemOf(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestException);
    return (err as BadRequestException).getResponse() as Record<string, unknown>;
  }
  throw new Error('expected a 400');
}

describe('day query (GET /api/cases, GET /api/kpis)', () => {
  it('reads the day and the room, and ignores other parameters as before', () => {
    expect(parseDayQuery({ date: '2026-11-23', roomId: 'or7-genhosp', _: '1700000000' })).toEqual({
      date: '2026-11-23',
      roomId: 'or7-genhosp',
    });
    expect(parseDayQuery({ date: '2028-02-29' })).toEqual({ date: '2028-02-29' });
  });

  it.each([
    [{}, '/date', 'is required: YYYY-MM-DD'],
    [{ date: '2026-02-30' }, '/date', 'must be a real day, YYYY-MM-DD'],
    [{ date: ['2026-11-23', '2026-11-24'] }, '/date', 'is required: YYYY-MM-DD'],
    [{ date: '2026-11-23', roomId: "x' OR 1=1" }, '/roomId', 'must be a room id'],
    [{ date: '2026-11-23', roomId: ['a', 'b'] }, '/roomId', expect.any(String)],
  ])('refuses %j with a problem naming the parameter', (query, pointer, detail) => {
    const problem = problemOf(() => parseDayQuery(query));
    expect(problem).toMatchObject({ type: 'urn:circulator:problem:invalid-request', title: 'Invalid request' });
    expect(problem['errors']).toEqual([{ pointer, detail }]);
  });
});

describe('alert acknowledgement query', () => {
  it('takes an optional case id', () => {
    expect(parseAlertAckQuery({})).toEqual({});
    expect(parseAlertAckQuery({ caseId: '3f2c8a52-0d1e-4b7a-9c1e-2f3a4b5c6d7e' })).toEqual({
      caseId: '3f2c8a52-0d1e-4b7a-9c1e-2f3a4b5c6d7e',
    });
  });

  it('refuses anything else', () => {
    expect(problemOf(() => parseAlertAckQuery({ caseId: '1 OR 1=1' }))['errors']).toEqual([
      { pointer: '/caseId', detail: 'must be a case id' },
    ]);
  });
});
