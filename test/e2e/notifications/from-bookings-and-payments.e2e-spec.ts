import { DateTime } from 'luxon';
import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import type { NotificationResponse } from '../../../src/notifications/dto/notification.response';
import { NotificationType } from '../../../src/notifications/notification-type';
import { book, bookingBody, nextLocal, startBooking } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { listNotifications } from '../../factories/notification.factory';
import { TestUser } from '../../factories/user.factory';
import { listMail, MailFile, waitForMail } from '../../helpers/mail';
import { listen } from '../../helpers/parallel';
import { expectProblem } from '../../helpers/problem';
import { OpenStreams, SseClient, SseEvent } from '../../helpers/sse';
import { createTestApp, TestApp } from '../../helpers/test-app';

const ZONE = 'Europe/Berlin';
const parse = (event: SseEvent) => JSON.parse(event.data) as NotificationResponse;
/** How the e-mails write a start: local wall-clock time in the service's zone. */
const localTime = (iso: string) => `${DateTime.fromISO(iso).setZone(ZONE).setLocale('en-GB').toFormat('cccc d LLLL yyyy, HH:mm')} (${ZONE})`;

function expectMailAbout(mail: MailFile, booking: BookingResponse, at: string): void {
  expect(mail.body).toContain('Deep home cleaning');
  expect(mail.body).toContain(localTime(at));
  expect(mail.body).toContain('$89.50');
  expect(mail.body).toContain(booking.id);
}

/** Notifications caused by the real bookings and payments API (POST /bookings/, PUT and DELETE /bookings/{id}). */
describe('notifications from bookings and payments', () => {
  let t: TestApp;
  let declining: TestApp;
  let url: string;
  let decliningUrl: string;
  const streams = new OpenStreams();
  const openStream = (baseUrl: string, user: TestUser): Promise<SseClient> => streams.open(baseUrl, user.token);

  beforeAll(async () => {
    t = await createTestApp();
    declining = await createTestApp({ PAYMENT_FAILURE_RATE: '1' });
    url = await listen(t);
    decliningUrl = await listen(declining);
  });
  afterEach(() => streams.closeAll());
  afterAll(async () => {
    await t.close();
    await declining.close();
  });

  it('a booking pushes booking_created to the provider’s open stream; both parties get stored notifications and their e-mails', async () => {
    const { provider, customer, service } = await createMarketplace(t, { service: { timezone: ZONE } });
    const providerStream = await openStream(url, provider);
    const customerStream = await openStream(url, customer);
    const at = nextLocal(ZONE, 'monday', '10:00');
    const booking = await book(t, customer, service, at);

    const [pushed] = await providerStream.waitForEvents(1);
    expect(pushed.event).toBe('booking_created');
    expect(parse(pushed)).toMatchObject({
      userId: provider.id,
      type: 'booking_created',
      title: 'New booking',
      data: { bookingId: booking.id, serviceId: service.id, amount: 89.5, currency: 'USD', paymentId: expect.any(String) },
    });
    // The customer hears of the booking, then of the payment, in that order.
    const toCustomer = await customerStream.waitForEvents(2);
    expect(toCustomer.map((event) => [event.id, event.event])).toEqual([
      ['1', 'booking_created'],
      ['2', 'payment_received'],
    ]);
    const payments = (await t.http.get('/payments/').set(customer.auth).expect(200)).body as Array<{ id: string }>;
    expect(parse(toCustomer[1]).data).toMatchObject({ paymentId: payments[0].id, bookingId: booking.id, amount: 89.5 });

    expect((await listNotifications(t, provider)).map((item) => item.type)).toEqual(['booking_created']);
    expect((await listNotifications(t, customer)).map((item) => item.type)).toEqual(['payment_received', 'booking_created']);
    expect(await listNotifications(t, provider)).toEqual([parse(pushed)]);

    const [confirmation] = await waitForMail(t.mailDir, 'booking_confirmation', customer.email);
    const [notice] = await waitForMail(t.mailDir, 'booking_notification_provider', provider.email);
    const [receipt] = await waitForMail(t.mailDir, 'payment_receipt', customer.email);
    expect(confirmation.subject).toMatch(/^Booking confirmed: Deep home cleaning on /);
    expect(notice.subject).toMatch(/^New booking: Deep home cleaning on /);
    for (const mail of [confirmation, notice, receipt]) expectMailAbout(mail, booking, at);
    expect(listMail(t.mailDir, 'booking_confirmation', provider.email)).toEqual([]);
    expect(listMail(t.mailDir, 'booking_notification_provider', customer.email)).toEqual([]);
  });

  it('a declined payment (PAYMENT_FAILURE_RATE=1) notifies payment_failed, and no booking notification is made', async () => {
    const { provider, customer, service } = await createMarketplace(declining, { service: { timezone: ZONE } });
    const customerStream = await openStream(decliningUrl, customer);
    const providerStream = await openStream(decliningUrl, provider);
    expectProblem(
      await declining.http
        .post('/bookings/')
        .set(customer.auth)
        .send(bookingBody(service, nextLocal(ZONE, 'monday', '10:00'))),
      402,
      'PAYMENT_DECLINED',
    );

    const [pushed] = await customerStream.waitForEvents(1);
    expect(pushed.event).toBe('payment_failed');
    expect(parse(pushed)).toMatchObject({
      type: 'payment_failed',
      data: { bookingId: null, serviceId: service.id, amount: 89.5, reason: expect.stringMatching(/declined/i) },
    });
    const [mail] = await waitForMail(declining.mailDir, 'payment_failed', customer.email);
    expect(mail.body).toContain('Deep home cleaning');
    expect(mail.body).toContain('$89.50');

    // By now everything the checkout committed has been pushed and sent: no booking notification, no booking e-mail.
    expect((await listNotifications(declining, customer)).map((item) => item.type)).toEqual(['payment_failed']);
    expect(await listNotifications(declining, provider)).toEqual([]);
    expect(customerStream.events.map((event) => event.event)).toEqual(['payment_failed']);
    expect(providerStream.events).toEqual([]);
    for (const kind of ['booking_confirmation', 'booking_notification_provider']) expect(listMail(declining.mailDir, kind)).toEqual([]);
  });

  it('rescheduling and completing notify both parties and send booking_update e-mails', async () => {
    const { provider, customer, service } = await createMarketplace(t, { service: { timezone: ZONE } });
    const at = nextLocal(ZONE, 'monday', '09:00');
    const booking = await book(t, customer, service, at);
    const moved = nextLocal(ZONE, 'monday', '11:00');
    await t.http.put(`/bookings/${booking.id}`).set(customer.auth).send({ scheduledAt: moved }).expect(200);

    for (const user of [customer, provider]) {
      const [latest] = await listNotifications(t, user);
      expect(latest).toMatchObject({ type: 'booking_rescheduled', data: { bookingId: booking.id, scheduledAt: new Date(moved).toISOString() } });
      expect(latest.message).toContain(localTime(moved));
      const [update] = await waitForMail(t.mailDir, 'booking_update', user.email);
      expectMailAbout(update, booking, moved);
    }

    // Only a booking that has started can be completed: its time comes.
    await startBooking(t, booking.id);
    await t.http.put(`/bookings/${booking.id}`).set(provider.auth).send({ status: 'COMPLETED' }).expect(200);
    for (const user of [customer, provider]) {
      expect((await listNotifications(t, user))[0]).toMatchObject({ type: 'booking_completed', title: 'Booking completed', data: { bookingId: booking.id } });
      expect(await waitForMail(t.mailDir, 'booking_update', user.email, 2)).toHaveLength(2);
    }
  });

  it('cancelling notifies both parties of the cancellation and the refund, with e-mails', async () => {
    const { provider, customer, service } = await createMarketplace(t, { service: { timezone: ZONE } });
    const at = nextLocal(ZONE, 'monday', '10:00', { minDaysAhead: 7 });
    const booking = await book(t, customer, service, at);
    await t.http.delete(`/bookings/${booking.id}`).set(customer.auth).expect(200);

    for (const user of [customer, provider]) {
      const [cancellation] = await waitForMail(t.mailDir, 'booking_cancellation', user.email);
      expectMailAbout(cancellation, booking, at);
      const [refund] = await waitForMail(t.mailDir, 'payment_refund', user.email);
      expect(refund.body).toContain(booking.id);
      expect(refund.body).toContain('$89.50');
      const types = (await listNotifications(t, user)).map((item) => item.type);
      expect(types).toEqual(expect.arrayContaining(['booking_cancelled', 'payment_refunded']));
    }
    const [cancelled] = (await listNotifications(t, customer)).filter((item) => item.type === NotificationType.BOOKING_CANCELLED);
    expect(cancelled.data).toMatchObject({ bookingId: booking.id, cancelledBy: 'CUSTOMER', refundAmount: 89.5 });
    expect(cancelled.message).toContain('$89.50 will be refunded');
  });
});
