import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import passport from 'passport';
import { JwtStrategy } from '../../auth/jwt.strategy';
import { AuthUser } from '../auth/auth-user';
import { UnauthorizedError } from '../errors/domain.error';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';

/** Global: every route needs a valid bearer token unless marked `@Public()`. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<{ user?: AuthUser }>();
    request.user = await new Promise<AuthUser>((resolve, reject) => {
      // This app's own strategy rather than passport's process-wide registry (`AuthGuard('jwt')`), where the
      // last app built in the process wins: a second instance (tests) has its own database and deny-list.
      // A fresh object per request, as passport does for named strategies, so concurrent requests never share callbacks.
      const strategy = Object.create(this.strategy) as JwtStrategy;
      passport.authenticate(strategy, { session: false }, (error: unknown, user: AuthUser | false) =>
        error || !user ? reject(new UnauthorizedError('A valid bearer token is required.')) : resolve(user),
      )(request, http.getResponse(), reject);
    });
    return true;
  }
}
