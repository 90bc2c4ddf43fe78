import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'room' })
export class RoomEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** Source location codes (HL7 AIL-3 / PV1-3, FHIR Location) that mean this room. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  locations!: string[];

  /** Created on first sight of an unknown location; true until an integration engineer maps it. */
  @Column({ type: 'boolean', default: false })
  unmapped!: boolean;
}
