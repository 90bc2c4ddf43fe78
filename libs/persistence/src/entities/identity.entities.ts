import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'app_user' })
export class UserEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text', unique: true })
  username!: string;

  @Column({ type: 'text', name: 'password_hash' })
  passwordHash!: string;

  @Column({ type: 'text', name: 'display_name' })
  displayName!: string;

  @Column({ type: 'jsonb' })
  roles!: string[];

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}

/** A wall-display credential: reads only `room:{roomId}`; revocable. */
@Entity({ name: 'display_credential' })
export class DisplayCredentialEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text', name: 'room_id' })
  roomId!: string;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'text', name: 'created_by' })
  createdBy!: string;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}

/**
 * Who read or changed what, when and from where (every read of patient data is recorded).
 * Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, and each row is hash-chained to the
 * one before it (libs/identity/src/audit). Written only by AuditService, never through this entity.
 */
@Entity({ name: 'audit_log' })
export class AuditLogEntity {
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'jsonb' })
  roles!: string[];

  @Column({ type: 'text' })
  action!: string;

  @Column({ type: 'text', name: 'target_type' })
  targetType!: string;

  @Column({ type: 'text', name: 'target_id', nullable: true })
  targetId!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  detail!: Record<string, unknown>;

  /** Client IP or socket address, when a request was known. */
  @Column({ type: 'text', nullable: true })
  source!: string | null;

  /** `hash` of the row before (64 zeros for the first); null until a pre-chain row is sealed. */
  @Column({ type: 'text', name: 'prev_hash', nullable: true })
  prevHash!: string | null;

  /** SHA-256 (hex) over `prev_hash` and this row's canonical content. */
  @Column({ type: 'text', nullable: true })
  hash!: string | null;
}

/** Secrets the platform makes for itself (the token signing key), shared by every process. */
@Entity({ name: 'app_secret' })
export class AppSecretEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  value!: string;
}
