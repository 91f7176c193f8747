import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AuthUser } from '../../common/auth/auth-user';
import { Role } from '../../common/auth/role.enum';
import { UnitOfWork } from '../../common/database/unit-of-work';
import type { ClientContext } from '../../common/decorators/client-context.decorator';
import { NotFoundError } from '../../common/errors/domain.error';
import { SecurityLog } from '../../common/logging/security-log';
import { AppConfig } from '../../config/app.config';
import { SessionsEndedEvent } from '../../users/events/sessions-ended.event';
import { UsersRepository } from '../../users/users.repository';
import { AccessTokenService } from '../access-token.service';
import { SessionResponse, toSessionResponse } from '../dto/session.response';
import { TokenResponse } from '../dto/token.response';
import { SessionEndedEvent } from '../events/session-ended.event';
import { TokenDenyList } from '../token-deny-list';
import { generateRefreshToken, hashRefreshToken } from './refresh-token';
import { InvalidRefreshTokenError } from './session-errors';
import { isSessionLive } from './session-state';
import { SessionsRepository } from './sessions.repository';

/** What a refresh came to, decided in its transaction and answered after it committed. */
type RefreshOutcome =
  | { kind: 'rotated'; userId: string; role: Role; session: { id: string; expiresAt: Date } }
  | { kind: 'reused'; userId: string; sessionId: string; ended: boolean }
  | { kind: 'invalid' };

/**
 * Sessions (OAuth 2.0 Security BCP, RFC 9700): a sign-in opens one; its refresh tokens rotate at every use,
 * and a rotated one presented again ends the whole session (whoever holds the newer one is refused too).
 * A session ends at its absolute lifetime, by logout, by `DELETE /auth/sessions/{id}`, or with all the
 * user's sessions when their credentials change (the seam: credentials_changed_at and SessionsEndedEvent).
 */
@Injectable()
export class Sessions {
  private readonly ttlSeconds: number;
  private readonly accessTokenTtlSeconds: number;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly tokens: AccessTokenService,
    private readonly denyList: TokenDenyList,
    private readonly unitOfWork: UnitOfWork,
    private readonly securityLog: SecurityLog,
  ) {
    const auth = config.get('auth', { infer: true });
    this.ttlSeconds = auth.sessionTtlSeconds;
    this.accessTokenTtlSeconds = auth.accessTokenTtlSeconds;
  }

  /** Opens a session for a sign-in: an access token naming it and its first refresh token. */
  async open(user: { id: string; role: Role }, client: ClientContext): Promise<TokenResponse> {
    // Sign-ins are where sessions begin: a cheap place to clear those nothing can use any more.
    await this.sessions.pruneExpired(this.accessTokenTtlSeconds);
    const { token, hash } = generateRefreshToken();
    const session = await this.sessions.open({
      userId: user.id,
      ttlSeconds: this.ttlSeconds,
      userAgent: client.userAgent,
      ip: client.ip,
      refreshTokenHash: hash,
    });
    return this.pair(user, session, token);
  }

  /** A new pair for the current refresh token of a live session; the token presented is spent. */
  async refresh(refreshToken: string, client: ClientContext): Promise<TokenResponse> {
    const presented = hashRefreshToken(refreshToken);
    const next = generateRefreshToken();
    const outcome = await this.unitOfWork.run(async (manager, record): Promise<RefreshOutcome> => {
      const sessionId = await this.sessions.claimCurrentToken(presented, manager);
      if (!sessionId) {
        // Unknown, or rotated already: a token presented twice means two holders, one of them not its owner.
        const owner = await this.sessions.findOwnerOfToken(presented, manager);
        if (!owner) return { kind: 'invalid' };
        const ended = (await this.sessions.end(owner.sessionId, 'refresh_token_reused', manager)) !== null;
        if (ended) record(new SessionEndedEvent(owner.userId, owner.sessionId, 'refresh_token_reused'));
        return { kind: 'reused', ...owner, ended };
      }
      const found = await this.sessions.lockForRefresh(sessionId, manager);
      if (!found || found.session.ended || !found.account.active || !isSessionLive(found.session, found.account.credentialsChangedAt)) {
        // Nothing changes: the rotation above rolls back with this.
        throw new InvalidRefreshTokenError();
      }
      await this.sessions.addToken(sessionId, next.hash, client, manager);
      return { kind: 'rotated', userId: found.session.userId, role: found.account.role, session: { id: sessionId, expiresAt: found.session.expiresAt } };
    });
    switch (outcome.kind) {
      case 'rotated':
        return this.pair({ id: outcome.userId, role: outcome.role }, outcome.session, next.token);
      case 'reused':
        this.securityLog.record('refresh_token.reused', {
          userId: outcome.userId,
          client,
          detail: `session ${outcome.sessionId} ${outcome.ended ? 'ended' : 'had ended already'}`,
        });
        throw new InvalidRefreshTokenError();
      case 'invalid':
        throw new InvalidRefreshTokenError();
    }
  }

  /** Ends the session of the caller's token (a token from before sessions: that token alone). */
  async logout(caller: AuthUser, client: ClientContext): Promise<void> {
    const { sessionId } = caller;
    if (sessionId) await this.endOne(caller.id, sessionId, 'logout');
    // The token itself too: the record of logged-out tokens names every one, with or without a session.
    await this.denyList.revoke(caller.jti, new Date(caller.exp * 1000));
    this.securityLog.record('logout', { userId: caller.id, client, detail: sessionId ? `session ${sessionId}` : 'token without session' });
  }

  /** Ends every session of the caller, this one included, by the credentials seam. */
  async logoutAll(caller: AuthUser, client: ClientContext): Promise<void> {
    await this.unitOfWork.run(async (manager, record) => {
      await this.users.markCredentialsChanged(caller.id, manager);
      record(new SessionsEndedEvent(caller.id, 'logout_all'));
    });
    this.securityLog.record('logout', { userId: caller.id, client, detail: 'every session' });
  }

  /** The caller's live sessions, the most recently used first, the caller's own marked `current`. */
  async list(caller: AuthUser): Promise<SessionResponse[]> {
    const [sessions, account] = await Promise.all([this.sessions.listOpenOf(caller.id), this.users.findAccountState(caller.id)]);
    if (!account) return [];
    const now = Date.now();
    return sessions
      .filter((session) => isSessionLive(session, account.credentialsChangedAt, now))
      .map((session) => toSessionResponse(session, caller.sessionId));
  }

  /** Ends one of the caller's sessions; another's, or one that ended already, is not found. */
  async end(caller: AuthUser, sessionId: string, client: ClientContext): Promise<void> {
    if (!(await this.endOne(caller.id, sessionId, 'ended_by_user'))) throw new NotFoundError('Session');
    this.securityLog.record('session.ended', { userId: caller.id, client, detail: `session ${sessionId}` });
  }

  private endOne(userId: string, sessionId: string, reason: 'logout' | 'ended_by_user'): Promise<boolean> {
    return this.unitOfWork.run(async (manager, record) => {
      if (!(await this.sessions.end(sessionId, reason, manager, userId))) return false;
      record(new SessionEndedEvent(userId, sessionId, reason));
      return true;
    });
  }

  private async pair(user: { id: string; role: Role }, session: { id: string; expiresAt: Date }, refreshToken: string): Promise<TokenResponse> {
    const now = Date.now();
    const access = await this.tokens.issue(user, session, now);
    // The session's remaining life: its whole lifetime at a sign-in (the milliseconds since its row was written aside).
    const remaining = Math.min(this.ttlSeconds, Math.ceil((session.expiresAt.getTime() - now) / 1000));
    return { ...access, refresh_token: refreshToken, refresh_expires_in: Math.max(1, remaining) };
  }
}
