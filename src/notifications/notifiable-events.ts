import {
  BookingCancelledEvent,
  BookingCompletedEvent,
  BookingCreatedEvent,
  BookingDeclinedEvent,
  BookingExpiredEvent,
  BookingFacts,
  BookingReminderEvent,
  BookingRequestedEvent,
  BookingRescheduledEvent,
} from '../bookings/events/booking.events';
import { DomainEvent } from '../common/events/domain-event';
import { PaymentFacts, PaymentFailedEvent, PaymentRefundedEvent, PaymentSucceededEvent } from '../payments/events/payment.events';
import { PasswordChangedEvent } from '../users/events/password-changed.event';
import { NotificationType } from './notification-type';
import {
  bookingCancelled,
  bookingCompleted,
  bookingCreated,
  bookingDeclined,
  bookingExpired,
  bookingReminder,
  bookingRequested,
  bookingRescheduled,
  NotificationContent,
  NotificationDraft,
  passwordChanged,
  paymentFailed,
  paymentReceived,
  paymentRefunded,
  Recipient,
  Schedule,
} from './templates/notification-templates';

/** An event class: what the table is keyed by (its static `eventName` is the name it is emitted under). */
interface EventClass<E extends DomainEvent> {
  readonly eventName: E['name'];
  new (...args: never[]): E;
}

/** How one kind of event notifies: whom, with which type, and what they are told. */
export interface Notifiable<E extends DomainEvent> {
  event: EventClass<E>;
  /** What clients see in `type` (and the SSE event name). */
  type: NotificationType;
  /** The users told; the recorder drops duplicates and deleted accounts. */
  recipients: (event: E) => string[];
  /** For events that do not say when their booking is: the booking whose row, read in the transaction, does. */
  bookingOf?: (event: E) => string | null;
  /** For events that say when their booking is: which booking and when (spares other events of it the read). */
  scheduleOf?: (event: E) => { bookingId: string; schedule: Schedule };
  /** The notification's text and data for one recipient, and its e-mail (null for none). */
  template: (event: E, to: Recipient, schedule: Schedule | null) => NotificationContent;
}

/** Ties an entry's functions to its event class, so each template is checked against the event it takes. */
const notifiable = <E extends DomainEvent>(entry: Notifiable<E>): Notifiable<E> => entry;

const bookingParties = ({ booking }: { booking: BookingFacts }) => [booking.customerId, booking.providerId];
const bookingSchedule = ({ booking }: { booking: BookingFacts }) => ({
  bookingId: booking.bookingId,
  schedule: { scheduledAt: booking.scheduledAt, timezone: booking.serviceTimezone },
});
const payer = ({ payment }: { payment: PaymentFacts }) => [payment.customerId];
const paymentParties = ({ payment }: { payment: PaymentFacts }) => [payment.customerId, payment.providerId];
const bookingOfPayment = ({ payment }: { payment: PaymentFacts }) => payment.bookingId;

/**
 * Every event that notifies someone, declared once. The event type, what the in-transaction handler records
 * (listeners/notifiable-events.listener.ts, through `isNotifiable`) and the template lookup all derive from this list: an event
 * added here is recorded, e-mailed and pushed; an entry without a template does not compile.
 */
export const NOTIFIABLE_EVENTS = [
  notifiable({
    event: BookingCreatedEvent,
    type: NotificationType.BOOKING_CREATED,
    recipients: bookingParties,
    scheduleOf: bookingSchedule,
    template: bookingCreated,
  }),
  notifiable({
    event: BookingRescheduledEvent,
    type: NotificationType.BOOKING_RESCHEDULED,
    recipients: bookingParties,
    scheduleOf: bookingSchedule,
    template: bookingRescheduled,
  }),
  notifiable({
    event: BookingCompletedEvent,
    type: NotificationType.BOOKING_COMPLETED,
    recipients: bookingParties,
    scheduleOf: bookingSchedule,
    template: bookingCompleted,
  }),
  notifiable({
    event: BookingCancelledEvent,
    type: NotificationType.BOOKING_CANCELLED,
    recipients: bookingParties,
    scheduleOf: bookingSchedule,
    template: bookingCancelled,
  }),
  notifiable({
    event: BookingReminderEvent,
    type: NotificationType.BOOKING_REMINDER,
    recipients: bookingParties,
    scheduleOf: bookingSchedule,
    template: bookingReminder,
  }),
  notifiable({
    event: PaymentSucceededEvent,
    type: NotificationType.PAYMENT_RECEIVED,
    recipients: payer,
    bookingOf: bookingOfPayment,
    template: paymentReceived,
  }),
  notifiable({ event: PaymentFailedEvent, type: NotificationType.PAYMENT_FAILED, recipients: payer, bookingOf: bookingOfPayment, template: paymentFailed }),
  notifiable({
    event: PaymentRefundedEvent,
    type: NotificationType.PAYMENT_REFUNDED,
    recipients: paymentParties,
    bookingOf: bookingOfPayment,
    template: paymentRefunded,
  }),
  notifiable({ event: BookingRequestedEvent, type: NotificationType.BOOKING_REQUESTED, recipients: bookingParties, template: bookingRequested }),
  notifiable({ event: BookingDeclinedEvent, type: NotificationType.BOOKING_DECLINED, recipients: bookingParties, template: bookingDeclined }),
  notifiable({ event: BookingExpiredEvent, type: NotificationType.BOOKING_EXPIRED, recipients: bookingParties, template: bookingExpired }),
  notifiable({ event: PasswordChangedEvent, type: NotificationType.PASSWORD_CHANGED, recipients: ({ userId }) => [userId], template: passwordChanged }),
] as const;

type InstanceOf<C> = C extends EventClass<infer E> ? E : never;

/** Every event that notifies someone. */
export type NotifiableEvent = InstanceOf<(typeof NOTIFIABLE_EVENTS)[number]['event']>;
export type NotifiableEventName = NotifiableEvent['name'];

export const NOTIFIABLE_EVENT_NAMES: readonly NotifiableEventName[] = NOTIFIABLE_EVENTS.map(({ event }) => event.eventName);

const byName = new Map<string, unknown>(NOTIFIABLE_EVENTS.map((entry) => [entry.event.eventName, entry]));

/** The table's entry for this event. */
export function notifiableOf<E extends NotifiableEvent>(event: E): Notifiable<E> {
  // The table pairs each class with functions of that class, so the entry found by the event's name takes it.
  return byName.get(event.name) as Notifiable<E>;
}

/** True for an event of the table (the batch handler hears every event of a transaction and keeps these). */
export function isNotifiable(event: DomainEvent): event is NotifiableEvent {
  return byName.has(event.name);
}

/** The users an event notifies, in a stable order (ids sorted, so transactions lock their counters alike). */
export function recipientIdsOf(event: NotifiableEvent): string[] {
  return [...new Set(notifiableOf(event).recipients(event))].sort();
}

/**
 * What each party is told about an event: the stored notification and, for bookings and payments, the
 * e-mail. Recipients missing from `recipients` (deleted accounts) get nothing.
 */
export function draftNotifications(event: NotifiableEvent, recipients: ReadonlyMap<string, Recipient>, schedule: Schedule | null = null): NotificationDraft[] {
  const { type, template } = notifiableOf(event);
  const drafts: NotificationDraft[] = [];
  for (const id of recipientIdsOf(event)) {
    const recipient = recipients.get(id);
    if (recipient) drafts.push({ userId: recipient.id, type, ...template(event, recipient, schedule) });
  }
  return drafts;
}
