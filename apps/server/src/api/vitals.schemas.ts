import { z } from 'zod';
import { parseRequest } from './parse-request';

/** An instant with its offset (RFC 3339), as every time of the API. */
const instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/, {
    error: 'must be an ISO 8601 instant with an offset, e.g. 2026-11-21T08:00:00Z',
  })
  .refine((v) => !Number.isNaN(Date.parse(v)), { error: 'is not a real instant' })
  .transform((v) => new Date(v));

/** The widest window one request may ask for, per step: raw readings are many. */
export const VITALS_MAX_WINDOW_MS = { raw: 24 * 3_600_000, '1m': 31 * 24 * 3_600_000 } as const;

const vitalsQuery = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    step: z.enum(['raw', '1m'], { error: 'must be raw or 1m' }).default('1m'),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { error: 'from must be before to', path: ['to'] })
  .refine((q) => !q.from || !q.to || q.to.getTime() - q.from.getTime() <= VITALS_MAX_WINDOW_MS[q.step], {
    error: 'the window is too wide for this step: at most 24 h of raw readings, 31 days of minutes',
    path: ['to'],
  });

export type VitalsQuery = z.output<typeof vitalsQuery>;

/** `?from&to&step` of `GET /api/cases/{id}/vitals`. */
export const parseVitalsQuery = (query: unknown): VitalsQuery => parseRequest(vitalsQuery, query);
