import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { generateOpaqueToken, hashOpaqueToken } from '../common/auth/opaque-token';
import type { ClientContext } from '../common/decorators/client-context.decorator';
import { SqlState, sqlStateOf } from '../common/database/sqlstate';
import { UnitOfWork } from '../common/database/unit-of-work';
import { DomainEvent } from '../common/events/domain-event';
import { SecurityLog } from '../common/logging/security-log';
import { emailTaken, invalidEmailLink } from './account-email.errors';
import { EmailTokensRepository } from './email-tokens.repository';
import { EmailChangedEvent, EmailChangeRequestedEvent } from './events/account-email.events';
import { PasswordChangedEvent } from './events/password-changed.event';
import { SessionsEndedEvent } from './events/sessions-ended.event';
import { PasswordHasher } from './password-hasher.service';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

/** The link sent to the new address works this long, once. */
export const EMAIL_CHANGE_TTL_HOURS = 24;
/** The link sent to the old address, which undoes the change, works this long, once: its owner may be away. */
export const EMAIL_REVERT_TTL_HOURS = 7 * 24;

const rethrowTaken = (error: unknown): never => {
  throw sqlStateOf(error) === SqlState.UNIQUE_VIOLATION ? emailTaken() : error;
};

/**
 * An owner's change of address, in three steps: asked for (with the current password, in UsersService), confirmed
 * from the new address, and, if the old address's owner did not make it, reverted from there, which ends every
 * session. Nothing changes before the new address confirms, so a stolen access token cannot move an account.
 */
@Injectable()
export class EmailChangeService {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: EmailTokensRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly hasher: PasswordHasher,
    private readonly securityLog: SecurityLog,
  ) {}

  /** In the caller's transaction: a link to the new address that confirms the change (an earlier one stops working). */
  async request(manager: EntityManager, record: (event: DomainEvent) => void, user: UserEntity, newEmail: string): Promise<void> {
    await this.tokens.invalidateOpen(manager, user.id, ['email_change']);
    const { token, hash } = generateOpaqueToken();
    const expiresAt = new Date(Date.now() + EMAIL_CHANGE_TTL_HOURS * 3_600_000);
    await this.tokens.insert(manager, { userId: user.id, purpose: 'email_change', email: newEmail, tokenHash: hash, expiresAt });
    record(new EmailChangeRequestedEvent({ userId: user.id, email: newEmail, firstName: user.firstName }, token, EMAIL_CHANGE_TTL_HOURS));
  }

  /** The new address confirms: the account moves to it (verified), and the old one is told, with a revert link. */
  async confirm(token: string, client: ClientContext | null = null): Promise<{ message: string }> {
    const userId = await this.unitOfWork
      .run(async (manager, record) => {
        const claim = await this.tokens.consume(manager, 'email_change', hashOpaqueToken(token));
        const user = claim ? await this.users.findActiveById(claim.userId, manager) : null;
        if (!claim || !user) return null;
        // Taken since the request: the error rolls back, so the link still works should the address become free.
        if (await this.users.emailTakenByOther(claim.email, user.id, manager)) throw emailTaken();
        await this.users.setVerifiedEmail(user.id, claim.email, manager);
        const revert = generateOpaqueToken();
        const expiresAt = new Date(Date.now() + EMAIL_REVERT_TTL_HOURS * 3_600_000);
        await this.tokens.insert(manager, { userId: user.id, purpose: 'revert', email: user.email, tokenHash: revert.hash, expiresAt });
        record(
          new EmailChangedEvent({ userId: user.id, email: user.email, firstName: user.firstName }, claim.email, {
            token: revert.token,
            ttlHours: EMAIL_REVERT_TTL_HOURS,
          }),
        );
        return user.id;
      })
      .catch(rethrowTaken);
    if (!userId) throw invalidEmailLink();
    this.securityLog.record('email_change.confirmed', { userId, client });
    return { message: 'Your e-mail address has been changed.' };
  }

  /**
   * The old address undoes a change: the account gets it back, every session ends (whoever made the change is
   * signed out), changes still waiting for confirmation are dropped, and, with `newPassword`, the password is
   * replaced (whoever made the change may know it, or have reset it).
   */
  async revert(token: string, newPassword: string | undefined, client: ClientContext | null = null): Promise<{ message: string }> {
    const passwordHash = newPassword === undefined ? null : await this.hasher.hash(newPassword);
    const userId = await this.unitOfWork
      .run(async (manager, record) => {
        const claim = await this.tokens.consume(manager, 'revert', hashOpaqueToken(token));
        const user = claim ? await this.users.findActiveById(claim.userId, manager) : null;
        if (!claim || !user) return null;
        if (await this.users.emailTakenByOther(claim.email, user.id, manager)) throw emailTaken();
        await this.users.restoreEmail(user.id, claim.email, passwordHash, manager);
        await this.tokens.invalidateOpen(manager, user.id, ['email_change']);
        record(new SessionsEndedEvent(user.id, 'email_change_reverted'));
        if (passwordHash) record(new PasswordChangedEvent(user.id, claim.email, 'reset'));
        return user.id;
      })
      .catch(rethrowTaken);
    if (!userId) throw invalidEmailLink();
    this.securityLog.record('email_change.reverted', { userId, client, detail: passwordHash ? 'password replaced' : undefined });
    return { message: 'Your e-mail address has been restored and every session has been ended.' };
  }
}
