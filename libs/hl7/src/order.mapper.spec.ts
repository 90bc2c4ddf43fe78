import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeHl7, type DecodedHl7 } from './hl7.decoder';
import { mapOrders, ORDER_CONTROL_ACTIONS, type OrderFactDraft, type OrderMapperOptions } from './order.mapper';

const ORM_DIR = path.resolve(__dirname, '../../../../shared/corpus/hl7v2/orm');
const OPTIONS: OrderMapperOptions = { facilityTz: 'America/New_York' };

function decoded(payload: string | Buffer): DecodedHl7 {
  const r = decodeHl7(payload);
  if (!r.ok) throw new Error(r.problem.text);
  return r.decoded;
}
const corpus = (file: string): DecodedHl7 => decoded(readFileSync(path.join(ORM_DIR, file)));

function facts(d: DecodedHl7, options: OrderMapperOptions = OPTIONS): OrderFactDraft[] {
  const r = mapOrders(d, options);
  if (!r.ok) throw new Error(`${r.problem.kind}: ${r.problem.text}`);
  return r.facts;
}

function message(type: string, segments: string[], msh7 = '20240715073000'): DecodedHl7 {
  return decoded([`MSH|^~\\&|EHR|HOSP|CIRC|HOSP|${msh7}||${type}|C1|P|2.5.1`, ...segments].join('\r'));
}
const PID = 'PID|1||M-1^^^HOSP^MR||Doe^Jane||19700101|F';

describe('mapOrders on the corpus', () => {
  it('maps each ORC/OBR of fc-ORM-O01-03 to its own order', () => {
    expect(facts(corpus('fc-ORM-O01-03.hl7'))).toEqual([
      {
        kind: 'order',
        action: 'new',
        at: '2021-10-20T11:26:00+02:15',
        identifiers: { orderNumber: '1101', fillerOrderNumber: '1201', visitNumber: '5001' },
        patient: {
          mrn: 'PATID1234',
          assigningAuthority: 'test1',
          familyName: 'EVERYMAN',
          givenName: 'ADAM',
          birthDate: '1988-08-18',
          sex: 'M',
        },
        procedure: { code: '24725-4', text: 'CT Head' },
        orderedBy: { id: '3850', name: 'JONES ORDPROVIDER' },
        orderStatus: 'SC',
      },
      {
        kind: 'order',
        action: 'new',
        at: '2021-10-20T11:26:00+02:15',
        identifiers: { orderNumber: '2203', fillerOrderNumber: '2301', visitNumber: '5001' },
        patient: {
          mrn: 'PATID1234',
          assigningAuthority: 'test1',
          familyName: 'EVERYMAN',
          givenName: 'ADAM',
          birthDate: '1988-08-18',
          sex: 'M',
        },
        procedure: { code: '24590-2', text: 'MR Brain' },
        orderedBy: { id: '3850', name: 'JONES ORDPROVIDER' },
        orderStatus: 'SC',
      },
    ]);
  });

  it('maps the Epic cancellation (ORC-1 CA) without a patient, whose id is in PID-2', () => {
    const r = mapOrders(corpus('ti-Epic_ORM_O01.hl7'), OPTIONS);
    expect(r).toMatchObject({
      ok: true,
      facts: [{ action: 'cancelled', identifiers: { orderNumber: '968906415' }, at: '2023-09-27T07:10:42-04:00' }],
      warnings: ['1 order(s) without a patient identifier (PID-3)'],
    });
    expect(r.ok && r.facts[0]?.patient).toBeUndefined();
  });

  it('refuses an order control outside table 0119 (103, AE at ORC-1)', () => {
    expect(mapOrders(corpus('ti-Oracle_ORM_O01.hl7'), OPTIONS)).toMatchObject({
      ok: false,
      problem: {
        kind: 'invalid-field',
        code: 103,
        disposition: 'error',
        location: { segment: 'ORC', sequence: 1, field: 1 },
      },
    });
  });

  it('refuses an OMG^O19 whose first order has no order number (101, AE at that ORC-2)', () => {
    expect(mapOrders(corpus('fc-OMG-O19-02.hl7'), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 101, disposition: 'error', location: { segment: 'ORC', sequence: 1, field: 2 } },
    });
  });
});

describe('mapOrders rules', () => {
  it.each([
    ['NW', 'new'],
    ['nw', 'new'],
    ['SN', 'new'],
    ['XO', 'changed'],
    ['RP', 'changed'],
    ['CA', 'cancelled'],
    ['OC', 'cancelled'],
    ['DC', 'discontinued'],
    ['OD', 'discontinued'],
    ['SC', 'status'],
    ['HD', 'status'],
    ['RE', 'status'],
  ])('maps ORC-1 %s to %s', (control, action) => {
    expect(facts(message('ORM^O01', [PID, `ORC|${control}|P-1`]))[0]?.action).toBe(action);
  });

  it('covers every code of HL7 table 0119 (v2.5.1) and nothing else', () => {
    expect(Object.keys(ORDER_CONTROL_ACTIONS).sort()).toEqual(
      (
        'AF CA CH CN CR DC DE DF DR FU HD HR LI MC NA NW OC OD OE OF OH OK OP OR PA PR PY RE RF RL RO RP RQ RR ' +
        'RU SC SN SR SS UA UC UD UF UH UM UN UR UX XO XR XX'
      ).split(' '),
    );
  });

  it('refuses an empty ORC-1 (101)', () => {
    expect(mapOrders(message('ORM^O01', [PID, 'ORC||P-1']), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 101, location: { segment: 'ORC', field: 1 } },
    });
  });

  it('takes the numbers from OBR-2/OBR-3 when ORC-2/ORC-3 are empty; the filler number alone is the order number', () => {
    expect(
      facts(message('ORM^O01', [PID, 'ORC|NW', 'OBR|1|OP-9^EHR|OF-9^LAB|44950^Appendectomy^CPT']))[0],
    ).toMatchObject({
      identifiers: { orderNumber: 'OP-9', fillerOrderNumber: 'OF-9' },
      procedure: { code: '44950', text: 'Appendectomy' },
    });
    expect(facts(message('ORM^O01', [PID, 'ORC|NW||F-1']))[0]?.identifiers).toEqual({
      orderNumber: 'F-1',
      fillerOrderNumber: 'F-1',
    });
  });

  it('takes the orderer from ORC-12, else OBR-16, and the status from ORC-5 as written', () => {
    const orc12 = 'ORC|NW|P-1|||IP|||||||S1^House^Gregory';
    expect(facts(message('ORM^O01', [PID, orc12, 'OBR|1|||||||||||||||O1^Other']))[0]).toMatchObject({
      orderedBy: { id: 'S1', name: 'Gregory House' },
      orderStatus: 'IP',
    });
    expect(facts(message('ORM^O01', [PID, 'ORC|NW|P-1|||IP', 'OBR|1|||||||||||||||O1^Cuddy^Lisa']))[0]).toMatchObject({
      orderedBy: { id: 'O1', name: 'Lisa Cuddy' },
    });
  });

  it('reads `at` from ORC-9, else MSH-7', () => {
    expect(facts(message('ORM^O01', [PID, 'ORC|NW|P-1|||||||20240101120000+0100']))[0]?.at).toBe(
      '2024-01-01T12:00:00+01:00',
    );
    expect(facts(message('ORM^O01', [PID, 'ORC|NW|P-1']))[0]?.at).toBe('2024-07-15T07:30:00-04:00');
  });

  it('maps a surgical OMG^O19 with two orders, each with the patient and visit before it', () => {
    const omg = message('OMG^O19', [
      PID,
      'PV1|1|I|OR3^^^MAIN||||||||||||||||V-1',
      'ORC|NW|CASE-1|||SC||||20240715080000',
      'TQ1|1||||||20240716080000',
      'OBR|1|CASE-1||44950^Appendectomy^CPT||||||||||||S1^House^Gregory',
      'ORC|XO|CASE-2|LAB-2||IP||||20240715081500',
      'OBR|1|CASE-2|LAB-2|47562^Laparoscopic cholecystectomy^CPT',
    ]);
    expect(facts(omg)).toMatchObject([
      {
        action: 'new',
        identifiers: { orderNumber: 'CASE-1', visitNumber: 'V-1' },
        patient: { mrn: 'M-1' },
        procedure: { code: '44950' },
        orderedBy: { name: 'Gregory House' },
        orderStatus: 'SC',
        at: '2024-07-15T08:00:00-04:00',
      },
      {
        action: 'changed',
        identifiers: { orderNumber: 'CASE-2', fillerOrderNumber: 'LAB-2', visitNumber: 'V-1' },
        procedure: { code: '47562', text: 'Laparoscopic cholecystectomy' },
        orderStatus: 'IP',
      },
    ]);
  });

  it('refuses an order message without ORC (100), or with an OBR before any ORC', () => {
    expect(mapOrders(message('ORM^O01', [PID]), OPTIONS)).toMatchObject({ ok: false, problem: { code: 100 } });
    expect(mapOrders(message('ORM^O01', [PID, 'OBR|1|P-1', 'ORC|NW|P-1']), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 100, location: { segment: 'OBR' } },
    });
  });

  it('warns about a second OBR under one ORC, and refuses other message types (200)', () => {
    const r = mapOrders(message('ORM^O01', [PID, 'ORC|NW|P-1', 'OBR|1|P-1||A^a', 'OBR|2|P-1||B^b']), OPTIONS);
    expect(r).toMatchObject({ ok: true, facts: [{ procedure: { code: 'A' } }] });
    expect(r.ok && r.warnings).toContain('1 OBR segment(s) without their own ORC were ignored');
    expect(mapOrders(message('OML^O21', [PID, 'ORC|NW|P-1']), OPTIONS)).toMatchObject({
      ok: false,
      problem: { code: 200 },
    });
  });
});
