import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { Role } from '../common/auth/role.enum';
import { prepared, Sql } from '../common/database/sql';
import { AccountStatus } from './account-status.enum';
import { UserEntity } from './user.entity';

/** What authenticating a request needs to know of an account that is not deleted. */
export type AccountState = Pick<UserEntity, 'id' | 'email' | 'role' | 'status' | 'credentialsChangedAt'>;

const ACCOUNT_STATE = prepared('SELECT id, email, role, status, credentials_changed_at FROM users WHERE id = $1 AND deleted_at IS NULL');

/** The admin listing's filters. */
export interface AccountFilter {
  /** Part of the e-mail, first name, last name or full name (case-insensitive). */
  q?: string;
  role?: Role;
  status?: AccountStatus;
}

/** `%`, `_` and the backslash taken literally in a LIKE pattern. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

export type NewUser = Pick<UserEntity, 'email' | 'passwordHash' | 'role' | 'firstName' | 'lastName'> & Partial<Pick<UserEntity, 'phone' | 'address'>>;

@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly sql: Sql,
  ) {}

  private repo(manager?: EntityManager): Repository<UserEntity> {
    return manager ? manager.getRepository(UserEntity) : this.users;
  }

  findActiveById(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.repo(manager).findOne({ where: { id, deletedAt: IsNull() } });
  }

  /** Every authenticated request reads this: one narrow row (no password hash), without the ORM. */
  async findAccountState(id: string): Promise<AccountState | null> {
    const [row] = await this.sql.rows<{ id: string; email: string; role: Role; status: AccountStatus; credentials_changed_at: Date }>(ACCOUNT_STATE, [id]);
    return row ? { id: row.id, email: row.email, role: row.role, status: row.status, credentialsChangedAt: row.credentials_changed_at } : null;
  }

  /**
   * One page of the accounts that are not deleted, newest first in a stable order (created_at, then id, so a
   * page boundary never splits or repeats rows created in the same instant), and how many match.
   */
  async listPage(filter: AccountFilter, limit: number, offset: number): Promise<{ items: UserEntity[]; total: number }> {
    const query = this.users.createQueryBuilder('u').where('u.deleted_at IS NULL');
    if (filter.q) {
      query.andWhere(
        "(u.email ILIKE :pattern OR u.first_name ILIKE :pattern OR u.last_name ILIKE :pattern OR (u.first_name || ' ' || u.last_name) ILIKE :pattern)",
        { pattern: `%${likeLiteral(filter.q.trim())}%` },
      );
    }
    if (filter.role) query.andWhere('u.role = :role', { role: filter.role });
    if (filter.status) query.andWhere('u.status = :status', { status: filter.status });
    const [items, total] = await query.orderBy('u.created_at', 'DESC').addOrderBy('u.id', 'DESC').take(limit).skip(offset).getManyAndCount();
    return { items, total };
  }

  /** Whether the account ever existed (deleted ones included): its audit trail outlives it. */
  existsWithDeleted(id: string): Promise<boolean> {
    return this.users.exists({ where: { id }, withDeleted: true });
  }

  /** Who to notify: e-mail and first name of those of these accounts that are active, in the caller's transaction. */
  async findContacts(ids: string[], manager: EntityManager): Promise<Array<{ id: string; email: string; firstName: string }>> {
    const rows = await this.sql.rows<{ id: string; email: string; first_name: string }>(
      'SELECT id, email, first_name FROM users WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL',
      [ids],
      manager,
    );
    return rows.map((row) => ({ id: row.id, email: row.email, firstName: row.first_name }));
  }

  findActiveByEmail(email: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.repo(manager).findOne({ where: { email, deletedAt: IsNull() } });
  }

  async emailTakenByOther(email: string, userId: string | null, manager?: EntityManager): Promise<boolean> {
    const other = await this.findActiveByEmail(email, manager);
    return other !== null && other.id !== userId;
  }

  /** A new account; its address is unverified unless said otherwise (an admin created by the CLI). */
  insert(user: NewUser & { emailVerified?: boolean }, manager?: EntityManager): Promise<UserEntity> {
    const repo = this.repo(manager);
    return repo.save(
      repo.create({ phone: null, address: null, status: AccountStatus.ACTIVE, emailVerified: false, ...user, credentialsChangedAt: new Date() }),
    );
  }

  /** The account moves to an address its owner just proved they read. */
  async setVerifiedEmail(userId: string, email: string, manager: EntityManager): Promise<void> {
    await this.repo(manager).update({ id: userId }, { email, emailVerified: true });
  }

  /**
   * An e-mail change reverted: the account gets its address back and every session ends (tokens issued before
   * now are refused); with `passwordHash`, the password is replaced too.
   */
  async restoreEmail(userId: string, email: string, passwordHash: string | null, manager: EntityManager): Promise<void> {
    await this.repo(manager).update(
      { id: userId },
      { email, emailVerified: true, credentialsChangedAt: new Date(), ...(passwordHash ? { passwordHash } : {}) },
    );
  }

  async markEmailVerified(userId: string, manager: EntityManager): Promise<void> {
    await this.repo(manager).update({ id: userId }, { emailVerified: true });
  }

  /** Whether the account's address is verified (false for an unknown or deleted account). */
  async isEmailVerified(userId: string): Promise<boolean> {
    const [row] = await this.sql.rows<{ email_verified: boolean }>('SELECT email_verified FROM users WHERE id = $1 AND deleted_at IS NULL', [userId]);
    return row?.email_verified === true;
  }

  save(user: UserEntity, manager?: EntityManager): Promise<UserEntity> {
    return this.repo(manager).save(user);
  }

  async setPassword(userId: string, passwordHash: string, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ id: userId }, { passwordHash, credentialsChangedAt: new Date() });
  }

  /**
   * Ends every session of the user: tokens issued before now are refused (with SessionsEndedEvent, in one
   * transaction). The database's clock, as sessions' start is.
   */
  async markCredentialsChanged(userId: string, manager: EntityManager): Promise<void> {
    await this.repo(manager).update({ id: userId }, { credentialsChangedAt: () => 'now()' });
  }

  async softDelete(userId: string, manager?: EntityManager): Promise<void> {
    await this.repo(manager).softDelete({ id: userId });
  }

  countByRole(role: Role): Promise<number> {
    return this.users.count({ where: { role, deletedAt: IsNull() } });
  }

  count(): Promise<number> {
    return this.users.count({ withDeleted: true });
  }
}
