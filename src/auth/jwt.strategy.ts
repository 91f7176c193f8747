import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AuthUser } from '../common/auth/auth-user';
import { AppConfig } from '../config/app.config';
import { UsersRepository } from '../users/users.repository';
import { AccessTokenClaims, AccessTokenService } from './access-token.service';
import { TokenDenyList } from './token-deny-list';

/**
 * Verifies HS256 bearer tokens (the algorithm is pinned: `none` and others are refused), then refuses
 * tokens without every claim, logged-out tokens, tokens of deleted accounts and tokens issued before
 * the last password change.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly users: UsersRepository,
    private readonly denyList: TokenDenyList,
  ) {
    const auth = config.get('auth', { infer: true });
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: auth.jwtSecret,
      algorithms: [auth.jwtAlgorithm],
      ignoreExpiration: false,
    });
  }

  async validate(payload: Partial<AccessTokenClaims>): Promise<AuthUser | false> {
    if (!AccessTokenService.hasRequiredClaims(payload)) return false;
    if (await this.denyList.isRevoked(payload.jti)) return false;
    const user = await this.users.findActiveById(payload.sub);
    if (!user) return false;
    if (payload.iat < Math.floor(user.credentialsChangedAt.getTime() / 1000)) return false;
    return { id: user.id, email: user.email, role: user.role, jti: payload.jti, exp: payload.exp };
  }
}
