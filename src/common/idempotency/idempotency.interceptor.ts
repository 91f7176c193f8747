import { createHash } from 'node:crypto';
import { applyDecorators, CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor, UseInterceptors } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { AuthUser } from '../auth/auth-user';
import { ConflictError, UnprocessableError, ValidationFailedError } from '../errors/domain.error';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem';
import { toProblem } from '../filters/problem-details.filter';
import { ApiProblems } from '../openapi/problem.response';
import { IdempotencyRepository } from './idempotency.repository';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const MAX_KEY_LENGTH = 255;
const TTL_MS = 24 * 3_600_000;
/** A request still "in progress" after this long died with its process; its key may be reused. */
const STALE_AFTER_MS = 5 * 60_000;
/** Outcomes worth replaying: the endpoint ran. Validation failures and server errors are not stored. */
export class InvalidIdempotencyKeyError extends ValidationFailedError {
  constructor() {
    super([{ field: 'Idempotency-Key', message: `must be 1 to ${MAX_KEY_LENGTH} visible ASCII characters` }]);
  }
}

export class IdempotencyKeyReusedError extends UnprocessableError {
  constructor() {
    super('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request.');
  }
}

export class IdempotencyKeyInUseError extends ConflictError {
  constructor() {
    super('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed.');
  }
}

const REPLAYABLE_ERRORS = new Set<number>([HttpStatus.PAYMENT_REQUIRED, HttpStatus.CONFLICT]);

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Stripe's `Idempotency-Key` semantics, per user: the first response is stored and replayed byte for byte
 * (with `Idempotent-Replayed: true`) to a repeat with the same body; the same key with another body is
 * 422; a repeat while the first still runs is 409. Keys live 24 hours.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly keys: IdempotencyRepository,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined || !request.user) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
      return throwError(() => new InvalidIdempotencyKeyError());
    }
    const userId = request.user.id;
    const fingerprint = createHash('sha256').update(`${request.method} ${request.url.split('?')[0]}\n${canonical(request.body ?? null)}`).digest('hex');

    return from(this.keys.reserve(userId, key, fingerprint, TTL_MS, STALE_AFTER_MS)).pipe(
      mergeMap((reservation) => {
        switch (reservation.outcome) {
          case 'mismatch':
            return throwError(() => new IdempotencyKeyReusedError());
          case 'in-progress':
            return throwError(() => new IdempotencyKeyInUseError());
          case 'completed': {
            // A web Response is sent as it is, status included (the route's @HttpCode would not fit a replayed 402).
            const { response } = reservation;
            const headers = { 'content-type': response.contentType, 'idempotent-replayed': 'true' };
            return of(new Response(response.body, { status: response.status, headers }));
          }
          case 'reserved':
            return this.runAndStore(next, request, reply, userId, key, this.successStatus(context, request.method));
        }
      }),
    );
  }

  /** The status Nest will send for a success: the route's @HttpCode, else 201 for POST and 200 otherwise. */
  private successStatus(context: ExecutionContext, method: string): number {
    return this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? (method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
  }

  private runAndStore(next: CallHandler, request: FastifyRequest, reply: FastifyReply, userId: string, key: string, status: number): Observable<unknown> {
    return next.handle().pipe(
      mergeMap((body: unknown) => {
        // Serialize once and send exactly these bytes, so a replay can be byte-for-byte the same.
        const serialized = JSON.stringify(body);
        const contentType = 'application/json; charset=utf-8';
        void reply.header('content-type', contentType);
        return from(this.keys.complete(userId, key, { status, body: serialized, contentType })).pipe(mergeMap(() => of(serialized)));
      }),
      catchError((error: unknown) => {
        const problem = toProblem(error, String(request.id));
        const settle = REPLAYABLE_ERRORS.has(problem.status)
          ? this.keys.complete(userId, key, { status: problem.status, body: JSON.stringify(problem), contentType: PROBLEM_CONTENT_TYPE })
          : this.keys.release(userId, key);
        return from(settle.catch(() => undefined)).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }
}

/** Accepts an optional `Idempotency-Key` header on this route. */
export function Idempotent() {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Up to 255 characters; a repeat replays the first response for 24 h',
      schema: { type: 'string', pattern: '^[\\x21-\\x7e]+$', minLength: 1, maxLength: MAX_KEY_LENGTH },
    }),
    ApiProblems(new InvalidIdempotencyKeyError(), new IdempotencyKeyReusedError(), new IdempotencyKeyInUseError()),
  );
}
