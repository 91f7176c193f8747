import { Injectable } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { SqlState, sqlStateOf } from '../common/database/sqlstate';
import { ConflictError, ForbiddenError, NotFoundError, ValidationFailedError } from '../common/errors/domain.error';
import { UnitOfWork } from '../common/database/unit-of-work';
import { CreateUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { toUserResponse, UserResponse } from './dto/user.response';
import { PasswordChangedEvent } from './events/password-changed.event';
import { UserDeletedEvent } from './events/user-deleted.event';
import { PasswordHasher } from './password-hasher.service';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

function isUniqueViolation(error: unknown): boolean {
  return sqlStateOf(error) === SqlState.UNIQUE_VIOLATION;
}

const emailTaken = () => new ConflictError('EMAIL_TAKEN', 'An account with this e-mail already exists.');

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async register(dto: CreateUserDto): Promise<UserResponse> {
    if (await this.users.findActiveByEmail(dto.email)) throw emailTaken();
    const passwordHash = await this.hasher.hash(dto.password);
    const user = await this.users.insert({ email: dto.email, passwordHash, role: dto.role, ...dto.profile }).catch((error: unknown) => {
      throw isUniqueViolation(error) ? emailTaken() : error;
    });
    return toUserResponse(user);
  }

  async getMe(caller: AuthUser): Promise<UserResponse> {
    return toUserResponse(await this.findOrFail(caller.id));
  }

  async getById(caller: AuthUser, id: string): Promise<UserResponse> {
    this.assertSelfOrAdmin(caller, id);
    return toUserResponse(await this.findOrFail(id));
  }

  async update(caller: AuthUser, id: string, dto: UpdateUserDto): Promise<UserResponse> {
    this.assertSelfOrAdmin(caller, id);
    const user = await this.findOrFail(id);
    if (dto.role !== undefined && caller.role !== Role.ADMIN) {
      throw new ForbiddenError('Only an admin can change a role.', 'ROLE_CHANGE_FORBIDDEN');
    }
    if (dto.currentPassword !== undefined && dto.password === undefined) {
      throw new ValidationFailedError([{ field: 'password', message: 'password is required with currentPassword' }]);
    }
    if (dto.email !== undefined && dto.email !== user.email) {
      if (await this.users.emailTakenByOther(dto.email, user.id)) throw emailTaken();
      user.email = dto.email;
    }
    const passwordChanged = dto.password !== undefined;
    if (dto.password !== undefined) {
      await this.assertMayChangePassword(caller, user, dto.currentPassword);
      user.passwordHash = await this.hasher.hash(dto.password);
      user.credentialsChangedAt = new Date();
    }
    if (dto.role !== undefined) user.role = dto.role;
    if (dto.profile) Object.assign(user, definedOnly(dto.profile));

    // The password_changed notification is written in the same transaction as the new hash.
    const saved = await this.unitOfWork
      .run(async (manager, record) => {
        const updated = await this.users.save(user, manager);
        if (passwordChanged) record(new PasswordChangedEvent(updated.id, updated.email, 'profile'));
        return updated;
      })
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? emailTaken() : error;
      });
    return toUserResponse(saved);
  }

  async remove(caller: AuthUser, id: string): Promise<void> {
    this.assertSelfOrAdmin(caller, id);
    const user = await this.findOrFail(id);
    // Recorded in the transaction: whoever must react to the deletion (bookings cancel and refund) does it
    // in the same transaction, so a deleted party never keeps a CONFIRMED booking.
    await this.unitOfWork.run(async (manager, record) => {
      await this.users.softDelete(id, manager);
      record(new UserDeletedEvent(id, user.role, caller.role, caller.id));
    });
  }

  /** Creates an admin account, or promotes the existing account with that e-mail (setting the given password). */
  async createOrPromoteAdmin(email: string, password: string): Promise<{ user: UserResponse; created: boolean }> {
    const normalized = email.trim().toLowerCase();
    const passwordHash = await this.hasher.hash(password);
    const existing = await this.users.findActiveByEmail(normalized);
    if (existing) {
      Object.assign(existing, { role: Role.ADMIN, passwordHash, credentialsChangedAt: new Date() });
      return { user: toUserResponse(await this.users.save(existing)), created: false };
    }
    const user = await this.users.insert({ email: normalized, passwordHash, role: Role.ADMIN, firstName: 'Admin', lastName: 'User' });
    return { user: toUserResponse(user), created: true };
  }

  private async assertMayChangePassword(caller: AuthUser, user: UserEntity, currentPassword: string | undefined): Promise<void> {
    const changingOwn = caller.id === user.id;
    if (!changingOwn) return; // an admin resetting someone else's password
    if (currentPassword === undefined) {
      throw new ValidationFailedError([{ field: 'currentPassword', message: 'currentPassword is required to change your password' }]);
    }
    if (!(await this.hasher.verify(currentPassword, user.passwordHash))) {
      throw new ValidationFailedError([{ field: 'currentPassword', message: 'currentPassword is incorrect' }]);
    }
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
