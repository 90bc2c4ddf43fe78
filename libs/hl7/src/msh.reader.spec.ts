import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readMsh, type MshReadResult } from './msh.reader';

const CORPUS = path.resolve(__dirname, '../../../../shared/corpus/hl7v2');
const corpus = (rel: string): Buffer => readFileSync(path.join(CORPUS, rel));

function header(result: MshReadResult) {
  if (!result.ok) throw new Error(`expected a header, got ${JSON.stringify(result.problem)}`);
  return result.header;
}

describe('readMsh', () => {
  it('keeps what an ACK needs when MSH-2 is missing: the fields as written, without delimiters', () => {
    const r = readMsh('MSH||EPIC|GEN|CIRC|OR|20261121||ADT^A01|MSG-9|P|2.5\rPID|1');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.partial).toEqual({
      sendingApplication: 'EPIC',
      sendingFacility: 'GEN',
      receivingApplication: 'CIRC',
      receivingFacility: 'OR',
      controlId: 'MSG-9',
      version: '2.5',
    });
    // A value holding one of the delimiters the ACK is written with is left out, not echoed raw.
    const odd = readMsh('MSH||A^B|GEN|CIRC|OR|20261121||ADT^A01|X|Y|P|2.5');
    expect(odd.ok ? undefined : odd.partial.sendingApplication).toBe('');
  });

  it('reads the header fields of an LF-separated v2.8 SIU', () => {
    const h = header(readMsh(corpus('siu/fc-SIU-S12-01.hl7')));
    expect(h).toEqual({
      encoding: { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' },
      sendingApplication: 'SCHApp',
      sendingFacility: 'GHHSFacility^2.16.840.1.122848.1.30^ISO',
      receivingApplication: 'EHRApp^1.Aux^ISO',
      receivingFacility: 'GHHRFacility^2.16.840.1.1122848.1.32^ISO',
      dateTime: '202109141120+0215',
      messageType: { code: 'SIU', trigger: 'S12', structure: 'SIU_S12' },
      controlId: 'MSG00012',
      processingId: 'P',
      version: '2.8',
      acceptAckType: '',
      applicationAckType: '',
      charset: '',
    });
  });

  it('accepts CR, LF and CRLF terminators and the same header from a string', () => {
    const base = 'MSH|^~\\&|APP|FAC|REC|RFAC|20240101120000||ADT^A01^ADT_A01|CTRL1|P|2.5.1|||AL|NE\rEVN|A01';
    for (const sep of ['\r', '\n', '\r\n']) {
      const text = base.replace('\r', sep);
      for (const input of [text, Buffer.from(text)]) {
        const h = header(readMsh(input));
        expect(h.controlId).toBe('CTRL1');
        expect(h.applicationAckType).toBe('NE');
        expect(h.acceptAckType).toBe('AL');
      }
    }
  });

  it('strips a UTF-8 BOM (Buffer and string)', () => {
    const bom = corpus('adt/fc-ADT01-23.hl7');
    expect(bom.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
    expect(header(readMsh(bom)).messageType.code).toBe('ADT');
    expect(header(readMsh(bom.toString('utf8'))).messageType.trigger).toBe('A01');
  });

  it('uses the sender’s own delimiters (MSH^~|\\&)', () => {
    const h = header(readMsh(corpus('adt/hapi-segmentfinder_a24-custom-delimiters.hl7')));
    expect(h.encoding).toEqual({ field: '^', component: '~', repetition: '|', escape: '\\', subcomponent: '&' });
    expect(h.messageType).toEqual({ code: 'ADT', trigger: 'A24', structure: '' });
    expect(h.controlId).toBe('2003582144');
    expect(h.version).toBe('2.4');
    expect(h.acceptAckType).toBe('AL');
    expect(h.applicationAckType).toBe('AL');
  });

  it('repairs a doubled escape character in MSH-2 (^~\\\\&)', () => {
    const h = header(readMsh(corpus('adt/lfh-sample_win.hl7')));
    expect(h.encoding.escape).toBe('\\');
    expect(h.encoding.subcomponent).toBe('&');
    expect(h.encoding.truncation).toBeUndefined();
    expect(h.controlId).toBe('102');
  });

  it('reads a v2.3 header without message structure and ignores MSH-15/16 garbage', () => {
    const h = header(readMsh(corpus('siu/nhc-corepoint-siu-s14.hl7')));
    expect(h.messageType).toEqual({ code: 'SIU', trigger: 'S14', structure: '' });
    expect(h.version).toBe('2.3');
    // Segments glued with spaces put " EVN" into MSH-15: not a table 0155 value → not valued.
    const glued = header(readMsh(corpus('malformed/nhc-adt-space-separated-segments.hl7')));
    expect(glued.acceptAckType).toBe('');
    expect(glued.controlId).toBe('599102');
  });

  it.each([
    ['malformed/ti-empty.hl7', 'empty', 100, undefined],
    ['malformed/ti-msh_missing_msh-10.hl7', 'missing-required-field', 101, 10],
    ['malformed/ti-msh_missing_msh-9.hl7', 'missing-required-field', 101, 9],
    ['malformed/ti-msh_missing_msh-2.hl7', 'missing-required-field', 101, 2],
    ['malformed/ti-msh_present_but_missing_all_fields.hl7', 'missing-required-field', 101, 2],
  ])('refuses %s as %s (%d)', (file, kind, code, field) => {
    const r = readMsh(corpus(file));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem.kind).toBe(kind);
    expect(r.problem.code).toBe(code);
    expect(r.problem.disposition).toBe('reject');
    expect(r.problem.location?.field).toBe(field);
  });

  it('keeps what it read before the problem, to address the AR', () => {
    const r = readMsh(corpus('malformed/ti-msh_missing_msh-10.hl7'));
    if (r.ok) throw new Error('expected failure');
    expect(r.partial.sendingApplication).toBe('Sender Application^sender.test.com^DNS');
    expect(r.partial.messageType?.trigger).toBe('O01');
    expect(r.partial.version).toBe('2.5.1');
  });

  it('refuses a payload that does not start with MSH, without echoing content', () => {
    const r = readMsh('PID|1||123');
    expect(r).toMatchObject({ ok: false, problem: { kind: 'not-msh', code: 100 } });
    const batch = readMsh(corpus('batch/fc-expected-BundleToHl7v2-FHS-BHS.hl7'));
    expect(batch).toMatchObject({ ok: false, problem: { kind: 'not-msh', text: expect.stringContaining("'FHS'") } });
  });

  it('refuses unusable delimiters', () => {
    expect(readMsh('MSHA^~\\&|x')).toMatchObject({
      ok: false,
      problem: { kind: 'bad-encoding-characters', code: 102 },
    });
    expect(readMsh('MSH|^^\\&|A|B|C|D|1||ADT^A01|1|P|2.5')).toMatchObject({
      ok: false,
      problem: { kind: 'bad-encoding-characters' },
    });
  });

  it('reads every message-level corpus file or refuses it with a typed problem, never throws', () => {
    const dirs = ['adt', 'alarms', 'malformed', 'orm', 'oru', 'siu'];
    let read = 0;
    for (const dir of dirs) {
      for (const file of readdirSync(path.join(CORPUS, dir))) {
        const r = readMsh(corpus(`${dir}/${file}`));
        if (r.ok) {
          read++;
          expect(r.header.controlId).not.toBe('');
          expect(r.header.messageType.code).toMatch(/^[A-Z0-9]{3}$/);
        } else {
          expect(typeof r.problem.code).toBe('number');
        }
      }
    }
    expect(read).toBeGreaterThan(80);
  });

  it('reads control characters of the header as spaces, so an ACK echoing it keeps its MLLP frame', () => {
    const r = readMsh(
      Buffer.from('MSH|^~\\&|AP\u000bP|FAC|REC|RFAC|20240101||ADT^A01|CTRL\u001c|P|2.5.1\rPID|1', 'latin1'),
    );
    const h = header(r);
    expect(h.sendingApplication).toBe('AP P');
    expect(h.controlId).toBe('CTRL ');
    // A TAB is not a control character here (nor in decoded values).
    expect(header(readMsh('MSH|^~\\&|A\tB|F|R|RF|20240101||ADT^A01|C1|P|2.5')).sendingApplication).toBe('A\tB');
  });

  it('unescapes MSH-18: `/` in `8859/1` is written \\R\\ when it is the repetition separator', () => {
    expect(header(readMsh('MSH|^/\\&|A|F|R|RF|20240101||ADT^A01|C1|P|2.5||||||8859\\R\\1/8859\\R\\2')).charset).toBe(
      '8859/1',
    );
    expect(header(readMsh('MSH|^~\\&|A|F|R|RF|20240101||ADT^A01|C1|P|2.5|||||| unicode utf-8 ~8859/1')).charset).toBe(
      'unicode utf-8',
    );
  });
});
