import { Role } from '../common/auth/role.enum';

export interface RefundQuote {
  /** What would be refunded now, in the payment's currency. */
  refundAmount: number;
  fullRefund: boolean;
  policy: string;
}

/**
 * A provider or admin cancellation refunds everything still refundable; a customer gets everything back
 * when cancelling at least `fullRefundHours` before the start, and nothing later.
 */
export function quoteCancellationRefund(input: { cancelledBy: Role; startsAt: Date; now: Date; refundableMinor: number; fullRefundHours: number }): {
  refundMinor: number;
  fullRefund: boolean;
  policy: string;
} {
  if (input.cancelledBy !== Role.CUSTOMER) {
    return { refundMinor: input.refundableMinor, fullRefund: true, policy: 'Cancelled by the provider or an admin: full refund.' };
  }
  const hoursAhead = (input.startsAt.getTime() - input.now.getTime()) / 3_600_000;
  if (hoursAhead >= input.fullRefundHours) {
    return { refundMinor: input.refundableMinor, fullRefund: true, policy: `Cancelled at least ${input.fullRefundHours} hours ahead: full refund.` };
  }
  return { refundMinor: 0, fullRefund: false, policy: `Cancelled less than ${input.fullRefundHours} hours ahead: no refund.` };
}

/**
 * The start a customer's cancellation is judged against: the earliest the booking has ever been scheduled
 * for, so moving it later never turns a late cancellation into a refunded one.
 */
export function refundPolicyStart(booking: { scheduledAt: Date; earliestScheduledAt: Date | null }): Date {
  const earliest = booking.earliestScheduledAt;
  return earliest && earliest < booking.scheduledAt ? earliest : booking.scheduledAt;
}
