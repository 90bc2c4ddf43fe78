import { applyFact } from '../case.engine';
import type { ResultReading } from '../fact';
import { bookedCase, ctx, observations, source, t } from '../testing/facts.fixture';

const hr = (value: number, at: string) => ({ name: 'hr' as const, value, unit: '/min', at });
const spo2 = (value: number, at: string) => ({ name: 'spo2' as const, value, unit: '%', at });
const result = (code: string, value: string, at: string, extra: Partial<ResultReading> = {}): ResultReading => ({
  code,
  text: code,
  value,
  at,
  ...extra,
});

describe("observations: vitals keep the newest reading per name, by the reading's time", () => {
  it('records the newest of a batch and makes one observations-recorded event with what changed', () => {
    const out = applyFact(
      bookedCase(),
      observations({ vitals: [hr(71, t('08:00', 1)), hr(72, t('08:00', 2)), spo2(98, t('08:00', 1))] }),
      ctx,
    );
    expect(out.state?.vitals).toEqual({
      hr: { value: 72, unit: '/min', at: t('08:00', 2) },
      spo2: { value: 98, unit: '%', at: t('08:00', 1) },
    });
    expect(out.events).toEqual([
      expect.objectContaining({
        kind: 'observations-recorded',
        version: 2,
        change: {
          vitals: {
            hr: { value: 72, unit: '/min', at: t('08:00', 2) },
            spo2: { value: 98, unit: '%', at: t('08:00', 1) },
          },
        },
      }),
    ]);
  });

  it('an older reading never replaces a newer one (a late batch)', () => {
    const newer = applyFact(bookedCase(), observations({ vitals: [hr(80, t('08:05'))] }), ctx).state!;
    const late = applyFact(
      newer,
      observations({ at: t('08:01'), source: source(401), vitals: [hr(60, t('08:01')), spo2(97, t('08:01'))] }),
      ctx,
    );
    expect(late.state?.vitals.hr?.value).toBe(80);
    expect(late.state?.vitals.spo2?.value).toBe(97);
    expect(late.events[0]?.change).toEqual({ vitals: { spo2: { value: 97, unit: '%', at: t('08:01') } } });
  });

  it('two monitors in the same second: the same value whatever the arrival order (larger value wins the tie)', () => {
    const a = observations({ source: source(401), vitals: [hr(70, t('08:05'))] });
    const b = observations({ source: source(402), vitals: [hr(74, t('08:05'))] });
    const ab = applyFact(applyFact(bookedCase(), a, ctx).state, b, ctx).state!;
    const ba = applyFact(applyFact(bookedCase(), b, ctx).state, a, ctx).state!;
    expect(ab.vitals.hr?.value).toBe(74);
    expect(ba.vitals.hr?.value).toBe(74);
  });

  it('a batch that changes nothing makes no event', () => {
    const once = applyFact(bookedCase(), observations({ vitals: [hr(80, t('08:05'))] }), ctx).state!;
    const twice = applyFact(once, observations({ vitals: [hr(80, t('08:05'))] }), ctx);
    expect(twice.events).toEqual([]);
    expect(twice.state).toBe(once);
  });
});

describe('observations: results keep the newest per code, at most 50', () => {
  it('keeps the newest per code, newest first', () => {
    const first = applyFact(
      bookedCase(),
      observations({ results: [result('K', '4.1', t('07:00')), result('NA', '140', t('07:00'))] }),
      ctx,
    ).state!;
    const second = applyFact(
      first,
      observations({
        source: source(402),
        results: [result('K', '3.2', t('07:45'), { flag: 'L' }), result('NA', '139', t('06:00'))],
      }),
      ctx,
    );
    expect(second.state?.results).toEqual([
      { code: 'K', text: 'K', value: '3.2', flag: 'L', at: t('07:45'), seq: 402 },
      { code: 'NA', text: 'NA', value: '140', at: t('07:00'), seq: 400 },
    ]);
    expect(second.events[0]?.change).toEqual({
      results: { set: [{ code: 'K', text: 'K', value: '3.2', flag: 'L', at: t('07:45'), seq: 402 }] },
    });
  });

  it('a correction with the same observation time replaces the original (it arrived later)', () => {
    const original = applyFact(
      bookedCase(),
      observations({ source: source(410), results: [result('HGB', '9.1', t('07:00'), { status: 'F' })] }),
      ctx,
    ).state!;
    const corrected = applyFact(
      original,
      observations({ source: source(411), results: [result('HGB', '11.9', t('07:00'), { status: 'C' })] }),
      ctx,
    );
    expect(corrected.state?.results?.[0]).toMatchObject({ value: '11.9', status: 'C' });
    // The original, retried after the correction was applied, does not undo it.
    const retried = applyFact(
      corrected.state,
      observations({ source: source(410), results: [result('HGB', '9.1', t('07:00'), { status: 'F' })] }),
      ctx,
    );
    expect(retried.state?.results?.[0]).toMatchObject({ value: '11.9', status: 'C' });
    expect(retried.events).toEqual([]);
  });

  it('keeps only the 50 newest codes and says which it dropped', () => {
    const many = Array.from({ length: 50 }, (_, i) => result(`C${i}`, String(i), t('07:00', i)));
    const full = applyFact(bookedCase(), observations({ results: many }), ctx).state!;
    expect(full.results).toHaveLength(50);
    const one = applyFact(full, observations({ source: source(420), results: [result('NEW', '1', t('07:30'))] }), ctx);
    expect(one.state?.results).toHaveLength(50);
    expect(one.state?.results?.[0]?.code).toBe('NEW');
    expect(one.state?.results?.some((r) => r.code === 'C0')).toBe(false);
    expect(one.events[0]?.change.results).toEqual({ set: [expect.objectContaining({ code: 'NEW' })], dropped: ['C0'] });
    // An older result than all 50 kept is not taken.
    const old = applyFact(
      one.state,
      observations({ source: source(421), results: [result('OLD', '1', t('06:00'))] }),
      ctx,
    );
    expect(old.events).toEqual([]);
  });

  it('readings with no case return a no-case warning', () => {
    expect(applyFact(undefined, observations(), ctx).warnings.map((w) => w.code)).toEqual(['no-case']);
  });
});
