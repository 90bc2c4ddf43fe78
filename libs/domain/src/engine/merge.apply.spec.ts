import { applyFact } from '../case.engine';
import { adt, applyAll, booking, bookedCase, ctx, merge, source, t } from '../testing/facts.fixture';

describe("merge (A40): the case's patient becomes the survivor", () => {
  it("takes the survivor's MRN, authority and demographics, remembers the merged MRN, and logs patient-merged", () => {
    const result = applyFact(bookedCase(), merge(), ctx);
    expect(result.state?.patient).toEqual({
      mrn: 'M9',
      assigningAuthority: 'GEN',
      familyName: 'Everyman',
      givenName: 'Adam',
      birthDate: '1960-02-14',
      mergedFrom: ['M1'],
    });
    expect(result.events).toEqual([
      expect.objectContaining({
        kind: 'patient-merged',
        version: 2,
        change: expect.objectContaining({
          merged: 'M1',
          survivor: 'M9',
          patient: { from: expect.objectContaining({ mrn: 'M1' }), to: expect.objectContaining({ mrn: 'M9' }) },
        }),
      }),
    ]);
  });

  it('a later fact about the old MRN still updates the case, and cannot bring the old MRN back', () => {
    const merged = applyFact(bookedCase(), merge(), ctx).state!;
    const a08 = applyFact(merged, adt('updated', { at: t('07:00'), patient: { mrn: 'M1', sex: 'M' } }), ctx).state!;
    expect(a08.patient).toMatchObject({ mrn: 'M9', sex: 'M', mergedFrom: ['M1'] });
    // The scheduling system still books under the old MRN, after the merge.
    const siu = applyFact(
      a08,
      booking({ action: 'modified', at: t('07:10'), source: source(60), patient: { mrn: 'M1' } }),
      ctx,
    ).state!;
    expect(siu.patient.mrn).toBe('M9');
  });

  it('follows a chain of merges (M1 → M9 → M7), and a reverse merge does not loop', () => {
    const chained = applyAll(bookedCase(), [
      merge(),
      merge({ at: t('06:30'), source: source(201), merged: { mrn: 'M9' }, survivor: { mrn: 'M7' } }),
    ]);
    expect(chained.patient).toMatchObject({ mrn: 'M7', mergedFrom: ['M1', 'M9'] });
    const back = applyFact(
      chained,
      merge({ at: t('06:40'), source: source(202), merged: { mrn: 'M7' }, survivor: { mrn: 'M1' } }),
      ctx,
    ).state!;
    expect(back.patient).toMatchObject({ mrn: 'M1', mergedFrom: ['M7', 'M9'] });
  });

  it('the same merge twice changes nothing the second time', () => {
    const once = applyFact(bookedCase(), merge(), ctx).state!;
    const twice = applyFact(once, merge(), ctx);
    expect(twice.events).toEqual([]);
    expect(twice.state).toBe(once);
  });

  it('a merge with no case returns no case and a no-case warning', () => {
    expect(applyFact(undefined, merge(), ctx).warnings.map((w) => w.code)).toEqual(['no-case']);
  });
});
