import { z } from 'zod';
import {
  DEVICE_ID_PATTERN,
  DEVICE_LIFECYCLES,
  DEVICE_TYPES,
  type DevicePatch,
  type DeviceRegistration,
} from '@circulator/devices';
import { parseRequest } from './parse-request';

const ROOM_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const id = z.string().regex(DEVICE_ID_PATTERN, {
  error: 'must be 1–64 letters, digits, `.`, `_` or `-`, starting with a letter or digit',
});
const roomId = z.string().regex(ROOM_ID, { error: 'must be a room id' });
const text = (max = 128) => z.string().trim().min(1).max(max);
const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a zone' })
  .transform((s) => new Date(s).toISOString());

const binding = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('device'), deviceId: id }),
  z.strictObject({ kind: z.literal('staff'), staffId: text(64) }),
  z.strictObject({ kind: z.literal('patient'), mrn: text(64), assigningAuthority: text(64).optional() }),
]);

const registration = z
  .strictObject({
    id,
    type: z.enum(DEVICE_TYPES, { error: `must be one of ${DEVICE_TYPES.join(', ')}` }),
    roomId: roomId.optional(),
    label: text().optional(),
    vendor: text().optional(),
    model: text().optional(),
    serial: text().optional(),
    firmware: text(64).optional(),
    networkSegment: text(64).optional(),
    serviceIntervalUses: z.int().min(1).max(10_000_000).optional(),
    serviceIntervalDays: z.int().min(1).max(3650).optional(),
    lastServiceAt: instant.optional(),
    /** Silence longer than this puts the device offline (watchdog). */
    heartbeatSeconds: z.int().min(5).max(86_400).optional(),
    binding: binding.optional(),
  })
  .refine((b) => b.binding === undefined || b.type === 'rtls-tag', {
    error: 'only an rtls-tag has a binding',
    path: ['binding'],
  });

const patch = z
  .strictObject({
    roomId: roomId.nullable().optional(),
    label: text().nullable().optional(),
    vendor: text().nullable().optional(),
    model: text().nullable().optional(),
    serial: text().nullable().optional(),
    networkSegment: text(64).nullable().optional(),
    serviceIntervalUses: z.int().min(1).max(10_000_000).nullable().optional(),
    serviceIntervalDays: z.int().min(1).max(3650).nullable().optional(),
    heartbeatSeconds: z.int().min(5).max(86_400).optional(),
    lifecycle: z.enum(DEVICE_LIFECYCLES).optional(),
    binding: binding.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'name at least one field to change' });

const listQuery = z.strictObject({
  roomId: roomId.optional(),
  type: z.enum(DEVICE_TYPES).optional(),
});

const eventsQuery = z.strictObject({
  kind: z
    .string()
    .regex(/^[a-z][a-z-]{0,31}$/, { error: 'must be an event kind, e.g. security' })
    .optional(),
  before: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const parseRegistration = (body: unknown): DeviceRegistration => parseRequest(registration, body);
export const parseDevicePatch = (body: unknown): DevicePatch => parseRequest(patch, body);
export const parseDeviceList = (query: unknown): z.output<typeof listQuery> => parseRequest(listQuery, query);
export const parseDeviceEvents = (query: unknown): z.output<typeof eventsQuery> => parseRequest(eventsQuery, query);
