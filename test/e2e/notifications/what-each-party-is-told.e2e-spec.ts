import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import type { PaymentResponse } from '../../../src/payments/dto/payment.response';
import { book, bookingBody, nextLocal } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { TestUser } from '../../factories/user.factory';
import { waitForMail } from '../../helpers/mail';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

const sameInstant = (a: string | Date, b: string | Date): boolean => new Date(a).getTime() === new Date(b).getTime();

describe('what each party is told', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const notices = async (user: TestUser, type: string, bookingId: string): Promise<Array<{ message: string; data: Record<string, unknown> }>> =>
    t.dataSource.query(`SELECT message, data FROM notifications WHERE user_id = $1 AND type = $2 AND data->>'bookingId' = $3`, [user.id, type, bookingId]);

  it('the 201 booking carries its paymentId', async () => {
    const { customer, service } = await createMarketplace(t);
    const response = await t.http
      .post('/bookings/')
      .set(customer.auth)
      .send(bookingBody(service, nextLocal('UTC', 'monday', '10:00')))
      .expect(201);
    const booking = response.body as BookingResponse & { paymentId: string };
    const payments = (await t.http.get('/payments/').set(customer.auth).expect(200)).body as PaymentResponse[];
    expect(payments.map((p) => ({ id: p.id, bookingId: p.bookingId }))).toEqual([{ id: booking.paymentId, bookingId: booking.id }]);
  });

  it('the provider’s new-booking notification and e-mail carry the customer’s name, phone, address and notes', async () => {
    const { provider, customer, service } = await createMarketplace(t);
    await t.http
      .put(`/users/${customer.id}`)
      .set(customer.auth)
      .send({ profile: { firstName: 'Carol', lastName: 'Jones', phone: '+49 30 1234567', address: 'Hauptstr. 5, 10115 Berlin' } })
      .expect(200);
    const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'), { notes: 'Gate code 4711' });

    const [notice] = await notices(provider, 'booking_created', booking.id);
    expect(notice.data).toMatchObject({
      customerName: 'Carol Jones',
      customerPhone: '+49 30 1234567',
      customerAddress: 'Hauptstr. 5, 10115 Berlin',
      notes: 'Gate code 4711',
    });
    const [mail] = await waitForMail(t.mailDir, 'booking_notification_provider', provider.email);
    for (const value of ['Carol Jones', '+49 30 1234567', 'Hauptstr. 5, 10115 Berlin', 'Gate code 4711']) expect(mail.body).toContain(value);
    const [forCustomer] = await notices(customer, 'booking_created', booking.id);
    expect(forCustomer.data).not.toHaveProperty('customerPhone');
  });

  it('the party who cancelled reads "you cancelled"; the other party reads who did', async () => {
    const { provider, customer, service } = await createMarketplace(t);
    const byCustomer = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
    await t.http.delete(`/bookings/${byCustomer.id}`).set(customer.auth).expect(200);
    expect((await notices(customer, 'booking_cancelled', byCustomer.id))[0].message).toMatch(/^You cancelled the booking/);
    expect((await notices(provider, 'booking_cancelled', byCustomer.id))[0].message).toContain('cancelled by the customer');

    const byProvider = await book(t, customer, service, nextLocal('UTC', 'saturday', '10:00'));
    await t.http.delete(`/bookings/${byProvider.id}`).set(provider.auth).expect(200);
    expect((await notices(provider, 'booking_cancelled', byProvider.id))[0].message).toMatch(/^You cancelled the booking/);
    expect((await notices(customer, 'booking_cancelled', byProvider.id))[0].message).toContain('cancelled by the provider');
  });

  it('a cancellation states the refund actually made, not the total refunded, when an earlier refund was partial', async () => {
    const { provider, customer, service } = await createMarketplace(t);
    const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
    const [payment] = (await t.http.get('/payments/').set(customer.auth).expect(200)).body as PaymentResponse[];
    await t.http.post(`/payments/${payment.id}/refund`).set(provider.auth).send({ amount: 10, reason: 'Goodwill' }).expect(200);
    // The rest, which empties the payment and so cancels the booking.
    await t.http.post(`/payments/${payment.id}/refund`).set(provider.auth).send({ reason: 'Cannot make it' }).expect(200);

    const [notice] = await notices(customer, 'booking_cancelled', booking.id);
    expect(notice.data).toMatchObject({ refundAmount: 79.5 });
    const [mail] = await waitForMail(t.mailDir, 'booking_cancellation', customer.email);
    expect(mail.body).toContain('$79.50 will be refunded');
    expect(mail.body).toMatch(/^Refund: +\$79\.50$/m);
  });

  describe('a declined attempt (PAYMENT_FAILURE_RATE=1)', () => {
    let declining: TestApp;
    beforeAll(async () => {
      declining = await createTestApp({ PAYMENT_FAILURE_RATE: '1' });
    });
    afterAll(() => declining.close());

    it('keeps the payment’s serviceId and scheduledAt, so the customer can see what failed', async () => {
      const { customer, service } = await createMarketplace(declining);
      const at = nextLocal('UTC', 'monday', '10:00');
      expectProblem(await declining.http.post('/bookings/').set(customer.auth).send(bookingBody(service, at)), 402, 'PAYMENT_DECLINED');
      const [payment] = (await declining.http.get('/payments/').set(customer.auth).expect(200)).body as PaymentResponse[];
      expect(payment).toMatchObject({ status: 'FAILED', bookingId: null, serviceId: service.id });
      expect(sameInstant(payment.scheduledAt as Date, at)).toBe(true);
    });
  });
});
