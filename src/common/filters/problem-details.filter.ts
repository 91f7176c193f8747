import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { SqlState } from '../database/sqlstate';
import { DomainError } from '../errors/domain.error';
import { loggableError } from '../errors/loggable-error';
import { isOutage, OUTAGE_RETRY_AFTER_SECONDS } from '../errors/outage';
import { buildProblem, Problem, PROBLEM_CONTENT_TYPE } from '../errors/problem';
import { rateLimitHeaders } from '../rate-limit/rate-limit.policies';
import type { RateLimitOutcome } from '../rate-limit/rate-limiter.service';

/** PostgreSQL SQLSTATEs that mean "the client's data is wrong", never a server fault. */
const PG_ERRORS: Record<string, { status: number; code: string; detail: string }> = {
  [SqlState.UNIQUE_VIOLATION]: { status: 409, code: 'CONFLICT', detail: 'A resource with these values already exists.' },
  [SqlState.EXCLUSION_VIOLATION]: { status: 409, code: 'CONFLICT', detail: 'This conflicts with an existing resource.' },
  [SqlState.FOREIGN_KEY_VIOLATION]: { status: 409, code: 'CONFLICT', detail: 'A referenced resource does not exist or is still in use.' },
  [SqlState.CHECK_VIOLATION]: { status: 422, code: 'UNPROCESSABLE_ENTITY', detail: 'A value is outside the allowed range.' },
  [SqlState.INVALID_TEXT_REPRESENTATION]: { status: 400, code: 'BAD_REQUEST', detail: 'A value has the wrong format.' },
  [SqlState.NUMERIC_VALUE_OUT_OF_RANGE]: { status: 400, code: 'BAD_REQUEST', detail: 'A number is out of range.' },
  [SqlState.INVALID_DATETIME_FORMAT]: { status: 400, code: 'BAD_REQUEST', detail: 'A date or time has the wrong format.' },
  [SqlState.DATETIME_FIELD_OVERFLOW]: { status: 400, code: 'BAD_REQUEST', detail: 'A date or time is out of range.' },
  [SqlState.STRING_DATA_RIGHT_TRUNCATION]: { status: 400, code: 'BAD_REQUEST', detail: 'A value is too long.' },
  [SqlState.CHARACTER_NOT_IN_REPERTOIRE]: { status: 400, code: 'BAD_REQUEST', detail: 'A value contains a character that cannot be stored (e.g. NUL).' },
};

const logger = new Logger('ProblemDetails');

/** Turns any thrown value into a problem; unknown errors become a generic 500 with no stack and no SQL. */
export function toProblem(exception: unknown, requestId: string): Problem {
  if (exception instanceof DomainError) {
    return buildProblem({ status: exception.status, code: exception.code, detail: exception.message, errors: exception.errors, requestId });
  }
  if (exception instanceof ThrottlerException) {
    return buildProblem({ status: 429, detail: 'Too many requests: try again after the time in Retry-After.', requestId });
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
    // Terminus answers a failed readiness check with the failing indicators under `error`: name them. Nest's
    // own exceptions have a string there ("Not Found"), whose keys are its character indices.
    const error = typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
    const failing = error !== null && typeof error === 'object' ? Object.keys(error) : [];
    const detail = failing.length
      ? `Not ready: ${failing.join(', ')} unavailable.`
      : Array.isArray(message)
        ? message.join('; ')
        : typeof message === 'string'
          ? message
          : exception.message;
    return buildProblem({ status, detail, requestId });
  }
  if (exception instanceof QueryFailedError) {
    const known = PG_ERRORS[(exception.driverError as { code?: string } | undefined)?.code ?? ''];
    if (known) return buildProblem({ ...known, requestId });
  }
  const status = (exception as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own errors (body too large, malformed JSON, wrong media type) carry their status.
    return buildProblem({ status, detail: (exception as Error).message, requestId });
  }
  if (isOutage(exception)) {
    // PostgreSQL (or Redis, where nothing falls back) is down or restarting: the client should retry.
    logger.warn({ error: loggableError(exception), requestId }, 'Dependency unavailable');
    return buildProblem({ status: 503, detail: 'The service is temporarily unavailable: try again after the time in Retry-After.', requestId });
  }
  // Never the error as it is: a database error carries the statement's parameters and the failing row.
  logger.error({ error: loggableError(exception), requestId }, 'Unhandled error');
  return buildProblem({ status: 500, detail: 'An unexpected error occurred.', requestId });
}

export function sendProblem(reply: FastifyReply, problem: Problem): void {
  if (reply.sent) return;
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = toProblem(exception, String(request.id));
    // A rate limit that rejects, and an outage, say when to come back.
    const retryAfterSeconds = (exception as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
    if (typeof retryAfterSeconds === 'number') void reply.header('retry-after', String(retryAfterSeconds));
    else if (problem.status === 503) void reply.header('retry-after', String(OUTAGE_RETRY_AFTER_SECONDS));
    // Limits counted by the service rather than the guard (failed logins) name themselves on its answers.
    const rateLimits = (exception as { rateLimits?: unknown } | null)?.rateLimits;
    if (Array.isArray(rateLimits) && rateLimits.length) void reply.headers(rateLimitHeaders(rateLimits as RateLimitOutcome[]));
    sendProblem(reply, problem);
  }
}
