import { randomInt } from 'node:crypto';
import type { Response } from 'supertest';
import { PaymentReconciler } from '../../../src/bookings/payment-reconciler.service';
import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import { Role } from '../../../src/common/auth/role.enum';
import { PaymentGateway } from '../../../src/payments/gateway/payment-gateway';
import type { PaymentResponse } from '../../../src/payments/dto/payment.response';
import type { ServiceResponse, SlotResponse } from '../../../src/services/dto/service.response';
import { book, bookingBody, countRows, insertInterruptedCheckout, nextLocal, shift, startBooking } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { createService } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { links } from '../../helpers/links';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

const BOOKING_KEYS = [
  'createdAt',
  'currency',
  'customerId',
  'duration',
  'id',
  'notes',
  'providerId',
  'scheduledAt',
  'serviceId',
  'status',
  'totalAmount',
  'updatedAt',
];

const ids = (response: Response): string[] => (response.body as BookingResponse[]).map((b) => b.id);
const sameInstant = (a: string | Date, b: string | Date): boolean => new Date(a).getTime() === new Date(b).getTime();
const iso = (value: string | Date): string => new Date(value).toISOString();

/** Whether GET /services/{id}/slots offers a slot starting at `at` (on its local day). */
async function offersSlot(t: TestApp, service: ServiceResponse, at: string): Promise<boolean> {
  const day = at.slice(0, 10);
  const slots = (await t.http.get(`/services/${service.id}/slots`).query({ from: day, to: day }).expect(200)).body as SlotResponse[];
  return slots.some((slot) => sameInstant(slot.start, at));
}

async function bookingRow(t: TestApp, id: string): Promise<{ status: string } | undefined> {
  const rows = await t.dataSource.query<Array<{ status: string }>>('SELECT status FROM bookings WHERE id = $1', [id]);
  return rows[0];
}

describe('bookings', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, Role.ADMIN);
  });
  afterAll(() => t.close());

  describe('POST /bookings/', () => {
    it('books and pays: 201 with the booking, CONFIRMED, and a SUCCESS payment keeping only type, brand and last4', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const response = await t.http
        .post('/bookings/')
        .set(customer.auth)
        .send(bookingBody(service, at, { notes: '  Ring twice  ' }))
        .expect(201);

      const booking = response.body as BookingResponse;
      // The 201 also names the payment made with it (issue 12 §8).
      expect(Object.keys(booking).sort()).toEqual([...BOOKING_KEYS, 'paymentId'].sort());
      expect(booking).toMatchObject({
        customerId: customer.id,
        serviceId: service.id,
        providerId: provider.id,
        status: 'CONFIRMED',
        duration: 60,
        totalAmount: 89.5,
        currency: 'USD',
        notes: 'Ring twice',
      });
      expect(sameInstant(booking.scheduledAt, at)).toBe(true);

      const payments = (await t.http.get('/payments/').set(customer.auth).expect(200)).body as PaymentResponse[];
      expect(payments).toHaveLength(1);
      expect(payments[0]).toMatchObject({ bookingId: booking.id, status: 'SUCCESS', amount: 89.5, refundedAmount: 0, currency: 'USD', failureReason: null });
      expect(payments[0].paymentMethod).toEqual({ type: 'card', brand: 'visa', last4: '4242' });
      expect(payments[0].transactionId).toEqual(expect.any(String));
      expect(await countRows(t, service.id)).toEqual({ bookings: 1, payments: 1, charges: 1, succeeded: 1 });
    });

    it('is for customers only: 401 without a token, 403 for providers and admins', async () => {
      const { provider, service } = await createMarketplace(t);
      const body = bookingBody(service, nextLocal('UTC', 'monday', '10:00'));
      expectProblem(await t.http.post('/bookings/').send(body), 401);
      expectProblem(await t.http.post('/bookings/').set(provider.auth).send(body), 403);
      expectProblem(await t.http.post('/bookings/').set(admin.auth).send(body), 403);
      expect(await countRows(t, service.id)).toMatchObject({ bookings: 0, payments: 0 });
    });

    it('answers 404 for an unknown, inactive, suspended or deleted service', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const inactive = await createService(t, provider, { timezone: 'UTC', isActive: false });
      const suspended = await createService(t, provider, { timezone: 'UTC' });
      await t.http.put(`/services/${suspended.id}`).set(admin.auth).send({ status: 'SUSPENDED' }).expect(200);
      const deleted = await createService(t, provider, { timezone: 'UTC' });
      await t.http.delete(`/services/${deleted.id}`).set(provider.auth).expect(204);
      const at = nextLocal('UTC', 'monday', '10:00');

      for (const target of [{ ...service, id: '00000000-0000-4000-8000-000000000000' }, inactive, suspended, deleted]) {
        expectProblem(await t.http.post('/bookings/').set(customer.auth).send(bookingBody(target, at)), 404, 'NOT_FOUND');
      }
      for (const target of [inactive, suspended, deleted]) expect(await countRows(t, target.id)).toMatchObject({ bookings: 0, payments: 0 });
    });

    it('refuses a time in the past (422 BOOKING_IN_PAST)', async () => {
      const { customer, service } = await createMarketplace(t, {
        service: {
          availability: {
            monday: ['00:00-24:00'],
            tuesday: ['00:00-24:00'],
            wednesday: ['00:00-24:00'],
            thursday: ['00:00-24:00'],
            friday: ['00:00-24:00'],
            saturday: ['00:00-24:00'],
            sunday: ['00:00-24:00'],
          },
        },
      });
      const past = new Date(Date.now() - 7 * 86_400_000);
      past.setUTCHours(10, 0, 0, 0);
      const response = await t.http.post('/bookings/').set(customer.auth).send(bookingBody(service, past.toISOString()));
      expect(expectProblem(response, 422, 'BOOKING_IN_PAST').errors).toEqual([expect.objectContaining({ field: 'scheduledAt' })]);
      expect(await countRows(t, service.id)).toMatchObject({ bookings: 0, payments: 0 });
    });

    it('requires MIN_BOOKING_NOTICE_MINUTES of notice (422 BOOKING_NOTICE_TOO_SHORT)', async () => {
      const strict = await createTestApp({ MIN_BOOKING_NOTICE_MINUTES: '1440' });
      try {
        const provider = await createUser(strict, Role.PROVIDER);
        const customer = await createUser(strict, Role.CUSTOMER);
        const everyDay = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, ['00:00-24:00']]));
        const service = await createService(strict, provider, { timezone: 'UTC', availability: everyDay, durationMinutes: 30 });
        const soon = new Date(Date.now() + 3 * 3_600_000);
        soon.setUTCMinutes(0, 0, 0);
        expectProblem(await strict.http.post('/bookings/').set(customer.auth).send(bookingBody(service, soon.toISOString())), 422, 'BOOKING_NOTICE_TOO_SHORT');
        expect(await countRows(strict, service.id)).toMatchObject({ bookings: 0, payments: 0 });

        const later = new Date(soon.getTime() + 2 * 86_400_000);
        await strict.http.post('/bookings/').set(customer.auth).send(bookingBody(service, later.toISOString())).expect(201);
      } finally {
        await strict.close();
      }
    });

    it('requires the whole booking inside one availability window (422 OUTSIDE_AVAILABILITY)', async () => {
      const { customer, service } = await createMarketplace(t);
      const outside = [
        nextLocal('UTC', 'monday', '08:00'), // before the day opens
        nextLocal('UTC', 'monday', '11:30'), // runs into the lunch break
        nextLocal('UTC', 'monday', '16:30'), // runs past closing
        nextLocal('UTC', 'tuesday', '10:00'), // a day without windows
      ];
      for (const at of outside) {
        expectProblem(await t.http.post('/bookings/').set(customer.auth).send(bookingBody(service, at)), 422, 'OUTSIDE_AVAILABILITY');
      }
      expect(await countRows(t, service.id)).toMatchObject({ bookings: 0, payments: 0 });
      // The edges of a window are inside it.
      await book(t, customer, service, nextLocal('UTC', 'monday', '09:00'));
      await book(t, customer, service, nextLocal('UTC', 'monday', '16:00'));
    });

    it('reads the availability windows in the service’s time zone', async () => {
      const { customer, service } = await createMarketplace(t, { service: { timezone: 'Europe/Berlin' } });
      // 16:30 in Berlin ends after closing there, though the same instant is mid-afternoon in UTC.
      const late = nextLocal('Europe/Berlin', 'monday', '16:30');
      expectProblem(await t.http.post('/bookings/').set(customer.auth).send(bookingBody(service, late)), 422, 'OUTSIDE_AVAILABILITY');
      // 09:00 in Berlin opens the day there, though it is before 09:00 in UTC.
      const opening = nextLocal('Europe/Berlin', 'monday', '09:00');
      expect(new Date(opening).getUTCHours()).toBeLessThan(9);
      const booking = await book(t, customer, service, opening);
      expect(sameInstant(booking.scheduledAt, opening)).toBe(true);
    });

    it('requires payment.amount to equal the price (AMOUNT_MISMATCH) and the currency to match (CURRENCY_MISMATCH)', async () => {
      const { customer, service } = await createMarketplace(t, { service: { price: 10.1 } });
      const at = nextLocal('UTC', 'monday', '10:00');
      const withPayment = (payment: Record<string, unknown>) =>
        bookingBody(service, at, { payment: { amount: 10.1, currency: 'USD', paymentMethod: { type: 'card', last4: '4242', brand: 'visa' }, ...payment } });

      const low = await t.http
        .post('/bookings/')
        .set(customer.auth)
        .send(withPayment({ amount: 10 }));
      expect(expectProblem(low, 422, 'AMOUNT_MISMATCH').errors).toEqual([expect.objectContaining({ field: 'payment.amount' })]);
      expectProblem(
        await t.http
          .post('/bookings/')
          .set(customer.auth)
          .send(withPayment({ amount: 10.11 })),
        422,
        'AMOUNT_MISMATCH',
      );
      const currency = await t.http
        .post('/bookings/')
        .set(customer.auth)
        .send(withPayment({ currency: 'EUR' }));
      expect(expectProblem(currency, 422, 'CURRENCY_MISMATCH').errors).toEqual([expect.objectContaining({ field: 'payment.currency' })]);
      expect(await countRows(t, service.id)).toMatchObject({ bookings: 0, payments: 0, charges: 0 });

      // 10.10 exactly, however it is written, is the price.
      const booking = await book(t, customer, service, at, {
        payment: { amount: 10.1, currency: 'usd', paymentMethod: { type: 'card', last4: '4242', brand: 'visa' } },
      });
      expect(booking.totalAmount).toBe(10.1);
    });

    it('refuses unknown fields (a card number, status, customerId, price) with 400 and writes nothing', async () => {
      const { customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const valid = bookingBody(service, at);
      const payment = valid.payment as Record<string, unknown>;
      const cases: Array<[Record<string, unknown>, string]> = [
        [
          { ...valid, payment: { ...payment, paymentMethod: { type: 'card', last4: '4242', brand: 'visa', number: '4242424242424242' } } },
          'payment.paymentMethod.number',
        ],
        [{ ...valid, payment: { ...payment, cardNumber: '4242424242424242', cvc: '123' } }, 'payment.cardNumber'],
        [{ ...valid, status: 'CONFIRMED' }, 'status'],
        [{ ...valid, customerId: customer.id }, 'customerId'],
        [{ ...valid, price: 1 }, 'price'],
      ];
      for (const [body, field] of cases) expectFieldError(await t.http.post('/bookings/').set(customer.auth).send(body), field);
      expect(await countRows(t, service.id)).toEqual({ bookings: 0, payments: 0, charges: 0, succeeded: 0 });
      const stored = await t.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM payments WHERE payment_method::text LIKE '%4242424242424242%'`,
      );
      expect(stored[0].n).toBe(0);
    });

    it('refuses malformed bodies with 400: missing payment, bad time, bad card, bad amount', async () => {
      const { customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const valid = bookingBody(service, at);
      const payment = valid.payment as Record<string, unknown>;
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ ...valid, payment: undefined }, 'payment'],
        [{ ...valid, scheduledAt: at.slice(0, 10) }, 'scheduledAt'],
        [{ ...valid, scheduledAt: at.slice(0, 19) }, 'scheduledAt'],
        [{ ...valid, serviceId: 'nope' }, 'serviceId'],
        [{ ...valid, payment: { ...payment, amount: '89.50' } }, 'payment.amount'],
        [{ ...valid, payment: { ...payment, amount: 89.501 } }, 'payment.amount'],
        [{ ...valid, payment: { ...payment, paymentMethod: { type: 'card', last4: '42', brand: 'visa' } } }, 'payment.paymentMethod.last4'],
      ];
      for (const [body, field] of cases) expectFieldError(await t.http.post('/bookings/').set(customer.auth).send(body), field);
      expect(await countRows(t, service.id)).toMatchObject({ bookings: 0, payments: 0 });
    });
  });

  describe('the provider’s time is exclusive', () => {
    it('takes back-to-back bookings and refuses an overlap with 409 SLOT_TAKEN, charging nothing', async () => {
      const { customer, service } = await createMarketplace(t);
      const ten = nextLocal('UTC', 'monday', '10:00');
      await book(t, customer, service, ten);
      await book(t, customer, service, shift(ten, 60));
      await book(t, customer, service, shift(ten, -60));

      const other = await createUser(t, Role.CUSTOMER);
      for (const at of [ten, shift(ten, 30), shift(ten, -30)]) {
        expectProblem(await t.http.post('/bookings/').set(other.auth).send(bookingBody(service, at)), 409, 'SLOT_TAKEN');
      }
      expect(await countRows(t, service.id)).toEqual({ bookings: 3, payments: 3, charges: 3, succeeded: 3 });
    });

    it('holds across all services of one provider, and not across providers', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const other = await createService(t, provider, { timezone: 'UTC', durationMinutes: 30, price: 20 });
      const at = nextLocal('UTC', 'monday', '10:00');
      await book(t, customer, service, at);

      expectProblem(
        await t.http
          .post('/bookings/')
          .set(customer.auth)
          .send(bookingBody(other, shift(at, 30))),
        409,
        'SLOT_TAKEN',
      );
      expect(await countRows(t, other.id)).toMatchObject({ bookings: 0, payments: 0, charges: 0 });
      await book(t, customer, other, shift(at, 60));

      const elsewhere = await createMarketplace(t);
      await book(t, elsewhere.customer, elsewhere.service, at);
    });
  });

  describe('a declined payment (PAYMENT_FAILURE_RATE=1)', () => {
    let declining: TestApp;
    beforeAll(async () => {
      declining = await createTestApp({ PAYMENT_FAILURE_RATE: '1' });
    });
    afterAll(() => declining.close());

    it('answers 402 PAYMENT_DECLINED, leaves no booking anywhere, frees the slot and keeps a FAILED payment', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const response = await declining.http.post('/bookings/').set(customer.auth).send(bookingBody(service, at));
      expectProblem(response, 402, 'PAYMENT_DECLINED');

      for (const caller of [customer, provider]) {
        const list = await t.http.get('/bookings/').set(caller.auth).expect(200);
        expect(list.body).toEqual([]);
        expect(list.headers['x-total-count']).toBe('0');
      }
      expect((await t.http.get('/bookings/').query({ serviceId: service.id }).set(admin.auth).expect(200)).body).toEqual([]);
      expect(await countRows(t, service.id)).toEqual({ bookings: 0, payments: 1, charges: 1, succeeded: 0 });

      const payments = (await t.http.get('/payments/').set(customer.auth).expect(200)).body as PaymentResponse[];
      expect(payments).toHaveLength(1);
      expect(payments[0]).toMatchObject({ status: 'FAILED', bookingId: null, amount: 89.5, refundedAmount: 0 });
      expect(payments[0].failureReason).toMatch(/declined/i);

      expect(await offersSlot(t, service, at)).toBe(true);
      const booking = await book(t, customer, service, at);
      expect(booking.status).toBe('CONFIRMED');
    });
  });

  describe('crash recovery (PaymentReconciler)', () => {
    /** Makes the processor's next charge answer lost (after it `charged`, or not) and its records unreachable. */
    function loseNextChargeAnswer(charged: boolean): () => void {
      const gateway = t.app.get(PaymentGateway);
      const charge = jest.spyOn(gateway, 'charge').mockImplementationOnce(async (request) => {
        if (charged) await gateway.charge(request);
        throw new Error('socket hang up');
      });
      const findCharge = jest.spyOn(gateway, 'findCharge').mockRejectedValueOnce(new Error('connect ETIMEDOUT'));
      return () => {
        charge.mockRestore();
        findCharge.mockRestore();
      };
    }

    /** `POST /bookings/` while the processor's answer to its charge is lost (see loseNextChargeAnswer). */
    async function bookLosingChargeAnswer(customer: TestUser, service: ServiceResponse, at: string, charged: boolean): Promise<Response> {
      const restore = loseNextChargeAnswer(charged);
      try {
        return await t.http.post('/bookings/').set(customer.auth).send(bookingBody(service, at));
      } finally {
        restore();
      }
    }

    async function backdate(bookingId: string, paymentId: string): Promise<void> {
      await t.dataSource.query(`UPDATE bookings SET created_at = now() - interval '10 minutes' WHERE id = $1`, [bookingId]);
      await t.dataSource.query(`UPDATE payments SET created_at = now() - interval '10 minutes' WHERE id = $1`, [paymentId]);
    }

    it('holds the slot for the reconciler when the processor charged but its answer was lost, then confirms', async () => {
      const { customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const response = await bookLosingChargeAnswer(customer, service, at, true);
      expectProblem(response, 502, 'PAYMENT_UNCONFIRMED');
      // Charged: the attempt must not be failed and released, or the money would stand without a booking.
      const [row] = await t.dataSource.query<Array<{ booking_id: string; payment_id: string; booking: string; payment: string }>>(
        `SELECT b.id AS booking_id, p.id AS payment_id, b.status AS booking, p.status AS payment FROM bookings b JOIN payments p ON p.booking_id = b.id WHERE b.service_id = $1`,
        [service.id],
      );
      expect(row).toMatchObject({ booking: 'PENDING', payment: 'PENDING' });
      expect(await offersSlot(t, service, at)).toBe(false);

      await backdate(row.booking_id, row.payment_id);
      await t.app.get(PaymentReconciler).reconcile();
      expect(await bookingRow(t, row.booking_id)).toEqual({ status: 'CONFIRMED' });
      expect(await countRows(t, service.id)).toEqual({ bookings: 1, payments: 1, charges: 1, succeeded: 1 });
    });

    it('holds the slot for the reconciler when the processor could not be reached, then releases it', async () => {
      const { customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const response = await bookLosingChargeAnswer(customer, service, at, false);
      expectProblem(response, 502, 'PAYMENT_UNCONFIRMED');
      const [row] = await t.dataSource.query<Array<{ booking_id: string; payment_id: string }>>(
        `SELECT b.id AS booking_id, p.id AS payment_id FROM bookings b JOIN payments p ON p.booking_id = b.id WHERE b.service_id = $1`,
        [service.id],
      );

      await backdate(row.booking_id, row.payment_id);
      await t.app.get(PaymentReconciler).reconcile();
      expect(await bookingRow(t, row.booking_id)).toBeUndefined();
      expect((await t.http.get(`/payments/${row.payment_id}`).set(customer.auth).expect(200)).body).toMatchObject({ status: 'FAILED', bookingId: null });
      expect(await offersSlot(t, service, at)).toBe(true);
      expect(await countRows(t, service.id)).toMatchObject({ bookings: 0, charges: 0, succeeded: 0 });
    });

    it('confirms a PENDING booking whose charge the gateway approved', async () => {
      const { customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const crashed = await insertInterruptedCheckout(t, { customer, service, at, charge: 'approved' });

      await t.app.get(PaymentReconciler).reconcile();

      const booking = await t.http.get(`/bookings/${crashed.bookingId}`).set(customer.auth).expect(200);
      expect(booking.body.status).toBe('CONFIRMED');
      const payment = await t.http.get(`/payments/${crashed.paymentId}`).set(customer.auth).expect(200);
      expect(payment.body).toMatchObject({ status: 'SUCCESS', bookingId: crashed.bookingId, transactionId: crashed.transactionId, failureReason: null });
      expect(await countRows(t, service.id)).toEqual({ bookings: 1, payments: 1, charges: 1, succeeded: 1 });
    });

    it('fails the payment, drops the hold and frees the slot when the gateway never saw the charge', async () => {
      const { customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const crashed = await insertInterruptedCheckout(t, { customer, service, at });
      expect(await offersSlot(t, service, at)).toBe(false);

      await t.app.get(PaymentReconciler).reconcile();

      expect(await bookingRow(t, crashed.bookingId)).toBeUndefined();
      const payment = await t.http.get(`/payments/${crashed.paymentId}`).set(customer.auth).expect(200);
      expect(payment.body).toMatchObject({ status: 'FAILED', bookingId: null });
      expect(payment.body.failureReason).toEqual(expect.any(String));
      expect(await offersSlot(t, service, at)).toBe(true);
      await book(t, customer, service, at);
    });

    it('fails the payment with the gateway’s reason when the charge was declined', async () => {
      const { customer, service } = await createMarketplace(t);
      const crashed = await insertInterruptedCheckout(t, { customer, service, at: nextLocal('UTC', 'monday', '10:00'), charge: 'declined' });

      await t.app.get(PaymentReconciler).reconcile();

      expect(await bookingRow(t, crashed.bookingId)).toBeUndefined();
      const payment = await t.http.get(`/payments/${crashed.paymentId}`).set(customer.auth).expect(200);
      expect(payment.body).toMatchObject({ status: 'FAILED', bookingId: null, failureReason: 'Card declined by issuer' });
    });

    it('leaves a checkout that is still within its time alone', async () => {
      const { customer, service } = await createMarketplace(t);
      const running = await insertInterruptedCheckout(t, { customer, service, at: nextLocal('UTC', 'monday', '10:00'), minutesAgo: 0 });

      await t.app.get(PaymentReconciler).reconcile();

      expect(await bookingRow(t, running.bookingId)).toEqual({ status: 'PENDING' });
      expect((await t.http.get(`/payments/${running.paymentId}`).set(customer.auth).expect(200)).body.status).toBe('PENDING');
    });

    it('never lets a PENDING booking be confirmed through PUT: only its payment confirms it', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const pending = await insertInterruptedCheckout(t, { customer, service, at: nextLocal('UTC', 'monday', '10:00'), minutesAgo: 0 });

      for (const caller of [customer, provider, admin]) {
        expectProblem(await t.http.put(`/bookings/${pending.bookingId}`).set(caller.auth).send({ status: 'CONFIRMED' }), 409, 'INVALID_TRANSITION');
      }
      expect(await bookingRow(t, pending.bookingId)).toEqual({ status: 'PENDING' });
    });
  });

  describe('GET /bookings/', () => {
    it('shows a customer their own, a provider those of their services, an admin all', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const second = await createService(t, provider, { timezone: 'UTC' });
      const otherCustomer = await createUser(t, Role.CUSTOMER);
      // A time no other test is likely to use, so the admin's unscoped list can be narrowed to it (on the slot
      // grid and inside the booking horizon).
      const at = shift(nextLocal('UTC', 'monday', '09:00', { weeksLater: 10 + randomInt(38) }), 30 * randomInt(3));
      const mine = await book(t, customer, service, at);
      const theirs = await book(t, otherCustomer, second, shift(at, 60));
      const unrelated = await createMarketplace(t);
      const elsewhere = await book(t, unrelated.customer, unrelated.service, at);

      expect(ids(await t.http.get('/bookings/').set(customer.auth).expect(200))).toEqual([mine.id]);
      expect(ids(await t.http.get('/bookings/').set(otherCustomer.auth).expect(200))).toEqual([theirs.id]);
      const forProvider = await t.http.get('/bookings/').set(provider.auth).expect(200);
      expect(ids(forProvider)).toEqual([mine.id, theirs.id]);
      expect(forProvider.headers['x-total-count']).toBe('2');
      expect(forProvider.body[0]).toEqual(mine);

      const all = await t.http
        .get('/bookings/')
        .query({ limit: 100, from: at, to: shift(at, 61) })
        .set(admin.auth)
        .expect(200);
      expect(ids(all)).toEqual(expect.arrayContaining([mine.id, theirs.id, elsewhere.id]));
      expectProblem(await t.http.get('/bookings/'), 401);
    });

    it('filters by status, from, to and serviceId', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const second = await createService(t, provider, { timezone: 'UTC' });
      const first = nextLocal('UTC', 'monday', '10:00');
      const a = await book(t, customer, service, first);
      const b = await book(t, customer, second, nextLocal('UTC', 'monday', '10:00', { weeksLater: 1 }));
      const c = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00', { weeksLater: 2 }));
      await t.http.delete(`/bookings/${c.id}`).set(customer.auth).expect(200);

      const query = (q: Record<string, string>) => t.http.get('/bookings/').query(q).set(customer.auth).expect(200);
      expect(ids(await query({ status: 'CONFIRMED' }))).toEqual([a.id, b.id]);
      expect(ids(await query({ status: 'CANCELLED' }))).toEqual([c.id]);
      expect(ids(await query({ serviceId: second.id }))).toEqual([b.id]);
      expect(ids(await query({ serviceId: service.id }))).toEqual([a.id, c.id]);
      // from is inclusive, to exclusive.
      expect(ids(await query({ from: iso(b.scheduledAt) }))).toEqual([b.id, c.id]);
      expect(ids(await query({ to: iso(b.scheduledAt) }))).toEqual([a.id]);
      expect(ids(await query({ from: shift(first, 1), to: shift(first, 15 * 24 * 60) }))).toEqual([b.id, c.id]);
      expect(ids(await query({ from: first.slice(0, 10), to: shift(first, 24 * 60).slice(0, 10) }))).toEqual([a.id]);
      expect(ids(await t.http.get('/bookings/').query({ serviceId: second.id }).set(provider.auth).expect(200))).toEqual([b.id]);

      for (const bad of [{ status: 'DONE' }, { from: 'yesterday' }, { serviceId: 'x' }, { limit: '0' }]) {
        expectProblem(await t.http.get('/bookings/').query(bad).set(customer.auth), 400);
      }
    });

    it('pages in scheduledAt order with X-Total-Count and Link', async () => {
      const { customer, service } = await createMarketplace(t);
      const times = [2, 0, 3, 1].map((weeks) => nextLocal('UTC', 'monday', '10:00', { weeksLater: weeks }));
      const made = [];
      for (const at of times) made.push(await book(t, customer, service, at));
      const ordered = [...made].sort((x, y) => new Date(x.scheduledAt).getTime() - new Date(y.scheduledAt).getTime()).map((b) => b.id);

      const first = await t.http.get('/bookings/').query({ limit: 3 }).set(customer.auth).expect(200);
      expect(ids(first)).toEqual(ordered.slice(0, 3));
      expect(first.headers['x-total-count']).toBe('4');
      expect(links(first)).toEqual({ next: expect.stringContaining('cursor=') });
      expect(links(first).next).toContain('limit=3');

      const next = new URL(links(first).next);
      const second = await t.http.get(`${next.pathname}${next.search}`).set(customer.auth).expect(200);
      expect(ids(second)).toEqual(ordered.slice(3));
      expect(second.headers['x-total-count']).toBe('4');
      // The last page, reached by cursor: no next, and no prev (keyset paging goes forward).
      expect(links(second)).toEqual({});
      const byOffset = await t.http.get('/bookings/').query({ limit: 3, offset: 3 }).set(customer.auth).expect(200);
      expect(ids(byOffset)).toEqual(ordered.slice(3));
      expect(links(byOffset)).toEqual({ prev: expect.stringContaining('offset=0') });
    });
  });

  describe('GET /bookings/{id}', () => {
    it('shows the booking with allowedActions to its customer, provider and an admin; 404 to anyone else', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));

      const asCustomer = await t.http.get(`/bookings/${booking.id}`).set(customer.auth).expect(200);
      expect(asCustomer.body).toEqual({ ...booking, allowedActions: ['cancel', 'reschedule', 'edit_notes'] });
      // Not started yet: nobody may complete it.
      expect((await t.http.get(`/bookings/${booking.id}`).set(provider.auth).expect(200)).body.allowedActions).toEqual(['cancel']);
      expect((await t.http.get(`/bookings/${booking.id}`).set(admin.auth).expect(200)).body.allowedActions).toEqual(['cancel', 'reschedule', 'edit_notes']);

      const stranger = await createUser(t, Role.CUSTOMER);
      const otherProvider = await createUser(t, Role.PROVIDER);
      for (const caller of [stranger, otherProvider]) {
        expectProblem(await t.http.get(`/bookings/${booking.id}`).set(caller.auth), 404, 'NOT_FOUND');
        expectProblem(await t.http.get(`/bookings/${booking.id}/cancellation-quote`).set(caller.auth), 404, 'NOT_FOUND');
      }
      expectProblem(await t.http.get('/bookings/00000000-0000-4000-8000-000000000000').set(admin.auth), 404);
      expectProblem(await t.http.get('/bookings/not-a-uuid').set(admin.auth), 400);
      expectProblem(await t.http.get(`/bookings/${booking.id}`), 401);

      await startBooking(t, booking.id);
      expect((await t.http.get(`/bookings/${booking.id}`).set(provider.auth).expect(200)).body.allowedActions).toEqual(['cancel', 'complete']);
      expect((await t.http.get(`/bookings/${booking.id}`).set(admin.auth).expect(200)).body.allowedActions).toEqual([
        'cancel',
        'reschedule',
        'complete',
        'edit_notes',
      ]);
      await t.http.put(`/bookings/${booking.id}`).set(provider.auth).send({ status: 'COMPLETED' }).expect(200);
      for (const caller of [customer, provider, admin]) {
        expect((await t.http.get(`/bookings/${booking.id}`).set(caller.auth).expect(200)).body.allowedActions).toEqual([]);
      }
    });
  });

  describe('PUT /bookings/{id}', () => {
    it('lets the provider (or an admin) complete a CONFIRMED booking, not the customer', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '09:00');
      const one = await book(t, customer, service, at);
      const two = await book(t, customer, service, shift(at, 60));
      // Only a booking that has started can be completed: these two started 30 and 120 minutes ago.
      await startBooking(t, one.id, 30);
      await startBooking(t, two.id, 120);

      expectProblem(await t.http.put(`/bookings/${one.id}`).set(customer.auth).send({ status: 'COMPLETED' }), 403);
      expect((await t.http.get(`/bookings/${one.id}`).set(customer.auth)).body.status).toBe('CONFIRMED');

      const completed = await t.http.put(`/bookings/${one.id}`).set(provider.auth).send({ status: 'COMPLETED' }).expect(200);
      expect(completed.body).toMatchObject({ id: one.id, status: 'COMPLETED' });
      expect(Object.keys(completed.body).sort()).toEqual(BOOKING_KEYS);
      expect((await t.http.put(`/bookings/${two.id}`).set(admin.auth).send({ status: 'COMPLETED' }).expect(200)).body.status).toBe('COMPLETED');

      const outsider = await createUser(t, Role.PROVIDER);
      const three = await book(t, customer, service, shift(at, 120));
      expectProblem(await t.http.put(`/bookings/${three.id}`).set(outsider.auth).send({ status: 'COMPLETED' }), 404);
    });

    it('lets the customer reschedule a CONFIRMED booking, freeing the old time', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const booking = await book(t, customer, service, at);
      const moved = nextLocal('UTC', 'saturday', '11:00');

      const response = await t.http.put(`/bookings/${booking.id}`).set(customer.auth).send({ scheduledAt: moved }).expect(200);
      expect(response.body).toMatchObject({ id: booking.id, status: 'CONFIRMED', duration: 60 });
      expect(sameInstant(response.body.scheduledAt, moved)).toBe(true);
      const [row] = await t.dataSource.query<Array<{ scheduled_at: Date; ends_at: Date }>>('SELECT scheduled_at, ends_at FROM bookings WHERE id = $1', [
        booking.id,
      ]);
      expect(row.ends_at.getTime() - row.scheduled_at.getTime()).toBe(60 * 60_000);

      expect(await offersSlot(t, service, at)).toBe(true);
      expect(await offersSlot(t, service, moved)).toBe(false);
      await book(t, await createUser(t, Role.CUSTOMER), service, at);

      // Half an hour later overlaps only the booking itself: allowed.
      const nudged = await t.http
        .put(`/bookings/${booking.id}`)
        .set(customer.auth)
        .send({ scheduledAt: shift(moved, 30) })
        .expect(200);
      expect(sameInstant(nudged.body.scheduledAt, shift(moved, 30))).toBe(true);

      expectProblem(await t.http.put(`/bookings/${booking.id}`).set(provider.auth).send({ scheduledAt: moved }), 403);
      await t.http.put(`/bookings/${booking.id}`).set(admin.auth).send({ scheduledAt: moved }).expect(200);
    });

    it('checks a new time like a new booking: SLOT_TAKEN, OUTSIDE_AVAILABILITY, BOOKING_IN_PAST', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const other = await createService(t, provider, { timezone: 'UTC' });
      const at = nextLocal('UTC', 'monday', '09:00');
      const booking = await book(t, customer, service, at);
      const blocker = await book(t, customer, other, shift(at, 120));

      expectProblem(
        await t.http
          .put(`/bookings/${booking.id}`)
          .set(customer.auth)
          .send({ scheduledAt: shift(iso(blocker.scheduledAt), -30) }),
        409,
        'SLOT_TAKEN',
      );
      expectProblem(
        await t.http
          .put(`/bookings/${booking.id}`)
          .set(customer.auth)
          .send({ scheduledAt: nextLocal('UTC', 'monday', '11:30') }),
        422,
        'OUTSIDE_AVAILABILITY',
      );
      expectProblem(await t.http.put(`/bookings/${booking.id}`).set(customer.auth).send({ scheduledAt: '2020-01-06T10:00:00Z' }), 422, 'BOOKING_IN_PAST');
      expectFieldError(await t.http.put(`/bookings/${booking.id}`).set(customer.auth).send({ scheduledAt: 'monday' }), 'scheduledAt');

      const unchanged = (await t.http.get(`/bookings/${booking.id}`).set(customer.auth).expect(200)).body as BookingResponse;
      expect(sameInstant(unchanged.scheduledAt, at)).toBe(true);
    });

    it('reschedules across a DST change in the service’s zone (America/New_York, 2027-03-14)', async () => {
      const { customer, service } = await createMarketplace(t, { service: { timezone: 'America/New_York', availability: { sunday: ['01:00-06:00'] } } });
      const booking = await book(t, customer, service, nextLocal('America/New_York', 'sunday', '01:00'));

      // Clocks jump from 02:00 EST to 03:00 EDT: 03:00 local is 07:00 UTC that day.
      const response = await t.http.put(`/bookings/${booking.id}`).set(customer.auth).send({ scheduledAt: '2027-03-14T03:00:00-04:00' }).expect(200);
      expect(new Date(response.body.scheduledAt).toISOString()).toBe('2027-03-14T07:00:00.000Z');
      const slots = (await t.http.get(`/services/${service.id}/slots`).query({ from: '2027-03-14', to: '2027-03-14' }).expect(200)).body as SlotResponse[];
      expect(slots.map((s) => s.localStart)).not.toContain('2027-03-14T03:00:00.000-04:00');
      expect(slots.some((s) => s.localStart.startsWith('2027-03-14T02:'))).toBe(false);

      // 01:30 EST + 60 minutes ends at 03:30 EDT, inside the window; 05:30 EDT + 60 ends after 06:00.
      const spanning = await t.http.put(`/bookings/${booking.id}`).set(customer.auth).send({ scheduledAt: '2027-03-14T01:30:00-05:00' }).expect(200);
      expect(new Date(spanning.body.scheduledAt).toISOString()).toBe('2027-03-14T06:30:00.000Z');
      expectProblem(
        await t.http.put(`/bookings/${booking.id}`).set(customer.auth).send({ scheduledAt: '2027-03-14T05:30:00-04:00' }),
        422,
        'OUTSIDE_AVAILABILITY',
      );
    });

    it('lets the customer edit the notes, not the provider', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'), { notes: 'first' });
      const edited = await t.http.put(`/bookings/${booking.id}`).set(customer.auth).send({ notes: ' Gate code 1234 ' }).expect(200);
      expect(edited.body).toMatchObject({ notes: 'Gate code 1234', status: 'CONFIRMED' });
      expect((await t.http.get(`/bookings/${booking.id}`).set(provider.auth)).body.notes).toBe('Gate code 1234');
      expectProblem(await t.http.put(`/bookings/${booking.id}`).set(provider.auth).send({ notes: 'mine' }), 403);
      expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth)).body.notes).toBe('Gate code 1234');
    });

    it('takes exactly one change per request and no unknown fields (400)', async () => {
      const { customer, service } = await createMarketplace(t);
      const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
      for (const body of [{}, { notes: 'x', status: 'COMPLETED' }, { customerId: customer.id }, { status: 'DONE' }, { totalAmount: 1 }]) {
        expectProblem(await t.http.put(`/bookings/${booking.id}`).set(customer.auth).send(body), 400);
      }
      expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth)).body).toMatchObject({ status: 'CONFIRMED', notes: null, totalAmount: 89.5 });
    });

    it('refuses moves the state machine forbids with 409 INVALID_TRANSITION', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '09:00');
      const cancelled = await book(t, customer, service, at);
      await t.http.delete(`/bookings/${cancelled.id}`).set(customer.auth).expect(200);
      const completed = await book(t, customer, service, shift(at, 60));
      await startBooking(t, completed.id);
      await t.http.put(`/bookings/${completed.id}`).set(provider.auth).send({ status: 'COMPLETED' }).expect(200);
      const confirmed = await book(t, customer, service, shift(at, 120));

      const attempts: Array<[string, TestUser, Record<string, unknown>]> = [
        [cancelled.id, provider, { status: 'COMPLETED' }],
        [cancelled.id, customer, { scheduledAt: nextLocal('UTC', 'saturday', '10:00') }],
        [cancelled.id, customer, { status: 'CANCELLED' }],
        [completed.id, customer, { status: 'CANCELLED' }],
        [completed.id, provider, { status: 'COMPLETED' }],
        [completed.id, customer, { scheduledAt: nextLocal('UTC', 'saturday', '10:00') }],
        [completed.id, customer, { notes: 'late' }],
        [confirmed.id, provider, { status: 'CONFIRMED' }],
        [confirmed.id, admin, { status: 'PENDING' }],
      ];
      for (const [id, caller, body] of attempts) {
        expectProblem(await t.http.put(`/bookings/${id}`).set(caller.auth).send(body), 409, 'INVALID_TRANSITION');
      }
      expectProblem(await t.http.delete(`/bookings/${completed.id}`).set(customer.auth), 409, 'INVALID_TRANSITION');
      expectProblem(await t.http.delete(`/bookings/${cancelled.id}`).set(provider.auth), 409, 'INVALID_TRANSITION');

      expect(await bookingRow(t, cancelled.id)).toEqual({ status: 'CANCELLED' });
      expect(await bookingRow(t, completed.id)).toEqual({ status: 'COMPLETED' });
      expect(await bookingRow(t, confirmed.id)).toEqual({ status: 'CONFIRMED' });
    });
  });

  describe('DELETE /bookings/{id}', () => {
    async function paymentOf(customer: TestUser, bookingId: string): Promise<PaymentResponse> {
      const payments = (await t.http.get('/payments/').set(customer.auth).expect(200)).body as PaymentResponse[];
      return payments.find((p) => p.bookingId === bookingId) as PaymentResponse;
    }

    it('cancels for the customer at least 24 hours ahead with a full refund, and frees the slot', async () => {
      const { provider, customer, service } = await createMarketplace(t, { service: { price: 10.1 } });
      const at = nextLocal('UTC', 'monday', '10:00');
      const booking = await book(t, customer, service, at);

      const quote = await t.http.get(`/bookings/${booking.id}/cancellation-quote`).set(customer.auth).expect(200);
      expect(quote.body).toEqual({ bookingId: booking.id, refundAmount: 10.1, currency: 'USD', fullRefund: true, policy: expect.any(String) });

      const response = await t.http.delete(`/bookings/${booking.id}`).set(customer.auth).expect(200);
      expect(Object.keys(response.body).sort()).toEqual(BOOKING_KEYS);
      expect(response.body).toMatchObject({ id: booking.id, status: 'CANCELLED' });
      expect((await paymentOf(customer, booking.id)).status).toBe('REFUNDED');
      expect(await paymentOf(customer, booking.id)).toMatchObject({ refundedAmount: 10.1 });
      const refunds = await t.dataSource.query<Array<{ amount: string; status: string }>>(
        `SELECT r.amount, r.status FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.booking_id = $1`,
        [booking.id],
      );
      expect(refunds).toEqual([{ amount: '10.10', status: 'SUCCEEDED' }]);

      const afterQuote = await t.http.get(`/bookings/${booking.id}/cancellation-quote`).set(customer.auth).expect(200);
      expect(afterQuote.body).toMatchObject({ refundAmount: 0, fullRefund: false });
      expect(await offersSlot(t, service, at)).toBe(true);
      await book(t, await createUser(t, Role.CUSTOMER), service, at);
      expect((await t.http.get(`/bookings/${booking.id}`).set(provider.auth).expect(200)).body.status).toBe('CANCELLED');
    });

    it('refunds in full when the provider or an admin cancels', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const byProvider = await book(t, customer, service, at);
      const byAdmin = await book(t, customer, service, shift(at, 60));

      expect((await t.http.delete(`/bookings/${byProvider.id}`).set(provider.auth).expect(200)).body.status).toBe('CANCELLED');
      expect((await t.http.delete(`/bookings/${byAdmin.id}`).set(admin.auth).expect(200)).body.status).toBe('CANCELLED');
      for (const id of [byProvider.id, byAdmin.id]) {
        expect(await paymentOf(customer, id)).toMatchObject({ status: 'REFUNDED', refundedAmount: 89.5 });
      }
    });

    it('cancels through PUT {status: "CANCELLED"} just like DELETE', async () => {
      const { customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const booking = await book(t, customer, service, at);
      const response = await t.http.put(`/bookings/${booking.id}`).set(customer.auth).send({ status: 'CANCELLED' }).expect(200);
      expect(response.body).toMatchObject({ id: booking.id, status: 'CANCELLED' });
      expect(await paymentOf(customer, booking.id)).toMatchObject({ status: 'REFUNDED', refundedAmount: 89.5 });
      expect(await offersSlot(t, service, at)).toBe(true);
      expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth).expect(200)).body.allowedActions).toEqual([]);
    });

    it('lets only the booking’s parties cancel (404 for anyone else)', async () => {
      const { customer, service } = await createMarketplace(t);
      const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
      for (const caller of [await createUser(t, Role.CUSTOMER), await createUser(t, Role.PROVIDER)]) {
        expectProblem(await t.http.delete(`/bookings/${booking.id}`).set(caller.auth), 404);
      }
      expectProblem(await t.http.delete(`/bookings/${booking.id}`), 401);
      expect(await bookingRow(t, booking.id)).toEqual({ status: 'CONFIRMED' });
    });

    describe('late (CANCELLATION_FULL_REFUND_HOURS=1000)', () => {
      let late: TestApp;
      beforeAll(async () => {
        late = await createTestApp({ CANCELLATION_FULL_REFUND_HOURS: '1000' });
      });
      afterAll(() => late.close());

      it('refunds nothing to a customer who cancels later than that, and says so beforehand', async () => {
        const { provider, customer, service } = await createMarketplace(t);
        const booking = await book(late, customer, service, nextLocal('UTC', 'monday', '10:00'));

        const forCustomer = await late.http.get(`/bookings/${booking.id}/cancellation-quote`).set(customer.auth).expect(200);
        expect(forCustomer.body).toMatchObject({ refundAmount: 0, fullRefund: false, currency: 'USD' });
        expect(forCustomer.body.policy).toContain('1000');
        const forProvider = await late.http.get(`/bookings/${booking.id}/cancellation-quote`).set(provider.auth).expect(200);
        expect(forProvider.body).toMatchObject({ refundAmount: 89.5, fullRefund: true });

        expect((await late.http.delete(`/bookings/${booking.id}`).set(customer.auth).expect(200)).body.status).toBe('CANCELLED');
        expect(await paymentOf(customer, booking.id)).toMatchObject({ status: 'SUCCESS', refundedAmount: 0 });
        const refunds = await late.dataSource.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.booking_id = $1`,
          [booking.id],
        );
        expect(refunds[0].n).toBe(0);
      });

      it('still refunds in full when the provider cancels late', async () => {
        const { provider, customer, service } = await createMarketplace(t);
        const booking = await book(late, customer, service, nextLocal('UTC', 'monday', '10:00'));
        await late.http.delete(`/bookings/${booking.id}`).set(provider.auth).expect(200);
        expect(await paymentOf(customer, booking.id)).toMatchObject({ status: 'REFUNDED', refundedAmount: 89.5 });
      });
    });
  });
});
