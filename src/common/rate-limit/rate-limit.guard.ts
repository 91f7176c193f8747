import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthUser } from '../auth/auth-user';
import { RATE_LIMIT_KEY, RateLimitRule } from './rate-limit.decorator';
import { policyHeader, stateHeader } from './rate-limit.policies';
import { RateLimiter, RateLimitOutcome } from './rate-limiter.service';

export type RateLimitedRequest = FastifyRequest & { user?: AuthUser; rateLimited?: boolean };

/**
 * 429 with `Retry-After`; the filter renders it as problem+json, with the `RateLimit` headers of
 * `rateLimits` (the policies that refused) when given.
 */
export class RateLimitExceededError extends ThrottlerException {
  constructor(
    readonly retryAfterSeconds: number,
    readonly rateLimits: RateLimitOutcome[] = [],
  ) {
    super('Too many requests: try again after the time in Retry-After.');
  }
}

function keyOf(rule: RateLimitRule, request: RateLimitedRequest): string | null {
  switch (rule.by) {
    case 'ip':
      // request.ip is the socket address unless TRUST_PROXY names the proxies in front.
      return request.ip;
    case 'user':
      return request.user?.id ?? request.ip;
    case 'email': {
      const email =
        (request.body as { email?: unknown; username?: unknown } | undefined)?.email ?? (request.body as { username?: unknown } | undefined)?.username;
      return typeof email === 'string' ? email.trim().toLowerCase() : null;
    }
  }
}

/**
 * Global, after authentication and roles: counts routes marked `@RateLimit(...)`. Every limited response
 * carries `RateLimit-Policy` and `RateLimit`; past a limit the answer is 429 with `Retry-After` (or, in
 * `flag` mode, the request goes on marked `rateLimited`).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.limiter.enabled) return true;
    const rules = this.reflector.getAllAndOverride<RateLimitRule[] | undefined>(RATE_LIMIT_KEY, [context.getHandler(), context.getClass()]);
    if (!rules?.length) return true;
    const request = context.switchToHttp().getRequest<RateLimitedRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const outcomes: Array<{ rule: RateLimitRule; outcome: RateLimitOutcome }> = [];
    for (const rule of rules) {
      const key = keyOf(rule, request);
      if (key !== null) outcomes.push({ rule, outcome: await this.limiter.hit(rule.policy, key) });
    }
    if (!outcomes.length) return true;
    void reply.header('ratelimit-policy', outcomes.map(({ outcome }) => policyHeader(outcome.policy)).join(', '));
    void reply.header('ratelimit', outcomes.map(({ outcome }) => stateHeader(outcome.policy, outcome.remaining, outcome.resetSeconds)).join(', '));
    const exceeded = outcomes.filter(({ outcome }) => !outcome.allowed);
    if (!exceeded.length) return true;
    if (exceeded.every(({ rule }) => rule.mode === 'flag')) {
      request.rateLimited = true;
      return true;
    }
    const retryAfter = Math.max(1, Math.ceil(Math.max(...exceeded.map(({ outcome }) => outcome.resetSeconds))));
    void reply.header('retry-after', String(retryAfter));
    throw new RateLimitExceededError(retryAfter);
  }
}
