import { BookingCancelledEvent, BookingCompletedEvent, BookingCreatedEvent, BookingFacts, BookingRescheduledEvent } from '../../bookings/events/booking.events';
import { PaymentFacts, PaymentFailedEvent, PaymentRefundedEvent, PaymentSucceededEvent } from '../../payments/events/payment.events';
import { PasswordChangedEvent } from '../../users/events/password-changed.event';
import { NotificationType } from '../notification-type';
import { draftNotifications, NotifiableEvent, recipientIdsOf } from '../notifiable-events';
import { Recipient } from './notification-templates';
import { formatLocalTime, formatMoney } from './format';
import { CUSTOMER, PROVIDER, SAMPLE_BOOKING } from './sample-facts.fixture';

const everyone = new Map([CUSTOMER, PROVIDER].map((user) => [user.id, user]));

const booking: BookingFacts = SAMPLE_BOOKING;
const payment: PaymentFacts = {
  paymentId: 'p0000000-0000-4000-8000-000000000001',
  bookingId: booking.bookingId,
  serviceId: booking.serviceId,
  serviceTitle: booking.serviceTitle,
  customerId: CUSTOMER.id,
  providerId: PROVIDER.id,
  amount: 89.5,
  currency: 'USD',
};
const BERLIN_TIME = 'Monday 7 January 2030, 09:00 (Europe/Berlin)';
/** One `Label:   value` line of an e-mail's details, whatever the alignment. */
const line = (label: string, value: string) => new RegExp(`^${label}: +${value.replace(/[.*+?^${}()|[\]\\$]/g, '\\$&')}$`, 'm');

const draftsOf = (event: NotifiableEvent, schedule: { scheduledAt: Date; timezone: string } | null = null) => {
  const drafts = draftNotifications(event, everyone, schedule);
  return { drafts, to: (user: Recipient) => drafts.find((draft) => draft.userId === user.id) };
};

describe('formatting', () => {
  it('shows the start in the service zone, not UTC', () => {
    expect(formatLocalTime(booking.scheduledAt, 'Europe/Berlin')).toBe(BERLIN_TIME);
    expect(formatLocalTime(booking.scheduledAt, 'America/New_York')).toBe('Monday 7 January 2030, 03:00 (America/New_York)');
    // Summer time in Berlin: +2.
    expect(formatLocalTime(new Date('2030-07-01T08:00:00Z'), 'Europe/Berlin')).toBe('Monday 1 July 2030, 10:00 (Europe/Berlin)');
  });

  it('falls back to UTC, named, for an unknown zone', () => {
    expect(formatLocalTime(booking.scheduledAt, 'Mars/Olympus')).toBe('Monday 7 January 2030, 08:00 (UTC)');
  });

  it('formats money by currency, and unknown codes plainly', () => {
    expect(formatMoney(89.5, 'USD')).toBe('$89.50');
    expect(formatMoney(12, 'EUR')).toBe('€12.00');
    expect(formatMoney(5000, 'JPY')).toBe('¥5,000');
    expect(formatMoney(3.5, 'ZZZZ')).toBe('3.50 ZZZZ');
  });
});

describe('booking created', () => {
  const { drafts, to } = draftsOf(new BookingCreatedEvent(booking, payment.paymentId));

  it('notifies both parties, with the ids and amount in data', () => {
    expect(drafts.map((draft) => draft.userId).sort()).toEqual([CUSTOMER.id, PROVIDER.id].sort());
    for (const draft of drafts) {
      expect(draft.type).toBe(NotificationType.BOOKING_CREATED);
      expect(draft.data).toEqual({
        bookingId: booking.bookingId,
        serviceId: booking.serviceId,
        serviceTitle: 'Deep home cleaning',
        scheduledAt: '2030-01-07T08:00:00.000Z',
        durationMinutes: 60,
        amount: 89.5,
        currency: 'USD',
        paymentId: payment.paymentId,
      });
    }
  });

  it('sends the customer a confirmation and the provider a notice, each to their own address', () => {
    const customer = to(CUSTOMER)!;
    const provider = to(PROVIDER)!;
    expect(customer.title).toBe('Booking confirmed');
    expect(customer.message).toContain(BERLIN_TIME);
    expect(customer.email).toMatchObject({
      kind: 'booking_confirmation',
      to: CUSTOMER.email,
      subject: 'Booking confirmed: Deep home cleaning on 7 Jan 2030, 09:00',
    });
    expect(provider.title).toBe('New booking');
    expect(provider.email).toMatchObject({
      kind: 'booking_notification_provider',
      to: PROVIDER.email,
      subject: 'New booking: Deep home cleaning on 7 Jan 2030, 09:00',
    });
  });

  it('writes a readable body: greeting, service, local time, amount, booking id', () => {
    const text = to(CUSTOMER)!.email!.text;
    expect(text).toMatch(/^Hello Carol,\n/);
    expect(text).toMatch(line('Service', 'Deep home cleaning'));
    expect(text).toMatch(line('When', BERLIN_TIME));
    expect(text).toMatch(line('Amount', '$89.50'));
    expect(text).toMatch(line('Booking ID', booking.bookingId));
    expect(to(PROVIDER)!.email!.text).toMatch(/^Hello Pat,\n\nYou have a new booking\./);
  });
});

describe('booking rescheduled, completed, cancelled', () => {
  it('rescheduled: both parties, old and new local times, booking_update mails', () => {
    const { drafts, to } = draftsOf(new BookingRescheduledEvent(booking, new Date('2030-01-06T08:00:00Z')));
    expect(drafts).toHaveLength(2);
    const draft = to(PROVIDER)!;
    expect(draft.type).toBe(NotificationType.BOOKING_RESCHEDULED);
    expect(draft.message).toBe(`Deep home cleaning moved from Sunday 6 January 2030, 09:00 (Europe/Berlin) to ${BERLIN_TIME}.`);
    expect(draft.data.previousScheduledAt).toBe('2030-01-06T08:00:00.000Z');
    expect(drafts.map((d) => d.email?.kind)).toEqual(['booking_update', 'booking_update']);
  });

  it('completed: both parties, booking_update mails with different wording', () => {
    const { to } = draftsOf(new BookingCompletedEvent(booking));
    expect(to(CUSTOMER)).toMatchObject({ type: NotificationType.BOOKING_COMPLETED, email: { kind: 'booking_update', to: CUSTOMER.email } });
    expect(to(CUSTOMER)!.message).toContain('Thank you');
    expect(to(PROVIDER)!.message).toContain('marked complete');
  });

  it('cancelled with a refund: who cancelled, the refund for the customer, booking_cancellation mails', () => {
    const { to } = draftsOf(new BookingCancelledEvent(booking, 'PROVIDER', 89.5));
    const customer = to(CUSTOMER)!;
    expect(customer.type).toBe(NotificationType.BOOKING_CANCELLED);
    expect(customer.message).toBe(
      `The booking of Deep home cleaning on ${BERLIN_TIME} was cancelled by the provider. $89.50 will be refunded to your payment method.`,
    );
    expect(customer.data).toMatchObject({ cancelledBy: 'PROVIDER', refundAmount: 89.5, bookingId: booking.bookingId });
    expect(customer.email).toMatchObject({ kind: 'booking_cancellation', to: CUSTOMER.email });
    expect(customer.email!.text).toMatch(line('Refund', '$89.50'));
    expect(to(PROVIDER)!.message).toContain('$89.50 is refunded to the customer.');
  });

  it('cancelled late without a refund says so to the customer only', () => {
    const { to } = draftsOf(new BookingCancelledEvent(booking, 'CUSTOMER', 0));
    expect(to(CUSTOMER)!.message).toContain('No refund is due');
    expect(to(PROVIDER)!.message).toBe(`The booking of Deep home cleaning on ${BERLIN_TIME} was cancelled by the customer.`);
    expect(to(CUSTOMER)!.email!.text).not.toContain('Refund:');
  });
});

describe('what each party is told (issue 12 §8)', () => {
  const visit = { ...booking, customer: { name: 'Carol Jones', phone: '+49 30 1234567', address: 'Hauptstr. 5, 10115 Berlin', notes: 'Gate code 4711' } };

  it('gives the provider the customer’s name, phone, address and notes, in the notification and the e-mail; not the customer', () => {
    const { to } = draftsOf(new BookingCreatedEvent(visit, payment.paymentId));
    const provider = to(PROVIDER)!;
    expect(provider.data).toMatchObject({
      customerName: 'Carol Jones',
      customerPhone: '+49 30 1234567',
      customerAddress: 'Hauptstr. 5, 10115 Berlin',
      notes: 'Gate code 4711',
    });
    expect(provider.message).toContain('Carol Jones');
    for (const [label, value] of [
      ['Customer', 'Carol Jones'],
      ['Phone', '+49 30 1234567'],
      ['Address', 'Hauptstr. 5, 10115 Berlin'],
      ['Notes', 'Gate code 4711'],
    ]) {
      expect(provider.email!.text).toMatch(line(label, value));
    }
    expect(to(CUSTOMER)!.data).not.toHaveProperty('customerPhone');
  });

  it('tells the party who cancelled "you cancelled", and the other party who did', () => {
    const byCustomer = draftsOf(new BookingCancelledEvent(booking, 'CUSTOMER', 0)).to;
    expect(byCustomer(CUSTOMER)!.message).toMatch(/^You cancelled the booking of Deep home cleaning/);
    expect(byCustomer(CUSTOMER)!.message).not.toContain('by the customer');
    const byProvider = draftsOf(new BookingCancelledEvent(booking, 'PROVIDER', 89.5)).to;
    expect(byProvider(PROVIDER)!.message).toMatch(/^You cancelled the booking of Deep home cleaning/);
    expect(byProvider(CUSTOMER)!.message).toContain('cancelled by the provider');
    const byAdmin = draftsOf(new BookingCancelledEvent(booking, 'ADMIN', 89.5)).to;
    for (const user of [CUSTOMER, PROVIDER]) expect(byAdmin(user)!.message).toContain('cancelled by an administrator');
  });
});

describe('payments', () => {
  const schedule = { scheduledAt: booking.scheduledAt, timezone: 'Europe/Berlin' };

  it('succeeded: the customer only, payment_received, a receipt with the local time', () => {
    const { drafts } = draftsOf(new PaymentSucceededEvent(payment, 'txn_1'), schedule);
    expect(drafts).toHaveLength(1);
    const [draft] = drafts;
    expect(draft).toMatchObject({ userId: CUSTOMER.id, type: NotificationType.PAYMENT_RECEIVED, email: { kind: 'payment_receipt', to: CUSTOMER.email } });
    expect(draft.data).toEqual({
      paymentId: payment.paymentId,
      bookingId: booking.bookingId,
      serviceId: booking.serviceId,
      serviceTitle: 'Deep home cleaning',
      amount: 89.5,
      currency: 'USD',
    });
    expect(draft.email!.text).toMatch(line('When', BERLIN_TIME));
    expect(draft.email!.text).toMatch(line('Booking ID', booking.bookingId));
  });

  it('failed: the customer only, with the reason; no booking, so no time', () => {
    const { drafts } = draftsOf(new PaymentFailedEvent({ ...payment, bookingId: null }, 'Card declined'));
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({ userId: CUSTOMER.id, type: NotificationType.PAYMENT_FAILED, data: { reason: 'Card declined', bookingId: null } });
    expect(drafts[0].email).toMatchObject({ kind: 'payment_failed', to: CUSTOMER.email, subject: 'Payment failed: Deep home cleaning' });
    expect(drafts[0].email!.text).toMatch(line('Amount', '$89.50'));
    expect(drafts[0].email!.text).not.toContain('When:');
  });

  it('refunded: customer and provider, payment_refund mails with the refund amount', () => {
    const { drafts, to } = draftsOf(new PaymentRefundedEvent(payment, 'r1', 40, 40, 'Partial'), schedule);
    expect(drafts).toHaveLength(2);
    expect(to(CUSTOMER)).toMatchObject({
      type: NotificationType.PAYMENT_REFUNDED,
      data: { refundId: 'r1', refundAmount: 40, totalRefunded: 40 },
      email: { kind: 'payment_refund' },
    });
    expect(to(CUSTOMER)!.message).toBe('$40.00 of your payment for Deep home cleaning was refunded.');
    expect(to(PROVIDER)!.message).toBe('$40.00 of the payment for Deep home cleaning was refunded to the customer.');
  });
});

describe('password changed', () => {
  it('tells the user only, stores how, and e-mails them (someone who took the account over signs its owner out)', () => {
    const { drafts } = draftsOf(new PasswordChangedEvent(CUSTOMER.id, CUSTOMER.email, 'reset'));
    expect(drafts).toEqual([
      expect.objectContaining({ userId: CUSTOMER.id, type: NotificationType.PASSWORD_CHANGED, title: 'Password changed', data: { via: 'reset' } }),
    ]);
    expect(drafts[0].message).toContain('reset link');
    expect(drafts[0].email).toMatchObject({ kind: 'password_changed', to: CUSTOMER.email, subject: 'Your password was changed' });
    expect(drafts[0].email?.text).toContain('password reset link');
  });
});

describe('recipients', () => {
  it('are sorted and unique (a provider booking their own service is told once)', () => {
    const self = { ...booking, customerId: PROVIDER.id };
    expect(recipientIdsOf(new BookingCreatedEvent(self, 'p'))).toEqual([PROVIDER.id]);
    expect(recipientIdsOf(new BookingCompletedEvent(booking))).toEqual([PROVIDER.id, CUSTOMER.id].sort());
  });

  it('who no longer exist get nothing', () => {
    const drafts = draftNotifications(new BookingCompletedEvent(booking), new Map([[CUSTOMER.id, CUSTOMER]]));
    expect(drafts.map((draft) => draft.userId)).toEqual([CUSTOMER.id]);
  });
});
