import type { Response } from 'supertest';
import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import { Role } from '../../../src/common/auth/role.enum';
import type { PaymentResponse } from '../../../src/payments/dto/payment.response';
import type { ServiceResponse } from '../../../src/services/dto/service.response';
import { book, bookingBody, nextLocal, shift, startBooking } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

const PAYMENT_KEYS = [
  'amount',
  'bookingId',
  'createdAt',
  'currency',
  'customerId',
  'failureReason',
  'id',
  'paymentMethod',
  'refundedAmount',
  'scheduledAt',
  'serviceId',
  'status',
  'transactionId',
  'updatedAt',
];

const ids = (response: Response): string[] => (response.body as PaymentResponse[]).map((p) => p.id);

describe('payments', () => {
  let t: TestApp;
  let admin: TestUser;

  /** Books and returns the booking with its (SUCCESS) payment. */
  async function paidBooking(
    customer: TestUser,
    service: ServiceResponse,
    at = nextLocal('UTC', 'monday', '10:00'),
  ): Promise<{ booking: BookingResponse; payment: PaymentResponse }> {
    const booking = await book(t, customer, service, at);
    const payments = (await t.http.get('/payments/').set(customer.auth).expect(200)).body as PaymentResponse[];
    return { booking, payment: payments.find((p) => p.bookingId === booking.id) as PaymentResponse };
  }

  const refund = (caller: TestUser, paymentId: string, body: Record<string, unknown> = { reason: 'Provider cancelled' }) =>
    t.http.post(`/payments/${paymentId}/refund`).set(caller.auth).send(body);

  async function stored(paymentId: string): Promise<{ amount: string; refunded_amount: string; status: string; refunds: string[] }> {
    const [row] = await t.dataSource.query<Array<{ amount: string; refunded_amount: string; status: string; refunds: string[] | null }>>(
      `SELECT p.amount, p.refunded_amount, p.status,
              (SELECT array_agg(r.amount::text ORDER BY r.created_at) FROM refunds r WHERE r.payment_id = p.id) AS refunds
         FROM payments p WHERE p.id = $1`,
      [paymentId],
    );
    return { ...row, refunds: row.refunds ?? [] };
  }

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, Role.ADMIN);
  });
  afterAll(() => t.close());

  describe('GET /payments/ and /payments/{id}', () => {
    it('shows a payment with exactly its public fields; the card only as type, brand and last4', async () => {
      const { customer, service } = await createMarketplace(t);
      const { booking, payment } = await paidBooking(customer, service);

      expect(Object.keys(payment).sort()).toEqual(PAYMENT_KEYS);
      expect(payment).toEqual({
        id: expect.any(String),
        bookingId: booking.id,
        serviceId: service.id,
        scheduledAt: new Date(booking.scheduledAt).toISOString(),
        customerId: customer.id,
        status: 'SUCCESS',
        amount: 89.5,
        refundedAmount: 0,
        currency: 'USD',
        transactionId: expect.stringMatching(/^sim_ch_/),
        paymentMethod: { type: 'card', brand: 'visa', last4: '4242' },
        failureReason: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect((await t.http.get(`/payments/${payment.id}`).set(customer.auth).expect(200)).body).toEqual(payment);
    });

    it('lists a customer’s own payments, a provider’s for their bookings, and all for an admin', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const other = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const first = await paidBooking(customer, service, at);
      const second = await paidBooking(other.customer, service, shift(at, 60));
      const elsewhere = await paidBooking(customer, other.service, at);

      const forCustomer = await t.http.get('/payments/').set(customer.auth).expect(200);
      expect(ids(forCustomer).sort()).toEqual([first.payment.id, elsewhere.payment.id].sort());
      expect(forCustomer.headers['x-total-count']).toBe('2');
      expect(ids(await t.http.get('/payments/').set(other.customer.auth).expect(200))).toEqual([second.payment.id]);
      expect(ids(await t.http.get('/payments/').set(provider.auth).expect(200)).sort()).toEqual([first.payment.id, second.payment.id].sort());
      expect(ids(await t.http.get('/payments/').set(other.provider.auth).expect(200))).toEqual([elsewhere.payment.id]);
      const all = await t.http.get('/payments/').query({ limit: 100 }).set(admin.auth).expect(200);
      expect(ids(all)).toEqual(expect.arrayContaining([first.payment.id, second.payment.id, elsewhere.payment.id]));
      expectProblem(await t.http.get('/payments/'), 401);
    });

    it('filters by status and pages with X-Total-Count', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '09:00');
      const one = await paidBooking(customer, service, at);
      const two = await paidBooking(customer, service, shift(at, 60));
      const three = await paidBooking(customer, service, shift(at, 120));
      await refund(provider, two.payment.id).expect(200);
      await refund(provider, three.payment.id, { reason: 'Part', amount: 1 }).expect(200);

      const query = (q: Record<string, string | number>) => t.http.get('/payments/').query(q).set(customer.auth).expect(200);
      expect(ids(await query({ status: 'SUCCESS' }))).toEqual([one.payment.id]);
      expect(ids(await query({ status: 'REFUNDED' }))).toEqual([two.payment.id]);
      expect(ids(await query({ status: 'PARTIALLY_REFUNDED' }))).toEqual([three.payment.id]);
      const page = await query({ limit: 2 });
      expect(page.body).toHaveLength(2);
      expect(page.headers['x-total-count']).toBe('3');
      expect(page.headers.link).toContain('rel="next"');
      expectProblem(await t.http.get('/payments/').query({ status: 'PAID' }).set(customer.auth), 400);
    });

    it('shows one payment to its customer, provider and admins; 404 to anyone else', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const { payment } = await paidBooking(customer, service);
      for (const caller of [customer, provider, admin]) {
        expect((await t.http.get(`/payments/${payment.id}`).set(caller.auth).expect(200)).body.id).toBe(payment.id);
      }
      for (const caller of [await createUser(t, Role.CUSTOMER), await createUser(t, Role.PROVIDER)]) {
        expectProblem(await t.http.get(`/payments/${payment.id}`).set(caller.auth), 404, 'NOT_FOUND');
      }
      expectProblem(await t.http.get('/payments/00000000-0000-4000-8000-000000000000').set(admin.auth), 404);
      expectProblem(await t.http.get('/payments/not-a-uuid').set(admin.auth), 400);
      expectProblem(await t.http.get(`/payments/${payment.id}`), 401);
    });
  });

  describe('POST /payments/{id}/refund', () => {
    it('refunds in full by default, cancels the CONFIRMED booking and frees the slot', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const { booking, payment } = await paidBooking(customer, service, at);

      const response = await refund(provider, payment.id).expect(200);
      expect(Object.keys(response.body).sort()).toEqual(PAYMENT_KEYS);
      expect(response.body).toMatchObject({ id: payment.id, status: 'REFUNDED', amount: 89.5, refundedAmount: 89.5, bookingId: booking.id });
      expect(await stored(payment.id)).toEqual({ amount: '89.50', refunded_amount: '89.50', status: 'REFUNDED', refunds: ['89.50'] });
      const [op] = await t.dataSource.query<Array<{ amount_minor: string; kind: string }>>(
        `SELECT g.amount_minor, g.kind FROM simulated_gateway_operations g JOIN refunds r ON g.idempotency_key = 'refund:' || r.id WHERE r.payment_id = $1`,
        [payment.id],
      );
      expect(op).toEqual({ amount_minor: '8950', kind: 'refund' });

      expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth).expect(200)).body.status).toBe('CANCELLED');
      await book(t, await createUser(t, Role.CUSTOMER), service, at);
    });

    it('refunds in part: SUCCESS -> PARTIALLY_REFUNDED -> REFUNDED, never more than paid (422), then nothing left (409)', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const { booking, payment } = await paidBooking(customer, service);

      const part = await refund(admin, payment.id, { reason: 'Half an hour late', amount: 30 }).expect(200);
      expect(part.body).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 30, amount: 89.5 });
      expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth)).body.status).toBe('CONFIRMED');

      const tooMuch = await refund(provider, payment.id, { reason: 'More', amount: 59.51 });
      expect(expectProblem(tooMuch, 422, 'REFUND_EXCEEDS_PAYMENT').errors).toEqual([expect.objectContaining({ field: 'amount' })]);
      expect(await stored(payment.id)).toMatchObject({ refunded_amount: '30.00', status: 'PARTIALLY_REFUNDED' });

      const rest = await refund(provider, payment.id, { reason: 'The rest' }).expect(200);
      expect(rest.body).toMatchObject({ status: 'REFUNDED', refundedAmount: 89.5 });
      expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth)).body.status).toBe('CANCELLED');

      expectProblem(await refund(provider, payment.id), 409, 'NOTHING_TO_REFUND');
      expectProblem(await refund(admin, payment.id, { reason: 'Again', amount: 0.01 }), 409, 'NOTHING_TO_REFUND');
      expect(await stored(payment.id)).toEqual({ amount: '89.50', refunded_amount: '89.50', status: 'REFUNDED', refunds: ['30.00', '59.50'] });
    });

    it('refuses an amount of null (400 naming amount) rather than refunding zero; nothing is refunded', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const { payment } = await paidBooking(customer, service);
      const response = await refund(provider, payment.id, { reason: 'No amount', amount: null });
      const fields = (expectProblem(response, 400, 'VALIDATION_FAILED').errors ?? []).map((error) => error.field);
      expect(new Set(fields)).toEqual(new Set(['amount']));
      expect(await stored(payment.id)).toEqual({ amount: '89.50', refunded_amount: '0.00', status: 'SUCCESS', refunds: [] });
    });

    it('keeps amounts exact: 3.33 three times from 10.00 leaves 0.01', async () => {
      const { provider, customer, service } = await createMarketplace(t, { service: { price: 10 } });
      const { payment } = await paidBooking(customer, service);
      let last: Response | undefined;
      for (let i = 0; i < 3; i++) last = await refund(provider, payment.id, { reason: `Part ${i}`, amount: 3.33 }).expect(200);
      expect(last?.body).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 9.99 });
      expect(last?.text).toContain('"refundedAmount":9.99,');
      expectProblem(await refund(provider, payment.id, { reason: 'Too much', amount: 0.02 }), 422, 'REFUND_EXCEEDS_PAYMENT');
      const final = await refund(provider, payment.id, { reason: 'Last cent' }).expect(200);
      expect(final.body).toMatchObject({ status: 'REFUNDED', refundedAmount: 10 });
      expect(await stored(payment.id)).toEqual({ amount: '10.00', refunded_amount: '10.00', status: 'REFUNDED', refunds: ['3.33', '3.33', '3.33', '0.01'] });
    });

    it('keeps amounts exact: 10.10 is paid and refunded as 10.10, 0.10 + 0.20 as 0.30', async () => {
      const { provider, customer, service } = await createMarketplace(t, { service: { price: 10.1 } });
      const { payment } = await paidBooking(customer, service);
      expect(payment.amount).toBe(10.1);
      const part = await refund(provider, payment.id, { reason: 'Part', amount: 0.1 }).expect(200);
      expect(part.body).toMatchObject({ refundedAmount: 0.1, status: 'PARTIALLY_REFUNDED' });
      expectProblem(await refund(provider, payment.id, { reason: 'Too much', amount: 10.01 }), 422, 'REFUND_EXCEEDS_PAYMENT');
      const rest = await refund(provider, payment.id, { reason: 'Rest', amount: 10 }).expect(200);
      expect(rest.text).toContain('"amount":10.1,"refundedAmount":10.1,');
      expect(await stored(payment.id)).toEqual({ amount: '10.10', refunded_amount: '10.10', status: 'REFUNDED', refunds: ['0.10', '10.00'] });

      const cheap = await createMarketplace(t, { service: { price: 0.3 } });
      const small = await paidBooking(cheap.customer, cheap.service);
      expect((await refund(cheap.provider, small.payment.id, { reason: 'a', amount: 0.1 }).expect(200)).body.refundedAmount).toBe(0.1);
      const whole = await refund(cheap.provider, small.payment.id, { reason: 'b', amount: 0.2 }).expect(200);
      expect(whole.text).toContain('"refundedAmount":0.3,');
      expect(whole.body.status).toBe('REFUNDED');
      expect(await stored(small.payment.id)).toMatchObject({ refunded_amount: '0.30', status: 'REFUNDED' });
    });

    it('is for the booking’s provider or an admin: the customer gets 403, anyone else 404', async () => {
      const { customer, service } = await createMarketplace(t);
      const { payment } = await paidBooking(customer, service);
      expectProblem(await refund(customer, payment.id), 403);
      for (const caller of [await createUser(t, Role.PROVIDER), await createUser(t, Role.CUSTOMER)]) {
        expectProblem(await refund(caller, payment.id), 404, 'NOT_FOUND');
      }
      expectProblem(await t.http.post(`/payments/${payment.id}/refund`).send({ reason: 'x' }), 401);
      expectProblem(await refund(admin, '00000000-0000-4000-8000-000000000000'), 404);
      expect(await stored(payment.id)).toEqual({ amount: '89.50', refunded_amount: '0.00', status: 'SUCCESS', refunds: [] });
    });

    it('validates the body (400): a reason is required, the amount positive with at most 2 decimals, nothing else', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const { payment } = await paidBooking(customer, service);
      expectFieldError(await refund(provider, payment.id, {}), 'reason');
      expectFieldError(await refund(provider, payment.id, { reason: '   ' }), 'reason');
      for (const amount of [0, -5, 1.234, '10']) expectFieldError(await refund(provider, payment.id, { reason: 'x', amount }), 'amount');
      expectFieldError(await refund(provider, payment.id, { reason: 'x', status: 'REFUNDED' }), 'status');
      expect(await stored(payment.id)).toMatchObject({ refunded_amount: '0.00', status: 'SUCCESS', refunds: [] });
    });

    it('refunds a COMPLETED booking without reopening or cancelling it', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const { booking, payment } = await paidBooking(customer, service);
      await startBooking(t, booking.id); // only a booking that has started can be completed
      await t.http.put(`/bookings/${booking.id}`).set(provider.auth).send({ status: 'COMPLETED' }).expect(200);
      expect((await refund(provider, payment.id).expect(200)).body.status).toBe('REFUNDED');
      expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth)).body.status).toBe('COMPLETED');
    });

    it('refunds only the remainder when a partly refunded booking is cancelled', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const { booking, payment } = await paidBooking(customer, service);
      await refund(provider, payment.id, { reason: 'Part', amount: 20 }).expect(200);
      const quote = await t.http.get(`/bookings/${booking.id}/cancellation-quote`).set(customer.auth).expect(200);
      expect(quote.body).toMatchObject({ refundAmount: 69.5, fullRefund: true });

      await t.http.delete(`/bookings/${booking.id}`).set(customer.auth).expect(200);
      expect(await stored(payment.id)).toEqual({ amount: '89.50', refunded_amount: '89.50', status: 'REFUNDED', refunds: ['20.00', '69.50'] });
    });

    it('refuses to refund a declined payment (409)', async () => {
      const declining = await createTestApp({ PAYMENT_FAILURE_RATE: '1' });
      try {
        const { provider, customer, service } = await createMarketplace(t);
        await declining.http
          .post('/bookings/')
          .set(customer.auth)
          .send(bookingBody(service, nextLocal('UTC', 'monday', '10:00')))
          .expect(402);
        const [failed] = (await t.http.get('/payments/').set(provider.auth).expect(200)).body as PaymentResponse[];
        expect(failed).toMatchObject({ status: 'FAILED', bookingId: null, transactionId: expect.any(String) });
        expectProblem(await refund(provider, failed.id), 409, 'NOTHING_TO_REFUND');
        expectProblem(await refund(admin, failed.id, { reason: 'x', amount: 1 }), 409, 'NOTHING_TO_REFUND');
      } finally {
        await declining.close();
      }
    });
  });
});
