import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BookingEntity, BookingStatus } from '../booking.entity';

export const BOOKING_ACTIONS = ['cancel', 'reschedule', 'complete', 'edit_notes', 'accept', 'decline'] as const;
export type BookingAction = (typeof BOOKING_ACTIONS)[number];

export class BookingResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ format: 'uuid' }) serviceId: string;
  @ApiProperty({ format: 'uuid' }) providerId: string;
  @ApiProperty({ enum: BookingStatus }) status: BookingStatus;
  @ApiProperty() scheduledAt: Date;
  @ApiProperty({ description: 'Minutes', example: 60 }) duration: number;
  @ApiProperty({ example: 89.5 }) totalAmount: number;
  @ApiProperty({ example: 'USD', pattern: '^[A-Z]{3}$', maxLength: 3 }) currency: string;
  @ApiProperty({ nullable: true, type: String, maxLength: 2000 }) notes: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
  @ApiPropertyOptional({ format: 'uuid', description: 'The payment made with the booking (POST /bookings/)' })
  paymentId?: string;
  @ApiPropertyOptional({
    enum: BOOKING_ACTIONS,
    isArray: true,
    maxItems: BOOKING_ACTIONS.length,
    description: 'What the caller may do now (GET /bookings/{id})',
  })
  allowedActions?: BookingAction[];
  @ApiPropertyOptional({
    type: Date,
    description: 'A booking request (a service with instantBooking false): the provider’s answer is due by then; unanswered, it expires',
  })
  requestExpiresAt?: Date;
}

export function toBookingResponse(booking: BookingEntity, allowedActions?: BookingAction[]): BookingResponse {
  const response: BookingResponse = {
    id: booking.id,
    customerId: booking.customerId,
    serviceId: booking.serviceId,
    providerId: booking.providerId,
    status: booking.status,
    scheduledAt: booking.scheduledAt,
    duration: booking.durationMinutes,
    totalAmount: Number(booking.totalAmount),
    currency: booking.currency.trim(),
    notes: booking.notes,
    createdAt: booking.createdAt,
    updatedAt: booking.updatedAt,
  };
  if (allowedActions) response.allowedActions = allowedActions;
  if (booking.requestExpiresAt) response.requestExpiresAt = booking.requestExpiresAt;
  return response;
}

export class CancellationQuoteResponse {
  @ApiProperty({ format: 'uuid' }) bookingId: string;
  @ApiProperty({ example: 89.5 }) refundAmount: number;
  @ApiProperty({ example: 'USD', pattern: '^[A-Z]{3}$', maxLength: 3 }) currency: string;
  @ApiProperty() fullRefund: boolean;
  @ApiProperty({ example: 'Cancelled at least 24 hours ahead: full refund.', maxLength: 200 }) policy: string;
}
