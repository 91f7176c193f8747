import { Role } from '../../../src/common/auth/role.enum';
import type { PaymentResponse } from '../../../src/payments/dto/payment.response';
import type { SlotResponse } from '../../../src/services/dto/service.response';
import { AROUND_THE_CLOCK, book, bookingBody, countRows, gridStartIn, nextLocal, shift, startBooking } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { fireAtOnce, listen, send, statusCounts } from '../../helpers/parallel';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

const sameInstant = (a: string | Date, b: string | Date): boolean => new Date(a).getTime() === new Date(b).getTime();

async function paymentOf(t: TestApp, customer: TestUser, bookingId: string): Promise<PaymentResponse> {
  const payments = (await t.http.get('/payments/').set(customer.auth).expect(200)).body as PaymentResponse[];
  return payments.find((p) => p.bookingId === bookingId) as PaymentResponse;
}

async function scheduledAtOf(t: TestApp, id: string): Promise<Date> {
  const [row] = await t.dataSource.query<Array<{ scheduled_at: Date }>>('SELECT scheduled_at FROM bookings WHERE id = $1', [id]);
  return row.scheduled_at;
}

/** Waits (polling, up to 20 s) until `count` transactions are queued on an advisory lock. */
async function waitForAdvisoryWaiters(t: TestApp, count: number): Promise<void> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    const [{ n }] = await t.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    if (n >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fewer than ${count} requests reached the schedule lock`);
}

/** A service open around the clock with 30-minute bookings, so a start a few hours from now is bookable. */
const anyTime = { service: { availability: AROUND_THE_CLOCK, durationMinutes: 30 } };

describe('booking lifecycle rules', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, Role.ADMIN);
  });
  afterAll(() => t.close());

  describe('rescheduling cannot dodge the late-cancellation policy', () => {
    it('refuses a customer’s move once a full refund is no longer due (422 RESCHEDULE_TOO_LATE); cancelling still refunds nothing', async () => {
      const { customer, service } = await createMarketplace(t, anyTime);
      const booking = await book(t, customer, service, gridStartIn(3));
      expect((await t.http.get(`/bookings/${booking.id}/cancellation-quote`).set(customer.auth).expect(200)).body).toMatchObject({ refundAmount: 0 });
      expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth).expect(200)).body.allowedActions).toEqual(['cancel', 'edit_notes']);

      expectProblem(
        await t.http
          .put(`/bookings/${booking.id}`)
          .set(customer.auth)
          .send({ scheduledAt: gridStartIn(40 * 24) }),
        422,
        'RESCHEDULE_TOO_LATE',
      );
      expect(sameInstant(await scheduledAtOf(t, booking.id), booking.scheduledAt)).toBe(true);

      expect((await t.http.delete(`/bookings/${booking.id}`).set(customer.auth).expect(200)).body.status).toBe('CANCELLED');
      expect(await paymentOf(t, customer, booking.id)).toMatchObject({ status: 'SUCCESS', refundedAmount: 0 });
    });

    it('still lets the customer move a booking while a full refund is due, and an admin at any time', async () => {
      const { customer, service } = await createMarketplace(t, anyTime);
      const early = await book(t, customer, service, gridStartIn(30));
      const moved = gridStartIn(40 * 24);
      await t.http.put(`/bookings/${early.id}`).set(customer.auth).send({ scheduledAt: moved }).expect(200);
      expect(sameInstant(await scheduledAtOf(t, early.id), moved)).toBe(true);

      const late = await book(t, customer, service, gridStartIn(3));
      await t.http
        .put(`/bookings/${late.id}`)
        .set(admin.auth)
        .send({ scheduledAt: gridStartIn(41 * 24) })
        .expect(200);
    });

    describe('with RESCHEDULE_MIN_NOTICE_HOURS=2 and CANCELLATION_FULL_REFUND_HOURS=48', () => {
      let loose: TestApp;
      beforeAll(async () => {
        loose = await createTestApp({ RESCHEDULE_MIN_NOTICE_HOURS: '2', CANCELLATION_FULL_REFUND_HOURS: '48' });
      });
      afterAll(() => loose.close());

      it('judges the refund against the original time: a booking 3 h ahead moved 40 days out still refunds nothing', async () => {
        const { customer, service } = await createMarketplace(loose, anyTime);
        const booking = await book(loose, customer, service, gridStartIn(3));
        await loose.http
          .put(`/bookings/${booking.id}`)
          .set(customer.auth)
          .send({ scheduledAt: gridStartIn(40 * 24) })
          .expect(200);

        const quote = await loose.http.get(`/bookings/${booking.id}/cancellation-quote`).set(customer.auth).expect(200);
        expect(quote.body).toMatchObject({ refundAmount: 0, fullRefund: false });
        expect((await loose.http.delete(`/bookings/${booking.id}`).set(customer.auth).expect(200)).body.status).toBe('CANCELLED');
        expect(await paymentOf(loose, customer, booking.id)).toMatchObject({ status: 'SUCCESS', refundedAmount: 0 });
        const [{ n }] = await loose.dataSource.query<Array<{ n: number }>>(
          'SELECT count(*)::int AS n FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.booking_id = $1',
          [booking.id],
        );
        expect(n).toBe(0);
      });

      it('refunds in full a moved booking whose original time was far enough ahead', async () => {
        const { customer, service } = await createMarketplace(loose, anyTime);
        const booking = await book(loose, customer, service, gridStartIn(60));
        await loose.http
          .put(`/bookings/${booking.id}`)
          .set(customer.auth)
          .send({ scheduledAt: gridStartIn(40 * 24) })
          .expect(200);
        await loose.http.delete(`/bookings/${booking.id}`).set(customer.auth).expect(200);
        expect(await paymentOf(loose, customer, booking.id)).toMatchObject({ status: 'REFUNDED', refundedAmount: 89.5 });
      });
    });
  });

  describe('completing', () => {
    it('refuses to complete a booking that has not started (422 BOOKING_NOT_STARTED); the customer can still cancel with a full refund', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00', { minDaysAhead: 60 }));
      expect((await t.http.get(`/bookings/${booking.id}`).set(provider.auth).expect(200)).body.allowedActions).toEqual(['cancel']);
      expect((await t.http.get(`/bookings/${booking.id}`).set(admin.auth).expect(200)).body.allowedActions).not.toContain('complete');

      for (const caller of [provider, admin]) {
        expectProblem(await t.http.put(`/bookings/${booking.id}`).set(caller.auth).send({ status: 'COMPLETED' }), 422, 'BOOKING_NOT_STARTED');
      }
      expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth).expect(200)).body.status).toBe('CONFIRMED');
      await t.http.delete(`/bookings/${booking.id}`).set(customer.auth).expect(200);
      expect(await paymentOf(t, customer, booking.id)).toMatchObject({ status: 'REFUNDED', refundedAmount: 89.5 });
    });

    it('completes once the booking has started, as allowedActions then says', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
      await startBooking(t, booking.id);
      expect((await t.http.get(`/bookings/${booking.id}`).set(provider.auth).expect(200)).body.allowedActions).toEqual(['cancel', 'complete']);
      expect((await t.http.put(`/bookings/${booking.id}`).set(provider.auth).send({ status: 'COMPLETED' }).expect(200)).body.status).toBe('COMPLETED');
    });
  });

  describe('parallel reschedules of one booking', () => {
    it('apply exactly one (200; the others 409 BOOKING_CHANGED), and the notifications name the real previous and new times', async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '09:00');
      const booking = await book(t, customer, service, at);
      const saturday = nextLocal('UTC', 'saturday', '10:00');
      const targets = Array.from({ length: 10 }, (_, i) => (i < 7 ? shift(saturday, 30 * i) : shift(nextLocal('UTC', 'monday', '13:00'), 60 * (i - 7))));
      const url = await listen(t);

      // Hold the provider's schedule until all ten have read the booking and wait for it: then they truly
      // overlap, whatever the machine's speed, and each compares against the time it read.
      const held = t.dataSource.createQueryRunner();
      await held.connect();
      await held.startTransaction();
      await held.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`provider-schedule:${provider.id}`]);
      const pending = fireAtOnce(10, (i) =>
        send(`${url}/bookings/${booking.id}`, { method: 'PUT', headers: customer.auth, body: { scheduledAt: targets[i] } }),
      );
      await waitForAdvisoryWaiters(t, 10);
      await held.commitTransaction();
      await held.release();
      const responses = await pending;
      expect(statusCounts(responses)).toEqual({ 200: 1, 409: 9 });
      for (const response of responses.filter((r) => r.status === 409)) expect(response.body).toMatchObject({ code: 'BOOKING_CHANGED' });
      const winner = targets[responses.findIndex((r) => r.status === 200)];
      expect(sameInstant(await scheduledAtOf(t, booking.id), winner)).toBe(true);

      const notes = await t.dataSource.query<Array<{ user_id: string; data: { scheduledAt: string; previousScheduledAt: string } }>>(
        `SELECT user_id, data FROM notifications WHERE type = 'booking_rescheduled' AND data->>'bookingId' = $1`,
        [booking.id],
      );
      expect(notes.map((n) => n.user_id).sort()).toEqual([customer.id, provider.id].sort());
      for (const { data } of notes) {
        expect(sameInstant(data.previousScheduledAt, at)).toBe(true);
        expect(sameInstant(data.scheduledAt, winner)).toBe(true);
      }
    });
  });

  describe('the horizon and the slot grid', () => {
    it('refuses a start beyond BOOKING_HORIZON_DAYS (422 BEYOND_HORIZON) and off the grid (422 OFF_SLOT_GRID), charging nothing', async () => {
      // Open around the clock: only the horizon and the grid can refuse these times.
      const { customer, service } = await createMarketplace(t, anyTime);
      expectProblem(await t.http.post('/bookings/').set(customer.auth).send(bookingBody(service, '9999-12-31T10:00:00Z')), 422, 'BEYOND_HORIZON');
      expectProblem(
        await t.http
          .post('/bookings/')
          .set(customer.auth)
          .send(bookingBody(service, nextLocal('UTC', 'monday', '10:07'))),
        422,
        'OFF_SLOT_GRID',
      );
      expectProblem(
        await t.http
          .post('/bookings/')
          .set(customer.auth)
          .send(bookingBody(service, nextLocal('UTC', 'monday', '10:00', { weeksLater: 60 }))),
        422,
        'BEYOND_HORIZON',
      );
      expect(await countRows(t, service.id)).toEqual({ bookings: 0, payments: 0, charges: 0, succeeded: 0 });
    });

    it('applies both to a reschedule', async () => {
      const { customer, service } = await createMarketplace(t);
      const at = nextLocal('UTC', 'monday', '10:00');
      const booking = await book(t, customer, service, at);
      expectProblem(await t.http.put(`/bookings/${booking.id}`).set(customer.auth).send({ scheduledAt: '9999-12-27T10:00:00Z' }), 422, 'BEYOND_HORIZON');
      expectProblem(
        await t.http
          .put(`/bookings/${booking.id}`)
          .set(customer.auth)
          .send({ scheduledAt: nextLocal('UTC', 'saturday', '10:07') }),
        422,
        'OFF_SLOT_GRID',
      );
      expect(sameInstant(await scheduledAtOf(t, booking.id), at)).toBe(true);
    });

    it('agrees with /slots: every offered start is bookable, and nothing is offered beyond the horizon', async () => {
      const near = await createTestApp({ BOOKING_HORIZON_DAYS: '20' });
      try {
        const { customer, service } = await createMarketplace(near);
        const inside = nextLocal('UTC', 'saturday', '10:00', { minDaysAhead: 2 });
        const beyond = nextLocal('UTC', 'saturday', '10:00', { minDaysAhead: 22 });
        const slotsOn = async (day: string) =>
          (await near.http.get(`/services/${service.id}/slots`).query({ from: day, to: day }).expect(200)).body as SlotResponse[];
        expect(await slotsOn(beyond.slice(0, 10))).toEqual([]);
        expectProblem(await near.http.post('/bookings/').set(customer.auth).send(bookingBody(service, beyond)), 422, 'BEYOND_HORIZON');
        const offered = await slotsOn(inside.slice(0, 10));
        expect(offered.length).toBeGreaterThan(0);
        const last = offered[offered.length - 1];
        expect((await book(near, customer, service, last.start)).status).toBe('CONFIRMED');
      } finally {
        await near.close();
      }
    });
  });
});
