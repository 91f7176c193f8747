import { Injectable, Optional } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import type { ClientContext } from '../common/decorators/client-context.decorator';
import { SqlState, sqlStateOf } from '../common/database/sqlstate';
import { ForbiddenError, NotFoundError, ValidationFailedError } from '../common/errors/domain.error';
import { UnitOfWork } from '../common/database/unit-of-work';
import { SecurityLog } from '../common/logging/security-log';
import { RateLimitExceededError } from '../common/rate-limit/rate-limit.guard';
import { RateLimiter } from '../common/rate-limit/rate-limiter.service';
import { AccountAuditRepository, NewAuditEntry } from './account-audit.repository';
import { AuditedChange, auditedChanges, auditEntry, isAdminAction } from './account-changes';
import { AccountStatus } from './account-status.enum';
import { CannotSuspendSelfError, StatusChangeForbiddenError } from './account.errors';
import { CreateUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { toUserResponse, UserResponse } from './dto/user.response';
import { AccountStatusChangedEvent } from './events/account-status-changed.event';
import { emailTaken } from './account-email.errors';
import { EmailChangeService } from './email-change.service';
import { EmailTokensRepository } from './email-tokens.repository';
import { EmailVerificationService } from './email-verification.service';
import { EmailChangedEvent } from './events/account-email.events';
import { PasswordChangedEvent } from './events/password-changed.event';
import { SessionsEndedEvent } from './events/sessions-ended.event';
import { UserDeletedEvent } from './events/user-deleted.event';
import { PasswordHasher } from './password-hasher.service';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

function isUniqueViolation(error: unknown): boolean {
  return sqlStateOf(error) === SqlState.UNIQUE_VIOLATION;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AccountAuditRepository,
    private readonly emailChanges: EmailChangeService,
    private readonly verification: EmailVerificationService,
    private readonly emailTokens: EmailTokensRepository,
    private readonly securityLog: SecurityLog,
    // Absent from the command line (create-admin boots no rate limits): there, nobody guesses through HTTP.
    @Optional() private readonly limiter?: RateLimiter,
  ) {}

  /** A new account, unverified: its address is sent a verification link (through the outbox, in the same transaction). */
  async register(dto: CreateUserDto): Promise<UserResponse> {
    if (await this.users.findActiveByEmail(dto.email)) throw emailTaken();
    const passwordHash = await this.hasher.hash(dto.password);
    const user = await this.unitOfWork
      .run(async (manager, record) => {
        const created = await this.users.insert({ email: dto.email, passwordHash, role: dto.role, ...dto.profile }, manager);
        await this.verification.issue(manager, record, created);
        return created;
      })
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? emailTaken() : error;
      });
    return toUserResponse(user);
  }

  async getMe(caller: AuthUser): Promise<UserResponse> {
    return this.respond(await this.findOrFail(caller.id));
  }

  async getById(caller: AuthUser, id: string): Promise<UserResponse> {
    this.assertSelfOrAdmin(caller, id);
    return this.respond(await this.findOrFail(id));
  }

  /**
   * Profile, password, e-mail and (admins) role. Changing your own password or e-mail needs your current password;
   * your own new e-mail applies only once the new address confirms it (EmailChangeService), while an admin's
   * change of someone else's applies at once (the old address is told, the new one asked to verify).
   */
  async update(caller: AuthUser, id: string, dto: UpdateUserDto, client: ClientContext | null = null): Promise<UserResponse> {
    this.assertSelfOrAdmin(caller, id);
    const user = await this.findOrFail(id);
    if (dto.role !== undefined && caller.role !== Role.ADMIN) {
      throw new ForbiddenError('Only an admin can change a role.', 'ROLE_CHANGE_FORBIDDEN');
    }
    if (dto.status !== undefined && caller.role !== Role.ADMIN) throw new StatusChangeForbiddenError();
    if (dto.status === AccountStatus.SUSPENDED && caller.id === id) throw new CannotSuspendSelfError();
    const before = { email: user.email, role: user.role, status: user.status };
    const newEmail = dto.email !== undefined && dto.email !== user.email ? dto.email : null;
    if (dto.currentPassword !== undefined && dto.password === undefined && newEmail === null) {
      throw new ValidationFailedError([{ field: 'password', message: 'password is required with currentPassword' }]);
    }
    const changingOwn = caller.id === user.id;
    if (changingOwn && (dto.password !== undefined || newEmail !== null)) {
      await this.assertCurrentPassword(user, dto.currentPassword, dto.password !== undefined ? 'your password' : 'your e-mail', client);
    }
    if (newEmail !== null && (await this.users.emailTakenByOther(newEmail, user.id))) throw emailTaken();
    const oldEmail = user.email;
    if (newEmail !== null && !changingOwn) Object.assign(user, { email: newEmail, emailVerified: false });
    const passwordChanged = dto.password !== undefined;
    if (dto.password !== undefined) {
      user.passwordHash = await this.hasher.hash(dto.password);
      user.credentialsChangedAt = new Date();
    }
    if (dto.role !== undefined) user.role = dto.role;
    const suspended = dto.status === AccountStatus.SUSPENDED && before.status !== AccountStatus.SUSPENDED;
    if (dto.status !== undefined) user.status = dto.status;
    // Ending every session is this one write (see SessionsEndedEvent), in the suspending transaction.
    if (suspended) user.credentialsChangedAt = new Date();
    const profileFields = dto.profile ? Object.keys(definedOnly(dto.profile)) : [];
    if (dto.profile) Object.assign(user, definedOnly(dto.profile));
    const changes = auditedChanges(before, user, { passwordChanged, profileFields });
    const audited = isAdminAction(caller, id, changes);

    // The password_changed notification and every e-mail are written in the same transaction as the change; a
    // suspension's cancellations and refunds, and the audit entries, too.
    const saved = await this.unitOfWork
      .run(async (manager, record) => {
        const updated = await this.users.save(user, manager);
        if (passwordChanged) {
          record(new PasswordChangedEvent(updated.id, updated.email, 'profile'));
          // credentials_changed_at moved with the hash: every session ends, and its live streams close.
          record(new SessionsEndedEvent(updated.id, 'password_changed'));
        }
        if (newEmail !== null && changingOwn) await this.emailChanges.request(manager, record, updated, newEmail);
        if (newEmail !== null && !changingOwn) {
          record(new EmailChangedEvent({ userId: updated.id, email: oldEmail, firstName: updated.firstName }, newEmail, null));
          await this.verification.issue(manager, record, updated);
        }
        if (before.status !== updated.status) record(new AccountStatusChangedEvent(updated.id, updated.role, updated.status));
        if (suspended) record(new SessionsEndedEvent(updated.id, 'suspended'));
        if (audited) {
          const entries = changes.map((change) => auditEntry(caller, id, change, client));
          await this.audit.insertAll(entries, manager);
        }
        return updated;
      })
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? emailTaken() : error;
      });
    this.logChanges(caller, id, changes, audited, client);
    if (newEmail !== null && changingOwn) this.securityLog.record('email_change.requested', { userId: saved.id, client });
    return this.respond(saved);
  }

  async remove(caller: AuthUser, id: string, client: ClientContext | null = null): Promise<void> {
    this.assertSelfOrAdmin(caller, id);
    const user = await this.findOrFail(id);
    const byAdmin = caller.id !== id;
    // Recorded in the transaction: whoever must react to the deletion (bookings cancel and refund) does it
    // in the same transaction, so a deleted party never keeps a CONFIRMED booking.
    await this.unitOfWork.run(async (manager, record) => {
      await this.users.softDelete(id, manager);
      record(new UserDeletedEvent(id, user.role, caller.role, caller.id));
      // A deleted account's tokens are refused already; its sessions are marked ended and its live streams close.
      record(new SessionsEndedEvent(id, 'deleted'));
      if (byAdmin) await this.audit.insertAll([auditEntry(caller, id, { action: 'account.deleted', details: { role: user.role } }, client)], manager);
    });
    const actorId = byAdmin ? caller.id : null;
    this.securityLog.record('account.deleted', { userId: id, actorId, client, detail: byAdmin ? 'by an admin' : 'by its owner' });
    if (byAdmin) this.securityLog.record('admin.action', { userId: id, actorId, client, detail: 'account.deleted' });
  }

  /** Creates an admin account, or promotes the existing account with that e-mail (setting the given password). */
  async createOrPromoteAdmin(email: string, password: string): Promise<{ user: UserResponse; created: boolean }> {
    const normalized = email.trim().toLowerCase();
    const passwordHash = await this.hasher.hash(password);
    const existing = await this.users.findActiveByEmail(normalized);
    if (existing) {
      const from = existing.role;
      Object.assign(existing, { role: Role.ADMIN, passwordHash, emailVerified: true, credentialsChangedAt: new Date() });
      // Audited like an admin's change, with no actor: the operator's command line acted.
      const entries: NewAuditEntry[] = [
        { accountId: existing.id, actorId: null, action: 'password.changed', details: { via: 'create-admin' }, requestId: null },
      ];
      if (from !== Role.ADMIN) entries.unshift({ ...entries[0], action: 'role.changed', details: { from, to: Role.ADMIN, via: 'create-admin' } });
      const saved = await this.unitOfWork.run(async (manager, record) => {
        const user = await this.users.save(existing, manager);
        await this.audit.insertAll(entries, manager);
        record(new SessionsEndedEvent(existing.id, 'password_changed'));
        return user;
      });
      if (from !== Role.ADMIN) this.securityLog.record('role.changed', { userId: existing.id, detail: `${from} -> ${Role.ADMIN} by create-admin` });
      this.securityLog.record('password.changed', { userId: existing.id, detail: 'by create-admin' });
      return { user: toUserResponse(saved), created: false };
    }
    // The operator running create-admin vouches for the address.
    const user = await this.users.insert({ email: normalized, passwordHash, role: Role.ADMIN, firstName: 'Admin', lastName: 'User', emailVerified: true });
    return { user: toUserResponse(user), created: true };
  }

  /** Changing your own password or e-mail: a stolen access token alone must not be enough (an admin changing someone else's needs none). */
  private async assertCurrentPassword(user: UserEntity, currentPassword: string | undefined, what: string, client: ClientContext | null): Promise<void> {
    if (currentPassword === undefined) {
      throw new ValidationFailedError([{ field: 'currentPassword', message: `currentPassword is required to change ${what}` }]);
    }
    // Wrong guesses count per account, like failed logins: past LOGIN_RATE_LIMIT the check answers 429 without trying.
    if (this.limiter?.enabled) {
      const standing = await this.limiter.failures('currentPassword', user.id);
      if (!standing.allowed) throw new RateLimitExceededError(Math.max(1, Math.ceil(standing.resetSeconds)), [standing]);
    }
    if (!(await this.hasher.verify(currentPassword, user.passwordHash))) {
      if (this.limiter?.enabled) await this.limiter.recordFailure('currentPassword', user.id);
      this.securityLog.record('current_password.failed', { userId: user.id, client });
      throw new ValidationFailedError([{ field: 'currentPassword', message: 'currentPassword is incorrect' }]);
    }
  }

  /** One security line per change that is a security event, and one `admin.action` per audited change. */
  private logChanges(caller: AuthUser, id: string, changes: AuditedChange[], audited: boolean, client: ClientContext | null): void {
    const actorId = caller.id === id ? null : caller.id;
    for (const change of changes) {
      const fields = { userId: id, actorId, client };
      if (change.action === 'role.changed' || change.action === 'status.changed') {
        this.securityLog.record(change.action, { ...fields, detail: `${String(change.details.from)} -> ${String(change.details.to)}` });
      } else if (change.action === 'password.changed') {
        this.securityLog.record('password.changed', { ...fields, detail: 'profile' });
      }
      if (audited) this.securityLog.record('admin.action', { ...fields, actorId: caller.id, detail: change.action });
    }
  }

  private async respond(user: UserEntity): Promise<UserResponse> {
    return toUserResponse(user, await this.emailTokens.findPendingEmail(user.id));
  }

  private assertSelfOrAdmin(caller: AuthUser, id: string): void {
    if (caller.id !== id && caller.role !== Role.ADMIN) {
      throw new ForbiddenError('You can only access your own account.');
    }
  }

  private async findOrFail(id: string): Promise<UserEntity> {
    const user = await this.users.findActiveById(id);
    if (!user) throw new NotFoundError('User');
    return user;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
