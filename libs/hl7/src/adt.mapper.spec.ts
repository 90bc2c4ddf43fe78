import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  calendarDate,
  Hl7TimeReader,
  mapAdt,
  readLocation,
  readPatient,
  readPerson,
  type AdtMapperOptions,
  type Hl7Overrides,
  type MergeFactDraft,
  type PatientFactDraft,
} from './adt.mapper';
import { hl7DatePart, parseHl7DateTime } from './hl7-time';
import { decodeHl7, type DecodedHl7, type Hl7Segment } from './hl7.decoder';

const ADT_DIR = path.resolve(__dirname, '../../../../shared/corpus/hl7v2/adt');
const OPTIONS: AdtMapperOptions = { facilityTz: 'America/New_York' };

function decoded(payload: string | Buffer): DecodedHl7 {
  const r = decodeHl7(payload);
  if (!r.ok) throw new Error(r.problem.text);
  return r.decoded;
}
const corpus = (file: string): DecodedHl7 => decoded(readFileSync(path.join(ADT_DIR, file)));

function facts(d: DecodedHl7, options: AdtMapperOptions = OPTIONS): (PatientFactDraft | MergeFactDraft)[] {
  const r = mapAdt(d, options);
  if (!r.ok) throw new Error(`${r.problem.kind}: ${r.problem.text}`);
  return r.facts;
}

/** An ADT built for one rule at a time. */
function adt(trigger: string, segments: string[], msh7 = '20240715073000'): DecodedHl7 {
  return decoded([`MSH|^~\\&|ADT|HOSP|CIRC|HOSP|${msh7}||ADT^${trigger}|C1|P|2.5.1`, ...segments].join('\r'));
}
const segment = (d: DecodedHl7, name: string): Hl7Segment => {
  const s = d.segments.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no ${name}`);
  return s;
};

describe('mapAdt on the corpus', () => {
  it('maps fc-ADT-A02-01 to a transfer with the new and the prior location', () => {
    expect(facts(corpus('fc-ADT-A02-01.hl7'))).toEqual([
      {
        kind: 'patient',
        action: 'transferred',
        at: '2029-08-01T07:06:24+01:15',
        patient: {
          mrn: 'PATID1234',
          assigningAuthority: 'test1',
          familyName: 'EVERYMAN',
          givenName: 'ADAM',
          birthDate: '1988-08-18',
          sex: 'M',
        },
        visitNumber: '40007716',
        location: { code: 'HUH AE OMU^OMU B^Bed 03^HOMERTON UNIVER', name: 'OMU B' },
        priorLocation: { code: '4 East, room 136, bed B 4E^136^B^CommunityHospital', name: '136' },
      },
    ]);
  });

  it('warns, without patient data, when EVN-1 names another trigger than MSH-9.2', () => {
    const r = mapAdt(corpus('fc-ADT-A08-01.hl7'), OPTIONS);
    expect(r).toMatchObject({ ok: true, warnings: ['EVN-1 (A01) differs from MSH-9.2 (A08); MSH-9.2 was used'] });
  });

  it('maps each PID/MRG pair of an A40 to a merge (fc-ADT-A40-02)', () => {
    expect(facts(corpus('fc-ADT-A40-02.hl7'))).toEqual([
      {
        kind: 'merge',
        at: '2019-04-23T15:01:37+02:15',
        survivor: {
          mrn: '12345',
          assigningAuthority: 'BCBS',
          familyName: 'Test',
          givenName: 'Test',
          birthDate: '2018-02-05',
          sex: 'F',
        },
        merged: { mrn: '56789', assigningAuthority: 'BCBS' },
      },
      {
        kind: 'merge',
        at: '2019-04-23T15:01:37+02:15',
        survivor: {
          mrn: '145',
          assigningAuthority: 'BCBS',
          familyName: 'Test',
          givenName: 'Test',
          birthDate: '2018-02-05',
          sex: 'F',
        },
        merged: { mrn: '569', assigningAuthority: 'BCBS' },
      },
    ]);
  });

  it('takes the first PID-3 repetition when none is typed MR, and EVN-2 before EVN-6 (hapi Italian A03)', () => {
    const [fact] = facts(corpus('hapi-adt_a03-italian.hl7'));
    expect(fact).toMatchObject({
      kind: 'patient',
      action: 'discharged',
      at: '2008-03-05T15:09:00-05:00',
      patient: { mrn: '5520255', assigningAuthority: 'PK', familyName: 'ZZZ', birthDate: '1983-08-24', sex: 'F' },
      location: { code: '6402DH', name: 'MED. 1 - ONCOLOGIA' },
    });
  });

  it('reads a v2.3 message with a BOM and no MR-typed authority namespace (fc-ADT01-23)', () => {
    const [fact] = facts(corpus('fc-ADT01-23.hl7'));
    expect(fact).toMatchObject({
      action: 'admitted',
      patient: { mrn: '10006579', assigningAuthority: '1' },
      visitNumber: '40007716',
      location: { code: 'PREOP^101^1^1', name: '101' },
    });
  });
});

describe('mapAdt rules', () => {
  const PID = 'PID|1||X9^^^OTHER^PI~M-77^^^&1.2.3&ISO^MR||Doe^Jane||19700101|F||||||||||ACC-1';

  it.each([
    ['A01', 'admitted'],
    ['A04', 'registered'],
    ['A08', 'updated'],
    ['A03', 'discharged'],
    ['A11', 'admit-cancelled'],
    ['A13', 'discharge-cancelled'],
  ])('maps %s to %s', (trigger, action) => {
    expect(facts(adt(trigger, [PID]))).toMatchObject([{ kind: 'patient', action }]);
  });

  it('prefers the MR repetition and reads a universal-id-only authority', () => {
    expect(facts(adt('A01', [PID]))[0]).toMatchObject({
      patient: {
        mrn: 'M-77',
        assigningAuthority: '1.2.3',
        familyName: 'Doe',
        givenName: 'Jane',
        birthDate: '1970-01-01',
      },
    });
  });

  it('takes the visit number from PV1-19, else PID-18', () => {
    expect(facts(adt('A01', [PID]))[0]).toMatchObject({ visitNumber: 'ACC-1' });
    expect(facts(adt('A01', [PID, 'PV1|1|I|OR3^^^MAIN||||||||||||||||V-9']))[0]).toMatchObject({ visitNumber: 'V-9' });
  });

  it('reads `at` from EVN-2, else EVN-6, else MSH-7, else the receive time with a warning', () => {
    expect(facts(adt('A01', ['EVN|A01|20240714220000+0000||||20240101', PID]))[0]?.at).toBe('2024-07-14T22:00:00Z');
    expect(facts(adt('A01', ['EVN|A01|||||20240301120000', PID]))[0]?.at).toBe('2024-03-01T12:00:00-05:00');
    expect(facts(adt('A01', [PID]))[0]?.at).toBe('2024-07-15T07:30:00-04:00');
    const noTime = adt('A01', ['EVN|A01|not-a-time', PID], '');
    expect(mapAdt(noTime, OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 101, disposition: 'error', location: { segment: 'MSH', field: 7 } },
    });
    const r = mapAdt(noTime, { ...OPTIONS, receivedAt: '2024-07-15T11:00:00Z' });
    expect(r).toMatchObject({ ok: true, facts: [{ at: '2024-07-15T11:00:00Z' }] });
    expect(r.ok && r.warnings).toEqual([
      'EVN-2 is not a valid date/time',
      'None of EVN-2, EVN-6, MSH-7 holds a valid date/time; the receive time was used',
    ]);
  });

  it('refuses an ADT without PID (100) or without MRN (101 at PID-3) as content errors', () => {
    expect(mapAdt(adt('A01', ['EVN|A01']), OPTIONS)).toMatchObject({
      ok: false,
      problem: { kind: 'missing-required-field', code: 100, disposition: 'error', location: { segment: 'PID' } },
    });
    expect(mapAdt(adt('A01', ['PID|1||^^^H^MR||Doe']), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 101, location: { segment: 'PID', field: 3 } },
    });
  });

  it('refuses a transfer without PV1-3 and keeps PV1-6 as the prior location', () => {
    expect(mapAdt(adt('A02', [PID, 'PV1|1|I||||WARD^12']), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 101, location: { segment: 'PV1', field: 3 } },
    });
    expect(facts(adt('A02', [PID, 'PV1|1|I|OR3^^^MAIN^^^^^Theatre 3|||WARD^12^A']))[0]).toMatchObject({
      location: { code: 'OR3^^^MAIN', name: 'Theatre 3' },
      priorLocation: { code: 'WARD^12^A', name: '12' },
    });
  });

  it('refuses broken A40 structures', () => {
    expect(mapAdt(adt('A40', [PID]), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 100, location: { segment: 'PID' } },
    });
    expect(mapAdt(adt('A40', ['MRG|1^^^H^MR']), OPTIONS)).toMatchObject({
      ok: false,
      problem: { location: { segment: 'MRG' } },
    });
    expect(mapAdt(adt('A40', [PID, 'MRG|||ACC-OLD']), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 101, location: { segment: 'MRG', field: 1 } },
    });
  });

  it('picks the MR repetition of MRG-1', () => {
    expect(facts(adt('A40', [PID, 'MRG|OLD-PI^^^H^PI~OLD-MR^^^H^MR']))).toMatchObject([
      { kind: 'merge', survivor: { mrn: 'M-77' }, merged: { mrn: 'OLD-MR', assigningAuthority: 'H' } },
    ]);
  });

  it('refuses a trigger it does not map (201, reject)', () => {
    expect(mapAdt(adt('A05', [PID]), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 201, disposition: 'reject', location: { field: 9, component: 2 } },
    });
  });

  it('reads site overrides instead of the standard fields when they are valued', () => {
    const d = adt('A01', ['PID|1|SITE-7|M-77^^^H^MR||Doe^Jane', 'PV1|1|I|WARD^1||||||||||||||||V-1']);
    const pid = segment(d, 'PID');
    const overrides: Hl7Overrides = {
      text: (key, scope) => (key === 'patient.mrn' && scope === pid ? pid.value(2) : undefined),
      location: (key) => (key === 'location' ? { code: 'OR9', name: 'OR 9' } : undefined),
    };
    expect(facts(d, { ...OPTIONS, overrides })[0]).toMatchObject({
      patient: { mrn: 'SITE-7' },
      location: { code: 'OR9', name: 'OR 9' },
    });
    expect((facts(d, { ...OPTIONS, overrides })[0] as PatientFactDraft).patient.assigningAuthority).toBeUndefined();
  });
});

describe('shared readers', () => {
  it('readLocation: PL.1–PL.4 unescaped, trailing empties removed; name PL.9, else PL.2, else PL.1', () => {
    const d = adt('A01', ['PV1|1|I|OR\\T\\1^^^MAIN|x|OR3^Room 3|^^^^^^^^Desc|PACU']);
    const pv1 = segment(d, 'PV1');
    expect(readLocation(pv1, 3)).toEqual({ code: 'OR&1^^^MAIN', name: 'OR&1' });
    expect(readLocation(pv1, 5)).toEqual({ code: 'OR3^Room 3', name: 'Room 3' });
    expect(readLocation(pv1, 6)).toBeUndefined();
    expect(readLocation(pv1, 7)).toEqual({ code: 'PACU', name: 'PACU' });
  });

  it('readPerson: "Given Family" with the id, else the id alone', () => {
    const d = adt('A01', ['ORC|NW|1||||||||||123^House^Gregory~9^X|||^Wilson', 'PID|1||1']);
    const orc = segment(d, 'ORC');
    expect(readPerson(orc, 12)).toEqual({ id: '123', name: 'Gregory House' });
    expect(readPerson(orc, 12, 2)).toEqual({ id: '9', name: 'X' });
    expect(readPerson(orc, 15)).toEqual({ name: 'Wilson' });
    expect(readPerson(orc, 13)).toBeUndefined();
  });

  it('readPatient: undefined without any PID-3 identifier', () => {
    expect(readPatient(segment(adt('A01', ['PID|1||~^^^H^MR||Doe']), 'PID'))).toBeUndefined();
  });

  it('calendarDate agrees with hl7DatePart', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
            .map(
              ([y, m, d]) =>
                `${String(y).padStart(4, '0')}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}1200`,
            ),
          fc.string({ maxLength: 12 }),
        ),
        (value) => {
          expect(calendarDate(value)).toBe(hl7DatePart(value));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('Hl7TimeReader', () => {
  const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC', 'Pacific/Chatham'];
  const two = (n: number): string => String(n).padStart(2, '0');
  /** DTM values around the DST changes of these zones (March/April, October/November), odd ones included. */
  const dtm = fc
    .record({
      year: fc.constantFrom(1899, 2021, 2024, 2026, 2099),
      month: fc.constantFrom(1, 2, 3, 4, 9, 10, 11, 13),
      day: fc.integer({ min: 0, max: 32 }),
      hour: fc.integer({ min: 0, max: 24 }),
      minute: fc.constantFrom(0, 1, 29, 30, 31, 45, 59, 60),
      second: fc.constantFrom('', '00', '07', '59', '60'),
      fraction: fc.constantFrom('', '.1', '.25', '.999', '.1234', '.', '.12345'),
      offset: fc.constantFrom('', '', '+0000', '-0000', '-0500', '+0215', '+1345', '+1500', '-0560', '+05'),
    })
    .map(
      (p) =>
        `${p.year}${two(p.month)}${two(p.day)}${two(p.hour)}${two(p.minute)}${p.second}${p.second === '' ? '' : p.fraction}${p.offset}`,
    );

  it('reads every value exactly as parseHl7DateTime, cached or not', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.array(fc.oneof(dtm, fc.string({ maxLength: 20 })), { maxLength: 8 }),
        (zone, values) => {
          const reader = new Hl7TimeReader(zone);
          for (const value of [...values, ...values]) expect(reader.read(value)).toBe(parseHl7DateTime(value, zone));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads in place (readIn) as it reads a sliced value', () => {
    const reader = new Hl7TimeReader('America/New_York');
    const text = 'X|20240310023000|20240310023000|20241103013000 |2024|';
    expect(reader.readIn(text, 2, 16)).toBe(parseHl7DateTime('20240310023000', 'America/New_York'));
    expect(reader.readIn(text, 17, 31)).toBe(parseHl7DateTime('20240310023000', 'America/New_York'));
    expect(reader.readIn(text, 32, 47)).toBe('2024-11-03T01:30:00-04:00');
    expect(reader.readIn(text, 48, 52)).toBe('2024-01-01T00:00:00-05:00');
  });
});
