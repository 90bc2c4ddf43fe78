import { z } from 'zod';
import { isCalendarDate, isCaseId } from '@circulator/contracts';
import { parseRequest } from './parse-request';

const ROOM_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

// Query strings: a repeated name comes as an array, which z.string() refuses.
// Unknown parameters are ignored here, as before: these are CONTRACT §3 routes that clients of
// every kind call (cache-busting parameters included); the engineers' consoles are strict.
const dayQuery = z.object({
  date: z
    .string({ error: 'is required: YYYY-MM-DD' })
    .refine(isCalendarDate, { error: 'must be a real day, YYYY-MM-DD' }),
  roomId: z.string().regex(ROOM_ID, { error: 'must be a room id' }).optional(),
});

const alertAckQuery = z.object({
  caseId: z.string().refine(isCaseId, { error: 'must be a case id' }).optional(),
});

/** `?date=YYYY-MM-DD[&roomId=]` of `GET /api/cases` and `GET /api/kpis`. */
export const parseDayQuery = (query: unknown): z.output<typeof dayQuery> => parseRequest(dayQuery, query);

/** `?caseId=` of `POST /api/alerts/{id}/ack`. */
export const parseAlertAckQuery = (query: unknown): z.output<typeof alertAckQuery> =>
  parseRequest(alertAckQuery, query);
