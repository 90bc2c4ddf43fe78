import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Injectable, Logger } from '@nestjs/common';
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';
import { IdentityError, problemForIdentityError } from '@circulator/identity';
import { operationOutcome } from '../outbound/bundle.builder';
import { FhirError, outcomeForFhirError } from './fhir.error';

/** R4 §3.1.0.4: FHIR answers (errors included) are `application/fhir+json`. */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

interface HttpResponse {
  headersSent: boolean;
  setHeader(name: string, value: string): void;
  status(code: number): HttpResponse;
  send(body: string): void;
  end(): void;
}

/** R4 issue type of an HTTP status the platform answers (R4 http.html#2.21.0.4). */
function issueOf(status: number): OperationOutcomeIssue['code'] {
  switch (status) {
    case 401:
      return 'login';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 405:
    case 406:
      return 'not-supported';
    case 413:
      return 'too-long';
    case 429:
      return 'throttled';
    default:
      return status >= 500 ? 'exception' : 'invalid';
  }
}

/**
 * Answers every error of the FHIR routes as an OperationOutcome (R4 §3.1.0.4) instead of the
 * platform's RFC 9457 problem: the façade's own {@link FhirError}, the access guard's 401/403
 * (with `WWW-Authenticate: Bearer`, RFC 6750 §3), the rate limit's 429 (its `Retry-After` is
 * already set), and anything else as a 500 whose diagnostics carry an error id that is logged
 * with the stack.
 */
@Catch()
@Injectable()
export class OperationOutcomeFilter implements ExceptionFilter {
  private readonly logger = new Logger(OperationOutcomeFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<HttpResponse>();
    const { status, outcome } = this.toOutcome(exception);
    if (response.headersSent) {
      response.end();
      return;
    }
    response.setHeader('Content-Type', FHIR_JSON);
    if (status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="circulator"');
    // RFC 9110 §15.5.6: a 405 lists the methods the resource has.
    if (status === 405) response.setHeader('Allow', 'GET, HEAD');
    response.status(status).send(JSON.stringify(outcome));
  }

  toOutcome(exception: unknown): { status: number; outcome: OperationOutcome } {
    if (exception instanceof FhirError) {
      const { status, issue } = outcomeForFhirError(exception.code);
      return { status, outcome: operationOutcome('error', issue, exception.message, exception.expression) };
    }
    if (exception instanceof IdentityError) {
      const { status } = problemForIdentityError(exception.code);
      if (status < 500) return { status, outcome: operationOutcome('error', issueOf(status), exception.message) };
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      return { status, outcome: operationOutcome('error', issueOf(status), detailOf(exception)) };
    }
    const errorId = randomUUID();
    const stack = exception instanceof Error ? exception.stack : String(exception);
    this.logger.error(`errorId=${errorId} ${exception instanceof Error ? exception.message : typeof exception}`, stack);
    return {
      status: 500,
      outcome: operationOutcome('error', 'exception', `An unexpected error occurred (error id ${errorId}).`),
    };
  }
}

function detailOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const b = body as Record<string, unknown>;
  const detail = b['detail'] ?? b['message'];
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.map(String).join('; ');
  return exception.message;
}
