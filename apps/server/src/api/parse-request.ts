import { BadRequestException } from '@nestjs/common';
import type { z } from 'zod';

/**
 * Parses a query or body, or throws a 400 that the problem filter answers as RFC 9457 JSON with an
 * `errors` member: one `{pointer, detail}` per problem (RFC 6901 pointers, as the identity API).
 */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    pointer: issue.path.map((key) => '/' + String(key).replaceAll('~', '~0').replaceAll('/', '~1')).join(''),
    detail: issue.message,
  }));
  throw new BadRequestException({
    type: 'urn:circulator:problem:invalid-request',
    title: 'Invalid request',
    detail: errors.map((e) => `${e.pointer === '' ? 'request' : e.pointer.slice(1)}: ${e.detail}`).join('; '),
    errors,
  });
}
