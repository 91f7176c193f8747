import { Role } from '../src/common/auth/role.enum';
import { createService } from './factories/service.factory';
import { createUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/test-app';

/** Next Monday 10:00 UTC at least a week ahead. */
function nextMondayAt(hourUtc: number, weeksAhead = 1): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7 || 7) + 7 * weeksAhead);
  d.setUTCHours(hourUtc, 0, 0, 0);
  return d.toISOString();
}

describe('bookings smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('books, pays, lists, cancels', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const customer = await createUser(t, Role.CUSTOMER);
    const service = await createService(t, provider, { timezone: 'UTC' });
    const scheduledAt = nextMondayAt(10);
    const body = { serviceId: service.id, scheduledAt, payment: { amount: 89.5, currency: 'USD', paymentMethod: { type: 'card', last4: '4242', brand: 'visa' } } };
    const created = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', `k-${service.id}`).send(body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'CONFIRMED', totalAmount: 89.5, duration: 60, providerId: provider.id });
    const replay = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', `k-${service.id}`).send(body);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.text).toBe(created.text);
    const taken = await t.http.post('/bookings/').set(customer.auth).send(body);
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('SLOT_TAKEN');
    const got = await t.http.get(`/bookings/${created.body.id}`).set(provider.auth).expect(200);
    expect(got.body.allowedActions).toEqual(['cancel', 'complete']);
    const payments = await t.http.get('/payments/').set(customer.auth).expect(200);
    expect(payments.body[0]).toMatchObject({ status: 'SUCCESS', amount: 89.5, bookingId: created.body.id });
    const quote = await t.http.get(`/bookings/${created.body.id}/cancellation-quote`).set(customer.auth).expect(200);
    expect(quote.body).toMatchObject({ refundAmount: 89.5, fullRefund: true });
    const cancelled = await t.http.delete(`/bookings/${created.body.id}`).set(customer.auth).expect(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    const after = await t.http.get(`/payments/${payments.body[0].id}`).set(customer.auth).expect(200);
    expect(after.body).toMatchObject({ status: 'REFUNDED', refundedAmount: 89.5 });
    const again = await t.http.post('/bookings/').set(customer.auth).send(body);
    expect(again.status).toBe(201);
    const refund = await t.http.post(`/payments/${(await t.http.get('/payments/?status=SUCCESS').set(customer.auth)).body[0].id}/refund`).set(provider.auth).send({ reason: 'sorry', amount: 10 });
    expect(refund.status).toBe(200);
    expect(refund.body).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 10 });
  });

  it('declined payment leaves no booking', async () => {
    const declining = await createTestApp({ PAYMENT_FAILURE_RATE: '1' });
    try {
      const provider = await createUser(declining, Role.PROVIDER);
      const customer = await createUser(declining, Role.CUSTOMER);
      const service = await createService(declining, provider, { timezone: 'UTC' });
      const body = { serviceId: service.id, scheduledAt: nextMondayAt(9), payment: { amount: 89.5, currency: 'USD', paymentMethod: { type: 'card', last4: '4242', brand: 'visa' } } };
      const response = await declining.http.post('/bookings/').set(customer.auth).send(body);
      expect(response.status).toBe(402);
      expect(response.body.code).toBe('PAYMENT_DECLINED');
      expect((await declining.http.get('/bookings/').set(customer.auth)).body).toEqual([]);
      const payments = await declining.http.get('/payments/').set(customer.auth).expect(200);
      expect(payments.body[0]).toMatchObject({ status: 'FAILED', bookingId: null });
      expect(payments.body[0].failureReason).toBeTruthy();
    } finally {
      await declining.close();
    }
  });
});
