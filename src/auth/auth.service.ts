import { Injectable } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { UnauthorizedError, ValidationFailedError } from '../common/errors/domain.error';
import { RateLimitExceededError } from '../common/rate-limit/rate-limit.guard';
import { RateLimiter } from '../common/rate-limit/rate-limiter.service';
import { PasswordHasher } from '../users/password-hasher.service';
import { UsersRepository } from '../users/users.repository';
import { AccessTokenService } from './access-token.service';
import { LoginDto } from './dto/login.dto';
import { TokenResponse } from './dto/token.response';
import { TokenDenyList } from './token-deny-list';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: AccessTokenService,
    private readonly denyList: TokenDenyList,
    private readonly limiter: RateLimiter,
  ) {}

  /**
   * Wrong e-mail and wrong password take the same time and give the same 401. Failed attempts on one
   * e-mail, from any address, are limited (LOGIN_ACCOUNT_RATE_LIMIT) until their window ends; the account
   * itself is never locked.
   */
  async login(dto: LoginDto): Promise<TokenResponse> {
    const email = dto.email ?? dto.username;
    if (!email) throw new ValidationFailedError([{ field: 'username', message: 'username or email is required' }]);
    if (this.limiter.enabled) {
      const failures = await this.limiter.failures('loginAccount', email);
      if (!failures.allowed) throw new RateLimitExceededError(Math.max(1, Math.ceil(failures.resetSeconds)));
    }
    const user = await this.users.findActiveByEmail(email);
    const valid = user ? await this.hasher.verify(dto.password, user.passwordHash) : await this.hasher.verifyAgainstNothing(dto.password);
    if (!user || !valid) {
      if (this.limiter.enabled) await this.limiter.recordFailure('loginAccount', email);
      throw new UnauthorizedError('Incorrect e-mail or password.', 'INVALID_CREDENTIALS');
    }
    return this.tokens.issue(user);
  }

  async logout(user: AuthUser): Promise<void> {
    await this.denyList.revoke(user.jti, new Date(user.exp * 1000));
  }
}
