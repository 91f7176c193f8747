import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { Role } from '../common/auth/role.enum';
import { AppConfig } from '../config/app.config';
import { TokenResponse } from './dto/token.response';

/** The claims every access token carries; a token missing any of them is refused. */
export interface AccessTokenClaims {
  sub: string;
  role: Role;
  jti: string;
  iat: number;
  exp: number;
}

@Injectable()
export class AccessTokenService {
  private readonly ttlSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.ttlSeconds = config.get('auth', { infer: true }).accessTokenTtlSeconds;
  }

  async issue(user: { id: string; role: Role }): Promise<TokenResponse> {
    const accessToken = await this.jwt.signAsync({ role: user.role }, { subject: user.id, jwtid: randomUUID(), expiresIn: this.ttlSeconds });
    return { access_token: accessToken, token_type: 'bearer', expires_in: this.ttlSeconds };
  }

  /** True when the decoded payload has every claim with the right type (the signature is checked before). */
  static hasRequiredClaims(payload: Partial<AccessTokenClaims>): payload is AccessTokenClaims {
    return (
      typeof payload.sub === 'string' &&
      typeof payload.jti === 'string' &&
      typeof payload.iat === 'number' &&
      typeof payload.exp === 'number' &&
      Object.values(Role).includes(payload.role as Role)
    );
  }
}
