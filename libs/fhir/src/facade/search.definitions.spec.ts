import { CASE_STATUSES } from '@circulator/contracts';
import { procedureStatus } from '../outbound/procedure.mapper';
import { FhirError } from './fhir.error';
import {
  checkFormat,
  DEFAULT_COUNT,
  type FacadeType,
  INCLUDES,
  parseSearch,
  statusMatchesFor,
} from './search.definitions';
import { readQuery } from './search.query';

const parse = (type: FacadeType, query: string, lenient = false) =>
  parseSearch(type, readQuery(query), { zone: 'Europe/Paris', lenient });

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof FhirError ? err.code : 'other';
  }
  return undefined;
};

describe('parseSearch', () => {
  it('reads an Appointment search into case criteria, in the order sent', () => {
    const s = parse(
      'Appointment',
      'date=ge2026-11-23&date=lt2026-11-24&status=booked,arrived&location=Location/or7&patient:identifier=urn:circulator:mrn|M-1&_count=10&_offset=20&_include=Appointment:location',
    );
    expect(s.count).toBe(10);
    expect(s.offset).toBe(20);
    expect(s.includes).toEqual([INCLUDES.Appointment[0]]);
    expect(s.locationIds).toEqual([['or7']]);
    expect(s.cases.mrns).toEqual([['M-1']]);
    expect(s.cases.statuses).toEqual([
      [{ status: 'scheduled' }, { status: 'pre-op' }, { status: 'in-room' }, { status: 'in-procedure' }],
    ]);
    expect(s.cases.time?.timeline).toBe('scheduled');
    expect(s.cases.time?.conditions).toHaveLength(2);
    expect(s.used.map((p) => p.name)).toEqual(['date', 'date', 'status', 'location', 'patient']);
  });

  it('defaults: 50 a page from the first', () => {
    expect(parse('Encounter', '')).toMatchObject({ count: DEFAULT_COUNT, offset: 0, includes: [] });
  });

  it('is strict: an unknown or unsupported parameter is a 400 naming it; lenient ignores it', () => {
    expect(codeOf(() => parse('Appointment', 'colour=red'))).toBe('unsupported-parameter');
    expect(codeOf(() => parse('Appointment', '_sort=date'))).toBe('unsupported-parameter');
    expect(codeOf(() => parse('Appointment', 'status:not=booked'))).toBe('unsupported-parameter');
    expect(() => parse('Appointment', 'colour=red')).toThrow(/colour is not a search parameter of Appointment/);
    expect(parse('Appointment', 'colour=red&_sort=date&status=booked', true)).toMatchObject({
      ignored: ['colour', '_sort'],
      used: [{ name: 'status', value: 'booked' }],
    });
  });

  it('finds patients by Patient reference (id = MRN) or by MRN through :identifier, and says how', () => {
    expect(parse('Observation', 'subject:identifier=M-1,urn:other|M-2').cases.mrns).toEqual([['M-1']]);
    expect(parse('Appointment', 'patient=Patient/M-1,M-2').cases.mrns).toEqual([['M-1', 'M-2']]);
    expect(() => parse('Appointment', `patient=Patient/x-${'a'.repeat(32)}`)).toThrow(/no FHIR id.*patient:identifier/);
    expect(codeOf(() => parse('Appointment', 'patient=Location/1'))).toBe('invalid-parameter');
    expect(codeOf(() => parse('Appointment', 'patient:missing=true'))).toBe('unsupported-parameter');
  });

  it('checks status codes against the R4 value set: unknown is a 400, a valid code we never give matches nothing', () => {
    expect(codeOf(() => parse('Appointment', 'status=done'))).toBe('invalid-parameter');
    expect(parse('Appointment', 'status=waitlist').cases.statuses).toEqual([[]]);
    expect(parse('Encounter', 'status=cancelled').cases.statuses).toEqual([
      [{ status: 'cancelled' }, { status: 'no-show' }],
    ]);
  });

  it('Procedure status search agrees with the mapper for every case status, closed or not', () => {
    for (const code of ['preparation', 'in-progress', 'completed', 'not-done']) {
      const matches = statusMatchesFor(code, procedureStatus, 'procedureEnd');
      for (const status of CASE_STATUSES) {
        for (const closed of [true, false]) {
          const found = matches.some(
            (m) => m.status === status && (m.milestone === undefined || m.milestone.present === closed),
          );
          expect([code, status, closed, found]).toEqual([
            code,
            status,
            closed,
            procedureStatus(status, closed) === code,
          ]);
        }
      }
    }
  });

  it('Observation code and category name kinds of reading', () => {
    expect(parse('Observation', 'code=8867-4').vitals.kinds).toEqual([['hr']]);
    expect(
      parse('Observation', 'code=http://loinc.org|85354-9,urn:iso:std:iso:11073:10101|150456').vitals.kinds,
    ).toEqual([['bp', 'spo2']]);
    expect(parse('Observation', 'code=urn:circulator:vital|bis').vitals.kinds).toEqual([['bis']]);
    expect(parse('Observation', 'code=http://snomed.info/sct|8867-4').vitals.kinds).toEqual([[]]);
    expect(parse('Observation', 'category=vital-signs').vitals.kinds).toEqual([['hr', 'spo2', 'bp', 'rr', 'temp']]);
    expect(parse('Observation', 'category=procedure').vitals.kinds).toEqual([['etco2', 'bis']]);
  });

  it('Observation and case _ids that name nothing match nothing (never a cast error in SQL)', () => {
    expect(parse('Observation', '_id=nope,1b4e28ba-2fa1-4d2b-883f-0016d3cca427-hr').vitals.ids).toEqual([
      [{ caseId: '1b4e28ba-2fa1-4d2b-883f-0016d3cca427', kind: 'hr' }],
    ]);
    expect(parse('Procedure', '_id=nope').cases.ids).toEqual([[]]);
    expect(parse('Procedure', 'encounter=Encounter/nope').cases.ids).toEqual([[]]);
  });

  it('Appointment identifiers: by system, or under every kind without one', () => {
    expect(parse('Appointment', 'identifier=urn:circulator:filler-appointment-id|FL-1,PL-1').cases.identifiers).toEqual(
      [
        [
          { kinds: ['fillerAppointmentId'], value: 'FL-1' },
          { kinds: ['placerAppointmentId', 'fillerAppointmentId', 'fhirAppointmentId'], value: 'PL-1' },
        ],
      ],
    );
  });

  it('follows only the _includes it offers', () => {
    expect(parse('Observation', '_include=Observation:encounter').includes).toHaveLength(1);
    expect(parse('Appointment', '_include=Appointment:location:Location').includes).toHaveLength(1);
    expect(
      parse('Appointment', '_include=Appointment:patient&_include=Appointment:practitioner').includes,
    ).toHaveLength(2);
    expect(() => parse('Appointment', '_include=Appointment:actor')).toThrow(/supported: Appointment:location/);
    expect(codeOf(() => parse('Appointment', '_include:iterate=Appointment:location'))).toBe('unsupported-parameter');
    expect(codeOf(() => parse('Location', '_include=Location:partof'))).toBe('unsupported-parameter');
  });

  it('Location and Device filter the mapped resources', () => {
    const s = parse('Location', 'name=op');
    const room = (name: string) => ({ resourceType: 'Location' as const, id: 'r', name });
    expect(s.filters.every((f) => f(room('Operating room 7')))).toBe(true);
    expect(s.filters.every((f) => f(room('ÔP 2')))).toBe(true); // case- and accent-insensitive
    expect(s.filters.every((f) => f(room('PACU')))).toBe(false);
    expect(parse('Location', 'name:exact=OR 7').filters[0]!(room('OR 7 '))).toBe(false);
    expect(parse('Location', 'name:contains=7').filters[0]!(room('OR 7'))).toBe(true);
    expect(codeOf(() => parse('Device', 'status=broken'))).toBe('invalid-parameter');
  });

  it('answers JSON only: _format=xml is a 406', () => {
    expect(() => checkFormat('application/fhir+json')).not.toThrow();
    expect(() => checkFormat('json')).not.toThrow();
    expect(codeOf(() => checkFormat('xml'))).toBe('not-acceptable');
    expect(codeOf(() => parse('Device', '_format=application/fhir+xml'))).toBe('not-acceptable');
  });
});
