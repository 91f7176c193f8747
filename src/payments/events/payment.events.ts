import { DomainEvent } from '../../common/events/domain-event';

export interface PaymentFacts {
  paymentId: string;
  bookingId: string | null;
  serviceId: string;
  serviceTitle: string;
  customerId: string;
  providerId: string;
  amount: number;
  currency: string;
}

export class PaymentSucceededEvent extends DomainEvent {
  static readonly eventName = 'payment.succeeded';
  readonly name = PaymentSucceededEvent.eventName;

  constructor(
    readonly payment: PaymentFacts,
    readonly transactionId: string,
  ) {
    super();
  }
}

export class PaymentFailedEvent extends DomainEvent {
  static readonly eventName = 'payment.failed';
  readonly name = PaymentFailedEvent.eventName;

  constructor(
    readonly payment: PaymentFacts,
    readonly failureReason: string,
  ) {
    super();
  }
}

export class PaymentRefundedEvent extends DomainEvent {
  static readonly eventName = 'payment.refunded';
  readonly name = PaymentRefundedEvent.eventName;

  constructor(
    readonly payment: PaymentFacts,
    readonly refundId: string,
    readonly refundAmount: number,
    readonly totalRefunded: number,
    readonly reason: string,
  ) {
    super();
  }
}

/** The facts a payment event carries, from the payment and its service's title. */
export function paymentFactsOf(
  payment: { id: string; bookingId: string | null; serviceId: string; customerId: string; providerId: string; amount: number; currency: string },
  serviceTitle: string,
): PaymentFacts {
  return {
    paymentId: payment.id,
    bookingId: payment.bookingId,
    serviceId: payment.serviceId,
    serviceTitle,
    customerId: payment.customerId,
    providerId: payment.providerId,
    amount: Number(payment.amount),
    currency: payment.currency.trim(),
  };
}
