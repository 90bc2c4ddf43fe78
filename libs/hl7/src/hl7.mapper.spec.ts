import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeHl7, type DecodedHl7 } from './hl7.decoder';
import {
  evaluateHl7,
  isSupportedHl7Type,
  mapDecodedHl7,
  mapHl7,
  parseHl7Path,
  readHl7Path,
  SUPPORTED_HL7_TYPES,
  validateHl7Overrides,
  type Hl7MapOptions,
  type Hl7Mapping,
} from './hl7.mapper';

const CORPUS = path.resolve(__dirname, '../../../../shared/corpus/hl7v2');
const OPTIONS: Hl7MapOptions = { facilityTz: 'America/New_York', receivedAt: '2026-01-01T00:00:00Z' };
const read = (file: string): Buffer => readFileSync(path.join(CORPUS, file));

function mapping(payload: string | Buffer, options: Hl7MapOptions = OPTIONS): Hl7Mapping {
  const r = mapHl7(payload, options);
  if (!r.ok) throw new Error(`${r.problem.kind}: ${r.problem.text}`);
  return r.mapping;
}
function decoded(payload: string): DecodedHl7 {
  const r = decodeHl7(payload);
  if (!r.ok) throw new Error(r.problem.text);
  return r.decoded;
}
const msh = (type: string, id = 'C1'): string => `MSH|^~\\&|EHR|HOSP|CIRC|OR|20240715073000||${type}|${id}|P|2.5.1`;

describe('isSupportedHl7Type', () => {
  it('supports exactly the types of CONTRACT §4, in any case', () => {
    expect(SUPPORTED_HL7_TYPES).toEqual({
      ADT: ['A01', 'A02', 'A03', 'A04', 'A08', 'A11', 'A13', 'A40'],
      SIU: ['S12', 'S13', 'S14', 'S15', 'S17', 'S26'],
      ORM: ['O01'],
      OMG: ['O19'],
      ORU: ['R01', 'R40'],
    });
    expect(isSupportedHl7Type('adt', 'a08')).toBe(true);
    expect(isSupportedHl7Type(' ORU ', 'R40')).toBe(true);
    for (const [code, trigger] of [
      ['ADT', 'A05'],
      ['ADT', 'A28'],
      ['SIU', 'S16'],
      ['ORU', 'R42'],
      ['OML', 'O21'],
      ['RGV', 'O15'],
      ['ERP', 'Z99'],
      ['MDM', 'T04'],
      ['ACK', ''],
    ]) {
      expect([code, trigger, isSupportedHl7Type(code ?? '', trigger ?? '')]).toEqual([code, trigger, false]);
    }
  });
});

describe('evaluateHl7: the edge decision', () => {
  it('accepts a supported message and hands over its mapping and label', () => {
    const r = evaluateHl7(read('siu/fc-SIU-S12-01.hl7'), OPTIONS);
    expect(r.outcome).toEqual({ code: 'accept' });
    expect(r.supported).toBe(true);
    expect(r.header.controlId).toBe('MSG00012');
    expect(r.mapping).toMatchObject({
      label: 'SIU^S12 MSG00012',
      mrn: 'PATID1234',
      warnings: [],
      facts: [
        {
          kind: 'schedule',
          action: 'booked',
          identifiers: { placerAppointmentId: '12345', fillerAppointmentId: '36996', visitNumber: '5001' },
          location: { code: '055^Room01^^GH Clinic', name: 'Room01' },
        },
      ],
    });
  });

  it('rejects an unknown message type with AR 200 at MSH-9.1, and an unknown trigger with 201 at MSH-9.2', () => {
    expect(evaluateHl7(Buffer.from(`${msh('ZZZ^Z99')}\rPID|1||X`), OPTIONS)).toEqual({
      header: expect.objectContaining({ controlId: 'C1' }),
      supported: false,
      outcome: {
        code: 'reject',
        error: {
          code: 200,
          text: 'Message type ZZZ^Z99 is not supported',
          location: { segment: 'MSH', sequence: 1, field: 9, component: 1 },
        },
      },
    });
    expect(evaluateHl7(read('adt/fc-ADT-A28-01.hl7'), OPTIONS)).toMatchObject({
      supported: false,
      outcome: {
        code: 'reject',
        error: {
          code: 201,
          text: 'Message type ADT^A28 is not supported (ADT triggers supported: A01, A02, A03, A04, A08, A11, A13, A40)',
          location: { field: 9, component: 2 },
        },
      },
    });
  });

  it('rejects what cannot be read with the decoder’s problem, whatever the bytes', () => {
    expect(evaluateHl7(Buffer.alloc(0), OPTIONS)).toMatchObject({
      header: {},
      supported: false,
      outcome: { code: 'reject', error: { code: 100 } },
    });
    expect(evaluateHl7(Buffer.from(`${msh('ADT^A01', '')}\rPID|1||X`), OPTIONS)).toMatchObject({
      supported: true,
      outcome: { code: 'reject', error: { code: 101, location: { field: 10 } } },
    });
    // Two messages in one frame.
    const two = `${msh('ADT^A01')}\rPID|1||X^^^H^MR\r${msh('ADT^A01', 'C2')}\rPID|1||Y^^^H^MR`;
    expect(evaluateHl7(Buffer.from(two), OPTIONS)).toMatchObject({ outcome: { code: 'reject', error: { code: 100 } } });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, prefixed) => {
        const payload = prefixed
          ? Buffer.concat([Buffer.from(`${msh('ORU^R01')}\r`), Buffer.from(bytes)])
          : Buffer.from(bytes);
        const r = evaluateHl7(payload, OPTIONS);
        expect(['accept', 'error', 'reject']).toContain(r.outcome.code);
        if (r.outcome.code !== 'accept') expect(r.mapping).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('answers a content problem with AE and its ERR location', () => {
    expect(evaluateHl7(Buffer.from(`${msh('SIU^S12')}\rPID|1||X^^^H^MR`), OPTIONS)).toMatchObject({
      supported: true,
      outcome: { code: 'error', error: { code: 100, location: { segment: 'SCH' } } },
    });
  });

  it('rejects a message with a segment broken across lines (AR 100 at the segment before it)', () => {
    const r = evaluateHl7(read('malformed/nhc-epic-orm-wrapped-obr.hl7'), OPTIONS);
    expect(r).toMatchObject({
      supported: true,
      outcome: {
        code: 'reject',
        error: {
          code: 100,
          text: 'Segment 7 does not start with a segment id: a segment seems broken across lines',
          location: { segment: 'OBR', sequence: 1 },
        },
      },
    });
    const lower = `${msh('ADT^A01')}\rPID|1||X^^^H^MR\rPv1|1|I`;
    expect(evaluateHl7(Buffer.from(lower), OPTIONS).outcome).toMatchObject({ code: 'reject', error: { code: 100 } });
    const spaced = `${msh('ADT^A01')}\r  PID|1||X^^^H^MR\rZPV\rPV1|1|I|OR1`;
    expect(evaluateHl7(Buffer.from(spaced), OPTIONS).outcome).toEqual({ code: 'accept' });
  });
});

describe('mapHl7 / mapDecodedHl7', () => {
  it('dispatches every supported type to its mapper', () => {
    const kinds = (file: string): string[] => mapping(read(file)).facts.map((f) => f.kind);
    expect(kinds('adt/fc-ADT-A01-02.hl7')).toEqual(['patient']);
    expect(kinds('adt/fc-ADT-A40-02.hl7')).toEqual(['merge', 'merge']);
    expect(kinds('siu/fc-SIU-S15-01.hl7')).toEqual(['schedule']);
    expect(kinds('orm/fc-ORM-O01-03.hl7')).toEqual(['order', 'order']);
    expect(kinds('oru/ihe-pcd01-philips-monitor-E.1.1.hl7')).toEqual(['observations']);
    expect(kinds('alarms/ihe-pcd04-mindray-low-spo2-start.hl7')).toEqual(['alarm']);
  });

  it('takes the MRN of the first fact and keeps warnings free of patient data', () => {
    const m = mapping(read('orm/ti-Epic_ORM_O01.hl7'));
    expect(m.mrn).toBeUndefined();
    expect(m.warnings).toEqual(['1 order(s) without a patient identifier (PID-3)']);
    expect(mapping(read('adt/fc-ADT-A40-01.hl7')).mrn).toBe('12345');
    expect(mapping(read('alarms/ihe-pcd04-bbraun-occlusion-end.hl7')).mrn).toBe('HO2009003');
  });

  it('maps a string or the bytes alike; mapDecodedHl7 refuses an unsupported type too', () => {
    const text = readFileSync(path.join(CORPUS, 'adt/fc-ADT-A02-01.hl7'), 'utf8');
    expect(mapping(text)).toEqual(mapping(Buffer.from(text)));
    expect(mapDecodedHl7(decoded(`${msh('MDM^T02')}\rPID|1`), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 200 },
      header: { controlId: 'C1' },
    });
  });

  it('passes the role codes on to the SIU mapper', () => {
    const siu = [
      msh('SIU^S12'),
      'SCH|P-1|F-1',
      'AIS|1||X^Knee|20240715090000',
      'AIP|1||S9^House^Gregory|010^Orthopedist',
    ].join('\r');
    expect(mapping(siu).facts[0]).not.toHaveProperty('surgeon');
    expect(mapping(siu, { ...OPTIONS, roles: { surgeon: ['010'] } }).facts[0]).toMatchObject({
      surgeon: { id: 'S9', name: 'Gregory House' },
    });
  });
});

describe('site overrides', () => {
  it('reads the MRN from PID-2 for the Epic order whose PID-3 is empty', () => {
    const m = mapping(read('orm/ti-Epic_ORM_O01.hl7'), { ...OPTIONS, overrides: { 'patient.mrn': 'PID-2.1' } });
    expect(m.facts[0]).toMatchObject({ kind: 'order', patient: { mrn: 'E7082628' } });
    expect(m.mrn).toBe('E7082628');
    expect(m.warnings).toEqual([]);
  });

  it('reads the room from AIL-3.2 and the appointment id from a Z-segment', () => {
    const siu = [
      msh('SIU^S12'),
      'SCH||F-1',
      'ZSC|CASE-77^EHR',
      'AIS|1||X^Knee|20240715090000',
      'AIL|1||OR^Theatre 4^^MAIN',
    ].join('\r');
    const overrides = { 'schedule.room': 'AIL-3.2', 'schedule.placerAppointmentId': 'ZSC-1.1' };
    expect(mapping(siu, { ...OPTIONS, overrides }).facts[0]).toMatchObject({
      identifiers: { placerAppointmentId: 'CASE-77', fillerAppointmentId: 'F-1' },
      location: { code: 'Theatre 4', name: 'Theatre 4' },
    });
  });

  it('reads a Z-segment in the group of the segment it replaces (one ZPR per order)', () => {
    const orm = [
      msh('ORM^O01'),
      'PID|1||M-1^^^H^MR',
      'ORC|NW|P-1',
      'OBR|1|P-1||44950^Appendectomy^CPT',
      'ZPR|1|Laparoscopic appendectomy',
      'ORC|NW|P-2',
      'OBR|1|P-2||47562^Cholecystectomy^CPT',
      'ORC|NW|P-3',
      'ZPR|1|Knee arthroscopy',
      'OBR|1|P-3||29881^Arthroscopy^CPT',
    ].join('\r');
    const facts = mapping(orm, { ...OPTIONS, overrides: { 'procedure.text': 'ZPR-2' } }).facts;
    expect(facts.map((f) => (f.kind === 'order' ? f.procedure : undefined))).toEqual([
      { code: '44950', text: 'Laparoscopic appendectomy' },
      { code: '47562', text: 'Cholecystectomy' },
      { code: '29881', text: 'Knee arthroscopy' },
    ]);
  });

  it('reads a whole PL field as a location, and leaves the standard field in force when the override is empty', () => {
    const adt = [msh('ADT^A02'), 'PID|1||M-1^^^H^MR', 'PV1|1|I|WARD^1', 'ZPV|OR5^^^MAIN^^^^^Theatre 5|'].join('\r');
    expect(mapping(adt, { ...OPTIONS, overrides: { location: 'ZPV-1' } }).facts[0]).toMatchObject({
      location: { code: 'OR5^^^MAIN', name: 'Theatre 5' },
    });
    expect(mapping(adt, { ...OPTIONS, overrides: { location: 'ZPV-2' } }).facts[0]).toMatchObject({
      location: { code: 'WARD^1', name: '1' },
    });
  });

  it('ignores unknown keys and bad paths with a warning; validateHl7Overrides names them', () => {
    const m = mapping(read('adt/fc-ADT-A40-01.hl7'), {
      ...OPTIONS,
      overrides: { 'patient.shoeSize': 'PID-99', 'patient.mrn': 'PID' },
    });
    expect(m.facts[0]).toMatchObject({ survivor: { mrn: '12345' } });
    expect(m.warnings).toEqual([
      expect.stringMatching(/^Override 'patient.shoeSize' ignored: .*unknown key/),
      expect.stringMatching(/^Override 'patient.mrn' ignored: .*'PID' is not an HL7 path/),
    ]);
    expect(validateHl7Overrides({ 'device.id': 'OBX-18.3', 'visit.number': 'ZPV-2-1.1' })).toEqual([]);
    expect(validateHl7Overrides({ room: 'AIL-3', 'procedure.code': 'AIS-0' })).toHaveLength(2);
  });
});

describe('readHl7Path / parseHl7Path', () => {
  const message = decoded(
    [
      msh('ORU^R01'),
      'PID|1||X9^^^OTHER^PI~M-77^^^HOSP&1.2.3&ISO^MR||Doe^Jane',
      'OBX|1|NM|A^a||1',
      'OBX|2|NM|B^b||2~3',
    ].join('\r'),
  );

  it('reads SEG[-occurrence]-field[.component[.sub-component]] with a repetition', () => {
    expect(readHl7Path(message, 'PID-3.1')).toBe('X9');
    expect(readHl7Path(message, 'PID-3.1', 2)).toBe('M-77');
    expect(readHl7Path(message, 'PID-3.4.2', 2)).toBe('1.2.3');
    expect(readHl7Path(message, 'pid-5.2')).toBe('Jane');
    expect(readHl7Path(message, 'OBX-2-3')).toBe('B');
    expect(readHl7Path(message, 'OBX-2-5', 2)).toBe('3');
    expect(readHl7Path(message, 'OBX-3')).toBe('A');
    expect(readHl7Path(message, 'OBX-4')).toBe('');
    expect(readHl7Path(message, 'MSH-9.2')).toBe('R01');
    expect(readHl7Path(message, 'ZZZ-1')).toBe('');
    expect(readHl7Path(message, 'PID-x')).toBe('');
  });

  it('parses paths and refuses anything else', () => {
    expect(parseHl7Path('ZSC-1.1')).toEqual({ segment: 'ZSC', field: 1, component: 1 });
    expect(parseHl7Path('OBX-2-5.1.2')).toEqual({
      segment: 'OBX',
      occurrence: 2,
      field: 5,
      component: 1,
      subcomponent: 2,
    });
    for (const bad of [
      '',
      'PID',
      'PID-0',
      'PID-3.0',
      'PI-3',
      '1ID-3',
      'PID-3.1.1.1',
      'PID-1-2-3',
      'PID-a.1',
      'PID--3',
    ]) {
      expect([bad, parseHl7Path(bad)]).toEqual([bad, undefined]);
    }
  });
});
