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

describe('character sets (MSH-18)', () => {
  const msh = (charset: string): string => `MSH|^~\\&|A|B|C|D|20261120||ADT^A08|C1|P|2.5.1||||||${charset}`;

  it('reads 8859/1 as ISO 8859-1 and 8859/n, GB 18030, KS X 1001, Big5 through TextDecoder', () => {
    const cases: [string, Buffer, string, string][] = [
      ['8859/1', Buffer.of(0x63, 0x61, 0x66, 0xe9), 'café', 'ISO-8859-1'],
      ['8859/2', Buffer.of(0xa3, 0xf3, 0x64, 0xbc), 'Łódź', 'iso-8859-2'],
      ['8859/5', Buffer.of(0xbc, 0xde, 0xe1, 0xda, 0xd2, 0xd0), 'Москва', 'iso-8859-5'],
      ['8859/7', Buffer.of(0xc1, 0xe8, 0xde, 0xed, 0xe1), 'Αθήνα', 'iso-8859-7'],
      ['8859/15', Buffer.of(0xa4), '€', 'iso-8859-15'],
      ['GB 18030-2000', Buffer.of(0xb1, 0xb1, 0xbe, 0xa9), '北京', 'gb18030'],
      ['KS X 1001', Buffer.of(0xbc, 0xad, 0xbf, 0xef), '서울', 'euc-kr'],
      ['BIG-5', Buffer.of(0xa5, 0x78, 0xa5, 0x5f), '台北', 'big5'],
    ];
    for (const [charset, bytes, text, name] of cases) {
      const payload = Buffer.concat([Buffer.from(`${msh(charset)}\rPID|1||7||`), bytes]);
      const d = mustDecode(payload);
      expect({ charset, value: d.segments[1]?.value(5), name: d.charset, warnings: d.warnings }).toEqual({
        charset,
        value: text,
        name,
        warnings: [],
      });
    }
  });

  it('reads \\X…\\ bytes in the message character set', () => {
    const d = mustDecode(Buffer.from(`${msh('8859/2')}\rNTE|1||\\XA3\\\\XF3\\d\\XBC\\`, 'latin1'));
    expect(d.segments[1]?.value(3)).toBe('Łódź');
    expect(mustDecode(`${msh('UNICODE UTF-8')}\rNTE|1||a\\X\\b`).segments[1]?.value(3)).toBe('ab');
  });

  it('reads undeclared bytes as UTF-8, or as ISO 8859-1 with a warning when they are not UTF-8', () => {
    const utf8 = mustDecode(Buffer.from(`${msh('')}\rPID|1||7||Zoë`, 'utf8'));
    expect([utf8.segments[1]?.value(5), utf8.charset, utf8.warnings]).toEqual(['Zoë', 'UTF-8', []]);
    const latin1 = mustDecode(Buffer.from(`${msh('ASCII')}\rPID|1||7||Zoë`, 'latin1'));
    expect([latin1.segments[1]?.value(5), latin1.charset]).toEqual(['Zoë', 'ISO-8859-1']);
    expect(latin1.warnings).toEqual(['the bytes are not valid UTF-8: read as ISO 8859-1']);
  });

  it('reads declared UTF-8 as declared, flagging bytes that are not', () => {
    const d = mustDecode(Buffer.from(`${msh('UNICODE UTF-8')}\rPID|1||7||Zoë`, 'latin1'));
    expect(d.segments[1]?.value(5)).toBe('Zo\uFFFD');
    expect(d.warnings).toEqual(['bytes that are not valid UTF-8 were read as U+FFFD']);
  });

  it('reads an unknown character set as undeclared, with a warning naming it', () => {
    const d = mustDecode(Buffer.from(`${msh('EBCDIC-37')}\rPID|1||7||Zoë`, 'utf8'));
    expect(d.segments[1]?.value(5)).toBe('Zoë');
    expect(d.warnings).toEqual(["MSH-18 'EBCDIC-37' is not a supported character set"]);
  });

  it('takes a string payload as already decoded text (its MSH-18 only decides \\X…\\)', () => {
    const d = mustDecode(`${msh('8859/2')}\rNTE|1||Łódź \\XA3\\`);
    expect([d.segments[1]?.value(3), d.charset]).toEqual(['Łódź Ł', 'text']);
  });
});

describe('segments and repetitions', () => {
  it('keeps unknown Z-segments, in order, wherever they are, with their own counts', () => {
    const d = mustDecode(
      [
        'MSH|^~\\&|A|B|C|D|20261120||ORU^R01|C1|P|2.5.1',
        'ZAA|first|x^y~z',
        'PID|1||7',
        'ZAA|second',
        'Z01|digits&sub',
        'OBX|1|NM|8867-4^HR^LN||72',
        'ZZZ',
      ].join('\n'),
    );
    expect(d.segments.map((s) => `${s.name}:${s.sequence}`)).toEqual([
      'MSH:1',
      'ZAA:1',
      'PID:1',
      'ZAA:2',
      'Z01:1',
      'OBX:1',
      'ZZZ:1',
    ]);
    expect(d.segments[1]?.value(2, 2)).toBe('y');
    expect(d.segments[1]?.value(2, 1, 1, 2)).toBe('z');
    expect(d.segments[3]?.value(1)).toBe('second');
    expect(d.segments[4]?.value(1, 1, 2)).toBe('sub');
    expect(d.segments[6]?.value(1)).toBe('');
  });

  it('counts occurrences per segment id past 16 distinct ids (hostile input) and 100,000 segments', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `Z${String(i).padStart(2, '0')}`);
    const body = Array.from({ length: 100_000 }, (_, i) => `${ids[i % ids.length] ?? 'ZZZ'}|${i}`);
    const d = mustDecode(['MSH|^~\\&|A|B|C|D|20261120||ADT^A08|C1|P|2.5.1', ...body].join('\r'));
    expect(d.segments).toHaveLength(100_001);
    const last = d.segments[100_000];
    expect([last?.name, last?.sequence, last?.value(1)]).toEqual(['Z39', 2_500, '99999']);
    expect(d.segments[17]?.sequence).toBe(1);
    expect(d.segments[57]?.sequence).toBe(2);
  });

  it('walks 200,000 repetitions of one field in order (each read after the first is O(1))', () => {
    const count = 200_000;
    const field = Array.from({ length: count }, (_, i) => `${i}^c${i}`).join('~');
    const d = mustDecode(`MSH|^~\\&|A|B|C|D|20261120||ADT^A08|C1|P|2.5.1\rPID|1||${field}`);
    const pid = d.segments[1];
    let sum = 0;
    for (let r = 1; r <= (pid?.repetitions(3) ?? 0); r++) sum += Number(pid?.value(3, 1, 1, r));
    expect(sum).toBe((count * (count - 1)) / 2);
    expect(pid?.value(3, 2, 1, count)).toBe(`c${count - 1}`);
    expect(pid?.value(3, 1, 1, count + 1)).toBe('');
  });

  it('reads the same field twice in a row, and other fields between, consistently', () => {
    const d = mustDecode('MSH|^~\\&|A|B|C|D|20261120||ADT^A08|C1|P|2.5.1\rPV1|1|I|OR1^^^H~OR2');
    const pv1 = d.segments[1];
    expect([pv1?.value(3, 1), pv1?.value(3, 4), pv1?.value(2), pv1?.value(3, 1, 1, 2), pv1?.value(3)]).toEqual([
      'OR1',
      'H',
      'I',
      'OR2',
      'OR1',
    ]);
    expect([pv1?.value(0), pv1?.value(-1), pv1?.value(1.5), pv1?.value(3, 0), pv1?.value(3, 1, 1, 0)]).toEqual([
      '',
      '',
      '',
      '',
      '',
    ]);
  });
});
