import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { BookingCancelledEvent, BookingCompletedEvent, BookingCreatedEvent, BookingRescheduledEvent } from '../../bookings/events/booking.events';
import { inTransaction } from '../../common/events/domain-event';
import { TransactionalEvent } from '../../common/database/unit-of-work';
import { PaymentFailedEvent, PaymentRefundedEvent, PaymentSucceededEvent } from '../../payments/events/payment.events';
import { PasswordChangedEvent } from '../../users/events/password-changed.event';
import { NotificationOutbox } from '../notification-outbox.service';

/**
 * Inside the transaction that records the event (UnitOfWork awaits these): the notifications are written
 * with its manager. An error here must roll the change back rather than commit it without its
 * notifications, hence `suppressErrors: false`.
 */
const IN_TRANSACTION = { suppressErrors: false } as const;

@Injectable()
export class NotificationOutboxListener {
  constructor(private readonly outbox: NotificationOutbox) {}

  @OnEvent(inTransaction(BookingCreatedEvent.eventName), IN_TRANSACTION)
  onBookingCreated({ event, manager }: TransactionalEvent<BookingCreatedEvent>): Promise<void> {
    return this.outbox.record(event, manager);
  }

  @OnEvent(inTransaction(BookingRescheduledEvent.eventName), IN_TRANSACTION)
  onBookingRescheduled({ event, manager }: TransactionalEvent<BookingRescheduledEvent>): Promise<void> {
    return this.outbox.record(event, manager);
  }

  @OnEvent(inTransaction(BookingCompletedEvent.eventName), IN_TRANSACTION)
  onBookingCompleted({ event, manager }: TransactionalEvent<BookingCompletedEvent>): Promise<void> {
    return this.outbox.record(event, manager);
  }

  @OnEvent(inTransaction(BookingCancelledEvent.eventName), IN_TRANSACTION)
  onBookingCancelled({ event, manager }: TransactionalEvent<BookingCancelledEvent>): Promise<void> {
    return this.outbox.record(event, manager);
  }

  @OnEvent(inTransaction(PaymentSucceededEvent.eventName), IN_TRANSACTION)
  onPaymentSucceeded({ event, manager }: TransactionalEvent<PaymentSucceededEvent>): Promise<void> {
    return this.outbox.record(event, manager);
  }

  @OnEvent(inTransaction(PaymentFailedEvent.eventName), IN_TRANSACTION)
  onPaymentFailed({ event, manager }: TransactionalEvent<PaymentFailedEvent>): Promise<void> {
    return this.outbox.record(event, manager);
  }

  @OnEvent(inTransaction(PaymentRefundedEvent.eventName), IN_TRANSACTION)
  onPaymentRefunded({ event, manager }: TransactionalEvent<PaymentRefundedEvent>): Promise<void> {
    return this.outbox.record(event, manager);
  }

  @OnEvent(inTransaction(PasswordChangedEvent.eventName), IN_TRANSACTION)
  onPasswordChanged({ event, manager }: TransactionalEvent<PasswordChangedEvent>): Promise<void> {
    return this.outbox.record(event, manager);
  }
}
