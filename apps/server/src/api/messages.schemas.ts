import { z } from 'zod';
import { isCaseId } from '@circulator/contracts';
import {
  INBOX_STATUSES,
  MESSAGE_PAGE_MAX,
  isInboxId,
  type MessagePageRequest,
  type MessageSearchFilter,
} from '@circulator/persistence';
import { parseRequest as parse } from './parse-request';

/** The most ids one `POST /api/messages/reprocess` may name (ReprocessService's bound). */
export const REPROCESS_BODY_MAX = 1000;

const inboxId = z.string().refine(isInboxId, { error: 'must be a message id' });
// Query strings: one value, or the same name repeated (Express then gives an array).
const single = z.string().trim().min(1);
const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a zone, e.g. 2026-11-23T08:00:00Z' })
  .transform((s) => new Date(s));
// MSH-9: the code (e.g. SIU), or code^trigger (SIU^S12) as the inbox stores it.
const messageType = z.string().regex(/^[A-Za-z0-9_]{1,10}(\^[A-Za-z0-9_]{0,10})?$/, {
  error: 'must be a message code (SIU) or code^trigger (SIU^S12)',
});
const statuses = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()))
  .pipe(z.array(z.enum(INBOX_STATUSES)).min(1));

const filterShape = {
  mrn: single.max(64).optional(),
  caseId: z.string().refine(isCaseId, { error: 'must be a case id' }).optional(),
  type: messageType.optional(),
  // MSH-10 as the sender wrote it (some put spaces in it): matched exactly, never trimmed.
  controlId: z.string().min(1).max(199).optional(),
  interface: single.max(200).optional(),
  sender: single.max(400).optional(),
  from: instant.optional(),
  to: instant.optional(),
  before: inboxId.optional(),
  limit: z.coerce.number().int().min(1).max(MESSAGE_PAGE_MAX).optional(),
};

const fromBeforeTo = (q: { from?: Date | undefined; to?: Date | undefined }) => !q.from || !q.to || q.from < q.to;
const fromBeforeToError = { error: 'from must be before to', path: ['to'] };

// Unknown parameters are refused rather than ignored: a console that sends `q=` (there is no free
// text search over patient data) or misspells `controlId` must hear about it.
const searchQuery = z
  .strictObject({ ...filterShape, status: statuses.optional() })
  .refine(fromBeforeTo, fromBeforeToError);

const errorsQuery = z
  .strictObject({
    ...filterShape,
    stuckAfterMinutes: z.coerce
      .number()
      .positive()
      .max(7 * 24 * 60)
      .optional(),
  })
  .refine(fromBeforeTo, fromBeforeToError);

const statsQuery = z.strictObject({
  windowMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
});

const uploadQuery = z.strictObject({
  interface: single.max(200).optional(),
});

const reprocessBody = z.strictObject({
  ids: z
    .array(z.union([inboxId, z.number().int().positive().max(Number.MAX_SAFE_INTEGER).transform(String)]))
    .min(1, { error: 'must name at least one message' })
    .max(REPROCESS_BODY_MAX, { error: `at most ${REPROCESS_BODY_MAX} messages at once` }),
});

export interface SearchRequest {
  filter: MessageSearchFilter;
  page: MessagePageRequest;
}

export interface ErrorsRequest extends SearchRequest {
  stuckAfterMinutes?: number;
}

export function parseSearchQuery(query: unknown): SearchRequest {
  const q = parse(searchQuery, query);
  return { filter: { ...filterOf(q), ...(q.status ? { status: q.status } : {}) }, page: pageOf(q) };
}

export function parseErrorsQuery(query: unknown): ErrorsRequest {
  const q = parse(errorsQuery, query);
  return {
    filter: filterOf(q),
    page: pageOf(q),
    ...(q.stuckAfterMinutes !== undefined ? { stuckAfterMinutes: q.stuckAfterMinutes } : {}),
  };
}

export function parseStatsQuery(query: unknown): { windowSeconds: number } {
  return { windowSeconds: (parse(statsQuery, query).windowMinutes ?? 60) * 60 };
}

/** `?interface=` of `POST /api/messages/upload` (the body is HL7 bytes, checked by the controller). */
export function parseUploadQuery(query: unknown): { interface?: string } {
  return parse(uploadQuery, query);
}

export function parseReprocessBody(body: unknown): { ids: string[] } {
  return parse(reprocessBody, body);
}

type FilterInput = z.output<z.ZodObject<typeof filterShape>>;

function filterOf(q: FilterInput): MessageSearchFilter {
  const filter: MessageSearchFilter = {};
  if (q.mrn !== undefined) filter.mrn = q.mrn;
  if (q.caseId !== undefined) filter.caseId = q.caseId;
  if (q.type !== undefined) filter.type = q.type;
  if (q.controlId !== undefined) filter.controlId = q.controlId;
  if (q.interface !== undefined) filter.interfaceName = q.interface;
  if (q.sender !== undefined) filter.sender = q.sender;
  if (q.from !== undefined) filter.from = q.from;
  if (q.to !== undefined) filter.to = q.to;
  return filter;
}

function pageOf(q: FilterInput): MessagePageRequest {
  return {
    ...(q.before !== undefined ? { before: q.before } : {}),
    ...(q.limit !== undefined ? { limit: q.limit } : {}),
  };
}
