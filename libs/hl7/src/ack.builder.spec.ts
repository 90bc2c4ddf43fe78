import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Message } from 'node-hl7-client';
import {
  ackCodeFor,
  acknowledgmentMode,
  buildAck,
  outcomeFromProblem,
  type AckOptions,
  type AckOutcome,
} from './ack.builder';
import { readMsh, type MshHeader } from './msh.reader';

const CORPUS = path.resolve(__dirname, '../../../../shared/corpus/hl7v2');
const NOW = new Date('2024-07-15T12:00:05Z');
const OPTIONS: AckOptions = { now: NOW, controlId: 'ACK0001', facilityTz: 'America/New_York' };

function mustRead(text: string | Buffer): MshHeader {
  const r = readMsh(text);
  if (!r.ok) throw new Error(r.problem.text);
  return r.header;
}

function mustAck(header: Partial<MshHeader>, outcome: AckOutcome, options = OPTIONS): string {
  const ack = buildAck(header, outcome, options);
  if (ack === null) throw new Error('expected an ACK');
  return ack;
}

/** The oracle: node-hl7-client parses what we wrote. */
function parse(ack: string): Message {
  return new Message({ text: ack });
}

const SIMPLE =
  'MSH|^~\\&|SENDAPP|SENDFAC^1.2.3^ISO|RECAPP|RECFAC|20240715075900||SIU^S12^SIU_S12|MSG-42|P|2.5.1\rSCH|1|2';

describe('buildAck (original mode)', () => {
  it('swaps sender and receiver, echoes MSH-10 and version, stamps our id and time', () => {
    const ack = mustAck(mustRead(SIMPLE), { code: 'accept' });
    expect(ack).toBe(
      'MSH|^~\\&|RECAPP|RECFAC|SENDAPP|SENDFAC^1.2.3^ISO|20240715080005-0400||ACK^S12^ACK|ACK0001|P|2.5.1\rMSA|AA|MSG-42',
    );
    const m = parse(ack);
    expect(m.get('MSH.3').toString()).toBe('RECAPP');
    expect(m.get('MSH.5').toString()).toBe('SENDAPP');
    expect(m.get('MSH.6.2').toString()).toBe('1.2.3');
    expect(m.get('MSH.9.1').toString()).toBe('ACK');
    expect(m.get('MSH.9.2').toString()).toBe('S12');
    expect(m.get('MSH.9.3').toString()).toBe('ACK');
    expect(m.get('MSH.10').toString()).toBe('ACK0001');
    expect(m.get('MSH.12').toString()).toBe('2.5.1');
    expect(m.get('MSA.1').toString()).toBe('AA');
    expect(m.get('MSA.2').toString()).toBe('MSG-42');
    expect(m.totalSegment('ERR')).toBe(0);
  });

  it('writes AE with an ERR segment: location, table 0357 code, severity and escaped text', () => {
    const text = 'Bad | value ^ with ~ all & delimiters \\ and\na newline';
    const ack = mustAck(mustRead(SIMPLE), {
      code: 'error',
      error: { code: 101, text, location: { segment: 'SCH', sequence: 1, field: 1 } },
    });
    const m = parse(ack);
    expect(m.get('MSA.1').toString()).toBe('AE');
    expect(m.get('MSA.2').toString()).toBe('MSG-42');
    expect(m.get('ERR.2.1').toString()).toBe('SCH');
    expect(m.get('ERR.2.2').toString()).toBe('1');
    expect(m.get('ERR.2.3').toString()).toBe('1');
    expect(m.get('ERR.3.1').toString()).toBe('101');
    expect(m.get('ERR.3.2').toString()).toBe('Required field missing');
    expect(m.get('ERR.3.3').toString()).toBe('HL70357');
    expect(m.get('ERR.4').toString()).toBe('E');
    expect(m.get('ERR.8').toString()).toBe(text.replace('\n', ' '));
    expect(ack.split('\r')).toHaveLength(3);
    expect(ack).toContain('\\F\\');
  });

  it('defaults an error without details to 207 application internal error', () => {
    const m = parse(mustAck(mustRead(SIMPLE), { code: 'reject' }));
    expect(m.get('MSA.1').toString()).toBe('AR');
    expect(m.get('ERR.3.1').toString()).toBe('207');
  });

  it('answers in the sender’s own delimiters (MSH^~|\\&) and version', () => {
    const header = mustRead(readFileSync(path.join(CORPUS, 'adt/hapi-segmentfinder_a24-custom-delimiters.hl7')));
    // This sample asks for enhanced mode (MSH-15 = AL): the commit ack CA.
    const ack = mustAck(header, { code: 'accept' });
    expect(ack.startsWith('MSH^~|\\&^')).toBe(true);
    const m = parse(ack);
    expect(m.get('MSH.9.1').toString()).toBe('ACK');
    expect(m.get('MSH.9.2').toString()).toBe('A24');
    expect(m.get('MSH.12').toString()).toBe('2.4');
    expect(m.get('MSA.1').toString()).toBe('CA');
    expect(m.get('MSA.2').toString()).toBe('2003582144');
    expect(m.get('MSH.15').toString()).toBe('NE');
  });

  it('writes the pre-2.5 ERR-1 (ELD) and MSA-3 for a v2.3 sender', () => {
    const header = mustRead(readFileSync(path.join(CORPUS, 'siu/nhc-corepoint-siu-s14.hl7')));
    const ack = mustAck(header, {
      code: 'reject',
      error: { code: 201, text: 'S14 not accepted here', location: { segment: 'MSH', field: 9 } },
    });
    const m = parse(ack);
    expect(m.get('MSH.12').toString()).toBe('2.3');
    expect(m.get('MSA.1').toString()).toBe('AR');
    expect(m.get('MSA.2').toString()).toBe('20080306953450');
    expect(m.get('MSA.3').toString()).toBe('S14 not accepted here');
    expect(m.get('ERR.1.1').toString()).toBe('MSH');
    expect(m.get('ERR.1.3').toString()).toBe('9');
    expect(m.get('ERR.1.4.1').toString()).toBe('201');
    expect(m.get('ERR.1.4.2').toString()).toBe('Unsupported event code');
    expect(m.get('ERR.2').toString()).toBe('');
  });

  it('answers an unreadable message with an AR built from what could be read', () => {
    const r = readMsh(readFileSync(path.join(CORPUS, 'malformed/ti-msh_missing_msh-10.hl7')));
    if (r.ok) throw new Error('expected failure');
    const m = parse(mustAck(r.partial, outcomeFromProblem(r.problem)));
    expect(m.get('MSA.1').toString()).toBe('AR');
    expect(m.get('MSA.2').toString()).toBe('');
    expect(m.get('ERR.2.3').toString()).toBe('10');
    expect(m.get('ERR.3.1').toString()).toBe('101');
    expect(m.get('MSH.5').toString()).toBe('Sender Application');
    expect(m.get('MSH.11').toString()).toBe('D');

    const none = readMsh('');
    if (none.ok) throw new Error('expected failure');
    const bare = parse(mustAck(none.partial, outcomeFromProblem(none.problem), { ...OPTIONS, application: 'CIRC' }));
    expect(bare.get('MSH.3').toString()).toBe('CIRC');
    expect(bare.get('MSH.12').toString()).toBe('2.5.1');
    expect(bare.get('MSA.1').toString()).toBe('AR');
    expect(bare.get('ERR.3.1').toString()).toBe('100');
  });

  it('builds a parseable AA for every readable corpus message, and an AR for every unreadable one', () => {
    let checked = 0;
    for (const dir of ['adt', 'alarms', 'malformed', 'orm', 'oru', 'siu']) {
      for (const file of readdirSync(path.join(CORPUS, dir))) {
        const r = readMsh(readFileSync(path.join(CORPUS, dir, file)));
        const header = r.ok ? r.header : r.partial;
        const outcome: AckOutcome = r.ok ? { code: 'accept' } : outcomeFromProblem(r.problem);
        const ack = buildAck(header, outcome, OPTIONS);
        if (ack === null) {
          expect(header.acceptAckType).toMatch(/NE|ER/);
          continue;
        }
        const m = parse(ack);
        const expected = ackCodeFor(header, outcome.code);
        expect({ file, code: m.get('MSA.1').toString() }).toEqual({ file, code: expected });
        expect(m.get('MSA.2').toString()).toBe(header.controlId ?? '');
        expect(m.get('MSH.9.1').toString()).toBe('ACK');
        expect(m.get('MSH.9.2').toString()).toBe(header.messageType?.trigger ?? '');
        expect(m.get('MSH.12').toString()).toBe(/^\d+(\.\d+)*$/.test(header.version ?? '') ? header.version : '2.5.1');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(90);
  });
});

describe('enhanced acknowledgment mode (HL7 v2.5.1 §2.9.3)', () => {
  const withAcks = (accept: string, app: string): MshHeader =>
    mustRead(`MSH|^~\\&|A|B|C|D|20240101||ADT^A01|X1|P|2.5.1|||${accept}|${app}`);

  it('is original mode unless MSH-15 or MSH-16 is valued', () => {
    expect(acknowledgmentMode(withAcks('', ''))).toBe('original');
    expect(acknowledgmentMode(withAcks('AL', ''))).toBe('enhanced');
    expect(acknowledgmentMode(withAcks('', 'NE'))).toBe('enhanced');
  });

  it.each([
    // MSH-15, MSH-16, accept, error, reject
    ['AL', 'NE', 'CA', 'CE', 'CR'],
    ['NE', 'NE', null, null, null],
    ['NE', 'AL', null, 'AE', 'AR'],
    ['NE', 'ER', null, 'AE', 'AR'],
    ['ER', 'NE', null, 'CE', 'CR'],
    ['SU', 'NE', 'CA', null, null],
    ['SU', 'ER', 'CA', 'AE', 'AR'],
    ['', 'AL', 'CA', 'CE', 'CR'],
    ['', '', 'AA', 'AE', 'AR'],
  ])('MSH-15=%s MSH-16=%s → %s / %s / %s', (accept, app, onAccept, onError, onReject) => {
    const header = withAcks(accept, app);
    const codes = (['accept', 'error', 'reject'] as const).map((code) => {
      const ack = buildAck(header, code === 'accept' ? { code } : { code, error: { code: 207, text: 'x' } }, OPTIONS);
      return ack === null ? null : parse(ack).get('MSA.1').toString();
    });
    expect(codes).toEqual([onAccept, onError, onReject]);
  });

  it('marks enhanced-mode ACKs as not to be acknowledged (MSH-15/16 = NE)', () => {
    const ack = mustAck(withAcks('AL', 'AL'), { code: 'accept' });
    const m = parse(ack);
    expect(m.get('MSA.1').toString()).toBe('CA');
    expect(m.get('MSH.15').toString()).toBe('NE');
    expect(m.get('MSH.16').toString()).toBe('NE');
  });
});
