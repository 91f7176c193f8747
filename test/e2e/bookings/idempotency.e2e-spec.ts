import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Role } from '../../../src/common/auth/role.enum';
import type { PaymentResponse } from '../../../src/payments/dto/payment.response';
import { book, bookingBody, countRows, nextLocal, shift } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { fireAtOnce, listen, send, statusCounts } from '../../helpers/parallel';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

/** A key no other test (or earlier run) uses. */
const uniqueKey = (prefix = 'key'): string => `${prefix}-${randomUUID()}`;

describe('Idempotency-Key', () => {
  let t: TestApp;

  async function keyState(userId: string, key: string): Promise<string | undefined> {
    const rows = await t.dataSource.query<Array<{ state: string }>>('SELECT state FROM idempotency_keys WHERE user_id = $1 AND key = $2', [userId, key]);
    return rows[0]?.state;
  }

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe('on POST /bookings/', () => {
    it('replays the first response byte for byte to a repeat with the same body, booking and charging once', async () => {
      const { customer, service } = await createMarketplace(t);
      const key = uniqueKey();
      const body = bookingBody(service, nextLocal('UTC', 'monday', '10:00'), { notes: 'Once' });

      const first = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(body).expect(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const repeat = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(body);
      expect(repeat.status).toBe(201);
      expect(repeat.headers['idempotent-replayed']).toBe('true');
      expect(repeat.headers['content-type']).toBe(first.headers['content-type']);
      expect(repeat.text).toBe(first.text);

      // The same fields in another order are the same request.
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const again = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(reordered).expect(201);
      expect(again.text).toBe(first.text);
      expect(await countRows(t, service.id)).toEqual({ bookings: 1, payments: 1, charges: 1, succeeded: 1 });
    });

    it('replays a 402 decline too, without charging again', async () => {
      const declining = await createTestApp({ PAYMENT_FAILURE_RATE: '1' });
      try {
        const { customer, service } = await createMarketplace(declining);
        const key = uniqueKey('declined');
        const body = bookingBody(service, nextLocal('UTC', 'monday', '10:00'));

        const first = await declining.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(body);
        expectProblem(first, 402, 'PAYMENT_DECLINED');
        const repeat = await declining.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(body);
        expect(repeat.status).toBe(402);
        expect(repeat.headers['idempotent-replayed']).toBe('true');
        expect(repeat.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(repeat.text).toBe(first.text);
        expect(await countRows(declining, service.id)).toEqual({ bookings: 0, payments: 1, charges: 1, succeeded: 0 });
      } finally {
        await declining.close();
      }
    });

    it('refuses the same key with a different body (422 IDEMPOTENCY_KEY_REUSED)', async () => {
      const { customer, service } = await createMarketplace(t);
      const key = uniqueKey();
      const at = nextLocal('UTC', 'monday', '10:00');
      await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(bookingBody(service, at)).expect(201);

      const other = await t.http
        .post('/bookings/')
        .set(customer.auth)
        .set('Idempotency-Key', key)
        .send(bookingBody(service, shift(at, 60)));
      expectProblem(other, 422, 'IDEMPOTENCY_KEY_REUSED');
      const notes = await t.http
        .post('/bookings/')
        .set(customer.auth)
        .set('Idempotency-Key', key)
        .send(bookingBody(service, at, { notes: 'x' }));
      expectProblem(notes, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(await countRows(t, service.id)).toMatchObject({ bookings: 1, charges: 1 });
    });

    it('scopes keys per user: another customer’s identical key is a request of their own', async () => {
      const { customer, service } = await createMarketplace(t);
      const other = await createUser(t, Role.CUSTOMER);
      const at = nextLocal('UTC', 'monday', '09:00');
      const [first, second] = [uniqueKey('shared'), uniqueKey('shared')];
      const mine = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', first).send(bookingBody(service, at)).expect(201);

      // Another body under the same key is no mismatch for them: it books.
      const theirs = await t.http
        .post('/bookings/')
        .set(other.auth)
        .set('Idempotency-Key', first)
        .send(bookingBody(service, shift(at, 60)));
      expect(theirs.status).toBe(201);
      expect(theirs.body).toMatchObject({ customerId: other.id });
      expect(theirs.body.id).not.toBe(mine.body.id);

      // The same body under the same key is no replay for them: it runs, and finds the slot taken.
      const body = bookingBody(service, shift(at, 120));
      await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', second).send(body).expect(201);
      const same = await t.http.post('/bookings/').set(other.auth).set('Idempotency-Key', second).send(body);
      expectProblem(same, 409, 'SLOT_TAKEN');
      expect(same.headers['idempotent-replayed']).toBeUndefined();
      expect(await countRows(t, service.id)).toMatchObject({ bookings: 3, charges: 3 });
    });

    it('does not store validation failures: a 400 or 422 then the corrected request with the same key books', async () => {
      const { customer, service } = await createMarketplace(t);
      const key = uniqueKey();
      const at = nextLocal('UTC', 'monday', '10:00');
      const valid = bookingBody(service, at);

      expectFieldError(
        await t.http
          .post('/bookings/')
          .set(customer.auth)
          .set('Idempotency-Key', key)
          .send({ ...valid, status: 'CONFIRMED' }),
        'status',
      );
      expect(await keyState(customer.id, key)).toBeUndefined();
      const mismatch = bookingBody(service, at, { payment: { amount: 1, currency: 'USD', paymentMethod: { type: 'card', last4: '4242', brand: 'visa' } } });
      expectProblem(await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(mismatch), 422, 'AMOUNT_MISMATCH');
      expect(await keyState(customer.id, key)).toBeUndefined();

      const booked = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(valid);
      expect(booked.status).toBe(201);
      expect(booked.headers['idempotent-replayed']).toBeUndefined();
      expect(await keyState(customer.id, key)).toBe('COMPLETED');
    });

    it('takes keys of up to 255 characters; 256 or an empty key is 400 and books nothing', async () => {
      const { customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const long = `k${randomUUID()}`.padEnd(256, 'x');

      expectFieldError(await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', long).send(bookingBody(service, at)), 'Idempotency-Key');
      expectFieldError(await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', '').send(bookingBody(service, at)), 'Idempotency-Key');
      expect(await countRows(t, service.id)).toMatchObject({ bookings: 0, payments: 0 });

      const max = long.slice(0, 255);
      const first = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', max).send(bookingBody(service, at)).expect(201);
      const repeat = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', max).send(bookingBody(service, at)).expect(201);
      expect(repeat.headers['idempotent-replayed']).toBe('true');
      expect(repeat.text).toBe(first.text);
    });

    it('lets an expired key (older than 24 hours) be used again with another body', async () => {
      const { customer, service } = await createMarketplace(t);
      const key = uniqueKey('expiring');
      const at = nextLocal('UTC', 'monday', '10:00');
      const first = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(bookingBody(service, at)).expect(201);
      const [row] = await t.dataSource.query<Array<{ hours: number }>>(
        `SELECT round(extract(epoch FROM expires_at - now()) / 3600)::int AS hours FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
        [customer.id, key],
      );
      expect(row.hours).toBe(24);

      await t.dataSource.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND key = $2`, [customer.id, key]);
      const second = await t.http
        .post('/bookings/')
        .set(customer.auth)
        .set('Idempotency-Key', key)
        .send(bookingBody(service, shift(at, 60)));
      expect(second.status).toBe(201);
      expect(second.headers['idempotent-replayed']).toBeUndefined();
      expect(second.body.id).not.toBe(first.body.id);
      expect(await countRows(t, service.id)).toMatchObject({ bookings: 2, charges: 2 });
    });

    it('answers 20 simultaneous identical requests with one booking and one charge: each a 201 replay or a 409 in progress', async () => {
      const { customer, service } = await createMarketplace(t);
      const base = await listen(t);
      const key = uniqueKey('parallel');
      const body = bookingBody(service, nextLocal('UTC', 'monday', '10:00'));

      const responses = await fireAtOnce(20, () => send(`${base}/bookings/`, { method: 'POST', headers: { ...customer.auth, 'Idempotency-Key': key }, body }));

      const counts = statusCounts(responses);
      expect(Object.keys(counts).every((status) => ['201', '409'].includes(status))).toBe(true);
      expect(counts[201]).toBeGreaterThanOrEqual(1);
      const created = responses.filter((r) => r.status === 201);
      expect(new Set(created.map((r) => r.text)).size).toBe(1);
      expect(created.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
      for (const conflict of responses.filter((r) => r.status === 409)) expect(conflict.body.code).toBe('IDEMPOTENCY_KEY_IN_USE');
      expect(await countRows(t, service.id)).toEqual({ bookings: 1, payments: 1, charges: 1, succeeded: 1 });
    });
  });

  describe('while the first request still runs (PAYMENT_GATEWAY_LATENCY_MS=1500)', () => {
    let slow: TestApp;
    let base: string;
    beforeAll(async () => {
      slow = await createTestApp({ PAYMENT_GATEWAY_LATENCY_MS: '1500' });
      base = await listen(slow);
    });
    afterAll(() => slow.close());

    it('answers a repeat with 409 IDEMPOTENCY_KEY_IN_USE, then replays once the first has finished', async () => {
      const { customer, service } = await createMarketplace(slow);
      const key = uniqueKey('slow');
      const body = bookingBody(service, nextLocal('UTC', 'monday', '10:00'));
      const headers = { ...customer.auth, 'Idempotency-Key': key };

      const first = send(`${base}/bookings/`, { method: 'POST', headers, body });
      // Wait until the first request holds the key (it then sits in the gateway call).
      while ((await keyState(customer.id, key)) !== 'IN_PROGRESS') await sleep(20);

      const during = await send(`${base}/bookings/`, { method: 'POST', headers, body });
      expect(during.status).toBe(409);
      expect(during.body).toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_IN_USE' });
      const otherBody = await send(`${base}/bookings/`, { method: 'POST', headers, body: { ...body, notes: 'changed' } });
      expect(otherBody.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });

      const done = await first;
      expect(done.status).toBe(201);
      const after = await send(`${base}/bookings/`, { method: 'POST', headers, body });
      expect(after.status).toBe(201);
      expect(after.headers.get('idempotent-replayed')).toBe('true');
      expect(after.text).toBe(done.text);
      expect(await countRows(slow, service.id)).toEqual({ bookings: 1, payments: 1, charges: 1, succeeded: 1 });
    });
  });

  describe('on POST /payments/{id}/refund', () => {
    it('refunds once per key and replays the answer; another body is 422; another user’s key is their own', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const admin = await createUser(t, Role.ADMIN);
      const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
      const payment = ((await t.http.get('/payments/').set(customer.auth).expect(200)).body as PaymentResponse[])[0];
      expect(payment.bookingId).toBe(booking.id);
      const key = uniqueKey('refund');
      const refund = (body: Record<string, unknown>, user: TestUser = provider) =>
        t.http.post(`/payments/${payment.id}/refund`).set(user.auth).set('Idempotency-Key', key).send(body);

      const first = await refund({ reason: 'Late', amount: 10 }).expect(200);
      expect(first.body).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 10 });
      const repeat = await refund({ amount: 10, reason: 'Late' }).expect(200);
      expect(repeat.headers['idempotent-replayed']).toBe('true');
      expect(repeat.text).toBe(first.text);
      expectProblem(await refund({ reason: 'Late', amount: 20 }), 422, 'IDEMPOTENCY_KEY_REUSED');

      const byAdmin = await refund({ reason: 'Late', amount: 10 }, admin).expect(200);
      expect(byAdmin.headers['idempotent-replayed']).toBeUndefined();
      expect(byAdmin.body).toMatchObject({ refundedAmount: 20 });

      const [row] = await t.dataSource.query<Array<{ refunded_amount: string; refunds: number }>>(
        `SELECT refunded_amount, (SELECT count(*)::int FROM refunds WHERE payment_id = $1) AS refunds FROM payments WHERE id = $1`,
        [payment.id],
      );
      expect(row).toEqual({ refunded_amount: '20.00', refunds: 2 });
    });

    it('binds a key to its route: the same key on another payment’s refund is 422 and refunds nothing', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      await book(t, customer, service, at);
      await book(t, customer, service, shift(at, 60));
      const [one, two] = (await t.http.get('/payments/').set(provider.auth).expect(200)).body as PaymentResponse[];
      const key = uniqueKey('route');
      await t.http.post(`/payments/${one.id}/refund`).set(provider.auth).set('Idempotency-Key', key).send({ reason: 'x', amount: 1 }).expect(200);

      const other = await t.http.post(`/payments/${two.id}/refund`).set(provider.auth).set('Idempotency-Key', key).send({ reason: 'x', amount: 1 });
      expectProblem(other, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect((await t.http.get(`/payments/${two.id}`).set(provider.auth).expect(200)).body).toMatchObject({ status: 'SUCCESS', refundedAmount: 0 });
    });
  });
});
