import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Client, HL7_2_5_1, type Connection, type Message } from 'node-hl7-client';
import request from 'supertest';
import type { CaseView } from '@circulator/contracts';
import { ackCodeFor, MllpClient, type AckCode, type AckCondition } from '@circulator/hl7';
import type { MessagePage, MessageSummary } from '@circulator/persistence';
import { CORPUS_TABLE, corpusFiles, corpusPath, type CorpusRow } from '../../libs/hl7/src/testing/corpus.expectations';
import { ADMIN_PASSWORD, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

const run = promisify(execFile);

/**
 * Real senders against one started platform (PostgreSQL), held to what CONTRACT §4 and the corpus
 * table (libs/hl7/src/testing/corpus.expectations.ts) say they must hear: every corpus message over
 * MLLP with our MllpClient, an SIU built and sent by node-hl7-client, corpus files sent by Debian's
 * mllp_send. The pure table says what `evaluateHl7` decides; this says the platform answers the same
 * on the wire, stores what it accepts and applies it.
 */

// ── the corpus as an interface engine would send it ──────────────────────────────────────────────

/** The fields of a message's first segment when it is an MSH, read with its own MSH-1; index n is MSH-n. */
function mshFields(message: string): string[] | undefined {
  const first = message.split('\r', 1)[0] ?? '';
  if (!first.startsWith('MSH') || first.length < 4) return undefined;
  const separator = first.charAt(3);
  return ['MSH', separator, ...first.slice(4).split(separator)];
}

/**
 * The file as a framed payload: UTF-8 BOM stripped, CRLF/LF/CR segment terminators made CR (HL7 v2
 * segments end with CR), blank lines (not segments) dropped — what an interface engine does before
 * framing. Everything else, hard-wrapped segments included, is sent as it is.
 */
function wirePayload(file: string): string {
  return readFileSync(corpusPath(file), 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
    .filter((line) => line !== '')
    .join('\r');
}

/** The message with MSH-10 replaced (the first line is the MSH; MSH-n is field n - 1 of its split). */
function withControlId(payload: string, controlId: string): string {
  const [msh = '', ...rest] = payload.split('\r');
  const fields = msh.split(msh.charAt(3));
  fields[9] = controlId;
  return [fields.join(msh.charAt(3)), ...rest].join('\r');
}

const OUTCOME = { AA: 'accept', AE: 'error', AR: 'reject' } as const;
const ACK_CONDITIONS: readonly string[] = ['AL', 'NE', 'ER', 'SU'];

/**
 * The MSA-1 the edge owes a message whose row says `row.ack`: AA/AE/AR in original mode; in
 * enhanced mode (MSH-15 or MSH-16 a table 0155 value, HL7 v2.5.1 §2.9.3; CONTRACT §4) the commit
 * ack CA/CE/CR, an application AE/AR, or nothing, as `ackCodeFor` (unit-tested rule by rule) says.
 */
function ackDue(row: CorpusRow, msh: string[] | undefined): AckCode | null {
  const condition = (n: number): AckCondition | '' => {
    const value = (msh?.[n] ?? '').trim().toUpperCase();
    return ACK_CONDITIONS.includes(value) ? (value as AckCondition) : '';
  };
  return ackCodeFor({ acceptAckType: condition(15), applicationAckType: condition(16) }, OUTCOME[row.ack]);
}

interface CorpusSend {
  file: string;
  row: CorpusRow;
  payload: string;
  /** MSH-10 as sent; '' when the first line holds none. */
  controlId: string;
  /** The file's own MSH-10, when it was replaced (see {@link SENDS}). */
  renamedFrom?: string;
  /** The MSA-1 due, or null when the sender asked for no acknowledgment. */
  ack: AckCode | null;
}

/**
 * Every corpus file, in table order. The corpus gathers samples from many projects that reuse
 * control ids (17 FHIR-Converter ADT files are all ADTApp MSG00001): sent as they are, an accepted
 * file repeating an earlier accepted one's sender and MSH-10 is a repeat (CONTRACT §4: answered AA,
 * not applied again) and its own content never reaches the worker. So an accepted file whose MSH-10
 * an earlier accepted file already used (whatever the sender, so that the log finds each by MSH-10
 * alone) is sent with MSH-10 `<id>-<n>`, and every accepted message is stored and applied on its
 * own; the repeat itself is tested below with a file as it is. Refused files keep their MSH-10: a
 * refusal is stored without taking the id.
 */
const SENDS: CorpusSend[] = (() => {
  const taken = new Map<string, number>();
  return corpusFiles().map((file): CorpusSend => {
    const row = CORPUS_TABLE[file];
    if (row === undefined) throw new Error(`no row for ${file} in CORPUS_TABLE`);
    let payload = wirePayload(file);
    const msh = mshFields(payload);
    const original = msh?.[10] ?? '';
    const send: CorpusSend = { file, row, payload, controlId: original, ack: ackDue(row, msh) };
    if (row.ack !== 'AA' || original === '') return send;
    const seen = (taken.get(original) ?? 0) + 1;
    taken.set(original, seen);
    if (seen === 1) return send;
    payload = withControlId(payload, `${original}-${seen}`);
    return { ...send, payload, controlId: `${original}-${seen}`, renamedFrom: original };
  });
})();
const ACCEPTED = SENDS.filter((s) => s.row.ack === 'AA');

/**
 * MSA-2 must echo MSH-10 (HL7 v2.5.1 §2.15.8.2: the sender matches answers by it), also when MSH-2
 * is empty or not encoding characters: MSH-1 is known and MSH-10 is read as written.
 */
const MSA2_WITHOUT_ENCODING: readonly string[] = ['malformed/ti-msh_missing_msh-2.hl7'];

/**
 * Files whose MSH-10 has spaces in it (here a leading one): the message log stores MSH-10 as written
 * and must find it by exactly that.
 */
const CONTROL_ID_WITH_SPACES: readonly string[] = ['alarms/ihe-pcd04-livedata-or-timeout-advisory.hl7'];

/** What an ACK says, read with its own delimiters: MSA-1, MSA-2 and the ERR's table 0357 code. */
function readAck(ack: string): { code: string; controlId: string; error: string | undefined } {
  const segments = ack.split('\r').filter((s) => s !== '');
  const msh = mshFields(segments[0] ?? '');
  if (msh === undefined) throw new Error(`not an HL7 message: ${JSON.stringify(ack)}`);
  const separator = msh[1] ?? '|';
  const component = msh[2]?.charAt(0) ?? '^';
  const subcomponent = msh[2]?.charAt(3) ?? '&';
  const segment = (id: string): string[] | undefined =>
    segments.find((s) => s.startsWith(`${id}${separator}`))?.split(separator);
  const msa = segment('MSA');
  const err = segment('ERR');
  // Before v2.5 the condition is ERR-1.4 (ELD), from v2.5 on ERR-3 (HL7 v2.5.1 §2.15.5).
  const [major = 0, minor = 0] = (msh[12] ?? '').split('.').map(Number);
  const legacy = major < 2 || (major === 2 && minor < 5);
  const error =
    err === undefined
      ? undefined
      : legacy
        ? (err[1]?.split(component)[3]?.split(subcomponent)[0] ?? '')
        : (err[3]?.split(component)[0] ?? '');
  return { code: msa?.[1] ?? '', controlId: msa?.[2] ?? '', error };
}

// ── node-hl7-client as a sender ──────────────────────────────────────────────────────────────────

const DATE = '2026-11-23';

/** An SIU^S12 built with node-hl7-client's 2.5.1 builder (segments as test/support/hl7-messages siu()). */
function nodeHl7ClientSiu(s: {
  controlId: string;
  placerId: string;
  fillerId: string;
  mrn: string;
  procedure: [code: string, escapedText: string];
}): Message {
  const start = '20261123083000';
  const message = new HL7_2_5_1()
    .buildMSH({
      msh_3: 'EPIC',
      msh_4: 'GENHOSP',
      msh_5: 'CIRCULATOR',
      msh_6: 'OR',
      msh_9_1: 'SIU',
      msh_9_2: 'S12',
      msh_9_3: 'SIU_S12',
      msh_10: s.controlId,
      msh_11_1: 'P',
    })
    // The builder requires SCH-6, SCH-16 and SCH-20 (HL7 2.5.1 usage R).
    .buildSCH({
      sch_1: s.placerId,
      sch_2: s.fillerId,
      sch_6: 'ROUTINE',
      sch_9: '90',
      sch_10: 'min',
      sch_11: `^^90^${start}`,
      sch_16: '1001^House^Gregory',
      sch_20: '1001^House^Gregory',
      sch_25: 'Booked',
    })
    // Its PID-3 is at most 20 characters long, as in the 2.5.1 tables.
    .buildPID({ pid_1: '1', pid_3: `${s.mrn}^^^GENHOSP^MR`, pid_5: 'Doe^Jane', pid_8: 'F' })
    .buildRGS({ rgs_1: '1', rgs_2: 'A' })
    .buildAIS({
      ais_1: '1',
      ais_2: 'A',
      ais_3: `${s.procedure.join('^')}^CPT`,
      ais_4: start,
      ais_7: '90',
      ais_8: 'min',
    })
    .buildAIL({ ail_1: '1', ail_2: 'A', ail_3: 'OR3^^^GENHOSP' })
    .buildAIP({ aip_1: '1', aip_2: 'A', aip_3: '1001^House^Gregory', aip_4: 'SURGEON' })
    .buildAIP({ aip_1: '2', aip_2: 'A', aip_3: '2002^Quinn^Michaela', aip_4: 'ANESTHESIOLOGIST' })
    .toMessage();
  // A fixed MSH-7 (the builder writes the machine's local time of now).
  message.set('MSH.7', '20261120120000');
  return message;
}

describe('real HL7 senders and the whole corpus against one platform (PostgreSQL)', () => {
  let t: TestPlatform;
  let auth: { Authorization: string };
  let port: number;
  const mllp = new MllpClient();

  /** Sends on the kept-open connection, reopening it if an earlier send lost it. */
  async function send(payload: string): Promise<string> {
    if (!mllp.isConnected()) await mllp.connect('127.0.0.1', port);
    return mllp.send(payload);
  }

  /** The message log's rows with this MSH-10, as the integration console sees them. */
  async function logged(controlId: string): Promise<MessageSummary[]> {
    const res = await request(t.url).get('/api/messages').query({ controlId, limit: 500 }).set(auth).expect(200);
    return (res.body as MessagePage).items;
  }

  /** The accepted (not rejected) rows of a corpus send (see {@link CONTROL_ID_WITH_SPACES}). */
  async function acceptedRows(s: CorpusSend): Promise<MessageSummary[]> {
    let rows: MessageSummary[];
    if (CONTROL_ID_WITH_SPACES.includes(s.file)) {
      const msh = mshFields(s.payload) ?? [];
      const type = (msh[9] ?? '')
        .split(msh[2]?.charAt(0) ?? '^')
        .slice(0, 2)
        .join('^');
      const res = await request(t.url).get('/api/messages').query({ type, limit: 500 }).set(auth).expect(200);
      rows = (res.body as MessagePage).items.filter((m) => m.controlId === s.controlId);
    } else {
      rows = await logged(s.controlId);
    }
    return rows.filter((m) => m.status !== 'rejected');
  }

  beforeAll(async () => {
    t = await startTestPlatform();
    auth = { Authorization: `Bearer ${await tokenFor(t.url, 'admin', ADMIN_PASSWORD)}` };
    port = t.platform.mllpPort!;
  });
  afterAll(async () => {
    await mllp.close();
    await t?.stop();
    t?.dataDir.remove();
  });

  describe('every corpus file over MLLP (our MllpClient)', () => {
    it('covers every row of the table, and its known bugs name corpus files that show them', () => {
      expect(SENDS.map((s) => s.file).sort()).toEqual(Object.keys(CORPUS_TABLE).sort());
      // So that an `it.failing` below cannot pass for want of its file.
      const known = (files: readonly string[]) => SENDS.filter((s) => files.includes(s.file));
      expect(known(MSA2_WITHOUT_ENCODING).filter((s) => s.controlId !== '')).toHaveLength(MSA2_WITHOUT_ENCODING.length);
      expect(
        known(CONTROL_ID_WITH_SPACES).filter((s) => s.row.ack === 'AA' && s.controlId !== s.controlId.trim()),
      ).toHaveLength(CONTROL_ID_WITH_SPACES.length);
    });

    it.each(SENDS.map((s) => [s.file, s] as const))('%s gets its documented answer', async (_file, s) => {
      if (s.ack === null) {
        // MSH-15/16 ask for no acknowledgment: the listener closes a half-closed connection once it
        // has handled every frame, so the connection closing with no frame back is the answer.
        const client = new MllpClient();
        await client.connect('127.0.0.1', port);
        const answer = client.send(s.payload);
        const closed = client.close();
        await expect(answer).rejects.toThrow('MLLP connection closed');
        await closed;
        return;
      }
      const ack = readAck(await send(s.payload));
      expect(ack.code).toBe(s.ack);
      expect(ack.error).toBe(s.row.ack === 'AA' ? undefined : String(s.row.code));
      if (!MSA2_WITHOUT_ENCODING.includes(s.file)) expect(ack.controlId).toBe(s.controlId);
    });

    it.each(MSA2_WITHOUT_ENCODING)('%s: MSA-2 echoes MSH-10 even without encoding characters', async (file) => {
      const s = SENDS.find((x) => x.file === file)!;
      expect(readAck(await send(s.payload)).controlId).toBe(s.controlId);
    });

    it.each(ACCEPTED.map((s) => [s.file, s] as const))('%s is stored and applied by the worker', async (_file, s) => {
      const row = await waitFor(
        async () => {
          const rows = await acceptedRows(s);
          if (rows.length !== 1) throw new Error(`${rows.length} accepted rows with MSH-10 ${s.controlId}`);
          return rows[0]?.status === 'received' ? undefined : rows[0];
        },
        { timeoutMs: 20_000, intervalMs: 50, what: `${s.file} to leave 'received'` },
      );
      // A mapping that fails in the worker shows as `failed` with its error: a bug, not a flake. An
      // applied row may carry a note (e.g. a fact parked until its case appears): not checked.
      const seen = { status: row.status, ackCode: row.ackCode, duplicates: row.duplicates };
      expect(row.status === 'applied' ? seen : { ...seen, error: row.error }).toEqual({
        status: 'applied',
        ackCode: s.ack,
        duplicates: 0,
      });
    });

    it.each(CONTROL_ID_WITH_SPACES)(
      '%s: found in the message log by its MSH-10 as written, spaces and all',
      async (file) => {
        const s = SENDS.find((x) => x.file === file)!;
        expect((await logged(s.controlId)).map((m) => m.controlId)).toContain(s.controlId);
      },
    );

    it('answers an accepted file sent with an earlier one’s sender and MSH-10 as a repeat: AA, not applied', async () => {
      const repeat = SENDS.find((s) => s.renamedFrom !== undefined);
      if (repeat?.renamedFrom === undefined) throw new Error('the corpus no longer repeats an MSH-10');
      const id = repeat.renamedFrom;
      const [before, ...others] = (await logged(id)).filter((m) => m.status !== 'rejected');
      expect(others).toEqual([]);
      if (before === undefined) throw new Error(`no accepted row with MSH-10 ${id}`);

      const ack = readAck(await send(wirePayload(repeat.file)));
      expect(ack).toEqual({ code: repeat.ack, controlId: id, error: undefined });
      // The first copy's row, one more repeat counted; the repeat's own content was not stored.
      const after = (await logged(id)).filter((m) => m.status !== 'rejected');
      expect(after).toEqual([{ ...before, duplicates: before.duplicates + 1 }]);
    });
  });

  describe('node-hl7-client as the sender', () => {
    let client: Client;
    let connection: Connection;
    const acks: Message[] = [];

    /** Sends with node-hl7-client and returns the ACK its handler was given. */
    async function sendWithNodeHl7Client(message: Message): Promise<Message> {
      const controlId = message.get('MSH.10').toString();
      await connection.sendMessage(message);
      return waitFor(() => acks.find((a) => a.get('MSA.2').toString() === controlId), {
        what: `node-hl7-client's ACK handler to get the ACK of ${controlId}`,
      });
    }

    async function caseWithPlacer(placerId: string): Promise<CaseView> {
      return waitFor(
        async () => {
          const res = await request(t.url).get(`/api/cases?date=${DATE}`).set(auth).expect(200);
          return (res.body as CaseView[]).find((c) => c.identifiers.placerAppointmentId === placerId);
        },
        { timeoutMs: 10_000, what: `the case of ${placerId}` },
      );
    }

    beforeAll(() => {
      // Its Client pins the HL7 version: every message sent through it must carry that MSH-12.
      client = new Client({ host: '127.0.0.1', version: '2.5.1' });
      connection = client.createConnection({ port, version: '2.5.1' }, (res) => {
        acks.push(res.getMessage());
      });
    });
    afterAll(async () => {
      await connection?.close();
      client?.closeAll();
    });

    it('takes an SIU^S12 it built and sent: AA in its ACK handler, then the case in the API', async () => {
      const message = nodeHl7ClientSiu({
        controlId: 'NHC-0001',
        placerId: 'PL-NHC-1',
        fillerId: 'FL-NHC-1',
        mrn: 'NHC1',
        procedure: ['47562', 'Laparoscopic cholecystectomy'],
      });
      const ack = await sendWithNodeHl7Client(message);
      expect(ack.get('MSA.1').toString()).toBe('AA');
      expect(ack.get('MSA.2').toString()).toBe('NHC-0001');

      expect(await caseWithPlacer('PL-NHC-1')).toMatchObject({
        status: 'scheduled',
        roomId: 'or3-genhosp',
        patient: { mrn: 'NHC1', name: 'DOE, Jane' },
        procedure: { code: '47562', text: 'Laparoscopic cholecystectomy' },
        surgeon: { id: '1001', name: 'Gregory House' },
        anesthesiologist: { id: '2002', name: 'Michaela Quinn' },
        scheduledStart: '2026-11-23T08:30:00+01:00',
        scheduledEnd: '2026-11-23T10:00:00+01:00',
        identifiers: { placerAppointmentId: 'PL-NHC-1', fillerAppointmentId: 'FL-NHC-1' },
      });
    });

    it('unescapes a field sent with \\F\\ \\S\\ \\R\\ \\E\\ \\T\\ (| ^ ~ \\ &) into the case', async () => {
      // node-hl7-client 4 writes builder and set() values as they are (its escape() is a no-op), so
      // the sender escapes, as HL7 v2.5.1 §2.7 asks of whoever puts a delimiter in a value.
      const text = 'Repair A|B^C~D\\E&F';
      const escaped = 'Repair A\\F\\B\\S\\C\\R\\D\\E\\E\\T\\F';
      const message = nodeHl7ClientSiu({
        controlId: 'NHC-0002',
        placerId: 'PL-NHC-2',
        fillerId: 'FL-NHC-2',
        mrn: 'NHC2',
        procedure: ['47562', escaped],
      });
      expect(message.toString()).toContain(`|47562^${escaped}^CPT|`);
      // The reference reader agrees on what the escaped value means.
      expect(message.get('AIS.3.2').toString()).toBe(text);

      const ack = await sendWithNodeHl7Client(message);
      expect(ack.get('MSA.1').toString()).toBe('AA');
      expect((await caseWithPlacer('PL-NHC-2')).procedure).toEqual({ code: '47562', text });
    });
  });

  describe("Debian's mllp_send (python3-hl7) as the sender", () => {
    it.each(['adt/fc-ADT-A08-01.hl7', 'oru/ihe-pcd01-philips-monitor-E.1.1.hl7'])(
      '%s sent as a file gets its documented acknowledgment',
      async (file) => {
        const s = SENDS.find((x) => x.file === file);
        if (s === undefined) throw new Error(`${file} is not in the corpus`);
        // It never times out on its own, hence `timeout`; it prints the ACK it gets (CR-separated).
        const { stdout } = await run('timeout', [
          '10',
          'mllp_send',
          '--loose',
          '-p',
          String(port),
          '-f',
          corpusPath(file),
          '127.0.0.1',
        ]);
        // python3-hl7 0.4.5 prints the ACK with the frame's end block (0x1C) still on it.
        const msa = stdout
          .replaceAll('\x1c', '')
          .split(/\r|\n/)
          .find((line) => line.startsWith('MSA|'))
          ?.split('|');
        // The file as it is: its own MSH-10. The PCD-01 sample asks for enhanced mode (MSH-15 AL),
        // so its accept is the commit ack CA; the ADT is original mode, AA.
        expect(msa?.slice(1, 3)).toEqual([s.ack, s.renamedFrom ?? s.controlId]);
        expect(s.ack).toBe(file.startsWith('adt/') ? 'AA' : 'CA');
      },
    );
  });
});
