import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/** An approved update record: this device may run this firmware version. */
export interface FirmwareApprovalRecord {
  id: string;
  deviceId: string;
  firmware: string;
  /** The change or work-order reference of the update, as biomed gives it. */
  reference: string | null;
  note: string | null;
  approvedBy: string;
  approvedAt: string;
}

/** Firmware approvals (secure-update tracking, issue 5): SQL only. */
@Injectable()
export class FirmwareApprovalRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Records an approval; an approval of the same version again replaces its reference and note. */
  async approve(
    input: Omit<FirmwareApprovalRecord, 'id' | 'approvedAt'> & { approvedAt: Date },
  ): Promise<FirmwareApprovalRecord> {
    const rows = await this.ds.query<
      (Omit<FirmwareApprovalRecord, 'approvedAt' | 'id'> & { id: string; approvedAt: Date })[]
    >(
      `INSERT INTO device_firmware_approval (device_id, firmware, reference, note, approved_by, approved_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (device_id, firmware) DO UPDATE SET reference = EXCLUDED.reference, note = EXCLUDED.note,
         approved_by = EXCLUDED.approved_by, approved_at = EXCLUDED.approved_at
       RETURNING id::text AS id, device_id AS "deviceId", firmware, reference, note, approved_by AS "approvedBy",
         approved_at AS "approvedAt"`,
      [input.deviceId, input.firmware, input.reference, input.note, input.approvedBy, input.approvedAt],
    );
    const row = rows[0]!;
    return { ...row, approvedAt: new Date(row.approvedAt).toISOString() };
  }

  /** A device's approvals, newest first. */
  async list(deviceId: string): Promise<FirmwareApprovalRecord[]> {
    const rows = await this.ds.query<(Omit<FirmwareApprovalRecord, 'approvedAt'> & { approvedAt: Date })[]>(
      `SELECT id::text AS id, device_id AS "deviceId", firmware, reference, note, approved_by AS "approvedBy",
         approved_at AS "approvedAt"
       FROM device_firmware_approval WHERE device_id = $1 ORDER BY approved_at DESC, id DESC`,
      [deviceId],
    );
    return rows.map((r) => ({ ...r, approvedAt: new Date(r.approvedAt).toISOString() }));
  }

  /** The approvals of these devices (one query, for a worker batch). */
  async forDevices(
    deviceIds: readonly string[],
    manager?: EntityManager,
  ): Promise<{ deviceId: string; firmware: string; approvedAt: string }[]> {
    if (!deviceIds.length) return [];
    const rows = await (manager ?? this.ds.manager).query<{ deviceId: string; firmware: string; approvedAt: Date }[]>(
      `SELECT device_id AS "deviceId", firmware, approved_at AS "approvedAt"
       FROM device_firmware_approval WHERE device_id = ANY($1::text[])`,
      [[...deviceIds]],
    );
    return rows.map((r) => ({ ...r, approvedAt: new Date(r.approvedAt).toISOString() }));
  }
}
