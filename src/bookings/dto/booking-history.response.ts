import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Role } from '../../common/auth/role.enum';
import { BookingStatus } from '../booking.entity';
import { HistoryRecord } from '../history/booking-history.repository';

const HISTORY_ACTIONS = ['created', 'confirmed', 'rescheduled', 'completed', 'cancelled', 'refunded', 'notes_updated', 'accepted', 'declined', 'expired'];

export class HistoryActorResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: Role }) role: Role;
}

/** What else a change says; each action fills the members that concern it. */
export class HistoryDetailsResponse {
  @ApiPropertyOptional({ format: 'date-time', description: 'rescheduled: the start before' }) fromScheduledAt?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'rescheduled: the start after' }) toScheduledAt?: string;
  @ApiPropertyOptional({ example: 89.5, description: 'cancelled: the refund the cancellation made' }) refundAmount?: number;
  @ApiPropertyOptional({ example: 20, description: 'refunded: the amount refunded' }) amount?: number;
  @ApiPropertyOptional({ format: 'uuid', description: 'confirmed, refunded: the payment' }) paymentId?: string;
}

@ApiExtraModels(HistoryActorResponse)
export class BookingHistoryEntryResponse {
  @ApiProperty({ description: 'When the change was made' }) at: Date;
  @ApiProperty({ example: 'rescheduled', maxLength: 32, description: `What changed: ${HISTORY_ACTIONS.join(', ')} (more may be added)` })
  action: string;
  @ApiProperty({ enum: BookingStatus, nullable: true, description: 'The status before (null for created)' }) from: BookingStatus | null;
  @ApiProperty({ enum: BookingStatus, nullable: true, description: 'The status after' }) to: BookingStatus | null;
  @ApiProperty({
    oneOf: [{ $ref: getSchemaPath(HistoryActorResponse) }, { type: 'string', enum: ['system'] }],
    description: 'Who made the change, or "system" for the system’s own (payment reconciliation, timers)',
  })
  actor: HistoryActorResponse | 'system';
  @ApiProperty({ type: String, nullable: true, maxLength: 500, example: 'Cancelled by the customer' }) reason: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 128, description: 'The X-Request-Id of the request that made it; null for the system' })
  requestId: string | null;
  @ApiProperty({ type: () => HistoryDetailsResponse, nullable: true, description: 'What else the change says (null: nothing)' })
  details: Record<string, unknown> | null;
}

export function toHistoryEntryResponse(record: HistoryRecord): BookingHistoryEntryResponse {
  return {
    at: record.at,
    action: record.action,
    from: record.from,
    to: record.to,
    actor: record.actor === 'system' ? 'system' : { id: record.actor.id, role: record.actor.role },
    reason: record.reason,
    requestId: record.requestId,
    details: record.details,
  };
}
