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
  /** The session the token belongs to; tokens issued before sessions existed have none (they lapse on their own). */
  sid?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The session an access token is issued in: it never outlives the session's absolute end. */
export interface TokenSession {
  id: string;
  expiresAt: Date;
}

/** An access token, as the OAuth2 token response names it. */
export type AccessToken = Pick<TokenResponse, 'access_token' | 'token_type' | 'expires_in'>;

@Injectable()
export class AccessTokenService {
  private readonly ttlSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.ttlSeconds = config.get('auth', { infer: true }).accessTokenTtlSeconds;
  }

  async issue(user: { id: string; role: Role }, session: TokenSession, now = Date.now()): Promise<AccessToken> {
    const expiresIn = Math.max(1, Math.min(this.ttlSeconds, Math.floor((session.expiresAt.getTime() - now) / 1000)));
    const accessToken = await this.jwt.signAsync({ role: user.role, sid: session.id }, { subject: user.id, jwtid: randomUUID(), expiresIn });
    return { access_token: accessToken, token_type: 'bearer', expires_in: expiresIn };
  }

  /** True when the decoded payload has every claim with the right type (the signature is checked before). */
  static hasRequiredClaims(payload: Partial<AccessTokenClaims>): payload is AccessTokenClaims {
    return (
      typeof payload.sub === 'string' &&
      typeof payload.jti === 'string' &&
      typeof payload.iat === 'number' &&
      typeof payload.exp === 'number' &&
      (payload.sid === undefined || (typeof payload.sid === 'string' && UUID.test(payload.sid))) &&
      Object.values(Role).includes(payload.role as Role)
    );
  }
}
