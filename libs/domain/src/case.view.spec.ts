import { applyFact } from './case.engine';
import { ageOn, boardCaseView, patientName, sameOnBoard, toCaseView } from './case.view';
import { alarm, applyAll, bookedCase, booking, observations, order, source, t } from './testing/facts.fixture';

describe('patient names by disclosure', () => {
  it('shows clinicians the full name and displays the initials', () => {
    const p = { mrn: 'M1', familyName: 'Everyman', givenName: 'Adam' };
    expect(patientName(p, 'full')).toBe('EVERYMAN, Adam');
    expect(patientName(p, 'initials')).toBe('A.E.');
  });

  it('copes with missing parts', () => {
    expect(patientName({ mrn: 'M1' }, 'full')).toBe('Unknown');
    expect(patientName({ mrn: 'M1' }, 'initials')).toBe('?');
    expect(patientName({ mrn: 'M1', familyName: 'Doe' }, 'initials')).toBe('D.');
  });
});

describe('toCaseView', () => {
  const state = applyFact(
    undefined,
    {
      kind: 'schedule',
      action: 'booked',
      at: '2026-11-20T11:00:00.000Z',
      source: { kind: 'hl7', id: '1' },
      identifiers: { placerAppointmentId: 'P1' },
      patient: { mrn: 'M1', familyName: 'Everyman', givenName: 'Adam', birthDate: '1960-02-14' },
      room: { id: 'or-1', name: 'OR 1' },
      scheduledStart: '2026-11-23T07:30:00.000Z',
    },
    { newCaseId: 'c1', receivedAt: '2026-11-20T11:00:01.000Z' },
  ).state!;

  it('reduces the patient for displays: initials, age and sex; no MRN, no birth date', () => {
    const view = toCaseView(state, 'initials');
    // Born 1960-02-14, operated on 2026-11-23: 66.
    expect(view.patient).toEqual({ mrn: '', name: 'A.E.', age: 66 });
    expect(toCaseView({ ...state, patient: { ...state.patient, sex: 'M' } }, 'initials').patient).toEqual({
      mrn: '',
      name: 'A.E.',
      age: 66,
      sex: 'M',
    });
  });

  it("shows a display only what the site's setting allows, and clinicians all of it", () => {
    const female = { ...state, patient: { ...state.patient, sex: 'F' } };
    expect(toCaseView(female, 'initials', { initials: false, age: true, sex: false }).patient).toEqual({
      mrn: '',
      name: '',
      age: 66,
    });
    expect(toCaseView(female, 'initials', { initials: true, age: false, sex: true }).patient).toEqual({
      mrn: '',
      name: 'A.E.',
      sex: 'F',
    });
    expect(toCaseView(female, 'full', { initials: false, age: false, sex: false }).patient).toMatchObject({
      name: 'EVERYMAN, Adam',
      age: 66,
      sex: 'F',
    });
  });

  it('gives clinicians the name and birth date, and no engine-internal fields', () => {
    const view = toCaseView(state, 'full');
    expect(view.patient).toEqual({ mrn: 'M1', name: 'EVERYMAN, Adam', birthDate: '1960-02-14', age: 66 });
    expect(view).not.toHaveProperty('scheduleAt');
    expect(view).not.toHaveProperty('scheduleSeq');
    expect(view).toMatchObject({ id: 'c1', version: 1, status: 'scheduled', roomName: 'OR 1', alerts: [], vitals: {} });
  });
});

describe('toCaseView: orders, results and equipment', () => {
  const full = applyAll(bookedCase({ equipment: [{ code: 'ROBOT', text: 'da Vinci Xi' }] }), [
    order(),
    observations({ results: [{ code: 'K', text: 'Potassium', value: '4.1', unit: 'mmol/L', at: t('07:00') }] }),
  ]);

  it('shows orders and results to full-disclosure roles, without engine fields', () => {
    const view = toCaseView(full, 'full');
    expect(view.orders).toEqual([expect.objectContaining({ number: 'ORD1', status: 'active' })]);
    expect(view.results).toEqual([{ code: 'K', text: 'Potassium', value: '4.1', unit: 'mmol/L', at: t('07:00') }]);
    expect(view).not.toHaveProperty('track');
  });

  it('never shows orders or results on displays; equipment is for everyone', () => {
    const view = toCaseView(full, 'initials');
    expect(view).not.toHaveProperty('orders');
    expect(view).not.toHaveProperty('results');
    expect(view.equipment).toEqual([{ code: 'ROBOT', text: 'da Vinci Xi' }]);
  });
});

describe('toCaseView: a cancelled case', () => {
  it('shows no live vitals and no device alarms, though they are kept', () => {
    const live = applyAll(bookedCase(), [
      observations({ vitals: [{ name: 'spo2', value: 97, unit: '%', at: t('08:00') }] }),
      alarm(),
    ]);
    expect(Object.keys(toCaseView(live, 'full').vitals).length).toBeGreaterThan(0);
    expect(toCaseView(live, 'full').alerts).toHaveLength(1);
    const cancelled = applyAll(live, [booking({ action: 'cancelled', at: t('07:40'), source: source(50) })]);
    expect(cancelled.status).toBe('cancelled');
    expect(Object.keys(cancelled.vitals).length).toBeGreaterThan(0);
    expect(toCaseView(cancelled, 'full')).toMatchObject({ vitals: {}, alerts: [] });
  });
});

describe('ageOn', () => {
  it('counts whole years to the day of the instant, birthdays included', () => {
    expect(ageOn('1960-02-14', '2026-02-13T23:00:00.000Z')).toBe(65);
    expect(ageOn('1960-02-14', '2026-02-14T07:30:00.000Z')).toBe(66);
    expect(ageOn('2000-02-29', '2026-02-28T08:00:00Z')).toBe(25);
    expect(ageOn('2000-02-29', '2026-03-01T08:00:00Z')).toBe(26);
    expect(ageOn('2026-11-01', '2026-11-23T08:00:00Z')).toBe(0);
  });

  it('is undefined without a usable birth date or instant, or for an impossible age', () => {
    expect(ageOn(undefined, '2026-11-23T08:00:00Z')).toBeUndefined();
    expect(ageOn('1960', '2026-11-23T08:00:00Z')).toBeUndefined();
    expect(ageOn('1960-02-14', undefined)).toBeUndefined();
    expect(ageOn('2030-01-01', '2026-11-23T08:00:00Z')).toBeUndefined();
  });
});

describe('the board view (readings stay on room and case topics)', () => {
  const booked = bookedCase();
  const hr = (value: number, at: string) => observations({ vitals: [{ name: 'hr', value, unit: '/min', at }] });

  it('shows a case without its live vitals, and the rest as the role sees it', () => {
    const view = toCaseView(applyAll(booked, [hr(72, t('08:00'))]), 'full');
    expect(view.vitals.hr?.value).toBe(72);
    expect(boardCaseView(view)).toEqual({ ...view, vitals: {} });
  });

  it('sees readings that change no alert as no change to the board', () => {
    const before = applyAll(booked, [hr(72, t('08:00'))]);
    const after = applyAll(before, [hr(75, t('08:01'))]);
    expect(after.version).toBeGreaterThan(before.version);
    expect(after.vitals).not.toEqual(before.vitals);
    expect(sameOnBoard(before, after)).toBe(true);
    expect(sameOnBoard(after, after)).toBe(true);
  });

  it('sees an alert, a schedule change or a result as a change to the board', () => {
    const before = applyAll(booked, [hr(72, t('08:00'))]);
    expect(sameOnBoard(before, applyAll(before, [alarm()]))).toBe(false);
    expect(sameOnBoard(before, applyAll(before, [booking({ at: t('07:00'), scheduledStart: t('09:00') })]))).toBe(
      false,
    );
    const result = observations({
      results: [{ code: 'K', text: 'Potassium', value: '4.1', unit: 'mmol/L', at: t('08:05') }],
    });
    expect(sameOnBoard(before, applyAll(before, [result]))).toBe(false);
  });
});
