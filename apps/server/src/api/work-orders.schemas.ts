import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '@circulator/devices';
import { parseRequest } from './parse-request';

const deviceId = z.string().regex(DEVICE_ID_PATTERN, { error: 'must be a device id' });
const note = z.string().trim().min(1, { error: 'must not be empty' }).max(2000);

const openBody = z.strictObject({
  deviceId,
  note,
  assignee: z.string().trim().min(1).max(128).optional(),
});

const closeBody = z.strictObject({
  note,
  /** The device was serviced: its last service becomes now and its uses since service 0. */
  serviced: z.boolean().optional(),
});

const listQuery = z.strictObject({
  deviceId: deviceId.optional(),
  status: z.enum(['open', 'closed'], { error: 'must be open or closed' }).optional(),
});

export type OpenWorkOrder = z.output<typeof openBody>;
export type CloseWorkOrder = z.output<typeof closeBody>;

export const parseOpenWorkOrder = (body: unknown): OpenWorkOrder => parseRequest(openBody, body);
export const parseCloseWorkOrder = (body: unknown): CloseWorkOrder => parseRequest(closeBody, body);
export const parseWorkOrderList = (query: unknown): z.output<typeof listQuery> => parseRequest(listQuery, query);
