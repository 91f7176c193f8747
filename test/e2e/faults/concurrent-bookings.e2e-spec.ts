import { setTimeout as sleep } from 'node:timers/promises';
import { Role } from '../../../src/common/auth/role.enum';
import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import type { PaymentResponse } from '../../../src/payments/dto/payment.response';
import { book, bookingBody, countRows, nextLocal, shift } from '../../factories/booking.factory';
import { createMarketplace, Marketplace } from '../../factories/marketplace.factory';
import { createService } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { fireAtOnce, listen, RawResponse, send, statusCounts } from '../../helpers/parallel';
import { createTestApp, TestApp } from '../../helpers/test-app';

/** Every answer is a problem with one of these codes, or a success. */
function codesOf(responses: RawResponse[]): Set<string> {
  return new Set(responses.filter((r) => r.status >= 400).map((r) => String(r.body?.code)));
}

describe('bookings and payments under concurrent requests', () => {
  let t: TestApp;
  let base: string;
  let admin: TestUser;
  /** Every provider made here, for the invariant check at the end. */
  const providers: string[] = [];

  /** A fresh marketplace (provider, UTC service, customer) whose provider the invariant check at the end covers. */
  async function setup(): Promise<Marketplace> {
    const marketplace = await createMarketplace(t);
    providers.push(marketplace.provider.id);
    return marketplace;
  }

  const customers = (count: number): Promise<TestUser[]> => Promise.all(Array.from({ length: count }, () => createUser(t, Role.CUSTOMER)));

  async function paymentOfBooking(customer: TestUser, bookingId: string): Promise<PaymentResponse> {
    const payments = (await t.http.get('/payments/').set(customer.auth).expect(200)).body as PaymentResponse[];
    return payments.find((p) => p.bookingId === bookingId) as PaymentResponse;
  }

  /** A fresh marketplace whose customer has booked (and paid for) Monday 10:00. */
  async function paidBooking(): Promise<{ provider: TestUser; customer: TestUser; booking: BookingResponse; payment: PaymentResponse }> {
    const { provider, customer, service } = await setup();
    const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
    return { provider, customer, booking, payment: await paymentOfBooking(customer, booking.id) };
  }

  beforeAll(async () => {
    t = await createTestApp();
    base = await listen(t);
    admin = await createUser(t, Role.ADMIN);
  });
  afterAll(() => t.close());

  it('gives one slot to exactly one of 100 simultaneous requests, charging once; the rest get 409 SLOT_TAKEN', async () => {
    const { service } = await setup();
    const people = await customers(20);
    const at = nextLocal('UTC', 'monday', '10:00');

    const responses = await fireAtOnce(100, (i) =>
      send(`${base}/bookings/`, { method: 'POST', headers: people[i % people.length].auth, body: bookingBody(service, at) }),
    );

    expect(statusCounts(responses)).toEqual({ 201: 1, 409: 99 });
    expect(codesOf(responses)).toEqual(new Set(['SLOT_TAKEN']));
    expect(await countRows(t, service.id)).toEqual({ bookings: 1, payments: 1, charges: 1, succeeded: 1 });
    const winner = responses.find((r) => r.status === 201) as RawResponse;
    expect(winner.body).toMatchObject({ status: 'CONFIRMED', serviceId: service.id });
  });

  it('gives overlapping times on two services of one provider to exactly one request', async () => {
    const { provider, service } = await setup();
    const other = await createService(t, provider, { timezone: 'UTC', durationMinutes: 30, price: 25 });
    const people = await customers(10);
    const at = nextLocal('UTC', 'monday', '10:00');

    const responses = await fireAtOnce(40, (i) =>
      send(`${base}/bookings/`, {
        method: 'POST',
        headers: people[i % people.length].auth,
        body: i % 2 ? bookingBody(other, shift(at, 30)) : bookingBody(service, at),
      }),
    );

    expect(statusCounts(responses)).toEqual({ 201: 1, 409: 39 });
    expect(codesOf(responses)).toEqual(new Set(['SLOT_TAKEN']));
    const [a, b] = [await countRows(t, service.id), await countRows(t, other.id)];
    expect(a.bookings + b.bookings).toBe(1);
    expect(a.charges + b.charges).toBe(1);
  });

  it('moves only one of two bookings onto the same free time when both reschedule at once', async () => {
    const { service } = await setup();
    const [first, second] = await customers(2);
    const at = nextLocal('UTC', 'monday', '09:00');
    const one = await book(t, first, service, at);
    const two = await book(t, second, service, shift(at, 60));
    const target = nextLocal('UTC', 'saturday', '10:00');

    const responses = await Promise.all([
      send(`${base}/bookings/${one.id}`, { method: 'PUT', headers: first.auth, body: { scheduledAt: target } }),
      send(`${base}/bookings/${two.id}`, { method: 'PUT', headers: second.auth, body: { scheduledAt: target } }),
    ]);

    expect(statusCounts(responses)).toEqual({ 200: 1, 409: 1 });
    expect(codesOf(responses)).toEqual(new Set(['SLOT_TAKEN']));
    const [row] = await t.dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM bookings WHERE service_id = $1 AND scheduled_at = $2`, [
      service.id,
      new Date(target),
    ]);
    expect(row.n).toBe(1);
  });

  it('refunds a payment once when 50 full refunds arrive together; the rest get 409', async () => {
    const { provider, customer, booking, payment } = await paidBooking();

    const responses = await fireAtOnce(50, () =>
      send(`${base}/payments/${payment.id}/refund`, { method: 'POST', headers: provider.auth, body: { reason: 'Provider is ill' } }),
    );

    expect(statusCounts(responses)).toEqual({ 200: 1, 409: 49 });
    expect(codesOf(responses)).toEqual(new Set(['NOTHING_TO_REFUND']));
    const [row] = await t.dataSource.query<Array<{ refunded_amount: string; status: string; refunds: number; gateway: number }>>(
      `SELECT p.refunded_amount, p.status,
              (SELECT count(*)::int FROM refunds r WHERE r.payment_id = p.id) AS refunds,
              (SELECT count(*)::int FROM simulated_gateway_operations g JOIN refunds r ON g.idempotency_key = 'refund:' || r.id
                WHERE r.payment_id = p.id) AS gateway
         FROM payments p WHERE p.id = $1`,
      [payment.id],
    );
    expect(row).toEqual({ refunded_amount: '89.50', status: 'REFUNDED', refunds: 1, gateway: 1 });
    expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth).expect(200)).body.status).toBe('CANCELLED');
  });

  it('cancels a booking once when its parties cancel together, refunding once', async () => {
    const { provider, customer, service } = await setup();
    const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));

    const responses = await fireAtOnce(20, (i) =>
      send(`${base}/bookings/${booking.id}`, { method: 'DELETE', headers: [customer, provider, admin][i % 3].auth }),
    );

    expect(statusCounts(responses)).toEqual({ 200: 1, 409: 19 });
    expect(codesOf(responses)).toEqual(new Set(['INVALID_TRANSITION']));
    const payment = await paymentOfBooking(customer, booking.id);
    expect(payment).toMatchObject({ status: 'REFUNDED', refundedAmount: 89.5 });
    const [row] = await t.dataSource.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM refunds WHERE payment_id = $1', [payment.id]);
    expect(row.n).toBe(1);
  });

  it('never refunds more than was paid when a cancellation and refunds race, and never fails with 5xx', async () => {
    const { provider, customer, booking, payment } = await paidBooking();

    const responses = await fireAtOnce(20, (i) =>
      i % 2
        ? send(`${base}/bookings/${booking.id}`, { method: 'DELETE', headers: provider.auth })
        : send(`${base}/payments/${payment.id}/refund`, { method: 'POST', headers: provider.auth, body: { reason: 'Race', amount: 30 } }),
    );

    expect(responses.filter((r) => r.status >= 500)).toEqual([]);
    expect(responses.every((r) => [200, 409, 422].includes(r.status))).toBe(true);
    const cancellations = responses.filter((r, i) => i % 2 === 1 && r.status === 200);
    expect(cancellations).toHaveLength(1);
    const [row] = await t.dataSource.query<Array<{ refunded_amount: string; status: string; refunded: string }>>(
      `SELECT p.refunded_amount, p.status, (SELECT sum(amount) FROM refunds r WHERE r.payment_id = p.id) AS refunded FROM payments p WHERE p.id = $1`,
      [payment.id],
    );
    expect(row).toEqual({ refunded_amount: '89.50', status: 'REFUNDED', refunded: '89.50' });
    expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth).expect(200)).body.status).toBe('CANCELLED');
  });

  it('cancels and refunds once when cancellations and full refunds of one booking race', async () => {
    const { provider, customer, booking, payment } = await paidBooking();

    const responses = await fireAtOnce(20, (i) =>
      i % 2
        ? send(`${base}/bookings/${booking.id}`, { method: 'DELETE', headers: customer.auth })
        : send(`${base}/payments/${payment.id}/refund`, { method: 'POST', headers: provider.auth, body: { reason: 'Full refund' } }),
    );

    expect(statusCounts(responses)).toEqual({ 200: 1, 409: 19 });
    expect(codesOf(responses).size).toBeGreaterThan(0);
    for (const code of codesOf(responses)) expect(['INVALID_TRANSITION', 'NOTHING_TO_REFUND']).toContain(code);
    const [row] = await t.dataSource.query<Array<{ refunded_amount: string; status: string; refunds: number }>>(
      `SELECT p.refunded_amount, p.status, (SELECT count(*)::int FROM refunds r WHERE r.payment_id = p.id) AS refunds FROM payments p WHERE p.id = $1`,
      [payment.id],
    );
    expect(row).toEqual({ refunded_amount: '89.50', status: 'REFUNDED', refunds: 1 });
    expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth).expect(200)).body.status).toBe('CANCELLED');
  });

  it('voids the charge and keeps the cancellation when the customer cancels while the payment is still running', async () => {
    const slow = await createTestApp({ PAYMENT_GATEWAY_LATENCY_MS: '1500' });
    try {
      const slowBase = await listen(slow);
      const { customer, service } = await setup();
      const checkout = send(`${slowBase}/bookings/`, {
        method: 'POST',
        headers: customer.auth,
        body: bookingBody(service, nextLocal('UTC', 'monday', '10:00')),
      });
      let held: Array<{ id: string }> = [];
      while (!held.length) {
        held = await t.dataSource.query<Array<{ id: string }>>(`SELECT id FROM bookings WHERE service_id = $1 AND status = 'PENDING'`, [service.id]);
        if (!held.length) await sleep(20);
      }
      const pending = await t.http.get(`/bookings/${held[0].id}`).set(customer.auth).expect(200);
      expect(pending.body).toMatchObject({ status: 'PENDING', allowedActions: ['cancel', 'edit_notes'] });

      expect((await t.http.delete(`/bookings/${held[0].id}`).set(customer.auth).expect(200)).body.status).toBe('CANCELLED');
      const answer = await checkout;
      expect(answer.status).toBe(402);
      expect(answer.body.code).toBe('PAYMENT_DECLINED');

      const [payment] = (await t.http.get('/payments/').set(customer.auth).expect(200)).body as PaymentResponse[];
      expect(payment).toMatchObject({ status: 'FAILED', bookingId: null });
      const operations = await t.dataSource.query<Array<{ kind: string; amount_minor: string }>>(
        `SELECT kind, amount_minor FROM simulated_gateway_operations WHERE idempotency_key IN ($1, $2) ORDER BY kind`,
        [`charge:${payment.id}`, `refund:void-${payment.id}`],
      );
      expect(operations).toEqual([
        { kind: 'charge', amount_minor: '8950' },
        { kind: 'refund', amount_minor: '8950' },
      ]);
      expect((await t.http.get(`/bookings/${held[0].id}`).set(customer.auth).expect(200)).body.status).toBe('CANCELLED');
    } finally {
      await slow.close();
    }
  });

  it('leaves the books consistent: every paid payment has a booking, every CONFIRMED booking a paid payment', async () => {
    expect(providers.length).toBeGreaterThan(0);
    const paidWithoutBooking = await t.dataSource.query<unknown[]>(
      `SELECT p.id FROM payments p LEFT JOIN bookings b ON b.id = p.booking_id
        WHERE p.provider_id = ANY($1::uuid[]) AND p.status IN ('SUCCESS', 'PARTIALLY_REFUNDED', 'REFUNDED')
          AND (b.id IS NULL OR b.status NOT IN ('CONFIRMED', 'COMPLETED', 'CANCELLED'))`,
      [providers],
    );
    expect(paidWithoutBooking).toEqual([]);
    const confirmedUnpaid = await t.dataSource.query<unknown[]>(
      `SELECT b.id FROM bookings b
        WHERE b.provider_id = ANY($1::uuid[]) AND b.status = 'CONFIRMED'
          AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id AND p.status IN ('SUCCESS', 'PARTIALLY_REFUNDED'))`,
      [providers],
    );
    expect(confirmedUnpaid).toEqual([]);
    const unsettled = await t.dataSource.query<unknown[]>(
      `SELECT p.id FROM payments p WHERE p.provider_id = ANY($1::uuid[]) AND (p.status = 'PENDING' OR (p.status = 'FAILED' AND p.booking_id IS NOT NULL))`,
      [providers],
    );
    expect(unsettled).toEqual([]);
    const overRefunded = await t.dataSource.query<unknown[]>(
      `SELECT p.id FROM payments p
        WHERE p.provider_id = ANY($1::uuid[])
          AND p.refunded_amount <> COALESCE((SELECT sum(amount) FROM refunds r WHERE r.payment_id = p.id), 0)`,
      [providers],
    );
    expect(overRefunded).toEqual([]);
  });
});
