import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/** A biomed work order on one device: opened with a note, closed with a service record. */
export interface WorkOrderRecord {
  id: string;
  deviceId: string;
  status: 'open' | 'closed';
  note: string;
  assignee: string | null;
  openedAt: string;
  openedBy: string;
  closedAt: string | null;
  closedBy: string | null;
  closeNote: string | null;
  /** Closed with a service of the device (its last service and uses since service were reset). */
  serviced: boolean;
}

const SELECT = `SELECT id::text AS id, device_id AS "deviceId", status, note, assignee, opened_at AS "openedAt",
  opened_by AS "openedBy", closed_at AS "closedAt", closed_by AS "closedBy", close_note AS "closeNote", serviced
  FROM work_order`;

interface Row extends Omit<WorkOrderRecord, 'openedAt' | 'closedAt'> {
  openedAt: Date | string;
  closedAt: Date | string | null;
}

function toRecord(r: Row): WorkOrderRecord {
  return {
    ...r,
    openedAt: new Date(r.openedAt).toISOString(),
    closedAt: r.closedAt === null ? null : new Date(r.closedAt).toISOString(),
  };
}

const WORK_ORDER_ID = /^[1-9]\d{0,17}$/;

/** True for a string that can be a work order id (a positive bigint). */
export function isWorkOrderId(value: string): boolean {
  return WORK_ORDER_ID.test(value);
}

/** Work orders: SQL only, no rules (who may, and what closing does to the device, is the caller's). */
@Injectable()
export class WorkOrderRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  async open(
    input: { deviceId: string; note: string; assignee?: string | null; at: Date; by: string },
    manager: EntityManager = this.ds.manager,
  ): Promise<WorkOrderRecord> {
    const rows = await manager.query<Row[]>(
      `WITH i AS (
         INSERT INTO work_order (device_id, note, assignee, opened_at, opened_by) VALUES ($1, $2, $3, $4, $5)
         RETURNING *
       ) ${SELECT.replace('FROM work_order', 'FROM i')}`,
      [input.deviceId, input.note, input.assignee ?? null, input.at, input.by],
    );
    return toRecord(rows[0]!);
  }

  /** Closes an open order; undefined when there is no open order with that id. */
  async close(
    id: string,
    input: { note: string; serviced: boolean; at: Date; by: string },
    manager: EntityManager = this.ds.manager,
  ): Promise<WorkOrderRecord | undefined> {
    const rows = await manager.query<Row[]>(
      `WITH u AS (
         UPDATE work_order SET status = 'closed', closed_at = $2, closed_by = $3, close_note = $4, serviced = $5
         WHERE id = $1 AND status = 'open' RETURNING *
       ) ${SELECT.replace('FROM work_order', 'FROM u')}`,
      [id, input.at, input.by, input.note, input.serviced],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async get(id: string, manager: EntityManager = this.ds.manager): Promise<WorkOrderRecord | undefined> {
    const rows = await manager.query<Row[]>(`${SELECT} WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Newest first; at most `limit`. */
  async list(filter: { deviceId?: string; status?: 'open' | 'closed' } = {}, limit = 500): Promise<WorkOrderRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.deviceId !== undefined) where.push(`device_id = $${params.push(filter.deviceId)}`);
    if (filter.status !== undefined) where.push(`status = $${params.push(filter.status)}`);
    const rows = await this.ds.query<Row[]>(
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.push(limit)}`,
      params,
    );
    return rows.map(toRecord);
  }
}
