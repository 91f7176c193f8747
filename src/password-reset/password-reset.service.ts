import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ClientContext } from '../common/decorators/client-context.decorator';
import { ValidationFailedError } from '../common/errors/domain.error';
import { SecurityLog } from '../common/logging/security-log';
import { UnitOfWork } from '../common/database/unit-of-work';
import { AppConfig } from '../config/app.config';
import { PasswordChangedEvent } from '../users/events/password-changed.event';
import { SessionsEndedEvent } from '../users/events/sessions-ended.event';
import { PasswordHasher } from '../users/password-hasher.service';
import { UsersRepository } from '../users/users.repository';
import { PasswordResetRepository } from './password-reset.repository';
import { PasswordResetRequestedEvent } from './events/password-reset-requested.event';
import { generateResetToken, hashResetToken } from './reset-token';

export const RESET_REQUEST_ACCEPTED = 'If an account exists for this e-mail, a password reset link has been sent to it.';

@Injectable()
export class PasswordResetService implements OnApplicationShutdown {
  private readonly logger = new Logger(PasswordResetService.name);
  private readonly pending = new Set<Promise<void>>();
  private readonly ttlSeconds: number;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly unitOfWork: UnitOfWork,
    private readonly resets: PasswordResetRepository,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly securityLog: SecurityLog,
  ) {
    this.ttlSeconds = config.get('auth', { infer: true }).passwordResetTtlSeconds;
  }

  /**
   * Answers at once, the same way for known and unknown addresses; the lookup and the e-mail happen
   * after the response, so neither the body nor the latency tells whether the account exists. Past
   * PASSWORD_RESET_RATE_LIMIT (`send: false`) the answer is the same but nothing is sent.
   */
  request(email: string, options: { send: boolean } = { send: true }): { message: string } {
    if (!options.send) return { message: RESET_REQUEST_ACCEPTED };
    const work = this.issueAndSend(email)
      .catch((error: unknown) => this.logger.error({ err: error }, 'Password reset e-mail failed'))
      .finally(() => this.pending.delete(work));
    this.pending.add(work);
    return { message: RESET_REQUEST_ACCEPTED };
  }

  async confirm(token: string, newPassword: string, client: ClientContext | null = null): Promise<{ message: string }> {
    const passwordHash = await this.hasher.hash(newPassword);
    const user = await this.unitOfWork.run(async (manager, record) => {
      const userId = await this.resets.consume(hashResetToken(token), manager);
      const owner = userId ? await this.users.findActiveById(userId, manager) : null;
      if (!owner) return null;
      await this.users.setPassword(owner.id, passwordHash, manager);
      await this.resets.invalidateOpenForUser(owner.id, manager);
      record(new PasswordChangedEvent(owner.id, owner.email, 'reset'));
      // setPassword moved credentials_changed_at: every session ends, and its live streams close.
      record(new SessionsEndedEvent(owner.id, 'password_changed'));
      return owner;
    });
    if (user) this.securityLog.record('password.reset', { userId: user.id, client });
    if (!user) {
      throw new ValidationFailedError(
        [{ field: 'token', message: 'token is invalid, expired or already used' }],
        'The reset token is invalid, expired or already used.',
      );
    }
    return { message: 'Your password has been changed.' };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /**
   * The token and its e-mail are written in one transaction (the e-mail through the outbox), so a reset asked
   * for while the mail server is down is sent once it is back.
   */
  private async issueAndSend(email: string): Promise<void> {
    const user = await this.users.findActiveByEmail(email);
    if (!user) return;
    const { token, hash } = generateResetToken();
    const expiresAt = new Date(Date.now() + this.ttlSeconds * 1000);
    await this.unitOfWork.run(async (manager, record) => {
      await this.resets.insertToken(user.id, hash, expiresAt, manager);
      record(new PasswordResetRequestedEvent({ userId: user.id, email: user.email, firstName: user.firstName }, token, Math.round(this.ttlSeconds / 60)));
    });
  }
}
