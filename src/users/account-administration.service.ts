import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain.error';
import { Page } from '../common/pagination/pagination';
import { AccountAuditRepository } from './account-audit.repository';
import { AccountAuditResponse, toAccountAuditResponse } from './dto/account-audit.response';
import { ListUsersQuery } from './dto/list-users.query';
import { toUserResponse, UserResponse } from './dto/user.response';
import { USERS_KEYSET, UsersRepository } from './users.repository';

/** What admins read about accounts: the listing and each account's audit trail (admins only, by the routes' roles). */
@Injectable()
export class AccountAdministration {
  constructor(
    private readonly users: UsersRepository,
    private readonly audit: AccountAuditRepository,
  ) {}

  async list(query: ListUsersQuery): Promise<Page<UserResponse>> {
    const filter = { q: query.q || undefined, role: query.role, status: query.status };
    const page = await this.users.listPage(filter, query.limit, query.offset, USERS_KEYSET.position(query));
    return { ...page, items: page.items.map((user) => toUserResponse(user)), limit: query.limit, offset: query.offset };
  }

  /** Newest first. A deleted account's trail stays readable. */
  async auditOf(accountId: string, limit: number, offset: number): Promise<Page<AccountAuditResponse>> {
    if (!(await this.users.existsWithDeleted(accountId))) throw new NotFoundError('User');
    const { items, total } = await this.audit.listForAccount(accountId, limit, offset);
    return { items: items.map(toAccountAuditResponse), total, limit, offset };
  }
}
