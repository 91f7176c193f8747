import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuthUser } from '../common/auth/auth-user';
import { generateOpaqueToken, hashOpaqueToken } from '../common/auth/opaque-token';
import type { ClientContext } from '../common/decorators/client-context.decorator';
import { NotFoundError } from '../common/errors/domain.error';
import { DomainEvent } from '../common/events/domain-event';
import { UnitOfWork } from '../common/database/unit-of-work';
import { SecurityLog } from '../common/logging/security-log';
import { emailAlreadyVerified, invalidEmailLink } from './account-email.errors';
import { EmailTokensRepository } from './email-tokens.repository';
import { EmailVerificationRequestedEvent } from './events/account-email.events';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

/** A verification link works this long, once. */
export const VERIFICATION_TTL_HOURS = 48;

/** Proving an account reads its address: a link at sign-up (and on request), used once. */
@Injectable()
export class EmailVerificationService {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: EmailTokensRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly securityLog: SecurityLog,
  ) {}

  /** In the caller's transaction: a new link (earlier ones stop working), e-mailed through the outbox. */
  async issue(manager: EntityManager, record: (event: DomainEvent) => void, user: Pick<UserEntity, 'id' | 'email' | 'firstName'>): Promise<void> {
    await this.tokens.invalidateOpen(manager, user.id, ['verify']);
    const { token, hash } = generateOpaqueToken();
    const expiresAt = new Date(Date.now() + VERIFICATION_TTL_HOURS * 3_600_000);
    await this.tokens.insert(manager, { userId: user.id, purpose: 'verify', email: user.email, tokenHash: hash, expiresAt });
    record(new EmailVerificationRequestedEvent({ userId: user.id, email: user.email, firstName: user.firstName }, token, VERIFICATION_TTL_HOURS));
  }

  /** Sends the signed-in caller a new link, unless their address is verified already. */
  async resend(caller: AuthUser): Promise<{ message: string }> {
    const user = await this.users.findActiveById(caller.id);
    if (!user) throw new NotFoundError('User');
    if (user.emailVerified) throw emailAlreadyVerified();
    await this.unitOfWork.run((manager, record) => this.issue(manager, record, user));
    return { message: 'A verification link has been sent to your e-mail address.' };
  }

  /** Uses a link: the account's address is verified, if it is still the address the link was sent to. */
  async verify(token: string, client: ClientContext | null = null): Promise<{ message: string }> {
    const userId = await this.unitOfWork.run(async (manager) => {
      const claim = await this.tokens.consume(manager, 'verify', hashOpaqueToken(token));
      const user = claim ? await this.users.findActiveById(claim.userId, manager) : null;
      if (!claim || !user || user.email !== claim.email) return null;
      await this.users.markEmailVerified(user.id, manager);
      return user.id;
    });
    if (!userId) throw invalidEmailLink();
    this.securityLog.record('email.verified', { userId, client });
    return { message: 'Your e-mail address is verified.' };
  }
}
