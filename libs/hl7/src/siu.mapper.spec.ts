import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeSiu, toScheduleFact, type SiuMapperOptions, type SiuMapping } from './siu.mapper';

const SIU_DIR = path.resolve(__dirname, '../../../../shared/corpus/hl7v2/siu');
const read = (file: string): Buffer => readFileSync(path.join(SIU_DIR, file));
const OPTIONS: SiuMapperOptions = { facilityTz: 'America/New_York' };

function mustMap(payload: string | Buffer, options: SiuMapperOptions = OPTIONS): SiuMapping {
  const r = decodeSiu(payload, options);
  if (!r.ok) throw new Error(`${r.problem.kind}: ${r.problem.text}`);
  return r.mapping;
}

/** A small SIU built for one rule at a time. */
function siu(segments: string[], trigger = 'S12', extraMsh = ''): string {
  return [
    `MSH|^~\\&|OR|HOSP|CIRC|HOSP|20240715073000||SIU^${trigger}^SIU_${trigger}|C1|P|2.5.1${extraMsh}`,
    ...segments,
  ].join('\r');
}

describe('mapSiu on the corpus', () => {
  it('maps fc-SIU-S12-01 (v2.8, LF, +0215 offsets)', () => {
    const m = mustMap(read('fc-SIU-S12-01.hl7'));
    expect(m.fact).toEqual({
      kind: 'schedule',
      action: 'booked',
      at: '2021-09-14T11:20:00+02:15',
      identifiers: { placerAppointmentId: '12345', fillerAppointmentId: '36996', visitNumber: '5001' },
      patient: {
        mrn: 'PATID1234',
        assigningAuthority: 'test1',
        familyName: 'EVERYMAN',
        givenName: 'ADAM',
        birthDate: '1988-08-18',
        sex: 'M',
      },
      procedure: { code: '76164006', text: 'Biopsy of colon (procedure)' },
      scheduledStart: '2021-09-24T09:30:00+02:15',
      scheduledEnd: '2021-09-24T10:20:00+02:15',
      // AIG-3: the equipment the appointment needs.
      equipment: [{ code: '5001', text: 'EVIS X12 Video Colonoscope' }],
    });
    expect(m.location).toEqual({ code: '055^Room01^^GH Clinic', name: 'Room01' });
    // AIP-4 is 010^Gastroenterologist: neither default role.
    expect(m.fact.surgeon).toBeUndefined();
    expect(m.fact.anesthesiologist).toBeUndefined();
    expect(m.warnings).toEqual([]);
    expect(m.header.controlId).toBe('MSG00012');
  });

  it('maps the Corepoint v2.3 S14 (no AIS, SCH-11.4 start padded, SCH-9/10 duration, no offset)', () => {
    const m = mustMap(read('nhc-corepoint-siu-s14.hl7'));
    expect(m.fact.action).toBe('modified');
    expect(m.fact.identifiers).toEqual({ placerAppointmentId: '00331839401' });
    expect(m.fact.at).toBe('2008-03-06T09:53:00-05:00');
    expect(m.fact.scheduledStart).toBe('2008-03-06T10:00:00-05:00');
    expect(m.fact.scheduledEnd).toBe('2008-03-06T10:20:00-05:00');
    expect(m.fact.patient).toEqual({
      mrn: '489671',
      familyName: 'SMITH',
      givenName: 'MICHAEL',
      birthDate: '2008-02-05',
      sex: 'F',
    });
    expect(m.fact.procedure).toEqual({ code: 'HLCK', text: 'HEALTHCHECK ANY AGE' });
    expect(m.location).toEqual({ code: 'HHR^FPCS NGUYEN, MD', name: 'FPCS NGUYEN, MD' });
    expect(m.warnings).toEqual(['No AIS-3 procedure; SCH-7/SCH-8 used instead']);
  });

  it('takes the start from TQ1-7 and the end from TQ1-8 when AIS has no time (fc-SIU-S12-02)', () => {
    const m = mustMap(read('fc-SIU-S12-02.hl7'));
    expect(m.fact.procedure).toEqual({ code: '58410-2', text: 'CBC Panel-Blood by Automated Count' });
    expect(m.fact.scheduledStart).toBe('2021-08-18T11:30:00+02:15');
    expect(m.fact.scheduledEnd).toBe('2021-08-18T12:30:00+02:15');
    // Location of the first resource group, the one of the chosen AIS.
    expect(m.location).toEqual({ code: 'LabUnit101^Lab Room 01^^GHH Hospital', name: 'Lab Room 01' });
  });

  it.each([
    ['fc-SIU-S13-01.hl7', 'rescheduled'],
    ['fc-SIU-S14-01.hl7', 'modified'],
    ['fc-SIU-S15-01.hl7', 'cancelled'],
    ['fc-SIU-S17-01.hl7', 'deleted'],
    ['fc-SIU-S26-01.hl7', 'no-show'],
  ])('maps the trigger of %s to %s', (file, action) => {
    const m = mustMap(read(file));
    expect(m.fact.action).toBe(action);
    expect(m.fact.identifiers.fillerAppointmentId).toBe('36996');
  });

  it('sees the room change of the S14 (Room01 → Room02)', () => {
    expect(mustMap(read('fc-SIU-S14-01.hl7')).location?.name).toBe('Room02');
  });

  it('refuses S16 (discontinuation) with a typed 201 error', () => {
    const r = decodeSiu(read('fc-SIU-S16-01.hl7'), OPTIONS);
    expect(r).toMatchObject({
      ok: false,
      problem: { kind: 'unsupported-trigger', code: 201, disposition: 'reject', location: { field: 9, component: 2 } },
    });
  });

  it('maps every corpus SIU file or refuses it with a typed problem, without throwing', () => {
    const files = readdirSync(SIU_DIR);
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const file of files) {
      const r = decodeSiu(read(file), OPTIONS);
      if (r.ok) {
        expect(r.mapping.fact.kind).toBe('schedule');
        expect(r.mapping.fact.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$/);
        expect(
          r.mapping.fact.identifiers.placerAppointmentId ?? r.mapping.fact.identifiers.fillerAppointmentId,
        ).toBeTruthy();
        expect(r.mapping.fact.scheduledStart).toBeDefined();
      } else {
        expect(r.problem.code).toBeGreaterThanOrEqual(100);
      }
    }
  });
});

describe('mapSiu rules', () => {
  const SCH = 'SCH|P-1|F-1';
  const PID = 'PID|1||X9^^^OTHER^PI~M-77^^^HOSP&1.2.3&ISO^MR||Doe^Jane||19700101|F';
  const booking = (sch: string) =>
    siu([sch, PID, 'RGS|1', 'AIS|1||44950^Appendectomy^CPT|20240715090000|||90|min', 'AIL|1||OR3^^^MAIN']);

  it('takes the order number from SCH-26 (placer), else SCH-27 (filler), to link the surgical order', () => {
    const fields = (n: number, value: string) => `${SCH}${'|'.repeat(n - 2)}${value}`;
    expect(mustMap(booking(fields(26, 'ORD-1^EPIC'))).fact.identifiers.orderNumber).toBe('ORD-1');
    expect(mustMap(booking(fields(27, 'FORD-2'))).fact.identifiers.orderNumber).toBe('FORD-2');
    expect(mustMap(booking(SCH)).fact.identifiers).not.toHaveProperty('orderNumber');
  });

  it('recognises surgeon and anesthesiologist by AIP-4 code or text, case-insensitively', () => {
    const m = mustMap(
      siu([
        SCH,
        PID,
        'RGS|1',
        'AIS|1||44950^Appendectomy^CPT|20240715090000|||90|min',
        'AIL|1||OR3^Room 3^^MAIN',
        'AIP|1||S1^House^Gregory|sur^Surgeon',
        'AIP|2||A1^Cuddy^Lisa|X^anesthesiologist',
      ]),
    );
    expect(m.fact.surgeon).toEqual({ id: 'S1', name: 'Gregory House' });
    expect(m.fact.anesthesiologist).toEqual({ id: 'A1', name: 'Lisa Cuddy' });
    expect(m.fact.scheduledStart).toBe('2024-07-15T09:00:00-04:00');
    expect(m.fact.scheduledEnd).toBe('2024-07-15T10:30:00-04:00');
    expect(m.fact.patient).toMatchObject({ mrn: 'M-77', assigningAuthority: 'HOSP' });
  });

  it('takes configured role codes instead of the defaults', () => {
    const segments = [SCH, 'AIS|1||X^Y|20240715090000', 'AIP|1||S1^House^Gregory|010^Gastroenterologist'];
    expect(mustMap(siu(segments)).fact.surgeon).toBeUndefined();
    const m = mustMap(siu(segments), { ...OPTIONS, roles: { surgeon: ['010'] } });
    expect(m.fact.surgeon).toEqual({ id: 'S1', name: 'Gregory House' });
  });

  it.each([
    ['2', 'h', '2024-07-15T11:00:00-04:00'],
    ['1.5', 'hours', '2024-07-15T10:30:00-04:00'],
    ['3', 'HR', '2024-07-15T12:00:00-04:00'],
    ['45', '', '2024-07-15T09:45:00-04:00'],
    ['5400', 's', '2024-07-15T10:30:00-04:00'],
    ['30', 'MIN^Minutes', '2024-07-15T09:30:00-04:00'],
    ['30', '^minutes', '2024-07-15T09:30:00-04:00'],
  ])('AIS-7 %s in AIS-8 "%s" ends at %s', (amount, unit, end) => {
    const m = mustMap(siu([SCH, `AIS|1||X^Y|20240715090000|||${amount}|${unit}`]));
    expect(m.fact.scheduledEnd).toBe(end);
  });

  it('reads equipment from AIG-3 (else AIG-4); no AIG says nothing', () => {
    const base = ['SCH|P1|F1', 'PID|1||M1^^^H^MR||Doe^Jo', 'AIS|1|A|47562^Chole^CPT|20240715080000|||60|min'];
    const m = mustMap(
      siu([...base, 'AIG|1|A|c-arm^C-arm^L|101^Equipment^L', 'AIG|2|A||ROBOT^Surgical robot^L', 'AIG|3|A']),
    );
    expect(m.fact.equipment).toEqual([
      { code: 'c-arm', text: 'C-arm' },
      { code: 'ROBOT', text: 'Surgical robot' },
    ]);
    expect(mustMap(siu(base)).fact.equipment).toBeUndefined();
  });

  it('gives no end for an unknown unit, with a warning', () => {
    const m = mustMap(siu([SCH, 'AIS|1||X^Y|20240715090000|||2|fortnights']));
    expect(m.fact.scheduledEnd).toBeUndefined();
    expect(m.warnings).toContain('AIS-7/AIS-8 duration not understood');
  });

  it('unescapes HL7 escapes in mapped text and falls back to the code for the procedure text', () => {
    const m = mustMap(
      siu([SCH, 'AIS|1||K\\T\\R^Knee \\T\\ hip \\F\\ repair|20240715090000', 'AIP|1||9^O\\S\\Brien^Pat|PS']),
    );
    expect(m.fact.procedure).toEqual({ code: 'K&R', text: 'Knee & hip | repair' });
    expect(m.fact.surgeon).toEqual({ id: '9', name: 'Pat O^Brien' });
    const codeOnly = mustMap(siu([SCH, 'AIS|1||44950|20240715090000']));
    expect(codeOnly.fact.procedure).toEqual({ code: '44950', text: '44950' });
  });

  it('uses EVN-2 for `at` when present, else MSH-7 in the facility zone', () => {
    expect(mustMap(siu([SCH])).fact.at).toBe('2024-07-15T07:30:00-04:00');
    expect(mustMap(siu(['EVN|S12|20240714220000+0000', SCH])).fact.at).toBe('2024-07-14T22:00:00Z');
  });

  it('refuses a message with neither SCH-1 nor SCH-2 as a content error (AE, 101)', () => {
    const r = decodeSiu(siu(['SCH|||x']), OPTIONS);
    expect(r).toMatchObject({
      ok: false,
      problem: {
        kind: 'missing-required-field',
        code: 101,
        disposition: 'error',
        location: { segment: 'SCH', field: 1 },
      },
    });
  });

  it('refuses a non-SIU message with 200', () => {
    const r = decodeSiu('MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5.1\rPID|1', OPTIONS);
    expect(r).toMatchObject({ ok: false, problem: { kind: 'unsupported-message-type', code: 200 } });
  });

  it('falls back to the receive time only when told to, with a warning', () => {
    const noTime = siu([SCH]).replace('20240715073000', '');
    expect(decodeSiu(noTime, OPTIONS)).toMatchObject({ ok: false, problem: { code: 101, location: { field: 7 } } });
    const m = mustMap(noTime, { ...OPTIONS, receivedAt: '2024-07-15T11:00:00Z' });
    expect(m.fact.at).toBe('2024-07-15T11:00:00Z');
    expect(m.warnings).toContain('Neither EVN-2 nor MSH-7 holds a valid date/time; the receive time was used');
  });

  it('completes the fact with source and resolved room', () => {
    const m = mustMap(read('fc-SIU-S12-01.hl7'));
    const fact = toScheduleFact(
      m,
      { kind: 'hl7', id: 'inbox-1', label: 'SIU^S12 MSG00012' },
      { id: 'r1', name: 'OR 1' },
    );
    expect(fact.source.id).toBe('inbox-1');
    expect(fact.room).toEqual({ id: 'r1', name: 'OR 1' });
    expect(fact.identifiers.placerAppointmentId).toBe('12345');
  });
});
