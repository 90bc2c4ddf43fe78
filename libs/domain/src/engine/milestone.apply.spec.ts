import { applyFact } from '../case.engine';
import { adt, applyAll, bookedCase, ctx, manualSource, milestone, OR1, source, t } from '../testing/facts.fixture';

/** One fact from a feed that is not a person: a device, an RTLS tag, FHIR, the schedule. */
function from(via: 'device' | 'rtls' | 'fhir' | 'siu', value: string, sequence: number, key = 'inRoom' as const) {
  const kind = via === 'fhir' ? 'fhir' : via === 'siu' ? 'hl7' : 'device';
  return milestone({
    via,
    milestone: key,
    value,
    at: value,
    source: { kind, id: String(sequence), label: `${via} ${sequence}`, sequence },
    actor: undefined,
    confidence: via === 'rtls' ? 'inferred' : 'reported',
  });
}

describe('milestones: one claim per source, the most trusted shown', () => {
  it('source "manual": a nurse records incision at 07:50; status in-procedure, the event names her and the source', () => {
    const out = applyFact(bookedCase(), milestone(), ctx);
    expect(out.state?.milestones.procedureStart).toBe(t('07:50'));
    expect(out.state?.status).toBe('in-procedure');
    expect(out.events).toEqual([
      expect.objectContaining({
        kind: 'milestone-recorded',
        change: expect.objectContaining({
          milestone: 'procedureStart',
          via: 'manual',
          actor: { id: 'u-nurse', role: 'nurse', name: 'Nina Nurse' },
          milestones: [
            {
              milestone: 'procedureStart',
              from: null,
              value: t('07:50'),
              via: 'manual',
              source: { kind: 'manual', id: '600', label: 'POST milestones 600' },
            },
          ],
        }),
      }),
    ]);
  });

  it('source "device": the anesthesia machine starting ventilation at 07:41 sets induction (status in-room)', () => {
    const out = applyFact(bookedCase(), from('device', t('07:41'), 900, 'induction' as never), ctx);
    expect(out.state?.milestones.induction).toBe(t('07:41'));
    expect(out.state?.status).toBe('in-room');
  });

  it('source "rtls": the patient tag entering OR 1 at 07:33 sets inRoom with confidence inferred', () => {
    const out = applyFact(bookedCase(), from('rtls', t('07:33'), 901), ctx);
    expect(out.state?.milestones.inRoom).toBe(t('07:33'));
    expect(out.events[0]?.change.milestones).toEqual([
      expect.objectContaining({ via: 'rtls', confidence: 'inferred' }),
    ]);
  });

  it('source "fhir": an Encounter location period sets inRoom at 07:34', () => {
    const out = applyFact(bookedCase(), from('fhir', t('07:34'), 902), ctx);
    expect(out.state?.milestones.inRoom).toBe(t('07:34'));
  });

  it('source "siu": the schedule status sets procedureEnd at 08:55 (status stays in-procedure)', () => {
    const out = applyFact(bookedCase(), from('siu', t('08:55'), 903, 'procedureEnd' as never), ctx);
    expect(out.state?.milestones.procedureEnd).toBe(t('08:55'));
    expect(out.state?.status).toBe('in-procedure');
  });

  it('source "adt": an A02 into the room is ADT\'s claim on inRoom; RTLS outranks it by default', () => {
    const a02 = adt('transferred', { at: t('07:32'), room: OR1, source: source(110, 'ADT^A02 in') });
    const viaAdt = applyAll(bookedCase(), [a02]);
    expect(viaAdt.milestones.inRoom).toBe(t('07:32'));
    const both = applyAll(viaAdt, [from('rtls', t('07:31'), 904)]);
    expect(both.milestones.inRoom).toBe(t('07:31'));
  });

  it('precedence: a person outranks a device whatever the arrival order', () => {
    const device = from('device', t('07:41'), 905, 'induction' as never);
    const person = milestone({ milestone: 'induction', value: t('07:45'), source: manualSource(601) });
    expect(applyAll(bookedCase(), [device, person]).milestones.induction).toBe(t('07:45'));
    expect(applyAll(bookedCase(), [person, device]).milestones.induction).toBe(t('07:45'));
  });

  it("conflict: a device 20 min away from the nurse's value is a warning, not an overwrite", () => {
    const person = applyAll(bookedCase(), [milestone({ milestone: 'induction', value: t('07:45') })]);
    const out = applyFact(person, from('device', t('08:05'), 906, 'induction' as never), ctx);
    expect(out.state?.milestones.induction).toBe(t('07:45'));
    expect(out.events).toEqual([]);
    expect(out.warnings).toEqual([
      expect.objectContaining({ code: 'conflict', message: expect.stringContaining('the case keeps') }),
    ]);
  });

  it('no conflict within the tolerance (5 min by default, configurable)', () => {
    const person = applyAll(bookedCase(), [milestone({ milestone: 'induction', value: t('07:45') })]);
    const device = from('device', t('07:48'), 907, 'induction' as never);
    expect(applyFact(person, device, ctx).warnings).toEqual([]);
    expect(applyFact(person, device, { ...ctx, policy: { conflictToleranceMs: 60_000 } }).warnings).toHaveLength(1);
  });

  it('configurable precedence: a site that trusts RTLS over people for inRoom', () => {
    const policy = { milestonePrecedence: { inRoom: ['rtls' as const] } };
    const facts = [milestone({ milestone: 'inRoom', value: t('07:40') }), from('rtls', t('07:33'), 908)];
    let state = bookedCase();
    for (const f of facts) state = applyFact(state, f, { ...ctx, policy }).state!;
    expect(state.milestones.inRoom).toBe(t('07:33'));
  });

  it("a correction: a later manual fact replaces the person's earlier value and the event carries the reason", () => {
    const first = applyAll(bookedCase(), [milestone()]);
    const out = applyFact(
      first,
      milestone({ at: t('08:30'), value: t('07:55'), reason: 'entered the wrong minute', source: manualSource(602) }),
      ctx,
    );
    expect(out.state?.milestones.procedureStart).toBe(t('07:55'));
    expect(out.events[0]?.change).toEqual(
      expect.objectContaining({
        reason: 'entered the wrong minute',
        milestones: [
          expect.objectContaining({ from: t('07:50'), value: t('07:55'), reason: 'entered the wrong minute' }),
        ],
      }),
    );
  });

  it("an older manual fact arriving after a newer one does not win (last writer by the fact's time)", () => {
    const newer = milestone({ at: t('08:30'), value: t('07:55'), source: manualSource(602) });
    const older = milestone({ at: t('07:51'), value: t('07:50'), source: manualSource(601) });
    expect(applyAll(bookedCase(), [newer, older]).milestones.procedureStart).toBe(t('07:55'));
  });

  it('a withdrawal (value null) falls back to the next source: the ADT in-room shows again', () => {
    const a02 = adt('transferred', { at: t('07:32'), room: OR1, source: source(110, 'ADT^A02 in') });
    const person = milestone({ milestone: 'inRoom', value: t('07:36') });
    const withdrawn = milestone({ milestone: 'inRoom', value: null, at: t('08:00'), source: manualSource(603) });
    const state = applyAll(bookedCase(), [a02, person, withdrawn]);
    expect(state.milestones.inRoom).toBe(t('07:32'));
  });

  it('every AACD milestone maps to a status: PACU in is recovery, PACU out is completed', () => {
    const keys = ['roomReady', 'inRoom', 'anesthesiaStart', 'induction', 'procedureStart'] as const;
    const expected = ['scheduled', 'in-room', 'in-room', 'in-room', 'in-procedure'];
    let state = bookedCase();
    keys.forEach((key, i) => {
      state = applyAll(state, [milestone({ milestone: key, value: t(`07:${30 + i}`), source: manualSource(610 + i) })]);
      expect(state.status).toBe(expected[i]);
    });
    const later = [
      ['procedureEnd', 'in-procedure'],
      ['anesthesiaEnd', 'in-procedure'],
      ['outOfRoom', 'recovery'],
      ['pacuIn', 'recovery'],
      ['pacuOut', 'completed'],
    ] as const;
    later.forEach(([key, status], i) => {
      state = applyAll(state, [milestone({ milestone: key, value: t(`09:${10 + i}`), source: manualSource(620 + i) })]);
      expect(state.status).toBe(status);
    });
  });

  it('a value that is no instant is refused with invalid-fact and changes nothing', () => {
    const before = bookedCase();
    const out = applyFact(before, milestone({ value: 'soon' }), ctx);
    expect(out.state).toBe(before);
    expect(out.warnings[0]?.code).toBe('invalid-fact');
  });
});
