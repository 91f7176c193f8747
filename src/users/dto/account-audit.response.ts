import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AccountAuditAction, AccountAuditEntity } from '../account-audit.entity';

/** What an audit entry says changed: one of these shapes, by its action. */
export class AccountAuditDetails {
  @ApiPropertyOptional({ maxLength: 254, description: 'The value before (role.changed, status.changed, email.changed)' }) from?: string;
  @ApiPropertyOptional({ maxLength: 254, description: 'The value after' }) to?: string;
  @ApiPropertyOptional({
    type: 'array',
    maxItems: 4,
    items: { type: 'string', maxLength: 32 },
    description: 'The profile fields changed (profile.changed)',
  })
  fields?: string[];
  @ApiPropertyOptional({ maxLength: 16, description: "The deleted account's role (account.deleted)" }) role?: string;
}

const ACTIONS: AccountAuditAction[] = ['role.changed', 'status.changed', 'email.changed', 'password.changed', 'profile.changed', 'account.deleted'];

export class AccountAuditResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) accountId: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The admin who acted; null when the operator acted from the command line (create-admin)',
  })
  actorId: string | null;
  @ApiProperty({ enum: ACTIONS }) action: AccountAuditAction;
  @ApiProperty({ type: AccountAuditDetails, description: 'What changed, e.g. {"from": "ACTIVE", "to": "SUSPENDED"}; never a secret' })
  details: AccountAuditDetails;
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
