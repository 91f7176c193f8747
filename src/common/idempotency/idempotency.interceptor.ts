import { createHash } from 'node:crypto';
import {
  applyDecorators,
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  HttpStatus,
  Injectable,
  NestInterceptor,
  SetMetadata,
  Type,
  UseInterceptors,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { ModuleRef, Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { AuthUser } from '../auth/auth-user';
import { UnprocessableError, ValidationFailedError } from '../errors/domain.error';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem';
import { toProblem } from '../filters/problem-details.filter';
import { ApiProblems } from '../openapi/problem.response';
import { IdempotencyClaim, IdempotencyRepository, StoredResponse } from './idempotency.repository';
import { IdempotencyKeyInUseError, IdempotentOutcomes } from './idempotent-outcomes';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const MAX_KEY_LENGTH = 255;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const TTL_MS = 24 * 3_600_000;
/** A request still "in progress" after this long died with its process; its key may be reused. */
const STALE_AFTER_MS = 5 * 60_000;
/** When to ask again about a key whose request is still running and has created nothing yet. */
const IN_PROGRESS_RETRY_AFTER_SECONDS = 5;
const OUTCOMES_METADATA = 'idempotency:outcomes';
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

type ClaimedRequest = FastifyRequest & { user?: AuthUser; idempotencyClaim?: IdempotencyClaim };

/**
 * Stripe's `Idempotency-Key` semantics, per user: the first response is stored and replayed byte for byte
 * (with `Idempotent-Replayed: true`) to a repeat with the same body; the same key with another body is
 * 422; a repeat while the first still runs is 409 with `Retry-After`. Keys live 24 hours. On a route whose
 * requests link the key to what they create (`@Idempotent({ outcomes })`), a key whose request died after
 * creating it is answered, once that resource is settled, with the answer the request would have given,
 * and is never executed a second time.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly keys: IdempotencyRepository,
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<ClaimedRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined || !request.user) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
      return throwError(() => new InvalidIdempotencyKeyError());
    }
    const userId = request.user.id;
    const fingerprint = createHash('sha256')
      .update(`${request.method} ${request.url.split('?')[0]}\n${canonical(request.body ?? null)}`)
      .digest('hex');

    return from(this.keys.reserve(userId, key, fingerprint, TTL_MS, STALE_AFTER_MS)).pipe(
      mergeMap((reservation) => {
        switch (reservation.outcome) {
          case 'mismatch':
            return throwError(() => new IdempotencyKeyReusedError());
          case 'in-progress':
            return throwError(() => new IdempotencyKeyInUseError(IN_PROGRESS_RETRY_AFTER_SECONDS));
          case 'completed':
            return of(replay(reservation.response));
          case 'linked':
            return from(this.answerFromResource(context, request, userId, key, reservation.resourceId)).pipe(mergeMap((response) => of(replay(response))));
          case 'reserved': {
            const claim = { userId, key, claim: reservation.claim };
            request.idempotencyClaim = claim;
            return this.runAndStore(next, request, reply, claim, this.successStatus(context, request.method));
          }
        }
      }),
    );
  }

  /** The status Nest will send for a success: the route's @HttpCode, else 201 for POST and 200 otherwise. */
  private successStatus(context: ExecutionContext, method: string): number {
    return this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? (method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
  }

  /** The settled answer of the request that created `resourceId` (stored, so later replays are the same bytes), or 409 while unsettled. */
  private async answerFromResource(
    context: ExecutionContext,
    request: FastifyRequest,
    userId: string,
    key: string,
    resourceId: string,
  ): Promise<StoredResponse> {
    const source = this.reflector.get<Type<IdempotentOutcomes> | undefined>(OUTCOMES_METADATA, context.getHandler());
    if (!source) throw new IdempotencyKeyInUseError(IN_PROGRESS_RETRY_AFTER_SECONDS);
    const outcome = await this.moduleRef.get(source, { strict: false }).settledOutcome(resourceId);
    if (!outcome.settled) throw new IdempotencyKeyInUseError(outcome.retryAfterSeconds);
    let response: StoredResponse;
    if ('error' in outcome) {
      const problem = toProblem(outcome.error, String(request.id));
      response = { status: problem.status, body: JSON.stringify(problem), contentType: PROBLEM_CONTENT_TYPE };
    } else {
      response = { status: this.successStatus(context, request.method), body: JSON.stringify(outcome.value), contentType: JSON_CONTENT_TYPE };
    }
    return this.keys.completeLinked(userId, key, resourceId, response);
  }

  private runAndStore(next: CallHandler, request: FastifyRequest, reply: FastifyReply, claim: IdempotencyClaim, status: number): Observable<unknown> {
    return next.handle().pipe(
      mergeMap((body: unknown) => {
        // Serialize once and send exactly these bytes, so a replay can be byte-for-byte the same.
        const serialized = JSON.stringify(body);
        void reply.header('content-type', JSON_CONTENT_TYPE);
        return from(this.keys.complete(claim, { status, body: serialized, contentType: JSON_CONTENT_TYPE })).pipe(mergeMap(() => of(serialized)));
      }),
      catchError((error: unknown) => {
        const problem = toProblem(error, String(request.id));
        const settle = REPLAYABLE_ERRORS.has(problem.status)
          ? this.keys.complete(claim, { status: problem.status, body: JSON.stringify(problem), contentType: PROBLEM_CONTENT_TYPE })
          : this.keys.release(claim);
        return from(settle.catch(() => undefined)).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }
}

/** A web Response is sent as it is, status included (the route's @HttpCode would not fit a replayed 402). */
function replay(response: StoredResponse): Response {
  return new Response(response.body, { status: response.status, headers: { 'content-type': response.contentType, 'idempotent-replayed': 'true' } });
}

/**
 * Accepts an optional `Idempotency-Key` header on this route. `outcomes`: the service that answers for a
 * key its request linked to what it created (see `IdempotentOutcomes`).
 */
export function Idempotent(options: { outcomes?: Type<IdempotentOutcomes> } = {}) {
  return applyDecorators(
    ...(options.outcomes ? [SetMetadata(OUTCOMES_METADATA, options.outcomes)] : []),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Up to 255 characters; a repeat replays the first response for 24 h',
      schema: { type: 'string', pattern: '^[\\x21-\\x7e]+$', minLength: 1, maxLength: MAX_KEY_LENGTH },
    }),
    ApiProblems(new InvalidIdempotencyKeyError(), new IdempotencyKeyReusedError(), new IdempotencyKeyInUseError(IN_PROGRESS_RETRY_AFTER_SECONDS)),
  );
}

/** The calling request's hold on its `Idempotency-Key`, or null without one: pass it to the service that links the key. */
export const IdempotencyKeyClaim = createParamDecorator((_: unknown, context: ExecutionContext): IdempotencyClaim | null => {
  return context.switchToHttp().getRequest<ClaimedRequest>().idempotencyClaim ?? null;
});
