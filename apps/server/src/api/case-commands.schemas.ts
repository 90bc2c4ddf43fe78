import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { MILESTONE_KEYS, VITAL_NAMES } from '@circulator/contracts';
import { CHECKLIST_PHASES } from '@circulator/domain';
import { parseRequest } from './parse-request';

// Kept as the engine keeps every instant: UTC, milliseconds (one spelling per instant).
const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a zone, e.g. 2026-11-23T08:00:00Z' })
  .transform((s) => new Date(s).toISOString());
const reason = z.string().trim().min(3, { error: 'must say why (at least 3 characters)' }).max(500);

const milestoneBody = z.strictObject({
  milestone: z.enum(MILESTONE_KEYS, { error: `must be one of ${MILESTONE_KEYS.join(', ')}` }),
  /** When it happened; absent: now. null withdraws the person's own entry. */
  at: instant.nullable().optional(),
  reason: reason.optional(),
});

const checklistBody = z.strictObject({
  phase: z.enum(CHECKLIST_PHASES, { error: `must be one of ${CHECKLIST_PHASES.join(', ')}` }),
  /** false withdraws a record made in error. */
  completed: z.boolean().optional(),
  /** When it was done; absent: now. */
  at: instant.optional(),
  note: z.string().trim().max(500).optional(),
});

const scheduleBody = z
  .strictObject({
    roomId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, { error: 'must be a room id' })
      .optional(),
    scheduledStart: instant.optional(),
    scheduledEnd: instant.optional(),
    reason: reason.optional(),
  })
  .refine((b) => b.roomId !== undefined || b.scheduledStart !== undefined || b.scheduledEnd !== undefined, {
    error: 'name at least one of roomId, scheduledStart, scheduledEnd',
  });

/** A limit in the vital's display unit (°C, mmHg, %, /min); null turns it off. */
const limitValue = z.number({ error: 'must be a number, or null to turn the limit off' }).finite().nullable();
const seconds = z.number({ error: 'must be a number of seconds' }).int().min(0).max(86_400);

const vitalOverride = z
  .strictObject({
    low: limitValue.optional(),
    high: limitValue.optional(),
    criticalLow: limitValue.optional(),
    criticalHigh: limitValue.optional(),
    sustainSeconds: seconds.optional(),
    staleSeconds: seconds.optional(),
  })
  .refine((o) => o.low == null || o.high == null || o.low < o.high, { error: 'low must be below high' })
  .refine((o) => o.criticalLow == null || o.low == null || o.criticalLow <= o.low, {
    error: 'criticalLow must not be above low',
  })
  .refine((o) => o.criticalHigh == null || o.high == null || o.criticalHigh >= o.high, {
    error: 'criticalHigh must not be below high',
  });

const limitsBody = z.strictObject({
  /** Per vital (CONTRACT §3 names); `{}` goes back to the site's limits. */
  limits: z.partialRecord(z.enum(VITAL_NAMES, { error: `must be one of ${VITAL_NAMES.join(', ')}` }), vitalOverride),
  reason: reason,
});

export type MilestoneBody = z.output<typeof milestoneBody>;
export type LimitsBody = z.output<typeof limitsBody>;
export const parseLimitsBody = (body: unknown): LimitsBody => parseRequest(limitsBody, body);
export type ChecklistBody = z.output<typeof checklistBody>;
export type ScheduleBody = z.output<typeof scheduleBody>;

export const parseMilestoneBody = (body: unknown): MilestoneBody => parseRequest(milestoneBody, body);
export const parseChecklistBody = (body: unknown): ChecklistBody => parseRequest(checklistBody, body);
export const parseScheduleBody = (body: unknown): ScheduleBody => parseRequest(scheduleBody, body);

/** `Idempotency-Key`: what a client may send so that a retried request is applied once. */
export function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (/^[\x21-\x7e]{1,128}$/.test(header)) return header;
  throw new BadRequestException({
    type: 'urn:circulator:problem:invalid-request',
    title: 'Invalid request',
    detail: 'Idempotency-Key must be 1 to 128 visible ASCII characters',
  });
}
