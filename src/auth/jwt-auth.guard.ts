import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import passport from 'passport';
import { AuthUser } from '../common/auth/auth-user';
import { IS_PUBLIC_KEY } from '../common/decorators/public.decorator';
import { UnauthorizedError } from '../common/errors/domain.error';
import { JwtStrategy } from './jwt.strategy';
import { isOutage } from '../common/errors/outage';

/**
 * Global: every route needs a valid bearer token unless marked `@Public()`. On a public route a token is
 * optional: a valid one identifies the caller (a provider browsing their own listings), an invalid one
 * leaves the request anonymous.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    const http = context.switchToHttp();
    const request = http.getRequest<{ headers: Record<string, unknown>; user?: AuthUser }>();
    if (!isPublic) {
      request.user = await this.authenticate(request, http.getResponse());
    } else if (request.headers.authorization) {
      request.user = await this.authenticate(request, http.getResponse()).catch(() => undefined);
    }
    return true;
  }

  private authenticate(request: object, response: unknown): Promise<AuthUser> {
    return new Promise<AuthUser>((resolve, reject) => {
      // This app's own strategy rather than passport's process-wide registry (`AuthGuard('jwt')`), where the
      // last app built in the process wins: a second instance (tests) has its own database and deny-list.
      // A fresh object per request, as passport does for named strategies, so concurrent requests never share callbacks.
      const strategy = Object.create(this.strategy) as JwtStrategy;
      const middleware = passport.authenticate(strategy, { session: false }, (error: unknown, user: AuthUser | false) =>
        // A dependency that cannot answer is not a bad token: the filter answers 503, and clients keep their users signed in.
        error instanceof Error && isOutage(error)
          ? reject(error)
          : error || !user
            ? reject(new UnauthorizedError('A valid bearer token is required.'))
            : resolve(user),
      ) as (request: object, response: unknown, next: (error: unknown) => void) => void;
      middleware(request, response, reject);
    });
  }
}
