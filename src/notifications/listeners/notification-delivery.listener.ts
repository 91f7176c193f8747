import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { BookingCancelledEvent, BookingCompletedEvent, BookingCreatedEvent, BookingRescheduledEvent } from '../../bookings/events/booking.events';
import { DomainEvent } from '../../common/events/domain-event';
import { PaymentFailedEvent, PaymentRefundedEvent, PaymentSucceededEvent } from '../../payments/events/payment.events';
import { PasswordChangedEvent } from '../../users/events/password-changed.event';
import { EmailOutbox } from '../email/email-outbox.service';
import { toLiveNotification } from '../live/live-notification';
import { NotificationBus } from '../live/notification-bus';
import { NotificationOutbox } from '../notification-outbox.service';

/** After commit, off the request's path: push what was written to open streams and start its e-mails. */
const AFTER_COMMIT = { async: true } as const;

@Injectable()
export class NotificationDeliveryListener {
  private readonly logger = new Logger(NotificationDeliveryListener.name);

  constructor(
    private readonly outbox: NotificationOutbox,
    private readonly bus: NotificationBus,
    private readonly emails: EmailOutbox,
  ) {}

  @OnEvent(BookingCreatedEvent.eventName, AFTER_COMMIT)
  onBookingCreated(event: BookingCreatedEvent): Promise<void> {
    return this.deliver(event);
  }

  @OnEvent(BookingRescheduledEvent.eventName, AFTER_COMMIT)
  onBookingRescheduled(event: BookingRescheduledEvent): Promise<void> {
    return this.deliver(event);
  }

  @OnEvent(BookingCompletedEvent.eventName, AFTER_COMMIT)
  onBookingCompleted(event: BookingCompletedEvent): Promise<void> {
    return this.deliver(event);
  }

  @OnEvent(BookingCancelledEvent.eventName, AFTER_COMMIT)
  onBookingCancelled(event: BookingCancelledEvent): Promise<void> {
    return this.deliver(event);
  }

  @OnEvent(PaymentSucceededEvent.eventName, AFTER_COMMIT)
  onPaymentSucceeded(event: PaymentSucceededEvent): Promise<void> {
    return this.deliver(event);
  }

  @OnEvent(PaymentFailedEvent.eventName, AFTER_COMMIT)
  onPaymentFailed(event: PaymentFailedEvent): Promise<void> {
    return this.deliver(event);
  }

  @OnEvent(PaymentRefundedEvent.eventName, AFTER_COMMIT)
  onPaymentRefunded(event: PaymentRefundedEvent): Promise<void> {
    return this.deliver(event);
  }

  @OnEvent(PasswordChangedEvent.eventName, AFTER_COMMIT)
  onPasswordChanged(event: PasswordChangedEvent): Promise<void> {
    return this.deliver(event);
  }

  /** Never throws: the rows are committed, so a stream replays them and the sweep sends the e-mails. */
  private async deliver(event: DomainEvent): Promise<void> {
    try {
      const recorded = this.outbox.takeRecorded(event);
      if (!recorded) return;
      this.emails.sendSoon(recorded.emailIds);
      for (const notification of recorded.notifications) await this.bus.publish(toLiveNotification(notification));
    } catch (error) {
      this.logger.error({ err: error, event: event.name }, 'Live delivery of notifications failed');
    }
  }
}
