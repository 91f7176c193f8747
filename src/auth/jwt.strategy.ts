import { createSecretKey } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AuthUser } from '../common/auth/auth-user';
import { AppConfig } from '../config/app.config';
import { AccountStatus } from '../users/account-status.enum';
import { UsersRepository } from '../users/users.repository';
import { AccessTokenClaims, AccessTokenService } from './access-token.service';
import { isSessionLive } from './sessions/session-state';
import { SessionsRepository } from './sessions/sessions.repository';
import { TokenDenyList } from './token-deny-list';

/** The one route that accepts the token as `?access_token=`: browsers' EventSource cannot send headers. */
export const QUERY_TOKEN_ROUTE = '/notifications/stream';

/**
 * The `access_token` query parameter of a GET to the notification stream, else nothing. The route is the
 * one the router matched (not a prefix of the URL), so no other route can be reached with a token in its
 * URL, where it would end up in browser history, proxies and referrers. Request logs redact it.
 */
export function queryTokenOnStreamRoute(request: { method?: string; routeOptions?: { url?: string }; query?: unknown }): string | null {
  if (request.method !== 'GET' || request.routeOptions?.url !== QUERY_TOKEN_ROUTE) return null;
  const token = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof token === 'string' && token.length > 0 ? token : null;
}

/**
 * Verifies HS256 bearer tokens (the algorithm is pinned: `none` and others are refused), then refuses
 * tokens without every claim, tokens of deleted or suspended accounts, tokens issued before the last password
 * change (or suspension: reactivating an account does not revive its old tokens), and tokens of a session that is
 * over (ended, past its lifetime, begun before the credentials changed). A token from before sessions (no `sid`) is
 * checked against the logged-out tokens instead, until it expires.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly users: UsersRepository,
    private readonly denyList: TokenDenyList,
    private readonly sessions: SessionsRepository,
  ) {
    const auth = config.get('auth', { infer: true });
    super({
      // The header wins when both are present.
      jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), queryTokenOnStreamRoute]),
      // A key object, not the string: given a string, jsonwebtoken first tries to read it as a PEM public key
      // and throws (and catches) on every request before falling back to a secret. It accepts a KeyObject.
      secretOrKey: createSecretKey(Buffer.from(auth.jwtSecret)) as unknown as Buffer,
      algorithms: [auth.jwtAlgorithm],
      ignoreExpiration: false,
    });
  }

  async validate(payload: Partial<AccessTokenClaims>): Promise<AuthUser | false> {
    if (!AccessTokenService.hasRequiredClaims(payload)) return false;
    const { sid } = payload;
    // The lookups at once: a missing account, an ended session or a revoked token fails either way.
    const [user, session, revoked] = await Promise.all([
      this.users.findAccountState(payload.sub),
      sid ? this.sessions.findOpen(sid) : null,
      // A token from before sessions (no sid) is checked against the logged-out tokens instead.
      sid ? false : this.denyList.isRevoked(payload.jti),
    ]);
    if (!user || revoked || user.status === AccountStatus.SUSPENDED) return false;
    if (payload.iat < Math.floor(user.credentialsChangedAt.getTime() / 1000)) return false;
    if (sid && !(session && session.userId === user.id && isSessionLive(session, user.credentialsChangedAt))) return false;
    return { id: user.id, email: user.email, role: user.role, jti: payload.jti, exp: payload.exp, sessionId: sid ?? null };
  }
}
