import { ApiProperty } from '@nestjs/swagger';
import { SlotHold } from '../slot-hold';

export class SlotHoldResponse {
  @ApiProperty({ format: 'uuid', description: 'Pass as holdId to POST /bookings/ to book the held slot' }) id: string;
  @ApiProperty({ format: 'uuid' }) serviceId: string;
  @ApiProperty() scheduledAt: Date;
  @ApiProperty() endsAt: Date;
  @ApiProperty({ description: 'Until then nobody else can hold or book the time (BOOKING_HOLD_TTL_SECONDS after the hold)' }) expiresAt: Date;
}

export const toSlotHoldResponse = (hold: SlotHold): SlotHoldResponse => ({
  id: hold.id,
  serviceId: hold.serviceId,
  scheduledAt: hold.scheduledAt,
  endsAt: hold.endsAt,
  expiresAt: hold.expiresAt,
});
