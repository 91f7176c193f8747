import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { RateLimitedRequest } from './rate-limit.guard';

/** True when a `flag`-mode rate limit was exceeded by this request. */
export const IsRateLimited = createParamDecorator(
  (_: unknown, context: ExecutionContext): boolean => context.switchToHttp().getRequest<RateLimitedRequest>().rateLimited === true,
);
