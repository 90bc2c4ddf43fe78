import type { MilestoneKey } from '@circulator/contracts';
import fc from 'fast-check';
import { casePhase } from './case.phase';
import { CASE_PHASES, type CasePhase } from './rules.model';
import { at } from './testing/rules.fixture';

type Milestones = Partial<Record<MilestoneKey, string>>;

const FULL: Milestones = {
  inRoom: at('07:35'),
  anesthesiaStart: at('07:40'),
  induction: at('07:45'),
  procedureStart: at('08:05'),
  procedureEnd: at('09:00'),
  anesthesiaEnd: at('09:10'),
  outOfRoom: at('09:20'),
};

describe('casePhase(milestones, at)', () => {
  it.each([
    ['07:30', 'none'],
    ['07:35', 'pre-induction'],
    ['07:44', 'pre-induction'],
    ['07:45', 'induction'],
    ['07:59', 'induction'],
    ['08:00', 'maintenance'], // induction + 15 min, before the incision at 08:05
    ['08:30', 'maintenance'],
    ['09:00', 'emergence'],
    ['09:15', 'emergence'],
    ['09:20', 'none'],
  ] as const)('a full case at %s is %s', (hhmm, phase) => {
    expect(casePhase(FULL, at(hhmm))).toBe(phase);
  });

  it('incision at 07:50, 5 min after induction, ends induction then', () => {
    const m = { ...FULL, procedureStart: at('07:50') };
    expect(casePhase(m, at('07:49', 59))).toBe('induction');
    expect(casePhase(m, at('07:50'))).toBe('maintenance');
  });

  it('without an induction milestone, anaesthesia start begins induction', () => {
    const { induction: _induction, ...m } = FULL;
    expect(casePhase(m, at('07:40'))).toBe('induction');
    expect(casePhase(m, at('07:39'))).toBe('pre-induction');
  });

  it('with 20 induction minutes, 08:00 is still induction', () => {
    expect(casePhase(FULL, at('08:00'), 20)).toBe('induction');
  });

  it('a local (no anaesthesia milestones): maintenance from the incision, pre-induction before it', () => {
    const m: Milestones = { inRoom: at('07:35'), procedureStart: at('08:05') };
    expect(casePhase(m, at('07:50'))).toBe('pre-induction');
    expect(casePhase(m, at('08:10'))).toBe('maintenance');
  });

  it('anaesthesia end without procedure end begins emergence', () => {
    const { procedureEnd: _end, ...m } = FULL;
    expect(casePhase(m, at('09:05'))).toBe('maintenance');
    expect(casePhase(m, at('09:10'))).toBe('emergence');
  });

  it('a milestone that is not an instant is ignored; an `at` that is not one is `none`', () => {
    expect(casePhase({ ...FULL, outOfRoom: 'soon' }, at('09:30'))).toBe('emergence');
    expect(casePhase(FULL, 'later')).toBe('none');
    expect(casePhase({}, at('08:00'))).toBe('none');
  });

  it('property: with milestones in AACD order, the phase never goes back as time goes on', () => {
    const ORDER: readonly MilestoneKey[] = [
      'inRoom',
      'anesthesiaStart',
      'induction',
      'procedureStart',
      'procedureEnd',
      'anesthesiaEnd',
      'outOfRoom',
    ];
    const rank = (p: CasePhase, seenInRoom: boolean): number =>
      p === 'none' ? (seenInRoom ? CASE_PHASES.length : 0) : CASE_PHASES.indexOf(p);
    const base = Date.parse(at('07:00'));
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: ORDER.length, maxLength: ORDER.length }),
        fc.array(fc.boolean(), { minLength: ORDER.length, maxLength: ORDER.length }),
        (gaps, present) => {
          const m: Milestones = {};
          let t = base;
          ORDER.forEach((key, i) => {
            t += gaps[i]! * 60_000;
            if (present[i]) m[key] = new Date(t).toISOString();
          });
          let last = 0;
          let inRoom = false;
          for (let minute = 0; minute <= 300; minute += 1) {
            const phase = casePhase(m, new Date(base + minute * 60_000).toISOString());
            if (phase !== 'none') inRoom = true;
            const r = rank(phase, inRoom);
            if (r < last) return false;
            last = r;
          }
          return true;
        },
      ),
      { seed: 0x5eed_a1e7, numRuns: 300 },
    );
  });
});
