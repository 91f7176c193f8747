import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What an admin did to an account: one row per change, written in the transaction of the change. */
export type AccountAuditAction = 'role.changed' | 'status.changed' | 'email.changed' | 'password.changed' | 'profile.changed' | 'account.deleted';

@Entity({ name: 'account_audit' })
export class AccountAuditEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'account_id', type: 'uuid' })
  accountId: string;

  /** The admin who acted (null once that account is gone for good). */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ type: 'varchar', length: 32 })
  action: AccountAuditAction;

  /** What changed (old and new values, names of changed fields); never a password, token or hash. */
  @Column({ type: 'jsonb' })
  details: Record<string, unknown>;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @Column({ type: 'timestamptz' })
  at: Date;
}
