import { MllpClient } from '@circulator/hl7';
import type { WritebackRow } from '@circulator/persistence';
import { buildSiuS14, writebackControlId, type Hl7WritebackIdentity } from './siu-s14.builder';
import { WritebackError, type WritebackDelivery } from './writeback.delivery';
import type { WritebackPayload } from './writeback.plan';

/** Where HL7 write-back goes (FHIR_WRITEBACK_MLLP). */
export interface MllpDestination {
  host: string;
  port: number;
  /** How long to wait for the ACK (default 30 s). */
  ackTimeoutMs?: number;
}

/** MSA of an ACK: its code, the control id it acknowledges, and its text (MSA-3, else ERR-8). */
export function readAck(ack: string): { code: string; controlId: string; text: string } | undefined {
  const segments = ack.split(/\r\n|\r|\n/);
  const msh = segments[0];
  if (!msh?.startsWith('MSH') || msh.length < 4) return undefined;
  const sep = msh.charAt(3);
  const msa = segments.find((s) => s.startsWith(`MSA${sep}`))?.split(sep);
  if (!msa) return undefined;
  const err = segments.find((s) => s.startsWith(`ERR${sep}`))?.split(sep);
  return { code: msa[1] ?? '', controlId: msa[2] ?? '', text: msa[3] || err?.[8] || '' };
}

/**
 * Milestones as HL7 v2 SIU^S14 over MLLP (FHIR_WRITEBACK=hl7), one message in flight on one
 * connection per drain. Delivered when the ACK is AA (or CA, enhanced mode's commit accept) for
 * this MSH-10; AE, AR, another control id, no ACK or no connection are retried with backoff. The
 * MSH-10 is the row's, so a receiver that dedupes on it applies a repeat once (a message is sent
 * again only when its ACK was lost).
 */
export class Hl7WritebackDelivery implements WritebackDelivery {
  private client: MllpClient | undefined;

  constructor(
    private readonly destination: MllpDestination,
    private readonly identity: Hl7WritebackIdentity,
  ) {}

  async deliver(row: WritebackRow): Promise<string> {
    const p = row.payload as WritebackPayload;
    if (!p.identifiers.placerAppointmentId && !p.identifiers.fillerAppointmentId) {
      throw new WritebackError(
        'the case has no placer or filler appointment id (SCH-1/SCH-2): the EHR could not find it',
        true,
      );
    }
    const message = buildSiuS14(p, row, this.identity);
    const controlId = writebackControlId(row.id);
    let ack: string;
    try {
      ack = await (await this.connection()).send(message);
    } catch (err) {
      await this.close();
      const { host, port } = this.destination;
      throw new WritebackError(`MLLP ${host}:${port}: ${(err as Error).message}`, false);
    }
    const read = readAck(ack);
    if (!read) throw new WritebackError('the answer is no HL7 ACK (no MSH/MSA)', false);
    if (read.controlId !== controlId) {
      // A late ACK of something else: the stream is out of step; start a new connection.
      await this.close();
      throw new WritebackError(`the ACK is for ${read.controlId}, not ${controlId}`, false);
    }
    if (read.code !== 'AA' && read.code !== 'CA') {
      throw new WritebackError(`${read.code}${read.text ? `: ${read.text}` : ''} (MSH-10 ${controlId})`, false);
    }
    return `${read.code} ${controlId}`;
  }

  private async connection(): Promise<MllpClient> {
    if (this.client?.isConnected()) return this.client;
    const client = new MllpClient({ ackTimeoutMs: this.destination.ackTimeoutMs ?? 30_000 });
    await client.connect(this.destination.host, this.destination.port);
    this.client = client;
    return client;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }
}
