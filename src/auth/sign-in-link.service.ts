import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { ValidationFailedError } from '../common/errors/domain.error';
import { AppConfig } from '../config/app.config';
import { MailService } from '../mail/mail.service';
import { TokenDenyList } from './token-deny-list';

/** A sign-in link works this long, once. */
export const SIGN_IN_LINK_TTL_SECONDS = 15 * 60;
const PURPOSE = 'sign-in-link';

const invalid = () =>
  new ValidationFailedError(
    [{ field: 'token', message: 'token is invalid, expired or already used' }],
    'The sign-in link is invalid, expired or already used.',
  );

/**
 * One-time sign-in links, e-mailed to an owner whose account is refusing new clients because of failed
 * logins: the link signs the owner in whatever strangers keep guessing. The token is signed with
 * SECRET_KEY (never accepted as an access token, which is signed with JWT_SECRET_KEY and carries a role),
 * lives 15 minutes, and is used once: its id is recorded with the revoked tokens in PostgreSQL.
 */
@Injectable()
export class SignInLinks implements OnApplicationShutdown {
  private readonly logger = new Logger(SignInLinks.name);
  private readonly pending = new Set<Promise<void>>();
  private readonly secret: string;
  private readonly appUrl: string;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly jwt: JwtService,
    private readonly denyList: TokenDenyList,
    private readonly mail: MailService,
  ) {
    this.secret = config.get('auth', { infer: true }).secretKey;
    // Like every link in an e-mail: the web app's when FRONTEND_URL is set.
    const http = config.get('http', { infer: true });
    this.appUrl = http.frontendUrl ?? http.appUrl;
  }

  /** Sends the owner a link, after the response (a 429 is not delayed nor failed by the mail). */
  offer(account: { id: string; email: string; firstName: string }): void {
    const work = this.send(account)
      .catch((error: unknown) => this.logger.error({ err: error }, 'Sign-in link e-mail failed'))
      .finally(() => this.pending.delete(work));
    this.pending.add(work);
  }

  /** The account the link signs in to; the link is spent. */
  async consume(token: string): Promise<string> {
    let claims: { sub?: unknown; jti?: unknown; exp?: unknown; purpose?: unknown };
    try {
      claims = await this.jwt.verifyAsync(token, { secret: this.secret, algorithms: ['HS256'] });
    } catch {
      throw invalid();
    }
    const { sub, jti, exp, purpose } = claims;
    if (purpose !== PURPOSE || typeof sub !== 'string' || typeof jti !== 'string' || typeof exp !== 'number') throw invalid();
    if (!(await this.denyList.revokeOnce(jti, new Date(exp * 1000)))) throw invalid();
    return sub;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async send(account: { id: string; email: string; firstName: string }): Promise<void> {
    const token = await this.jwt.signAsync(
      { purpose: PURPOSE },
      { secret: this.secret, subject: account.id, jwtid: randomUUID(), expiresIn: SIGN_IN_LINK_TTL_SECONDS },
    );
    await this.mail.send({
      kind: 'sign_in_link',
      to: account.email,
      subject: 'Someone is trying to sign in to your account',
      text: [
        `Hello ${account.firstName},`,
        '',
        'There were many failed attempts to sign in to your Service Marketplace account, so new devices are refused for a while.',
        `To sign in anyway, open this link (valid for ${SIGN_IN_LINK_TTL_SECONDS / 60} minutes, once):`,
        '',
        `${this.appUrl}/sign-in?token=${token}`,
        '',
        'Devices you signed in with before keep working. If the attempts were not yours, consider changing your password.',
      ].join('\n'),
    });
  }
}
