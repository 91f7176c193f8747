import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { ApiProblems, platformProblem } from '../openapi/problem.response';
import { RateLimitKey, RateLimitPolicyName } from './rate-limit.policies';

export const RATE_LIMIT_KEY = 'rateLimit';
/** The OpenAPI extension naming an operation's rate limit policies: its answers carry the RateLimit headers. */
export const RATE_LIMIT_EXTENSION = 'x-rate-limits';

export interface RateLimitRule {
  policy: RateLimitPolicyName;
  by: RateLimitKey;
  /**
   * `reject` answers 429; `flag` lets the request through marked `rateLimited` (for answers that must not
   * reveal anything, like a password reset request, which stays 202 but sends nothing).
   */
  mode: 'reject' | 'flag';
}

/** Counts this route against the named `*_RATE_LIMIT`s; the response carries the IETF RateLimit headers. */
export const RateLimit = (...rules: Array<Pick<RateLimitRule, 'policy' | 'by'> & Partial<Pick<RateLimitRule, 'mode'>>>) =>
  applyDecorators(
    SetMetadata(
      RATE_LIMIT_KEY,
      rules.map((rule): RateLimitRule => ({ mode: 'reject', ...rule })),
    ),
    ApiExtension(
      RATE_LIMIT_EXTENSION,
      rules.map((rule) => rule.policy),
    ),
    // A `flag` rule lets the request through: only a `reject` rule answers 429.
    ...(rules.some((rule) => (rule.mode ?? 'reject') === 'reject')
      ? [ApiProblems(platformProblem(429, 'RATE_LIMITED', 'Too many requests: try again after the time in Retry-After.'))]
      : []),
  );
