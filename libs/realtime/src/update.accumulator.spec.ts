import fc from 'fast-check';
import { updateFit, type CaseView, type UpdateEvent } from '@circulator/contracts';
import { UpdateAccumulator } from './update.accumulator';

function view(id: string, version: number): CaseView {
  return { id, version } as CaseView;
}

describe('UpdateAccumulator', () => {
  it('gives one update per room with the latest state of each case and the versions it covers', () => {
    const acc = new UpdateAccumulator();
    acc.add('board:d#full', 'board:d', 4, { case: view('a', 1) });
    acc.add('board:d#full', 'board:d', 5, { case: view('b', 1) });
    acc.add('board:d#full', 'board:d', 6, { case: view('a', 2) });
    acc.add('room:r#full', 'room:r', 9, { case: view('a', 2) });
    expect(acc.drain()).toEqual([
      { room: 'board:d#full', update: { topic: 'board:d', version: 6, from: 4, cases: [view('a', 2), view('b', 1)] } },
      { room: 'room:r#full', update: { topic: 'room:r', version: 9, cases: [view('a', 2)] } },
    ]);
    expect(acc.size).toBe(0);
  });

  it('lets the last word on a case win: removed after shown, shown again after removed', () => {
    const acc = new UpdateAccumulator();
    acc.add('r', 'room:r', 1, { case: view('a', 1) });
    acc.add('r', 'room:r', 2, { removed: 'a' });
    expect(acc.take('r')).toEqual({ topic: 'room:r', version: 2, from: 1, removed: ['a'] });
    acc.add('r', 'room:r', 3, { removed: 'a' });
    acc.add('r', 'room:r', 4, { case: view('a', 3) });
    expect(acc.take('r')).toEqual({ topic: 'room:r', version: 4, from: 3, cases: [view('a', 3)] });
  });

  it('never replaces a newer state of a case with an older one', () => {
    const acc = new UpdateAccumulator();
    acc.add('r', 'board:d', 1, { case: view('a', 5) });
    acc.add('r', 'board:d', 2, { case: view('a', 4) });
    expect(acc.take('r')?.cases).toEqual([view('a', 5)]);
  });

  it('folds coalesced updates into a pending one, keeping where the first began', () => {
    const acc = new UpdateAccumulator();
    acc.merge('r', { topic: 'board:d', version: 7, from: 5, cases: [view('a', 2)] });
    acc.merge('r', { topic: 'board:d', version: 8, removed: ['b'] });
    expect(acc.take('r')).toEqual({ topic: 'board:d', version: 8, from: 5, cases: [view('a', 2)], removed: ['b'] });
  });

  it('forgets a room its client left', () => {
    const acc = new UpdateAccumulator();
    acc.add('r', 'board:d', 1, { case: view('a', 1) });
    acc.forget('r');
    expect(acc.take('r')).toBeUndefined();
  });

  // The property a client relies on: applying the coalesced update to the state it held before
  // the first version gives the same cases as applying every update one by one.
  it('applied to a client, equals every update applied one by one', () => {
    const step = fc.oneof(
      fc.record({ id: fc.constantFrom('a', 'b', 'c'), show: fc.constant(true) }),
      fc.record({ id: fc.constantFrom('a', 'b', 'c'), show: fc.constant(false) }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const one = new Map<string, CaseView>();
        const acc = new UpdateAccumulator();
        const caseVersions = new Map<string, number>();
        steps.forEach((s, i) => {
          const version = i + 1;
          if (s.show) {
            const v = (caseVersions.get(s.id) ?? 0) + 1;
            caseVersions.set(s.id, v);
            one.set(s.id, view(s.id, v));
            acc.add('r', 'board:d', version, { case: view(s.id, v) });
          } else {
            one.delete(s.id);
            acc.add('r', 'board:d', version, { removed: s.id });
          }
        });
        const update = acc.take('r') as UpdateEvent;
        expect(updateFit(0, update)).toBe('apply');
        expect(update.version).toBe(steps.length);
        const client = new Map<string, CaseView>();
        for (const c of update.cases ?? []) client.set(c.id, c);
        for (const id of update.removed ?? []) client.delete(id);
        expect([...client.entries()].sort()).toEqual([...one.entries()].sort());
      }),
    );
  });
});

describe('updateFit', () => {
  it('applies the next version or a coalesced range that reaches it, ignores repeats, and finds gaps', () => {
    expect(updateFit(4, { version: 5 })).toBe('apply');
    expect(updateFit(4, { version: 9, from: 5 })).toBe('apply');
    expect(updateFit(4, { version: 9, from: 3 })).toBe('apply');
    expect(updateFit(4, { version: 4 })).toBe('stale');
    expect(updateFit(4, { version: 4, from: 2 })).toBe('stale');
    expect(updateFit(4, { version: 6 })).toBe('gap');
    expect(updateFit(4, { version: 9, from: 6 })).toBe('gap');
  });
});
