import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Batch, FileBatch, Message } from 'node-hl7-client';
import { buildAck } from './ack.builder';
import { buildBatchAck, isHl7Batch, splitHl7Batch } from './hl7.batch';
import { decodeHl7, type DecodedHl7 } from './hl7.decoder';
import { MllpDeframer } from './mllp.deframer';
import { frame } from './mllp.framing';

const CORPUS = path.resolve(__dirname, '../../../../shared/corpus/hl7v2');
const BATCH_DIR = path.join(CORPUS, 'batch');

/**
 * What SOURCES.md says of each batch file, and what follows from it: the message count (its "Facts",
 * or its note where the facts give none), the envelope, and the problems the file must raise.
 */
const FACTS: Readonly<
  Record<string, { messages: number; envelope: boolean; problems: RegExp[]; refusedByHeader?: number }>
> = {
  'dex-GenV1_Batch_No_headers_twoMSH.hl7': { messages: 2, envelope: false, problems: [] },
  'dex-phlip-flu-5-messages.hl7': { messages: 5, envelope: false, problems: [] },
  // FHS/BHS … BTS|1 FTS|1 around two messages: BTS-1 is wrong as published.
  'fc-expected-BundleToHl7v2-FHS-BHS.hl7': {
    messages: 2,
    envelope: true,
    problems: [/^BTS-1 of batch 1 counts 1 messages, 2 found$/],
  },
  // Two of the 13 lack MSH-10: split, but refused by the header reader (AR each).
  'hapi-example_oml_o21-13-messages.hl7': { messages: 13, envelope: false, problems: [], refusedByHeader: 2 },
  // `/* */` and `//` comment lines between and around the messages.
  'hapi-util-messages-with-comments.txt': {
    messages: 18,
    envelope: false,
    problems: [/^16 line\(s\) that are not HL7 segments were skipped \(line 1, 2, 3, 12, 25, /],
  },
  'nhc-mieweb-dft-2-messages.hl7': { messages: 2, envelope: false, problems: [] },
  // "FHS/BHS header around one ORU^R01 … with NO BTS/FTS trailers".
  'ti-AL_ORU_R01_NBS-FHS-BHS.hl7': {
    messages: 1,
    envelope: true,
    problems: [/^batch 1 has no BTS$/, /^the file has no FTS$/],
  },
};

/** SOURCES.md's line for a batch file. */
function sourcesLine(file: string): string {
  const sources = readFileSync(path.resolve(CORPUS, '../SOURCES.md'), 'utf8');
  const line = sources.split('\n').find((l) => l.startsWith(`- \`hl7v2/batch/${file}\``));
  if (line === undefined) throw new Error(`SOURCES.md does not describe ${file}`);
  return line;
}

function mustDecode(payload: Buffer | string): DecodedHl7 {
  const r = decodeHl7(payload);
  if (!r.ok) throw new Error(`${r.problem.kind}: ${r.problem.text}`);
  return r.decoded;
}

/** A message's text as node-hl7-client splits it: trimmed, CR-separated, blank lines dropped. */
function normalized(text: string): string {
  return text
    .split(/\r\n|\n|\r/)
    .filter((l) => l.trim() !== '')
    .join('\r');
}

describe('splitHl7Batch on the corpus (SOURCES.md facts)', () => {
  const files = readdirSync(BATCH_DIR).sort();

  it('knows every file of corpus/hl7v2/batch, and agrees with SOURCES.md on each count it states', () => {
    expect(files).toEqual(Object.keys(FACTS).sort());
    let stated = 0;
    for (const file of files) {
      const count = /_Facts: [^_]*?; (\d+) messages;/.exec(sourcesLine(file))?.[1];
      if (count === undefined) continue;
      expect({ file, count: Number(count) }).toEqual({ file, count: FACTS[file]?.messages });
      stated++;
    }
    // Six files state their count in their facts; the seventh says it in its note.
    expect(stated).toBe(6);
    expect(sourcesLine('ti-AL_ORU_R01_NBS-FHS-BHS.hl7')).toMatch(/around one ORU\^R01/);
  });

  it.each(Object.entries(FACTS))('%s splits as documented, every message decodes', (file, facts) => {
    const bytes = readFileSync(path.join(BATCH_DIR, file));
    expect(isHl7Batch(bytes)).toBe(true);
    const split = splitHl7Batch(bytes);
    expect(split.messages).toHaveLength(facts.messages);
    expect(split.header !== undefined).toBe(facts.envelope);
    expect(split.problems).toHaveLength(facts.problems.length);
    facts.problems.forEach((p, i) => expect(split.problems[i]).toMatch(p));

    let refused = 0;
    for (const message of split.messages) {
      // Each message is its own bytes, found as-is in the payload, and a single message.
      expect(bytes.includes(message)).toBe(true);
      expect(message.subarray(0, 3).toString()).toBe('MSH');
      expect(isHl7Batch(message)).toBe(false);
      const r = decodeHl7(message);
      if (!r.ok) {
        expect(r.problem).toMatchObject({ kind: 'missing-required-field', location: { field: 10 } });
        refused++;
        continue;
      }
      expect(r.decoded.segments[0]?.name).toBe('MSH');
      expect(r.decoded.segments.filter((s) => s.name === 'MSH')).toHaveLength(1);
      expect(r.decoded.segments.some((s) => ['FHS', 'BHS', 'BTS', 'FTS'].includes(s.name))).toBe(false);
    }
    expect(refused).toBe(facts.refusedByHeader ?? 0);
  });

  it.each(Object.keys(FACTS).filter((f) => !f.startsWith('hapi-util')))(
    '%s splits into the same messages as node-hl7-client (Batch / FileBatch)',
    (file) => {
      const text = readFileSync(path.join(BATCH_DIR, file), 'utf8');
      const oracle = text.startsWith('FHS') ? new FileBatch({ text }) : new Batch({ text });
      const theirs = oracle.messages().map((m: Message) => normalized(m.toString()));
      const ours = splitHl7Batch(text).messages.map((m) => normalized(m.toString('utf8')));
      expect(ours).toEqual(theirs);
    },
  );

  it('drops the comment lines of the hapi sample but keeps every segment of its 18 messages', () => {
    const bytes = readFileSync(path.join(BATCH_DIR, 'hapi-util-messages-with-comments.txt'));
    const segmentLines = bytes
      .toString('utf8')
      .split('\n')
      .filter((l) => /^[A-Z][A-Z0-9]{2}\|/.test(l));
    const split = splitHl7Batch(bytes);
    const decoded = split.messages.map((m) => mustDecode(m));
    expect(decoded.reduce((n, d) => n + d.segments.length, 0)).toBe(segmentLines.length);
    // The v2.1 messages with MSH-2 `^~\}` (sub-component `}`) and `^~}` (escape `}`, default `&`).
    expect(decoded[1]?.header.encoding.subcomponent).toBe('}');
    expect(decoded[3]?.header.encoding.escape).toBe('}');
    expect(split.messages.some((m) => m.includes('//') || m.includes('/*'))).toBe(false);
  });
});

const A =
  'MSH|^~\\&|LAB|H|CIRC|OR|20261120101500||ORU^R01^ORU_R01|M1|P|2.5.1\rPID|1||111^^^H^MR\rOBX|1|NM|8867-4^HR^LN||72';
const B = 'MSH|^~\\&|LAB|H|CIRC|OR|20261120101501||ADT^A08^ADT_A01|M2|P|2.5.1\rPID|1||222^^^H^MR\rZPI|custom|kept';
const C = 'MSH|^~\\&|LAB|H|CIRC|OR|20261120101502||SIU^S12^SIU_S12|M3|P|2.5.1\rSCH|P1|F1';
const FHS = 'FHS|^~\\&|LAB|H|CIRC|OR|20261120101500||||F-77';
const BHS = 'BHS|^~\\&|LAB|H|CIRC|OR|20261120101500||||B-42';

function batch(...lines: string[]): string {
  return lines.join('\r');
}

describe('splitHl7Batch: envelope and counts', () => {
  it('splits FHS/BHS/…/BTS/FTS carried in one MLLP frame, with no problem when the counts hold', () => {
    const payload = batch(FHS, BHS, A, B, C, 'BTS|3', 'FTS|1');
    const [framed] = new MllpDeframer().push(frame(payload)).frames;
    if (framed === undefined) throw new Error('no frame');
    expect(isHl7Batch(framed)).toBe(true);
    const split = splitHl7Batch(framed);
    expect(split.problems).toEqual([]);
    expect(split.header).toEqual({ fhs: FHS, bhs: BHS });
    expect(split.messages.map((m) => m.toString('utf8'))).toEqual([`${A}\r`, `${B}\r`, `${C}\r`]);
    expect(split.messages.map((m) => mustDecode(m).header.controlId)).toEqual(['M1', 'M2', 'M3']);
    // The Z-segment stays in its message.
    expect(mustDecode(split.messages[1] ?? '').segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'ZPI']);
  });

  it('reads the same messages from an uploaded file (LF or CRLF, BOM) as from the frame', () => {
    const lf = Buffer.from(`\uFEFF${batch(FHS, BHS, A, B, C, 'BTS|3', 'FTS|1').replace(/\r/g, '\n')}\n`, 'utf8');
    const crlf = Buffer.from(batch(FHS, BHS, A, B, C, 'BTS|3', 'FTS|1').replace(/\r/g, '\r\n'), 'utf8');
    for (const file of [lf, crlf]) {
      const split = splitHl7Batch(file);
      expect(split.problems).toEqual([]);
      expect(split.header?.bhs).toBe(BHS);
      expect(split.messages.map((m) => mustDecode(m).text)).toEqual([A, B, C]);
    }
    // Own bytes: each CRLF message keeps its CRLF terminators, the last one included.
    expect(splitHl7Batch(crlf).messages[2]?.toString('utf8')).toBe(`${C.replace(/\r/g, '\r\n')}\r\n`);
  });

  it('reports a BTS-1 or FTS-1 count that does not match, and a count that is not a number', () => {
    expect(splitHl7Batch(batch(BHS, A, B, C, 'BTS|2')).problems).toEqual([
      'BTS-1 of batch 1 counts 2 messages, 3 found',
    ]);
    expect(splitHl7Batch(batch(FHS, BHS, A, 'BTS|1', 'FTS|2')).problems).toEqual(['FTS-1 counts 2 batches, 1 found']);
    expect(splitHl7Batch(batch(FHS, A, B, 'FTS|3')).problems).toEqual(['FTS-1 counts 3 messages, 2 found']);
    expect(splitHl7Batch(batch(BHS, A, 'BTS|one')).problems).toEqual(["BTS-1 of batch 1 'one' is not a count"]);
    // BTS-1 is optional: empty means not checked.
    expect(splitHl7Batch(batch(BHS, A, 'BTS||comment')).problems).toEqual([]);
    expect(splitHl7Batch(batch(BHS, A, 'BTS')).problems).toEqual([]);
  });

  it('splits several batches of one file and checks each BTS-1', () => {
    const split = splitHl7Batch(batch(FHS, BHS, A, B, 'BTS|2', 'BHS|^~\\&|X', C, 'BTS|1', 'FTS|2'));
    expect(split.problems).toEqual([]);
    expect(split.messages).toHaveLength(3);
    expect(split.header).toEqual({ fhs: FHS, bhs: BHS });
    expect(splitHl7Batch(batch(BHS, A, 'BTS|1', 'BHS|^~\\&|X', B, C, 'BTS|1')).problems).toEqual([
      'BTS-1 of batch 2 counts 1 messages, 2 found',
    ]);
  });

  it('reports missing trailers, trailers without headers, stray segments, and skipped text', () => {
    expect(splitHl7Batch(batch(FHS, BHS, A)).problems).toEqual(['batch 1 has no BTS', 'the file has no FTS']);
    expect(splitHl7Batch(batch(A, B, 'BTS|2')).problems).toEqual(['line 7: a BTS without a BHS']);
    const stray = splitHl7Batch(batch(BHS, 'PID|1||999', A, 'BTS|1', 'NTE|1||after', 'junk text'));
    expect(stray.messages).toHaveLength(1);
    expect(stray.problems).toEqual([
      'line 2: a PID segment outside any message was skipped',
      'line 7: a NTE segment outside any message was skipped',
      '1 line(s) that are not HL7 segments were skipped (line 8)',
    ]);
    expect(splitHl7Batch(batch(FHS, A, 'FTS|1', FHS)).problems).toEqual([
      'line 6: a second FHS, or an FHS after messages, was ignored',
    ]);
  });

  it('keeps a non-segment line inside a message, drops one after its last segment', () => {
    const wrapped = batch(
      'MSH|^~\\&|A|B|C|D|1||MDM^T02|W1|P|2.5',
      'OBX|1|TX|||line one',
      'continued text',
      'NTE|1||x',
      '// note',
    );
    const split = splitHl7Batch(batch(wrapped, A));
    expect(split.messages[0]?.toString('utf8')).toBe(`${wrapped.slice(0, wrapped.lastIndexOf('\r'))}\r`);
    expect(split.problems).toEqual(['1 line(s) that are not HL7 segments were skipped (line 5)']);
  });

  it('ignores MLLP block bytes left in a captured file and blank runs between messages', () => {
    const captured = Buffer.concat([
      Buffer.of(0x0b),
      Buffer.from(A),
      Buffer.of(0x1c, 0x0d, 0x0b),
      Buffer.from(B),
      Buffer.of(0x1c, 0x0d, 0x0d, 0x0d),
    ]);
    const split = splitHl7Batch(captured);
    expect(split.messages.map((m) => mustDecode(m).header.controlId)).toEqual(['M1', 'M2']);
    expect(split.problems).toEqual([]);
  });

  it('keeps bytes as they are: an ISO 8859-1 message is not re-encoded', () => {
    const latin1 = Buffer.from(`${A.replace('2.5.1', '2.5.1||||||8859/1')}\rNTE|1||café`, 'latin1');
    const split = splitHl7Batch(Buffer.concat([latin1, Buffer.from('\r'), Buffer.from(B)]));
    expect(split.messages[0]?.includes(Buffer.of(0x63, 0x61, 0x66, 0xe9))).toBe(true);
    expect(mustDecode(split.messages[0] ?? '').segments[3]?.value(3)).toBe('café');
  });

  it('splits a large batch (5,000 messages) in one pass', () => {
    const many = Array.from({ length: 5_000 }, (_, i) => A.replace('|M1|', `|M${i}|`));
    const split = splitHl7Batch(batch(BHS, ...many, 'BTS|5000'));
    expect(split.problems).toEqual([]);
    expect(split.messages).toHaveLength(5_000);
    expect(mustDecode(split.messages[4_999] ?? '').header.controlId).toBe('M4999');
  });

  it('keeps its report bounded on hostile input (200,000 stray segments and text lines)', () => {
    const stray = Array.from({ length: 200_000 }, (_, i) => `NTE|${i}`);
    const text = Array.from({ length: 200_000 }, () => 'not hl7');
    const split = splitHl7Batch([stray.join('\r'), A, text.join('\r'), B].join('\r'));
    expect(split.messages.map((m) => mustDecode(m).header.controlId)).toEqual(['M1', 'M2']);
    expect(split.problems).toHaveLength(52);
    expect(split.problems[50]).toBe('199950 more problem(s) not listed');
    expect(split.problems[51]).toBe(
      '200000 line(s) that are not HL7 segments were skipped (line 200004, 200005, 200006, 200007, 200008, 200009, 200010, 200011, 200012, 200013, …)',
    );
  });

  it('returns nothing, without throwing, for an empty payload or plain text', () => {
    expect(splitHl7Batch('')).toEqual({ messages: [], problems: [] });
    expect(splitHl7Batch('hello\nworld')).toEqual({
      messages: [],
      problems: ['2 line(s) that are not HL7 segments were skipped (line 1, 2)'],
    });
  });
});

describe('isHl7Batch', () => {
  it('is true for an FHS or BHS start and for several MSH, false for one message', () => {
    expect(isHl7Batch(batch(FHS, A))).toBe(true);
    expect(isHl7Batch(batch(BHS, A))).toBe(true);
    expect(isHl7Batch(`\uFEFF${batch(BHS, A)}`)).toBe(true);
    expect(isHl7Batch(batch(A, B))).toBe(true);
    expect(isHl7Batch(`${A}\n${B}`)).toBe(true);
    expect(isHl7Batch(A)).toBe(false);
    expect(isHl7Batch(`${A.replace(/\r/g, '\n')}\n`)).toBe(false);
    expect(isHl7Batch(Buffer.from(A))).toBe(false);
    // `MSH` inside a field is not a segment; a segment id starting with MSH but longer is not MSH.
    expect(isHl7Batch(`${A}\rNTE|1||see MSH|^~\\&|`)).toBe(false);
    expect(isHl7Batch(`${A}\rMSHX|1`)).toBe(false);
    expect(isHl7Batch('')).toBe(false);
  });
});

describe('buildBatchAck (HL7 v2.5.1 §2.10.3: a batch is acknowledged by a batch of ACKs)', () => {
  const now = new Date('2026-11-20T09:15:00Z');

  it('answers a file batch with FHS/BHS, one ACK per message, BTS-1 = ACK count, FTS', () => {
    const split = splitHl7Batch(batch(FHS, BHS, A, B, C, 'BTS|3', 'FTS|1'));
    const acks = split.messages.map((m, i) => {
      const decoded = mustDecode(m);
      const ack = buildAck(decoded.header, i === 1 ? { code: 'error' } : { code: 'accept' }, {
        now,
        controlId: `ACK${i}`,
        facilityTz: 'Europe/Paris',
      });
      if (ack === null) throw new Error('original mode always acknowledges');
      return ack;
    });
    const answer = buildBatchAck(split.header, acks, { now, controlId: 'BA-1', facilityTz: 'Europe/Paris' });
    const lines = answer.split('\r');
    expect(lines[0]).toBe('FHS|^~\\&|CIRC|OR|LAB|H|20261120101500+0100||||BA-1|F-77');
    expect(lines[1]).toBe('BHS|^~\\&|CIRC|OR|LAB|H|20261120101500+0100||||BA-1|B-42');
    expect(lines.slice(-2)).toEqual(['BTS|3', 'FTS|1']);

    // It is itself a batch: it splits into the ACKs, each answering its message by MSH-10.
    const back = splitHl7Batch(answer);
    expect(back.problems).toEqual([]);
    expect(back.messages.map((m) => m.toString('utf8').replace(/\r$/, ''))).toEqual(acks);
    const msa = back.messages.map((m) => mustDecode(m).segments.find((s) => s.name === 'MSA'));
    expect(msa.map((s) => [s?.value(1), s?.value(2)])).toEqual([
      ['AA', 'M1'],
      ['AE', 'M2'],
      ['AA', 'M3'],
    ]);
    // node-hl7-client reads it as a file batch too.
    expect(new FileBatch({ text: answer }).messages()).toHaveLength(3);
  });

  it('answers a header-less concatenation with a BHS/BTS batch, and an empty list with an empty batch', () => {
    const answer = buildBatchAck(undefined, ['MSH|^~\\&|X||||1||ACK^A01^ACK|A1|P|2.5.1\rMSA|AA|M1'], {
      now,
      controlId: 'BA-2',
      facilityTz: 'UTC',
    });
    expect(answer.split('\r')[0]).toBe('BHS|^~\\&|CIRCULATOR||||20261120091500+0000||||BA-2|');
    expect(answer.endsWith('\rBTS|1')).toBe(true);
    expect(
      buildBatchAck(splitHl7Batch(batch(BHS, 'BTS|0')).header, [], { now, controlId: 'E', facilityTz: 'UTC' }),
    ).toBe('BHS|^~\\&|CIRC|OR|LAB|H|20261120091500+0000||||E|B-42\rBTS|0');
  });

  it("uses the batch's own delimiters and escapes what could break them", () => {
    const header = { bhs: 'BHS#$-\\%#LAB#H#CIRC#OR#1####B\u001c9' };
    const answer = buildBatchAck(header, [], { now, controlId: 'X#1', facilityTz: 'America/Chicago' });
    expect(answer).toBe('BHS#$-\\%#CIRC#OR#LAB#H#20261120031500\\R\\0600####X\\F\\1#B 9\rBTS#0');
  });
});
