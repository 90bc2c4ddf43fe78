import { describe, expect, it } from '@jest/globals';
import { formatClockMs } from './board.format';
import { indicatorFor, STALE_AFTER_MS } from './connection.state';

describe('indicatorFor', () => {
  const dropped = Date.parse('2026-11-21T10:42:00Z');

  it('is live only when connected and in sync', () => {
    expect(indicatorFor({ kind: 'connected' }, false, 0)).toEqual({ tone: 'live', text: 'live' });
    expect(indicatorFor({ kind: 'connected' }, true, 0)).toEqual({ tone: 'reconnecting', text: 'reconnecting…' });
  });

  it('says reconnecting right after a drop, then how stale the board is', () => {
    const state = { kind: 'disconnected', since: dropped } as const;
    expect(indicatorFor(state, true, dropped + 1_000).text).toBe('reconnecting…');
    expect(indicatorFor(state, true, dropped + STALE_AFTER_MS)).toEqual({
      tone: 'stale',
      text: `stale since ${formatClockMs(dropped)}`,
    });
  });

  it('says connecting before the first connection', () => {
    expect(indicatorFor({ kind: 'connecting' }, true, 0).text).toBe('connecting…');
  });
});
