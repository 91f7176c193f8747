import { Injectable } from '@nestjs/common';
import { Role } from '../common/auth/role.enum';
import type { ClientContext } from '../common/decorators/client-context.decorator';
import { UnauthorizedError, ValidationFailedError } from '../common/errors/domain.error';
import { SecurityLog } from '../common/logging/security-log';
import { RateLimitExceededError } from '../common/rate-limit/rate-limit.guard';
import { RateLimitOutcome } from '../common/rate-limit/rate-limiter.service';
import { AccountStatus } from '../users/account-status.enum';
import { AccountSuspendedError } from '../users/account.errors';
import { PasswordHasher } from '../users/password-hasher.service';
import { UsersRepository } from '../users/users.repository';
import { LoginDto } from './dto/login.dto';
import { TokenResponse } from './dto/token.response';
import { AccountUnderAttackError, LoginClient, LoginLimits } from './login-limits.service';
import { Sessions } from './sessions/sessions.service';
import { SignInLinks } from './sign-in-link.service';

/** A 401 for a failed login, carrying the limits' state so its answer names them. */
export class LoginFailedError extends UnauthorizedError {
  constructor(readonly rateLimits: RateLimitOutcome[]) {
    super('Incorrect e-mail or password.', 'INVALID_CREDENTIALS');
  }
}

export interface LoginResult {
  token: TokenResponse;
  /** The limits that counted this client, for the `RateLimit` headers. */
  rateLimits: RateLimitOutcome[];
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: Sessions,
    private readonly limits: LoginLimits,
    private readonly signInLinks: SignInLinks,
    private readonly securityLog: SecurityLog,
  ) {}

  /**
   * Wrong e-mail and wrong password take the same time and give the same 401. Failed attempts are limited
   * (see LoginLimits) until their window ends; the account itself is never locked, and a client that
   * signed in before is not refused for strangers' guesses. When new clients are refused because the
   * account is under attack, its owner is e-mailed a one-time sign-in link.
   */
  async login(dto: LoginDto, client: LoginClient, context: ClientContext): Promise<LoginResult> {
    const email = dto.email ?? dto.username;
    if (!email) throw new ValidationFailedError([{ field: 'username', message: 'username or email is required' }]);
    const user = await this.users.findActiveByEmail(email);
    const standing = await this.limits.admit(client, email, user?.id ?? null).catch(async (error: unknown) => {
      if (error instanceof RateLimitExceededError) {
        this.securityLog.record('login.refused', {
          userId: user?.id ?? null,
          client: context,
          detail: error.rateLimits.map((limit) => limit.policy.name).join(','),
        });
      }
      if (error instanceof AccountUnderAttackError && user && (await this.limits.shouldWarnOwner(email))) this.signInLinks.offer(user);
      throw error;
    });
    const valid = user ? await this.hasher.verify(dto.password, user.passwordHash) : await this.hasher.verifyAgainstNothing(dto.password);
    if (!user || !valid) {
      this.securityLog.record('login.failed', { userId: user?.id ?? null, client: context, detail: user ? 'wrong password' : 'unknown account' });
      throw new LoginFailedError(await this.limits.failed(client, email, standing));
    }
    // Only once the password is proven: a stranger cannot learn that an account is suspended.
    if (user.status === AccountStatus.SUSPENDED) throw new AccountSuspendedError();
    return { token: await this.issue(user, client, context, 'password'), rateLimits: standing.rateLimits };
  }

  /** Signs in with a one-time link from the e-mail sent while the account was under attack. */
  async signInWithLink(token: string, client: LoginClient, context: ClientContext): Promise<TokenResponse> {
    const accountId = await this.signInLinks.consume(token);
    const user = await this.users.findActiveById(accountId);
    if (!user) throw new ValidationFailedError([{ field: 'token', message: 'token is invalid, expired or already used' }]);
    if (user.status === AccountStatus.SUSPENDED) throw new AccountSuspendedError();
    return this.issue(user, client, context, 'sign-in link');
  }

  /** Every sign-in opens a session: an access token naming it and its first refresh token. */
  private async issue(user: { id: string; role: Role }, client: LoginClient, context: ClientContext, via: string): Promise<TokenResponse> {
    const [token, deviceToken] = await Promise.all([this.sessions.open(user, context), this.limits.succeeded(client, user.id)]);
    this.securityLog.record('login.succeeded', { userId: user.id, client: context, detail: via });
    return deviceToken ? { ...token, device_token: deviceToken } : token;
  }
}
