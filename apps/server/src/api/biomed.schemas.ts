import { z } from 'zod';
import { parseRequest } from './parse-request';

const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a zone, e.g. 2026-11-01T00:00:00Z' })
  .transform((s) => new Date(s));

/** `?from&to` of the compliance export (CSV and report): the period, either end open; `to` excluded. */
const complianceQuery = z
  .strictObject({ from: instant.optional(), to: instant.optional() })
  .refine((q) => !q.from || !q.to || q.from < q.to, { error: 'from must be before to', path: ['to'] });

export type ComplianceQuery = z.output<typeof complianceQuery>;

export const parseComplianceQuery = (query: unknown): ComplianceQuery => parseRequest(complianceQuery, query);
