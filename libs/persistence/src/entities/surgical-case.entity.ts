import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One case: the engine's whole state as JSON, plus the columns the queries need. */
@Entity({ name: 'surgical_case' })
export class SurgicalCaseEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'text', name: 'room_id' })
  roomId!: string;

  @Column({ type: 'timestamptz', name: 'scheduled_start' })
  scheduledStart!: Date;

  @Column({ type: 'timestamptz', name: 'scheduled_end' })
  scheduledEnd!: Date;

  @Column({ type: 'jsonb' })
  state!: Record<string, unknown>;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}

/** Any identifier a case is known by (placer/filler appointment, visit, FHIR ids, order number). */
@Entity({ name: 'case_identifier' })
export class CaseIdentifierEntity {
  @PrimaryColumn({ type: 'text' })
  kind!: string;

  @PrimaryColumn({ type: 'text' })
  value!: string;

  @Column({ type: 'uuid', name: 'case_id' })
  caseId!: string;
}

/** Append-only log of what changed a case, with provenance. */
@Entity({ name: 'case_event' })
export class CaseEventEntity {
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'uuid', name: 'case_id' })
  caseId!: string;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'timestamptz', name: 'received_at' })
  receivedAt!: Date;

  @Column({ type: 'text', name: 'source_kind' })
  sourceKind!: string;

  @Column({ type: 'text', name: 'source_id' })
  sourceId!: string;

  @Column({ type: 'jsonb' })
  change!: Record<string, unknown>;
}
