import { ApiProperty } from '@nestjs/swagger';
import { AccountAuditAction, AccountAuditEntity } from '../account-audit.entity';

const ACTIONS: AccountAuditAction[] = ['role.changed', 'status.changed', 'email.changed', 'password.changed', 'profile.changed', 'account.deleted'];

export class AccountAuditResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) accountId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The admin who acted' }) actorId: string | null;
  @ApiProperty({ enum: ACTIONS }) action: AccountAuditAction;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'What changed, e.g. {"from": "ACTIVE", "to": "SUSPENDED"} or {"fields": ["phone"]}; never a secret',
  })
  details: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true, maxLength: 128, description: 'The X-Request-Id of the request that made the change' })
  requestId: string | null;
  @ApiProperty() at: Date;
}

export function toAccountAuditResponse(entry: AccountAuditEntity): AccountAuditResponse {
  return {
    id: entry.id,
    accountId: entry.accountId,
    actorId: entry.actorId,
    action: entry.action,
    details: entry.details,
    requestId: entry.requestId,
    at: entry.at,
  };
}
