import { DomainEvent } from '../../common/events/domain-event';

/** Who booked, as the provider needs it for a visit: name, how to reach them, where, and what they asked for. */
export interface BookingCustomer {
  name: string;
  phone: string | null;
  address: string | null;
  notes: string | null;
}

/** What every booking event carries: enough for a notification without another query. */
export interface BookingFacts {
  bookingId: string;
  serviceId: string;
  serviceTitle: string;
  serviceTimezone: string;
  customerId: string;
  providerId: string;
  scheduledAt: Date;
  durationMinutes: number;
  amount: number;
  currency: string;
  /** The iCalendar SEQUENCE of the booking's event when the event was recorded (0 when absent). */
  calendarSequence?: number;
  /** The customer's contact and the booking's notes, for the provider (read with the facts from the database). */
  customer?: BookingCustomer;
}

export class BookingCreatedEvent extends DomainEvent {
  static readonly eventName = 'booking.created';
  readonly name = BookingCreatedEvent.eventName;

  constructor(
    readonly booking: BookingFacts,
    readonly paymentId: string,
  ) {
    super();
  }
}

export class BookingRescheduledEvent extends DomainEvent {
  static readonly eventName = 'booking.rescheduled';
  readonly name = BookingRescheduledEvent.eventName;

  constructor(
    readonly booking: BookingFacts,
    readonly previousScheduledAt: Date,
  ) {
    super();
  }
}

export class BookingCompletedEvent extends DomainEvent {
  static readonly eventName = 'booking.completed';
  readonly name = BookingCompletedEvent.eventName;

  constructor(readonly booking: BookingFacts) {
    super();
  }
}

export class BookingCancelledEvent extends DomainEvent {
  static readonly eventName = 'booking.cancelled';
  readonly name = BookingCancelledEvent.eventName;

  constructor(
    readonly booking: BookingFacts,
    readonly cancelledBy: 'CUSTOMER' | 'PROVIDER' | 'ADMIN' | 'SYSTEM',
    readonly refundAmount: number,
    /** A booking request cancelled by its customer: the funds held for it are released (nothing was taken). */
    readonly holdReleased = false,
  ) {
    super();
  }
}

/** A CONFIRMED booking starts in BOOKING_REMINDER_HOURS: recorded once per booking and start (booking_reminders). */
export class BookingReminderEvent extends DomainEvent {
  static readonly eventName = 'booking.reminder';
  readonly name = BookingReminderEvent.eventName;

  constructor(readonly booking: BookingFacts) {
    super();
  }
}

/** A customer asked to book a service that takes requests: the funds are held until the provider answers. */
export class BookingRequestedEvent extends DomainEvent {
  static readonly eventName = 'booking.requested';
  readonly name = BookingRequestedEvent.eventName;

  constructor(
    readonly booking: BookingFacts,
    readonly paymentId: string,
    /** The answer is due by then: unanswered, the request expires. */
    readonly expiresAt: Date,
  ) {
    super();
  }
}

/** The provider (or an admin) declined a booking request: the held funds are released. */
export class BookingDeclinedEvent extends DomainEvent {
  static readonly eventName = 'booking.declined';
  readonly name = BookingDeclinedEvent.eventName;

  constructor(
    readonly booking: BookingFacts,
    readonly declinedBy: 'PROVIDER' | 'ADMIN',
  ) {
    super();
  }
}

/** Nobody answered a booking request in time: the system declined it and released the held funds. */
export class BookingExpiredEvent extends DomainEvent {
  static readonly eventName = 'booking.expired';
  readonly name = BookingExpiredEvent.eventName;

  constructor(readonly booking: BookingFacts) {
    super();
  }
}
