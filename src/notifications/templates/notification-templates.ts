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
} from '../../bookings/events/booking.events';
import { PaymentFacts, PaymentFailedEvent, PaymentRefundedEvent, PaymentSucceededEvent } from '../../payments/events/payment.events';
import { PasswordChangedEvent } from '../../users/events/password-changed.event';
import { NotificationData } from '../notification.entity';
import { NotificationType } from '../notification-type';
import { detailLines, formatLocalDate, formatLocalTime, formatMoney } from './format';
import type { InviteMethod } from '../../bookings/calendar/booking-calendar';

export interface Recipient {
  id: string;
  email: string;
  firstName: string;
}

/** The calendar invite a booking e-mail carries: the recorder renders the booking's event with this method. */
export interface InviteDraft {
  method: InviteMethod;
  booking: BookingFacts;
}

/** `kind` names the message (and, with the file transport, the file): `booking_confirmation`... */
export interface EmailDraft {
  kind: string;
  to: string;
  subject: string;
  text: string;
  /** Confirmations, reschedules and cancellations add, move or remove the booking in the recipient's calendar. */
  invite?: InviteDraft;
}

/** What a template writes for one recipient: the stored notification's text and data, and the e-mail if any. */
export interface NotificationContent {
  title: string;
  message: string;
  data: NotificationData;
  email: EmailDraft | null;
}

/** A notification ready to store: its content, whom it is for and its type (from the notifiable events table). */
export interface NotificationDraft extends NotificationContent {
  userId: string;
  type: NotificationType;
}

/** When the booking a payment is for starts, in its service's zone: payment events do not carry it. */
export interface Schedule {
  scheduledAt: Date;
  timezone: string;
}

const SIGNATURE = ['', '-- ', 'Service Marketplace'];

const when = (booking: BookingFacts) => formatLocalTime(new Date(booking.scheduledAt), booking.serviceTimezone);
const whenShort = (booking: BookingFacts) => formatLocalDate(new Date(booking.scheduledAt), booking.serviceTimezone);
const isCustomer = (booking: { customerId: string }, to: Recipient) => booking.customerId === to.id;

function bookingData(booking: BookingFacts): NotificationData {
  return {
    bookingId: booking.bookingId,
    serviceId: booking.serviceId,
    serviceTitle: booking.serviceTitle,
    scheduledAt: new Date(booking.scheduledAt).toISOString(),
    durationMinutes: booking.durationMinutes,
    amount: booking.amount,
    currency: booking.currency,
  };
}

function bookingDetails(booking: BookingFacts, extra: Array<[string, string | null | undefined]> = []): string[] {
  return detailLines([
    ['Service', booking.serviceTitle],
    ['When', when(booking)],
    ['Duration', `${booking.durationMinutes} minutes`],
    ['Amount', formatMoney(booking.amount, booking.currency)],
    ...extra,
    ['Booking ID', booking.bookingId],
  ]);
}

function email(kind: string, to: Recipient, subject: string, paragraphs: string[], details: string[], invite?: InviteDraft): EmailDraft {
  const text = [`Hello ${to.firstName},`, '', paragraphs.join('\n\n'), '', ...details, ...SIGNATURE].join('\n');
  return invite ? { kind, to: to.email, subject, text, invite } : { kind, to: to.email, subject, text };
}

export function bookingCreated(event: BookingCreatedEvent, to: Recipient): NotificationContent {
  const { booking } = event;
  const data = { ...bookingData(booking), paymentId: event.paymentId };
  const details = bookingDetails(booking, [['Payment ID', event.paymentId]]);
  if (isCustomer(booking, to)) {
    return {
      title: 'Booking confirmed',
      message: `Your booking of ${booking.serviceTitle} on ${when(booking)} is confirmed.`,
      data,
      email: email(
        'booking_confirmation',
        to,
        `Booking confirmed: ${booking.serviceTitle} on ${whenShort(booking)}`,
        ['Your booking is confirmed and paid.'],
        details,
        { method: 'REQUEST', booking },
      ),
    };
  }
  // The provider needs to know whom to visit, how to reach them and what they asked for.
  const customer = booking.customer;
  const contact = contactOf(booking);
  const by = customer ? ` by ${customer.name}` : '';
  return {
    title: 'New booking',
    message: `${booking.serviceTitle} was booked${by} for ${when(booking)}.`,
    data: customer ? { ...data, customerName: customer.name, customerPhone: customer.phone, customerAddress: customer.address, notes: customer.notes } : data,
    email: email(
      'booking_notification_provider',
      to,
      `New booking: ${booking.serviceTitle} on ${whenShort(booking)}`,
      ['You have a new booking.'],
      bookingDetails(booking, [['Payment ID', event.paymentId], ...contact]),
      { method: 'REQUEST', booking },
    ),
  };
}

export function bookingRescheduled(event: BookingRescheduledEvent, to: Recipient): NotificationContent {
  const { booking } = event;
  const previous = formatLocalTime(new Date(event.previousScheduledAt), booking.serviceTimezone);
  const message = `${booking.serviceTitle} moved from ${previous} to ${when(booking)}.`;
  return {
    title: 'Booking rescheduled',
    message,
    data: { ...bookingData(booking), previousScheduledAt: new Date(event.previousScheduledAt).toISOString() },
    email: email(
      'booking_update',
      to,
      `Booking rescheduled: ${booking.serviceTitle} on ${whenShort(booking)}`,
      [`Your booking has a new time.`],
      bookingDetails(booking, [['Was', previous]]),
      { method: 'REQUEST', booking },
    ),
  };
}

export function bookingCompleted(event: BookingCompletedEvent, to: Recipient): NotificationContent {
  const { booking } = event;
  const message = isCustomer(booking, to)
    ? `Your booking of ${booking.serviceTitle} on ${when(booking)} is complete. Thank you!`
    : `The booking of ${booking.serviceTitle} on ${when(booking)} is marked complete.`;
  return {
    title: 'Booking completed',
    message,
    data: bookingData(booking),
    email: email('booking_update', to, `Booking completed: ${booking.serviceTitle}`, [message], bookingDetails(booking)),
  };
}

export function bookingReminder(event: BookingReminderEvent, to: Recipient): NotificationContent {
  const { booking } = event;
  const message = isCustomer(booking, to)
    ? `Reminder: your booking of ${booking.serviceTitle} is on ${when(booking)}.`
    : `Reminder: ${booking.serviceTitle} is booked${booking.customer ? ` by ${booking.customer.name}` : ''} for ${when(booking)}.`;
  return {
    title: 'Booking reminder',
    message,
    data: bookingData(booking),
    email: email('booking_reminder', to, `Reminder: ${booking.serviceTitle} on ${whenShort(booking)}`, [message], bookingDetails(booking)),
  };
}

const CANCELLED_BY: Record<BookingCancelledEvent['cancelledBy'], string> = {
  CUSTOMER: 'the customer',
  PROVIDER: 'the provider',
  ADMIN: 'an administrator',
  SYSTEM: 'the system',
};

const HOLD_RELEASED = 'The amount held on your payment method is released; nothing was charged.';

/** The customer's contact and notes, for the provider's messages about a booking or a request. */
function contactOf(booking: BookingFacts): Array<[string, string | null | undefined]> {
  const customer = booking.customer;
  return [
    ['Customer', customer?.name],
    ['Phone', customer?.phone],
    ['Address', customer?.address],
    ['Notes', customer?.notes],
  ];
}

export function bookingRequested(event: BookingRequestedEvent, to: Recipient): NotificationContent {
  const { booking } = event;
  const due = formatLocalTime(new Date(event.expiresAt), booking.serviceTimezone);
  const data = { ...bookingData(booking), paymentId: event.paymentId, expiresAt: new Date(event.expiresAt).toISOString() };
  const extra: Array<[string, string]> = [
    ['Answer due by', due],
    ['Payment ID', event.paymentId],
  ];
  if (isCustomer(booking, to)) {
    const amount = formatMoney(booking.amount, booking.currency);
    const message = `Your request to book ${booking.serviceTitle} on ${when(booking)} was sent to the provider, who answers by ${due}.`;
    return {
      title: 'Booking requested',
      message,
      data,
      email: email(
        'booking_request',
        to,
        `Booking requested: ${booking.serviceTitle} on ${whenShort(booking)}`,
        [message, `${amount} is held on your payment method, not taken: it is charged only if the provider accepts.`],
        bookingDetails(booking, extra),
      ),
    };
  }
  const customer = booking.customer;
  const by = customer ? ` by ${customer.name}` : '';
  const message = `${booking.serviceTitle} was requested${by} for ${when(booking)}. Accept or decline by ${due}.`;
  return {
    title: 'New booking request',
    message,
    data: customer ? { ...data, customerName: customer.name, customerPhone: customer.phone, customerAddress: customer.address, notes: customer.notes } : data,
    email: email(
      'booking_request_provider',
      to,
      `Booking request: ${booking.serviceTitle} on ${whenShort(booking)}`,
      [message, 'Unanswered by then, the request is declined automatically.'],
      bookingDetails(booking, [...extra, ...contactOf(booking)]),
    ),
  };
}

export function bookingDeclined(event: BookingDeclinedEvent, to: Recipient): NotificationContent {
  const { booking } = event;
  const message = isCustomer(booking, to)
    ? `Your request to book ${booking.serviceTitle} on ${when(booking)} was declined. ${HOLD_RELEASED}`
    : event.declinedBy === 'PROVIDER'
      ? `You declined the request for ${booking.serviceTitle} on ${when(booking)}.`
      : `The request for ${booking.serviceTitle} on ${when(booking)} was declined by an administrator.`;
  return {
    title: 'Booking request declined',
    message,
    data: { ...bookingData(booking), declinedBy: event.declinedBy },
    email: email('booking_declined', to, `Booking request declined: ${booking.serviceTitle} on ${whenShort(booking)}`, [message], bookingDetails(booking)),
  };
}

export function bookingExpired(event: BookingExpiredEvent, to: Recipient): NotificationContent {
  const { booking } = event;
  const message = isCustomer(booking, to)
    ? `Your request to book ${booking.serviceTitle} on ${when(booking)} was not answered in time and has expired. ${HOLD_RELEASED}`
    : `The request for ${booking.serviceTitle} on ${when(booking)} was not answered in time and has expired.`;
  return {
    title: 'Booking request expired',
    message,
    data: bookingData(booking),
    email: email('booking_expired', to, `Booking request expired: ${booking.serviceTitle} on ${whenShort(booking)}`, [message], bookingDetails(booking)),
  };
}

export function bookingCancelled(event: BookingCancelledEvent, to: Recipient): NotificationContent {
  const { booking } = event;
  const refund = event.refundAmount > 0 ? formatMoney(event.refundAmount, booking.currency) : null;
  const refundLine = isCustomer(booking, to)
    ? event.holdReleased
      ? HOLD_RELEASED
      : refund
        ? `${refund} will be refunded to your payment method.`
        : 'No refund is due under the cancellation policy.'
    : refund
      ? `${refund} is refunded to the customer.`
      : null;
  // The party who cancelled is told so, not that "the customer" (or "the provider") did.
  const byRecipient = (event.cancelledBy === 'CUSTOMER' && isCustomer(booking, to)) || (event.cancelledBy === 'PROVIDER' && booking.providerId === to.id);
  const cancelled = byRecipient
    ? `You cancelled the booking of ${booking.serviceTitle} on ${when(booking)}.`
    : `The booking of ${booking.serviceTitle} on ${when(booking)} was cancelled by ${CANCELLED_BY[event.cancelledBy]}.`;
  const message = [cancelled, refundLine].filter(Boolean).join(' ');
  return {
    title: 'Booking cancelled',
    message,
    data: { ...bookingData(booking), cancelledBy: event.cancelledBy, refundAmount: event.refundAmount },
    email: email(
      'booking_cancellation',
      to,
      `Booking cancelled: ${booking.serviceTitle} on ${whenShort(booking)}`,
      [message],
      bookingDetails(booking, [['Refund', refund]]),
      { method: 'CANCEL', booking },
    ),
  };
}

function paymentData(payment: PaymentFacts): NotificationData {
  return {
    paymentId: payment.paymentId,
    bookingId: payment.bookingId,
    serviceId: payment.serviceId,
    serviceTitle: payment.serviceTitle,
    amount: payment.amount,
    currency: payment.currency,
  };
}

function paymentDetails(payment: PaymentFacts, schedule: Schedule | null, extra: Array<[string, string | null | undefined]> = []): string[] {
  return detailLines([
    ['Service', payment.serviceTitle],
    ['When', schedule ? formatLocalTime(schedule.scheduledAt, schedule.timezone) : null],
    ['Amount', formatMoney(payment.amount, payment.currency)],
    ...extra,
    ['Payment ID', payment.paymentId],
    ['Booking ID', payment.bookingId],
  ]);
}

export function paymentReceived(event: PaymentSucceededEvent, to: Recipient, schedule: Schedule | null): NotificationContent {
  const { payment } = event;
  const amount = formatMoney(payment.amount, payment.currency);
  return {
    title: 'Payment received',
    message: `We received your payment of ${amount} for ${payment.serviceTitle}.`,
    data: paymentData(payment),
    email: email(
      'payment_receipt',
      to,
      `Receipt: ${amount} for ${payment.serviceTitle}`,
      ['Thank you for your payment. This is your receipt.'],
      paymentDetails(payment, schedule, [['Transaction', event.transactionId]]),
    ),
  };
}

export function paymentFailed(event: PaymentFailedEvent, to: Recipient, schedule: Schedule | null): NotificationContent {
  const { payment } = event;
  const amount = formatMoney(payment.amount, payment.currency);
  const message = `Your payment of ${amount} for ${payment.serviceTitle} did not go through: ${event.failureReason}. The booking was not made.`;
  return {
    title: 'Payment failed',
    message,
    data: { ...paymentData(payment), reason: event.failureReason },
    email: email(
      'payment_failed',
      to,
      `Payment failed: ${payment.serviceTitle}`,
      [message, 'You can try again with another payment method.'],
      paymentDetails(payment, schedule, [['Reason', event.failureReason]]),
    ),
  };
}

export function paymentRefunded(event: PaymentRefundedEvent, to: Recipient, schedule: Schedule | null): NotificationContent {
  const { payment } = event;
  const refund = formatMoney(event.refundAmount, payment.currency);
  const message = isCustomer(payment, to)
    ? `${refund} of your payment for ${payment.serviceTitle} was refunded.`
    : `${refund} of the payment for ${payment.serviceTitle} was refunded to the customer.`;
  return {
    title: 'Refund issued',
    message,
    data: { ...paymentData(payment), refundId: event.refundId, refundAmount: event.refundAmount, totalRefunded: event.totalRefunded },
    email: email(
      'payment_refund',
      to,
      `Refund: ${refund} for ${payment.serviceTitle}`,
      [message, `Reason: ${event.reason}`],
      paymentDetails(payment, schedule, [
        ['Refunded', refund],
        ['Refund ID', event.refundId],
      ]),
    ),
  };
}

export function passwordChanged(event: PasswordChangedEvent, to: Recipient): NotificationContent {
  const message =
    event.via === 'reset'
      ? 'Your password was changed with a reset link. If this was not you, reset it again now.'
      : 'Your password was changed. If this was not you, reset it now.';
  return {
    title: 'Password changed',
    message,
    data: { via: event.via },
    // E-mailed too: someone who took the account over signs its owner out, so a notification alone would never be seen.
    email: email(
      'password_changed',
      to,
      'Your password was changed',
      [
        event.via === 'reset'
          ? 'The password of your Service Marketplace account was just changed with a password reset link.'
          : 'The password of your Service Marketplace account was just changed.',
        'If this was not you, ask for a password reset link at once and contact support.',
      ],
      [],
    ),
  };
}
