import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { Role } from '../common/auth/role.enum';
import { prepared, Sql } from '../common/database/sql';
import { Keyset, KeysetPosition } from '../common/pagination/keyset';
import { MAX_COUNTED } from '../common/pagination/pagination';
import { AccountStatus } from './account-status.enum';
import { UserEntity } from './user.entity';

/** What authenticating a request needs to know of an account that is not deleted. */
export type AccountState = Pick<UserEntity, 'id' | 'email' | 'role' | 'status' | 'credentialsChangedAt'>;

const USER_COLUMNS =
  'u.id, u.email, u.password_hash, u.role, u.first_name, u.last_name, u.status, u.phone, u.address, u.email_verified, u.credentials_changed_at, u.created_at, u.updated_at, u.deleted_at';

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: Role;
  first_name: string;
  last_name: string;
  status: AccountStatus;
  phone: string | null;
  address: string | null;
  email_verified: boolean;
  credentials_changed_at: Date;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

const fromUserRow = (row: UserRow): UserEntity =>
  Object.assign(new UserEntity(), {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    firstName: row.first_name,
    lastName: row.last_name,
    status: row.status,
    phone: row.phone,
    address: row.address,
    emailVerified: row.email_verified,
    credentialsChangedAt: row.credentials_changed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  });

/**
 * The admin listing goes newest first, then by id, on `users_listed_created_idx` (and, by role,
 * `users_listed_role_created_idx`): a page costs the same at any depth. A creation time has microseconds,
 * more than a JavaScript Date keeps: the cursor carries the row's id and the time is read back from it (an
 * account's created_at never changes, and its row is only soft-deleted).
 */
export const USERS_KEYSET = new Keyset<UserEntity>(
  'users',
  [
    { sql: 'u.created_at', kind: 'uuid', from: (id) => `(SELECT created_at FROM users WHERE id = ${id})` },
    { sql: 'u.id', kind: 'uuid' },
  ],
  true,
  (user) => [user.id, user.id],
);

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
   * page boundary never splits or repeats rows created in the same instant), by offset or after a cursor
   * (`position`), and how many match, counted up to MAX_COUNTED (past it, `totalCapped`).
   */
  async listPage(
    filter: AccountFilter,
    limit: number,
    offset: number,
    position: KeysetPosition,
  ): Promise<{ items: UserEntity[]; total: number; totalCapped: boolean; nextCursor: string | null }> {
    const { text, values } = this.listStatement(filter, limit, offset, position.after);
    const countValues: unknown[] = [];
    const [rows, [{ total }]] = await Promise.all([
      this.sql.rows<UserRow>(text, values),
      this.sql.rows<{ total: number }>(USERS_KEYSET.countUpTo('users u', this.listWhere(filter, countValues), MAX_COUNTED), countValues),
    ]);
    const page = USERS_KEYSET.page(rows.map(fromUserRow), limit, position);
    return { items: page.items, total: Math.min(total, MAX_COUNTED), totalCapped: total > MAX_COUNTED, nextCursor: page.nextCursor };
  }

  /** The statement of one page as `listPage` runs it: `limit + 1` rows, after the cursor's values or at the offset (the EXPLAIN test reads it). */
  listStatement(filter: AccountFilter, limit: number, offset: number, after: string[] | null): { text: string; values: unknown[] } {
    const values: unknown[] = [];
    const where = this.listWhere(filter, values);
    return { text: USERS_KEYSET.select(`${USER_COLUMNS} FROM users u`, where, values, { limit, offset, after }), values };
  }

  private listWhere(filter: AccountFilter, values: unknown[]): string {
    const param = (value: unknown) => `$${values.push(value)}`;
    const clauses = ['u.deleted_at IS NULL'];
    if (filter.q) {
      const pattern = param(`%${likeLiteral(filter.q.trim())}%`);
      clauses.push(
        `(u.email ILIKE ${pattern} OR u.first_name ILIKE ${pattern} OR u.last_name ILIKE ${pattern} OR (u.first_name || ' ' || u.last_name) ILIKE ${pattern})`,
      );
    }
    if (filter.role) clauses.push(`u.role = ${param(filter.role)}`);
    if (filter.status) clauses.push(`u.status = ${param(filter.status)}`);
    return clauses.join(' AND ');
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
