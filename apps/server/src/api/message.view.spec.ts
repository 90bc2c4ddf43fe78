import { messageDocument, messageText } from './message.view';

describe('messageText', () => {
  it('shows the text as sent and every valued field as written, with its components and repetitions', () => {
    const raw = Buffer.from(
      [
        'MSH|^~\\&|EPIC|GENHOSP|CIRCULATOR|OR|20261120120000||SIU^S12^SIU_S12|C-1|P|2.5.1',
        'PID|1||MRN-1^^^GENHOSP^MR~V9^^^GENHOSP^VN||Doe^Jane||19600214|F',
        'NTE|1||a \\T\\ b',
      ].join('\r'),
    );
    const view = messageText(raw);
    expect(view.text).toBe(raw.toString('utf8'));
    expect(view.charset).toBe('UTF-8');
    expect(view.problem).toBeUndefined();
    expect(view.tree?.map((s) => s.name)).toEqual(['MSH', 'PID', 'NTE']);
    const [msh, pid, nte] = view.tree!;
    expect(msh!.fields.slice(0, 4)).toEqual([
      { index: 1, value: '|' },
      { index: 2, value: '^~\\&' },
      { index: 3, value: 'EPIC' },
      { index: 4, value: 'GENHOSP' },
    ]);
    expect(msh!.fields.find((f) => f.index === 9)).toEqual({
      index: 9,
      value: 'SIU^S12^SIU_S12',
      components: ['SIU', 'S12', 'SIU_S12'],
    });
    // MSH-8 is empty: left out, and the numbering goes on.
    expect(msh!.fields.map((f) => f.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12]);
    expect(pid!.fields).toEqual([
      { index: 1, value: '1' },
      {
        index: 3,
        value: 'MRN-1^^^GENHOSP^MR~V9^^^GENHOSP^VN',
        repetitions: [
          { value: 'MRN-1^^^GENHOSP^MR', components: ['MRN-1', '', '', 'GENHOSP', 'MR'] },
          { value: 'V9^^^GENHOSP^VN', components: ['V9', '', '', 'GENHOSP', 'VN'] },
        ],
      },
      { index: 5, value: 'Doe^Jane', components: ['Doe', 'Jane'] },
      { index: 7, value: '19600214' },
      { index: 8, value: 'F' },
    ]);
    // Raw: escapes are kept as written.
    expect(nte!.fields).toEqual([
      { index: 1, value: '1' },
      { index: 3, value: 'a \\T\\ b' },
    ]);
  });

  it('reads the bytes as ISO 8859-1 when MSH-18 says so, else as UTF-8', () => {
    const latin1 = Buffer.from(
      'MSH|^~\\&|A|B|||20261120||ADT^A08|C-2|P|2.5.1||||||8859/1\rPID|1||M1||M\xfcller',
      'latin1',
    );
    const view = messageText(latin1);
    expect(view.charset).toBe('ISO-8859-1');
    expect(view.text).toContain('Müller');
    expect(view.tree?.[1]?.fields.find((f) => f.index === 5)?.value).toBe('Müller');

    const utf8 = Buffer.from('MSH|^~\\&|A|B|||20261120||ADT^A08|C-3|P|2.5.1\rPID|1||M1||Müller', 'utf8');
    expect(messageText(utf8)).toMatchObject({ charset: 'UTF-8', text: expect.stringContaining('Müller') });
  });

  it('reads LF-terminated messages segment by segment', () => {
    const view = messageText(Buffer.from('MSH|^~\\&|A|B|||20261120||ADT^A08|C-4|P|2.5.1\n\nPID|1||M1\n'));
    expect(view.tree?.map((s) => s.name)).toEqual(['MSH', 'PID']);
    expect(view.tree?.[1]?.fields).toEqual([
      { index: 1, value: '1' },
      { index: 3, value: 'M1' },
    ]);
  });

  it('gives no tree, and the reason, for a message that does not parse', () => {
    const view = messageText(Buffer.from('this is not HL7'));
    expect(view.text).toBe('this is not HL7');
    expect(view.tree).toBeNull();
    expect(view.problem).toMatchObject({ kind: 'not-msh', code: expect.any(Number), text: expect.any(String) });

    const twoMessages = messageText(
      Buffer.from('MSH|^~\\&|A|B|||20261120||ADT^A08|C-5|P|2.5.1\rMSH|^~\\&|A|B|||20261120||ADT^A08|C-6|P|2.5.1'),
    );
    expect(twoMessages.tree).toBeNull();
    expect(twoMessages.problem).toMatchObject({ kind: 'unparseable', location: { segment: 'MSH', sequence: 2 } });
  });
});

describe('messageDocument', () => {
  it('shows an api row as the command it is: kind, case, who, when and the fact', () => {
    const fact = {
      kind: 'limits',
      at: '2026-11-23T07:40:00.000Z',
      target: { caseId: 'c-1' },
      limits: { spo2: { low: 88 } },
      reason: 'COPD',
      actor: { id: 'u-1', role: 'anesthesiologist', name: 'anes' },
    };
    const raw = Buffer.from(JSON.stringify({ fact, label: 'set vital limits (anesthesiologist)' }));
    expect(messageDocument(raw, 'api')).toEqual({
      text: raw.toString('utf8'),
      charset: 'UTF-8',
      tree: null,
      json: { fact, label: 'set vital limits (anesthesiologist)' },
      command: {
        kind: 'limits',
        label: 'set vital limits (anesthesiologist)',
        caseId: 'c-1',
        actor: { id: 'u-1', role: 'anesthesiologist', name: 'anes' },
        at: '2026-11-23T07:40:00.000Z',
        fact,
      },
    });
  });

  it('a desk move names its case by caseId; a FHIR or MQTT row is its JSON, no command', () => {
    const move = Buffer.from(JSON.stringify({ fact: { kind: 'schedule', caseId: 'c-2', identifiers: {} } }));
    expect(messageDocument(move, 'api').command).toEqual({
      kind: 'schedule',
      caseId: 'c-2',
      fact: { kind: 'schedule', caseId: 'c-2', identifiers: {} },
    });
    const mqtt = Buffer.from('{"v":1,"messages":[]}');
    expect(messageDocument(mqtt, 'mqtt')).toEqual({
      text: '{"v":1,"messages":[]}',
      charset: 'UTF-8',
      tree: null,
      json: { v: 1, messages: [] },
    });
  });

  it('text that is not JSON is shown as text, with why', () => {
    const out = messageDocument(Buffer.from('MSH|^~\\&|'), 'api');
    expect(out.json).toBeUndefined();
    expect(out.command).toBeUndefined();
    expect(out.jsonProblem).toMatch(/^not JSON: /);
  });
});
