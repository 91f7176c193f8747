import type { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import type { ClientContext } from '../common/decorators/client-context.decorator';
import type { AccountAuditAction } from './account-audit.entity';
import type { NewAuditEntry } from './account-audit.repository';
import type { UserEntity } from './user.entity';

/** One change to an account, as the audit trail and the security log name it. */
export interface AuditedChange {
  action: AccountAuditAction;
  details: Record<string, unknown>;
}

/** What an update changed, as audit entries (never the password or its hash: only that it changed). */
export function auditedChanges(
  before: Pick<UserEntity, 'email' | 'role' | 'status'>,
  after: UserEntity,
  { passwordChanged, profileFields }: { passwordChanged: boolean; profileFields: string[] },
): AuditedChange[] {
  const changes: AuditedChange[] = [];
  if (before.role !== after.role) changes.push({ action: 'role.changed', details: { from: before.role, to: after.role } });
  if (before.status !== after.status) changes.push({ action: 'status.changed', details: { from: before.status, to: after.status } });
  if (before.email !== after.email) changes.push({ action: 'email.changed', details: { from: before.email, to: after.email } });
  if (passwordChanged) changes.push({ action: 'password.changed', details: {} });
  if (profileFields.length) changes.push({ action: 'profile.changed', details: { fields: profileFields } });
  return changes;
}

/**
 * An admin acting on someone else's account; and a role change, which only an admin can make, even their own.
 * (What users do to their own accounts is theirs: security events, not admin audit.)
 */
export function isAdminAction(caller: AuthUser, id: string, changes: AuditedChange[]): boolean {
  if (caller.role !== Role.ADMIN || !changes.length) return false;
  return caller.id !== id || changes.some((change) => change.action === 'role.changed');
}

/** The audit row of a change: who acted, on which account, in which request. */
export function auditEntry(caller: AuthUser, accountId: string, change: AuditedChange, client: ClientContext | null): NewAuditEntry {
  return { accountId, actorId: caller.id, action: change.action, details: change.details, requestId: client?.requestId ?? null };
}
