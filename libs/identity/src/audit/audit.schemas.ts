import { z } from 'zod';
import { parseBody } from '../identity.schemas';
import type { AuditFilter, AuditPageRequest } from './audit-log.repository';

/** Default and largest page of `GET /api/audit`. */
export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 1000;
/** Default and largest page of `GET /api/audit/export` (a Bundle is built in memory). */
export const AUDIT_EXPORT_DEFAULT = 1000;
export const AUDIT_EXPORT_MAX = 5000;

const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a zone, e.g. 2026-11-23T08:00:00Z' })
  .transform((s) => new Date(s));
const text = z.string().min(1).max(200);
const auditId = z.string().regex(/^[1-9][0-9]{0,17}$/, { error: 'must be an audit entry id' });

const filterShape = {
  from: instant.optional(),
  to: instant.optional(),
  actor: text.optional(),
  action: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, { error: 'must be an action, e.g. cases.read' })
    .optional(),
  targetType: text.optional(),
  targetId: text.optional(),
  before: auditId.optional(),
};

const fromBeforeTo = (q: { from?: Date | undefined; to?: Date | undefined }) => !q.from || !q.to || q.from < q.to;
const fromBeforeToError = { error: 'from must be before to', path: ['to'] };

// Unknown parameters are refused rather than ignored: a misspelt filter would widen the answer.
const searchQuery = z
  .strictObject({ ...filterShape, limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).optional() })
  .refine(fromBeforeTo, fromBeforeToError);
const exportQuery = z
  .strictObject({ ...filterShape, limit: z.coerce.number().int().min(1).max(AUDIT_EXPORT_MAX).optional() })
  .refine(fromBeforeTo, fromBeforeToError);

/** A validated query of the audit trail. */
export interface AuditQuery {
  filter: AuditFilter;
  page: AuditPageRequest;
}

/** `GET /api/audit` query, or an `invalid_request` problem naming each bad parameter. */
export function parseAuditSearch(query: unknown): AuditQuery {
  return split(parseBody(searchQuery, query), AUDIT_PAGE_DEFAULT);
}

/** `GET /api/audit/export` query (the same filters, larger pages). */
export function parseAuditExport(query: unknown): AuditQuery {
  return split(parseBody(exportQuery, query), AUDIT_EXPORT_DEFAULT);
}

function split(q: z.output<typeof searchQuery>, defaultLimit: number): AuditQuery {
  const { before, limit, ...filter } = q;
  return { filter, page: { limit: limit ?? defaultLimit, before } };
}
