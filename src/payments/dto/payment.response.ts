import { ApiProperty } from '@nestjs/swagger';
import { PaymentEntity, PaymentStatus } from '../payment.entity';

export class PaymentMethodResponse {
  @ApiProperty({ example: 'card', maxLength: 16 }) type: string;
  @ApiProperty({ example: 'visa', maxLength: 32 }) brand: string;
  @ApiProperty({ example: '4242', pattern: '^\\d{4}$', maxLength: 4 }) last4: string;
}

export class PaymentResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) bookingId: string | null;
  @ApiProperty({ format: 'uuid', description: 'The service paid for (kept when a declined attempt released its booking)' }) serviceId: string;
  @ApiProperty({ nullable: true, type: Date, description: 'When the booking paid for starts (kept when a declined attempt released its booking)' })
  scheduledAt: Date | null;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ enum: PaymentStatus }) status: PaymentStatus;
  @ApiProperty({ example: 89.5 }) amount: number;
  @ApiProperty({ example: 0 }) refundedAmount: number;
  @ApiProperty({ example: 'USD', pattern: '^[A-Z]{3}$', maxLength: 3 }) currency: string;
  @ApiProperty({ nullable: true, type: String, maxLength: 100 }) transactionId: string | null;
  @ApiProperty({ type: PaymentMethodResponse }) paymentMethod: PaymentMethodResponse;
  @ApiProperty({ nullable: true, type: String, maxLength: 500 }) failureReason: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export function toPaymentResponse(payment: PaymentEntity): PaymentResponse {
  const { type, brand, last4 } = payment.paymentMethod;
  return {
    id: payment.id,
    bookingId: payment.bookingId,
    serviceId: payment.serviceId,
    scheduledAt: payment.scheduledAt,
    customerId: payment.customerId,
    status: payment.status,
    amount: Number(payment.amount),
    refundedAmount: Number(payment.refundedAmount),
    currency: payment.currency,
    transactionId: payment.transactionId,
    paymentMethod: { type, brand, last4 },
    failureReason: payment.failureReason,
    createdAt: payment.createdAt,
    updatedAt: payment.updatedAt,
  };
}
