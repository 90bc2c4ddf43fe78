import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { IdentityError, problemForIdentityError } from './identity.error';

/** An RFC 9457 problem details object, with any extension members. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Present on 500 answers: the same id is in the server log next to the stack. */
  errorId?: string;
  [extension: string]: unknown;
}

/** RFC 9457 §3: the media type of a problem details answer. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

// Members of Nest's default exception bodies that the problem's own members replace.
const REPLACED_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'statusCode', 'message', 'errorId', 'instance']);

/**
 * Answers every HTTP error as `application/problem+json` (RFC 9457): `{type, title, status, detail}`.
 *
 * - {@link IdentityError}: its code decides type, title and status.
 * - `HttpException`: keeps its status; a body that already carries `type`/`title` keeps them (so
 *   other libs can throw typed problems), other object members survive as extension members
 *   (e.g. the readiness report of a 503).
 * - Anything else is a bug: 500 with a random `errorId` that is logged with the stack, and a
 *   detail that says nothing about internals.
 */
@Catch()
@Injectable()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // Socket.io and RPC errors have their own shapes (CONTRACT §7 acks); leave them to Nest.
    if (host.getType() !== 'http') throw exception;
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    const problem = this.toProblem(exception);
    if (httpAdapter.isHeadersSent(response)) {
      // Too late to change status or body: cut the answer short so the client sees a failure.
      httpAdapter.end(response);
      return;
    }
    httpAdapter.setHeader(response, 'Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    // RFC 6750 §3: a 401 for a bearer-protected resource names the scheme to use.
    if (problem.status === 401) httpAdapter.setHeader(response, 'WWW-Authenticate', 'Bearer realm="circulator"');
    httpAdapter.reply(response, problem, problem.status);
  }

  /** The problem an exception answers with (logging 5xx with an error id). */
  toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof IdentityError) {
      const { type, title, status } = problemForIdentityError(exception.code);
      const problem: ProblemDetails = { type, title, status, detail: exception.message };
      if (exception.errors.length > 0) problem['errors'] = exception.errors;
      return status >= 500 ? this.logged(problem, exception) : problem;
    }
    if (exception instanceof HttpException) {
      const problem = fromHttpException(exception);
      // A deliberate 500 is a bug report; 502/503/504 are states of a dependency (a readiness
      // probe answers 503 every few seconds while Redis is down) and are not logged as errors.
      return problem.status === 500 ? this.logged(problem, exception) : problem;
    }
    return this.logged(
      { type: 'about:blank', title: titleOf(500), status: 500, detail: 'An unexpected error occurred.' },
      exception,
    );
  }

  private logged(problem: ProblemDetails, exception: unknown): ProblemDetails {
    const errorId = randomUUID();
    const stack = exception instanceof Error ? exception.stack : String(exception);
    this.logger.error(`errorId=${errorId} ${problem.status} ${describeError(exception)}`, stack);
    const detail = problem.detail.includes(errorId) ? problem.detail : `${problem.detail} (error id ${errorId})`;
    return { ...problem, detail, errorId };
  }
}

function fromHttpException(exception: HttpException): ProblemDetails {
  const status = exception.getStatus();
  const body = exception.getResponse();
  if (typeof body === 'string') return { type: 'about:blank', title: titleOf(status), status, detail: body };
  const b = body as Record<string, unknown>;
  const hasOwnType = typeof b['type'] === 'string' && typeof b['title'] === 'string';
  const problem: ProblemDetails = {
    type: hasOwnType ? (b['type'] as string) : 'about:blank',
    // RFC 9457 §4.2.1: with `about:blank` the title is the status code's reason phrase.
    title: hasOwnType ? (b['title'] as string) : titleOf(status),
    status,
    detail: detailOf(b) ?? exception.message,
  };
  for (const [key, value] of Object.entries(b)) {
    // Nest's bodies repeat the reason phrase as a string `error`; an object `error` is data
    // (e.g. @nestjs/terminus's map of what is down) and is kept.
    if (REPLACED_MEMBERS.has(key) || (key === 'error' && typeof value === 'string')) continue;
    problem[key] = value;
  }
  return problem;
}

function detailOf(body: Record<string, unknown>): string | undefined {
  const detail = body['detail'] ?? body['message'];
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.map(String).join('; ');
  return undefined;
}

function titleOf(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

function describeError(exception: unknown): string {
  if (exception instanceof Error) return `${exception.name}: ${exception.message}`;
  return typeof exception;
}
