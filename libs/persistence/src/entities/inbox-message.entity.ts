import { Column, Entity, PrimaryColumn } from 'typeorm';

export type InboxStatus = 'received' | 'applied' | 'rejected' | 'failed';

/** Every inbound message, raw, before anything else happens to it (ARCHITECTURE.md: the inbox). */
@Entity({ name: 'inbox' })
export class InboxMessageEntity {
  /** bigserial; read as text so that ids are exact whatever the driver does with int8. */
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  /** The feed it came through: `mllp`, `fhir`, `mqtt`, `rest`. */
  @Column({ type: 'text' })
  channel!: string;

  /** Who sent it: for HL7, `MSH-3|MSH-4`. */
  @Column({ type: 'text' })
  sender!: string;

  /** The sender's message id (MSH-10); repeats of it are duplicates. */
  @Column({ type: 'text', name: 'control_id', nullable: true })
  controlId!: string | null;

  @Column({ type: 'text', name: 'message_type', nullable: true })
  messageType!: string | null;

  @Column({ type: 'bytea' })
  raw!: Buffer;

  @Column({ type: 'text', nullable: true })
  peer!: string | null;

  @Column({ type: 'timestamptz', name: 'received_at' })
  receivedAt!: Date;

  @Column({ type: 'text' })
  status!: InboxStatus;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'int', default: 0 })
  duplicates!: number;

  @Column({ type: 'timestamptz', name: 'processed_at', nullable: true })
  processedAt!: Date | null;

  /** The inbound interface it came in on (HL7: the interface's name). */
  @Column({ type: 'text', name: 'interface_name', nullable: true })
  interfaceName!: string | null;

  /** The acknowledgment code the sender was given (AA/AE/AR, CA/CE/CR). */
  @Column({ type: 'text', name: 'ack_code', nullable: true })
  ackCode!: string | null;

  /** The patient it is about, for the log's search (set when it is applied). */
  @Column({ type: 'text', nullable: true })
  mrn!: string | null;

  /** Processing attempts so far (see `inbox_attempt`). */
  @Column({ type: 'int', default: 0 })
  attempts!: number;
}
