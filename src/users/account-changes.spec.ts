import type { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { AccountStatus } from './account-status.enum';
import { auditedChanges, auditEntry, isAdminAction } from './account-changes';
import type { UserEntity } from './user.entity';

const ADMIN: AuthUser = { id: 'admin-1', email: 'a@example.com', role: Role.ADMIN, jti: 'j', exp: 0, sessionId: null };
const CUSTOMER: AuthUser = { id: 'user-1', email: 'u@example.com', role: Role.CUSTOMER, jti: 'j', exp: 0, sessionId: null };
const before = { email: 'u@example.com', role: Role.CUSTOMER, status: AccountStatus.ACTIVE };
const after = (changes: Partial<UserEntity>) => ({ ...before, passwordHash: '$2b$04$hash', ...changes }) as UserEntity;
const none = { passwordChanged: false, profileFields: [] };

describe('account changes', () => {
  it('names each change with its before and after, and a password change without the password or its hash', () => {
    const changes = auditedChanges(before, after({ role: Role.PROVIDER, status: AccountStatus.SUSPENDED, email: 'new@example.com' }), {
      passwordChanged: true,
      profileFields: ['phone'],
    });
    expect(changes).toEqual([
      { action: 'role.changed', details: { from: 'CUSTOMER', to: 'PROVIDER' } },
      { action: 'status.changed', details: { from: 'ACTIVE', to: 'SUSPENDED' } },
      { action: 'email.changed', details: { from: 'u@example.com', to: 'new@example.com' } },
      { action: 'password.changed', details: {} },
      { action: 'profile.changed', details: { fields: ['phone'] } },
    ]);
    expect(JSON.stringify(changes)).not.toContain('$2b$');
  });

  it('finds nothing when nothing changed (a status set to what it was)', () => {
    expect(auditedChanges(before, after({ status: AccountStatus.ACTIVE }), none)).toEqual([]);
  });

  it("audits an admin's changes to another account, and role changes even on their own, nothing else", () => {
    const profile = auditedChanges(before, after({}), { passwordChanged: false, profileFields: ['firstName'] });
    const role = auditedChanges(before, after({ role: Role.ADMIN }), none);
    expect(isAdminAction(ADMIN, CUSTOMER.id, profile)).toBe(true);
    expect(isAdminAction(ADMIN, ADMIN.id, profile)).toBe(false);
    expect(isAdminAction(ADMIN, ADMIN.id, role)).toBe(true);
    expect(isAdminAction(CUSTOMER, CUSTOMER.id, profile)).toBe(false);
    expect(isAdminAction(ADMIN, CUSTOMER.id, [])).toBe(false);
  });

  it('records who acted and the request id', () => {
    const [change] = auditedChanges(before, after({ status: AccountStatus.SUSPENDED }), none);
    expect(auditEntry(ADMIN, CUSTOMER.id, change, { ip: '127.0.0.1', requestId: 'req-1', userAgent: null })).toEqual({
      accountId: CUSTOMER.id,
      actorId: ADMIN.id,
      action: 'status.changed',
      details: { from: 'ACTIVE', to: 'SUSPENDED' },
      requestId: 'req-1',
    });
    expect(auditEntry(ADMIN, CUSTOMER.id, change, null).requestId).toBeNull();
  });
});
