import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AccountAuditAction, AccountAuditEntity } from './account-audit.entity';

export interface NewAuditEntry {
  accountId: string;
  /** The admin who acted; null for the operator's command line (create-admin). */
  actorId: string | null;
  action: AccountAuditAction;
  details: Record<string, unknown>;
  requestId: string | null;
}

@Injectable()
export class AccountAuditRepository {
  constructor(@InjectRepository(AccountAuditEntity) private readonly audit: Repository<AccountAuditEntity>) {}

  /** In the caller's transaction, so an entry exists exactly when its change committed. `at` is the database's clock. */
  async insertAll(entries: NewAuditEntry[], manager: EntityManager): Promise<void> {
    if (!entries.length) return;
    const repo = manager.getRepository(AccountAuditEntity);
    await repo.save(entries.map((entry) => repo.create(entry)));
  }

  /** One page of an account's entries, newest first (ties broken by id, so paging is stable), and how many there are. */
  async listForAccount(accountId: string, limit: number, offset: number): Promise<{ items: AccountAuditEntity[]; total: number }> {
    const [items, total] = await this.audit.findAndCount({ where: { accountId }, order: { at: 'DESC', id: 'DESC' }, take: limit, skip: offset });
    return { items, total };
  }
}
