import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeHl7, normalizeSegmentTerminators, type DecodedHl7 } from './hl7.decoder';

const CORPUS = path.resolve(__dirname, '../../../../shared/corpus/hl7v2');

function mustDecode(payload: string | Buffer): DecodedHl7 {
  const r = decodeHl7(payload);
  if (!r.ok) throw new Error(r.problem.text);
  return r.decoded;
}

describe('normalizeSegmentTerminators', () => {
  it('turns LF, CRLF and CR into CR and drops the BOM and empty lines', () => {
    expect(normalizeSegmentTerminators('\uFEFFMSH|a\r\nPID|b\n\nPV1|c\rOBX|d\n')).toBe('MSH|a\rPID|b\rPV1|c\rOBX|d');
  });
});

describe('decodeHl7', () => {
  it('decodes an LF-separated file into segments in order, with 1-based positions', () => {
    const d = mustDecode(readFileSync(path.join(CORPUS, 'siu/fc-SIU-S12-01.hl7')));
    expect(d.text.includes('\n')).toBe(false);
    expect(d.segments.map((s) => s.name).slice(0, 5)).toEqual(['MSH', 'SCH', 'TQ1', 'NTE', 'PID']);
    const pid = d.segments.find((s) => s.name === 'PID');
    expect(pid?.value(3)).toBe('PATID1234');
    expect(pid?.value(3, 4, 2)).toBe('2.16.1');
    expect(pid?.repetitions(3)).toBe(2);
    expect(pid?.value(3, 5, 1, 2)).toBe('SS');
    expect(pid?.value(5, 1, 5)).toBe('Aniston');
    expect(pid?.value(99)).toBe('');
    const ntes = d.segments.filter((s) => s.name === 'NTE');
    expect(ntes.map((s) => s.sequence)).toEqual(ntes.map((_, i) => i + 1));
  });

  it('unescapes \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ (node-hl7-client does)', () => {
    const d = mustDecode('MSH|^~\\&|A|B|C|D|20240101||SIU^S12|1|P|2.5.1\rNTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f');
    expect(d.segments[1]?.value(3)).toBe('a|b^c&d~e\\f');
  });

  it('decodes custom delimiters', () => {
    const d = mustDecode(readFileSync(path.join(CORPUS, 'adt/hapi-segmentfinder_a24-custom-delimiters.hl7')));
    const pid = d.segments.find((s) => s.name === 'PID');
    expect(pid?.value(3)).toBe('11111');
    expect(pid?.value(5, 2)).toBe('JOHN');
  });

  it('repairs the doubled escape character before parsing', () => {
    const d = mustDecode(readFileSync(path.join(CORPUS, 'adt/lfh-sample_win.hl7')));
    expect(d.text.startsWith('MSH|^~\\&|SE050')).toBe(true);
    expect(d.segments.find((s) => s.name === 'PID')?.value(5, 2)).toBe('JOHN');
  });

  it('refuses a header problem and two messages in one frame with typed problems', () => {
    expect(decodeHl7('')).toMatchObject({ ok: false, problem: { kind: 'empty' } });
    const two = 'MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\rPID|1\rMSH|^~\\&|A|B|C|D|1||ADT^A01|2|P|2.5';
    expect(decodeHl7(two)).toMatchObject({ ok: false, problem: { kind: 'unparseable', code: 100 } });
  });
});

describe('control characters in values', () => {
  it('turns NUL, CR and other C0 controls (raw or \\Xhh\\) into spaces, keeping TAB', () => {
    const msg = [
      'MSH|^~\\&|A|B|C|D|20261120120000||SIU^S12^SIU_S12|CTRL-1|P|2.5.1',
      'PID|1||M1^^^H^MR||Doe\\X00\\^Jo\\X0D\\MSH|x\u0001y|a\tb',
    ].join('\r');
    const decoded = decodeHl7(msg);
    if (!decoded.ok) throw new Error(decoded.problem.text);
    const pid = decoded.decoded.segments.find((s) => s.name === 'PID');
    expect(pid?.value(5, 1)).toBe('Doe');
    expect(pid?.value(5, 2)).toBe('Jo MSH');
    expect(pid?.value(6)).toBe('x y');
    expect(pid?.value(7)).toBe('a\tb');
  });
});
