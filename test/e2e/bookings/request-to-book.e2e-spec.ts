import { ConfigService } from '@nestjs/config';
import { Role } from '../../../src/common/auth/role.enum';
import type { BookingHistoryEntryResponse } from '../../../src/bookings/dto/booking-history.response';
import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import { BookingStatus } from '../../../src/bookings/booking.entity';
import { BookingRequestService } from '../../../src/bookings/booking-request.service';
import { PaymentReconciler } from '../../../src/bookings/payment-reconciler.service';
import type { AppConfig } from '../../../src/config/app.config';
import type { NotificationResponse } from '../../../src/notifications/dto/notification.response';
import { PaymentGateway } from '../../../src/payments/gateway/payment-gateway';
import type { PaymentResponse } from '../../../src/payments/dto/payment.response';
import { AROUND_THE_CLOCK, bookingBody, gridStartIn } from '../../factories/booking.factory';
import { createMarketplace, Marketplace } from '../../factories/marketplace.factory';
import { listNotifications } from '../../factories/notification.factory';
import { createService } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { fireAtOnce, listen, send, statusCounts } from '../../helpers/parallel';
import { expectProblem } from '../../helpers/problem';
import { startSmtpServer, TestSmtpServer } from '../../helpers/smtp';
import { OpenStreams } from '../../helpers/sse';
import { createTestApp, TestApp } from '../../helpers/test-app';
import { waitUntil } from '../../helpers/wait';

/** Open around the clock, 30-minute bookings, answered on request: any grid start ahead is bookable. */
const BY_REQUEST = { availability: AROUND_THE_CLOCK, durationMinutes: 30, title: 'Piano tuning', instantBooking: false };
const HOUR_MS = 3_600_000;

/** What the simulated processor recorded for one payment: its authorization and what settled it (capture or void). */
async function gatewayRecord(t: TestApp, paymentId: string): Promise<{ authorize: number; capture: number; void: number; charge: number }> {
  const [row] = await t.dataSource.query<Array<{ authorize: number; capture: number; void: number; charge: number }>>(
    `SELECT count(*) FILTER (WHERE idempotency_key = 'authorize:' || $1 AND kind = 'authorize')::int AS authorize,
            count(*) FILTER (WHERE idempotency_key = 'settle:' || $1 AND kind = 'capture')::int AS capture,
            count(*) FILTER (WHERE idempotency_key = 'settle:' || $1 AND kind = 'void')::int AS void,
            count(*) FILTER (WHERE idempotency_key = 'charge:' || $1)::int AS charge
       FROM simulated_gateway_operations WHERE idempotency_key LIKE '%' || $1`,
    [paymentId],
  );
  return row;
}

async function paymentOf(t: TestApp, user: TestUser, paymentId: string): Promise<PaymentResponse> {
  return (await t.http.get(`/payments/${paymentId}`).set(user.auth).expect(200)).body as PaymentResponse;
}

async function bookingOf(t: TestApp, user: TestUser, id: string): Promise<BookingResponse> {
  return (await t.http.get(`/bookings/${id}`).set(user.auth).expect(200)).body as BookingResponse;
}

async function historyOf(t: TestApp, user: TestUser, id: string): Promise<BookingHistoryEntryResponse[]> {
  return (await t.http.get(`/bookings/${id}/history`).set(user.auth).expect(200)).body as BookingHistoryEntryResponse[];
}

const types = (items: NotificationResponse[]) => items.map((item) => item.type);

/** Sends a request as `customer`; answers the 201 body (with paymentId). */
async function requestBooking(t: TestApp, market: Marketplace, at = gridStartIn(48)): Promise<BookingResponse & { paymentId: string }> {
  const response = await t.http.post('/bookings/').set(market.customer.auth).send(bookingBody(market.service, at));
  expect(response.status).toBe(201);
  return response.body as BookingResponse & { paymentId: string };
}

describe('request to book (services with instantBooking false)', () => {
  let t: TestApp;
  let url: string;
  let smtp: TestSmtpServer;
  const streams = new OpenStreams();

  beforeAll(async () => {
    smtp = await startSmtpServer({ disabledCommands: ['STARTTLS'] });
    t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
    url = await listen(t);
  });
  afterEach(() => streams.closeAll());
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const requestMarket = () => createMarketplace(t, { service: BY_REQUEST });

  describe('services', () => {
    it('take instantBooking (default true), show it, and change it', async () => {
      const provider = await createUser(t, Role.PROVIDER);
      const instant = await createService(t, provider);
      expect(instant.instantBooking).toBe(true);
      const byRequest = await createService(t, provider, { instantBooking: false });
      expect(byRequest.instantBooking).toBe(false);
      expect((await t.http.get(`/services/${byRequest.id}`).expect(200)).body).toMatchObject({ instantBooking: false });
      const changed = await t.http.put(`/services/${instant.id}`).set(provider.auth).send({ instantBooking: false }).expect(200);
      expect(changed.body).toMatchObject({ instantBooking: false });
    });

    it('refuse a non-boolean instantBooking, naming the field', async () => {
      const provider = await createUser(t, Role.PROVIDER);
      const response = await t.http
        .post('/services/')
        .set(provider.auth)
        .send({ ...BY_REQUEST, instantBooking: 'sometimes', category: 'music', price: 40, currency: 'USD' });
      const problem = expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'instantBooking' })]));
    });
  });

  describe('a request', () => {
    it('answers 201 PENDING with its payment AUTHORIZED (held, not taken), holds the slot and tells both parties', async () => {
      const market = await requestMarket();
      const providerStream = await streams.open(url, market.provider.token);
      const customerStream = await streams.open(url, market.customer.token);
      const at = gridStartIn(48);
      const before = Date.now();
      const booking = await requestBooking(t, market, at);

      expect(booking).toMatchObject({ status: 'PENDING', serviceId: market.service.id, paymentId: expect.any(String) });
      // Due BOOKING_REQUEST_EXPIRY_HOURS (24) from now: the start, two days away, is later.
      const due = new Date(booking.requestExpiresAt as unknown as string).getTime();
      expect(due).toBeGreaterThanOrEqual(before + 24 * HOUR_MS);
      expect(due).toBeLessThanOrEqual(Date.now() + 24 * HOUR_MS);

      const payment = await paymentOf(t, market.customer, booking.paymentId);
      expect(payment).toMatchObject({ status: 'AUTHORIZED', bookingId: booking.id, amount: 89.5, refundedAmount: 0 });
      expect(await gatewayRecord(t, booking.paymentId)).toEqual({ authorize: 1, capture: 0, void: 0, charge: 0 });

      // The slot is held while PENDING: nobody else can book it.
      const other = await createUser(t, Role.CUSTOMER);
      expectProblem(await t.http.post('/bookings/').set(other.auth).send(bookingBody(market.service, at)), 409, 'SLOT_TAKEN');
      const slots = await t.http
        .get(`/services/${market.service.id}/slots`)
        .query({ from: at.slice(0, 10), to: at.slice(0, 10) })
        .expect(200);
      expect((slots.body as Array<{ start: string }>).map((slot) => slot.start)).not.toContain(new Date(at).toISOString());

      // Both are told: live, stored, and by e-mail.
      const [toProvider] = await providerStream.waitForEvents(1);
      expect(toProvider.event).toBe('booking_requested');
      expect(JSON.parse(toProvider.data)).toMatchObject({
        type: 'booking_requested',
        title: 'New booking request',
        data: { bookingId: booking.id, paymentId: booking.paymentId, expiresAt: new Date(due).toISOString() },
      });
      expect((await customerStream.waitForEvents(1))[0].event).toBe('booking_requested');
      expect(types(await listNotifications(t, market.customer))).toEqual(['booking_requested']);
      expect(types(await listNotifications(t, market.provider))).toEqual(['booking_requested']);
      const toCustomerMail = await smtp.waitForKind(market.customer.email, 'booking_request');
      expect(toCustomerMail.text).toContain('$89.50 is held on your payment method, not taken');
      const toProviderMail = await smtp.waitForKind(market.provider.email, 'booking_request_provider');
      expect(toProviderMail.text).toContain('Accept or decline by');
      expect(toProviderMail.text).toContain(booking.id);

      // What each party may do: the provider answers, the customer may withdraw.
      expect((await bookingOf(t, market.provider, booking.id)).allowedActions).toEqual(['cancel', 'accept', 'decline']);
      expect((await bookingOf(t, market.customer, booking.id)).allowedActions).toEqual(['cancel', 'edit_notes']);
    });

    it('takes the place of the customer’s own hold (holdId), as a booking does; another customer’s hold is 404', async () => {
      const market = await requestMarket();
      const at = gridStartIn(48);
      const hold = (await t.http.post('/bookings/holds').set(market.customer.auth).send({ serviceId: market.service.id, scheduledAt: at }).expect(201))
        .body as { id: string };
      // Without the hold, the customer's request meets their own hold on that time.
      expectProblem(await t.http.post('/bookings/').set(market.customer.auth).send(bookingBody(market.service, at)), 409, 'SLOT_TAKEN');
      const stranger = await createUser(t, Role.CUSTOMER);
      expectProblem(
        await t.http
          .post('/bookings/')
          .set(stranger.auth)
          .send({ ...bookingBody(market.service, at), holdId: hold.id }),
        404,
        'NOT_FOUND',
      );

      const response = await t.http
        .post('/bookings/')
        .set(market.customer.auth)
        .send({ ...bookingBody(market.service, at), holdId: hold.id });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ status: 'PENDING', scheduledAt: at });
      // The hold is spent: it no longer exists to release.
      expectProblem(await t.http.delete(`/bookings/holds/${hold.id}`).set(market.customer.auth), 404, 'NOT_FOUND');
    });

    it('is declined with the card (402) like a booking: nothing held, no slot taken', async () => {
      const declining = await createTestApp({ PAYMENT_FAILURE_RATE: '1' });
      try {
        const market = await createMarketplace(declining, { service: BY_REQUEST });
        const response = await declining.http
          .post('/bookings/')
          .set(market.customer.auth)
          .send(bookingBody(market.service, gridStartIn(48)));
        expectProblem(response, 402, 'PAYMENT_DECLINED');
        const [payment] = (await declining.http.get('/payments/').set(market.customer.auth).expect(200)).body as PaymentResponse[];
        expect(payment).toMatchObject({ status: 'FAILED', bookingId: null });
        expect((await declining.http.get('/bookings/').set(market.customer.auth).expect(200)).body).toEqual([]);
      } finally {
        await declining.close();
      }
    });
  });

  describe('the provider accepts', () => {
    it('captures (SUCCESS) and confirms (CONFIRMED): one authorization, one capture; both parties told', async () => {
      const market = await requestMarket();
      const booking = await requestBooking(t, market);
      const customerStream = await streams.open(url, market.customer.token, { lastEventId: '1' });

      const accepted = await t.http.put(`/bookings/${booking.id}`).set(market.provider.auth).send({ status: 'CONFIRMED' }).expect(200);
      expect(accepted.body).toMatchObject({ id: booking.id, status: 'CONFIRMED' });

      const payment = await paymentOf(t, market.customer, booking.paymentId);
      expect(payment).toMatchObject({ status: 'SUCCESS', bookingId: booking.id, transactionId: expect.stringMatching(/^sim_cp_/) });
      expect(await gatewayRecord(t, booking.paymentId)).toEqual({ authorize: 1, capture: 1, void: 0, charge: 0 });

      const pushed = await customerStream.waitForEvents(2);
      expect(pushed.map((event) => event.event)).toEqual(['booking_created', 'payment_received']);
      expect(types(await listNotifications(t, market.provider))).toEqual(['booking_created', 'booking_requested']);
      const confirmation = await smtp.waitForKind(market.customer.email, 'booking_confirmation');
      expect(confirmation.text).toContain('Your booking is confirmed and paid.');
      await smtp.waitForKind(market.provider.email, 'booking_notification_provider');
      await smtp.waitForKind(market.customer.email, 'payment_receipt');

      const history = await historyOf(t, market.provider, booking.id);
      expect(history.map((entry) => [entry.action, entry.from, entry.to])).toEqual([
        ['created', null, 'PENDING'],
        ['accepted', 'PENDING', 'CONFIRMED'],
      ]);
      expect(history[1].actor).toEqual({ id: market.provider.id, role: 'PROVIDER' });
      // Accepted once: a second accept is a move the status no longer allows.
      expectProblem(await t.http.put(`/bookings/${booking.id}`).set(market.provider.auth).send({ status: 'CONFIRMED' }), 409, 'INVALID_TRANSITION');
    });

    it('two accepts at once capture exactly once: one 200, the other 409', async () => {
      const market = await requestMarket();
      const booking = await requestBooking(t, market);
      const answers = await fireAtOnce(2, () =>
        send(`${url}/bookings/${booking.id}`, { method: 'PUT', headers: market.provider.auth, body: { status: 'CONFIRMED' } }),
      );
      expect(statusCounts(answers)).toEqual({ 200: 1, 409: 1 });
      const refused = answers.find((answer) => answer.status === 409)!;
      expect(['REQUEST_BEING_ACCEPTED', 'INVALID_TRANSITION']).toContain((refused.body as { code: string }).code);
      const [captures] = await t.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM simulated_gateway_operations WHERE kind = 'capture' AND idempotency_key = 'settle:' || $1`,
        [booking.paymentId],
      );
      expect(captures.count).toBe(1);
      expect((await paymentOf(t, market.customer, booking.paymentId)).status).toBe('SUCCESS');
      const accepted = (await historyOf(t, market.provider, booking.id)).filter((entry) => entry.action === 'accepted');
      expect(accepted).toHaveLength(1);
    });

    it('is for the provider: the customer gets 403, a stranger 404', async () => {
      const market = await requestMarket();
      const booking = await requestBooking(t, market);
      expectProblem(await t.http.put(`/bookings/${booking.id}`).set(market.customer.auth).send({ status: 'CONFIRMED' }), 403, 'FORBIDDEN');
      const stranger = await createUser(t, Role.PROVIDER);
      expectProblem(await t.http.put(`/bookings/${booking.id}`).set(stranger.auth).send({ status: 'CONFIRMED' }), 404, 'NOT_FOUND');
      expectProblem(await t.http.delete(`/bookings/${booking.id}`).set(stranger.auth), 404, 'NOT_FOUND');
      expect((await bookingOf(t, market.customer, booking.id)).status).toBe('PENDING');
      expect((await paymentOf(t, market.customer, booking.paymentId)).status).toBe('AUTHORIZED');
    });

    it('does not apply to an instant booking, which its payment confirms (409, as before)', async () => {
      const market = await createMarketplace(t, { service: { ...BY_REQUEST, instantBooking: true } });
      const response = await t.http
        .post('/bookings/')
        .set(market.customer.auth)
        .send(bookingBody(market.service, gridStartIn(48)))
        .expect(201);
      const instant = response.body as BookingResponse & { paymentId: string };
      expect(instant.status).toBe('CONFIRMED');
      expect(instant).not.toHaveProperty('requestExpiresAt');
      expect(await gatewayRecord(t, instant.paymentId)).toEqual({ authorize: 0, capture: 0, void: 0, charge: 1 });
      expect((await bookingOf(t, market.provider, instant.id)).allowedActions).toEqual(['cancel']);
      expectProblem(await t.http.put(`/bookings/${instant.id}`).set(market.provider.auth).send({ status: 'CONFIRMED' }), 409, 'INVALID_TRANSITION');
    });
  });

  describe('the provider declines, or the customer withdraws', () => {
    it('a decline voids (VOIDED) and cancels (CANCELLED): one authorization, one void; both parties told', async () => {
      const market = await requestMarket();
      const booking = await requestBooking(t, market);
      const declined = await t.http.delete(`/bookings/${booking.id}`).set(market.provider.auth).expect(200);
      expect(declined.body).toMatchObject({ status: 'CANCELLED' });
      const payment = await paymentOf(t, market.customer, booking.paymentId);
      expect(payment).toMatchObject({ status: 'VOIDED', refundedAmount: 0 });
      expect(await gatewayRecord(t, booking.paymentId)).toEqual({ authorize: 1, capture: 0, void: 1, charge: 0 });
      const [{ voided_at }] = await t.dataSource.query<Array<{ voided_at: Date | null }>>('SELECT voided_at FROM payments WHERE id = $1', [booking.paymentId]);
      expect(voided_at).not.toBeNull();

      expect(types(await listNotifications(t, market.customer))).toEqual(['booking_declined', 'booking_requested']);
      expect(types(await listNotifications(t, market.provider))).toEqual(['booking_declined', 'booking_requested']);
      const toCustomer = await smtp.waitForKind(market.customer.email, 'booking_declined');
      expect(toCustomer.text).toContain('was declined. The amount held on your payment method is released; nothing was charged.');
      expect((await smtp.waitForKind(market.provider.email, 'booking_declined')).text).toContain('You declined the request');
      const history = await historyOf(t, market.customer, booking.id);
      expect(history.at(-1)).toMatchObject({ action: 'declined', from: 'PENDING', to: 'CANCELLED', actor: { id: market.provider.id, role: 'PROVIDER' } });

      // The slot is free again, and a declined request cannot be accepted.
      expectProblem(await t.http.put(`/bookings/${booking.id}`).set(market.provider.auth).send({ status: 'CONFIRMED' }), 409, 'INVALID_TRANSITION');
      const other = await createUser(t, Role.CUSTOMER);
      await t.http
        .post('/bookings/')
        .set(other.auth)
        .send(bookingBody(market.service, booking.scheduledAt as unknown as string))
        .expect(201);
    });

    it('the customer may cancel their own pending request: voided, nothing refunded (nothing was taken)', async () => {
      const market = await requestMarket();
      const booking = await requestBooking(t, market);
      await t.http.delete(`/bookings/${booking.id}`).set(market.customer.auth).expect(200);
      expect(await paymentOf(t, market.customer, booking.paymentId)).toMatchObject({ status: 'VOIDED', refundedAmount: 0 });
      expect(await gatewayRecord(t, booking.paymentId)).toEqual({ authorize: 1, capture: 0, void: 1, charge: 0 });
      const [[refunds]] = [
        await t.dataSource.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM refunds WHERE payment_id = $1', [booking.paymentId]),
      ];
      expect(refunds.count).toBe(0);
      expect(types(await listNotifications(t, market.provider))).toEqual(['booking_cancelled', 'booking_requested']);
      const toCustomer = await smtp.waitForKind(market.customer.email, 'booking_cancellation');
      expect(toCustomer.text).toContain('You cancelled the booking');
      expect(toCustomer.text).toContain('nothing was charged');
      expect((await smtp.waitForKind(market.provider.email, 'booking_cancellation')).text).toContain('was cancelled by the customer');
    });

    it('the payment list filters by the new statuses', async () => {
      const market = await requestMarket();
      const held = await requestBooking(t, market, gridStartIn(48));
      const released = await requestBooking(t, market, gridStartIn(72));
      await t.http.delete(`/bookings/${released.id}`).set(market.provider.auth).expect(200);
      const authorized = (await t.http.get('/payments/').query({ status: 'AUTHORIZED' }).set(market.customer.auth).expect(200)).body as PaymentResponse[];
      expect(authorized.map((payment) => payment.id)).toEqual([held.paymentId]);
      const voided = (await t.http.get('/payments/').query({ status: 'VOIDED' }).set(market.provider.auth).expect(200)).body as PaymentResponse[];
      expect(voided.map((payment) => payment.id)).toEqual([released.paymentId]);
    });
  });

  describe('expiry', () => {
    it('is due at the start when that comes before BOOKING_REQUEST_EXPIRY_HOURS: the expiry job is enqueued for it', async () => {
      const market = await requestMarket();
      const at = gridStartIn(3);
      const booking = await requestBooking(t, market, at);
      expect(new Date(booking.requestExpiresAt as unknown as string).toISOString()).toBe(new Date(at).toISOString());
      const schema = t.app.get<ConfigService<AppConfig, true>>(ConfigService).get('jobs', { infer: true }).schema;
      const jobs = await t.dataSource.query<Array<{ start_after: Date; state: string }>>(
        `SELECT start_after, state FROM ${schema}.job WHERE name = 'bookings.request-expiry' AND data->>'bookingId' = $1`,
        [booking.id],
      );
      expect(jobs).toHaveLength(1);
      expect(jobs[0].start_after.toISOString()).toBe(new Date(at).toISOString());
    });
  });

  describe('the expiry job', () => {
    it('leaves an answered request alone, and a request not yet due (it runs again later)', async () => {
      const market = await requestMarket();
      const accepted = await requestBooking(t, market, gridStartIn(48));
      await t.http.put(`/bookings/${accepted.id}`).set(market.provider.auth).send({ status: 'CONFIRMED' }).expect(200);
      const declined = await requestBooking(t, market, gridStartIn(72));
      await t.http.delete(`/bookings/${declined.id}`).set(market.provider.auth).expect(200);
      const open = await requestBooking(t, market, gridStartIn(96));
      const requests = t.app.get(BookingRequestService);

      await requests.expire(accepted.id);
      await requests.expire(declined.id);
      await expect(requests.expire(open.id)).rejects.toThrow(/expires at/);
      expect((await bookingOf(t, market.customer, accepted.id)).status).toBe('CONFIRMED');
      expect((await paymentOf(t, market.customer, accepted.paymentId)).status).toBe('SUCCESS');
      expect(await gatewayRecord(t, accepted.paymentId)).toEqual({ authorize: 1, capture: 1, void: 0, charge: 0 });
      expect(await gatewayRecord(t, declined.paymentId)).toEqual({ authorize: 1, capture: 0, void: 1, charge: 0 });
      expect((await historyOf(t, market.customer, declined.id)).filter((entry) => entry.to === BookingStatus.CANCELLED)).toHaveLength(1);
      expect((await bookingOf(t, market.customer, open.id)).status).toBe('PENDING');
      expect(types(await listNotifications(t, market.customer))).not.toContain('booking_expired');
    });
  });

  describe('faults: the reconciler finishes what a dead process left', () => {
    const reconcile = () => t.app.get(PaymentReconciler).reconcile();
    const backdate = (paymentId: string, column: 'created_at' | 'capture_requested_at' | 'updated_at') =>
      t.dataSource.query(`UPDATE payments SET ${column} = now() - interval '10 minutes' WHERE id = $1`, [paymentId]);

    it('died between the capture and its commit: the reconciler confirms, with the one capture', async () => {
      const market = await requestMarket();
      const booking = await requestBooking(t, market);
      const [payment] = await t.dataSource.query<Array<{ transaction_id: string }>>('SELECT transaction_id FROM payments WHERE id = $1', [booking.paymentId]);
      // What the accept had done when it died: claimed the capture, and the gateway captured.
      await t.dataSource.query('UPDATE payments SET capture_requested_at = now() WHERE id = $1', [booking.paymentId]);
      await backdate(booking.paymentId, 'capture_requested_at');
      const captured = await t.app
        .get(PaymentGateway)
        .capture({ idempotencyKey: booking.paymentId, authorizationId: payment.transaction_id, amountMinor: 8950, currency: 'USD' });
      expect(captured.outcome).toBe('captured');
      // Meanwhile neither a decline nor a withdrawal may release it.
      expectProblem(await t.http.delete(`/bookings/${booking.id}`).set(market.customer.auth), 409, 'REQUEST_BEING_ACCEPTED');

      await reconcile();
      expect((await bookingOf(t, market.customer, booking.id)).status).toBe('CONFIRMED');
      expect(await paymentOf(t, market.customer, booking.paymentId)).toMatchObject({
        status: 'SUCCESS',
        transactionId: (captured as { transactionId: string }).transactionId,
      });
      expect(await gatewayRecord(t, booking.paymentId)).toEqual({ authorize: 1, capture: 1, void: 0, charge: 0 });
      const accepted = (await historyOf(t, market.provider, booking.id)).filter((entry) => entry.action === 'accepted');
      expect(accepted).toEqual([expect.objectContaining({ actor: 'system' })]);
    });

    it('died after claiming the capture, before asking the gateway: the reconciler captures and confirms', async () => {
      const market = await requestMarket();
      const booking = await requestBooking(t, market);
      await t.dataSource.query('UPDATE payments SET capture_requested_at = now() WHERE id = $1', [booking.paymentId]);
      await backdate(booking.paymentId, 'capture_requested_at');
      await reconcile();
      expect((await bookingOf(t, market.customer, booking.id)).status).toBe('CONFIRMED');
      expect(await gatewayRecord(t, booking.paymentId)).toEqual({ authorize: 1, capture: 1, void: 0, charge: 0 });
    });

    it('died while authorizing: an approval found is kept (request open); none found, the key is cancelled and a late approval refused', async () => {
      const market = await requestMarket();
      const approved = await requestBooking(t, market, gridStartIn(48));
      // As if the request had died before settling: the payment still PENDING, the gateway holding the funds.
      await t.dataSource.query(`UPDATE payments SET status = 'PENDING', transaction_id = NULL WHERE id = $1`, [approved.paymentId]);
      await backdate(approved.paymentId, 'created_at');
      const lost = await requestBooking(t, market, gridStartIn(72));
      // As if the gateway had never been reached.
      await t.dataSource.query(`UPDATE payments SET status = 'PENDING', transaction_id = NULL WHERE id = $1`, [lost.paymentId]);
      await t.dataSource.query(`DELETE FROM simulated_gateway_operations WHERE idempotency_key = 'authorize:' || $1`, [lost.paymentId]);
      await backdate(lost.paymentId, 'created_at');

      await reconcile();
      expect((await paymentOf(t, market.customer, approved.paymentId)).status).toBe('AUTHORIZED');
      expect((await bookingOf(t, market.customer, approved.id)).status).toBe('PENDING');
      expect(await paymentOf(t, market.customer, lost.paymentId)).toMatchObject({ status: 'FAILED', bookingId: null });
      await t.http.get(`/bookings/${lost.id}`).set(market.customer.auth).expect(404);
      const late = await t.app
        .get(PaymentGateway)
        .authorize({ idempotencyKey: lost.paymentId, amountMinor: 8950, currency: 'USD', paymentMethod: { type: 'card', brand: 'visa', last4: '4242' } });
      expect(late.approved).toBe(false);
    });

    it('a void the gateway never confirmed is made again until it is', async () => {
      const market = await requestMarket();
      const booking = await requestBooking(t, market);
      await t.http.delete(`/bookings/${booking.id}`).set(market.provider.auth).expect(200);
      // As if the process had died after the declining commit, before the gateway voided.
      await t.dataSource.query(`DELETE FROM simulated_gateway_operations WHERE idempotency_key = 'settle:' || $1`, [booking.paymentId]);
      await t.dataSource.query('UPDATE payments SET voided_at = NULL WHERE id = $1', [booking.paymentId]);
      await backdate(booking.paymentId, 'updated_at');
      await reconcile();
      expect(await gatewayRecord(t, booking.paymentId)).toEqual({ authorize: 1, capture: 0, void: 1, charge: 0 });
      const [{ voided_at }] = await t.dataSource.query<Array<{ voided_at: Date | null }>>('SELECT voided_at FROM payments WHERE id = $1', [booking.paymentId]);
      expect(voided_at).not.toBeNull();
    });
  });
});

describe('request to book: an unanswered request expires (BOOKING_REQUEST_EXPIRY_HOURS=0.0005, 1.8 s)', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer({ disabledCommands: ['STARTTLS'] });
    t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, BOOKING_REQUEST_EXPIRY_HOURS: '0.0005', JOB_POLL_INTERVAL_MS: '500' });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('is declined by the system and voided, both parties told booking_expired; a late accept is 409 REQUEST_EXPIRED', async () => {
    const market = await createMarketplace(t, { service: BY_REQUEST });
    const booking = await requestBooking(t, market);
    await waitUntil(async () => (await bookingOf(t, market.customer, booking.id)).status === BookingStatus.CANCELLED, 'the request expired');

    const payment = await paymentOf(t, market.customer, booking.paymentId);
    expect(payment.status).toBe('VOIDED');
    expect(await gatewayRecord(t, booking.paymentId)).toEqual({ authorize: 1, capture: 0, void: 1, charge: 0 });
    const history = await historyOf(t, market.provider, booking.id);
    expect(history.at(-1)).toMatchObject({ action: 'expired', from: 'PENDING', to: 'CANCELLED', actor: 'system' });
    expect(types(await listNotifications(t, market.customer))).toEqual(['booking_expired', 'booking_requested']);
    expect(types(await listNotifications(t, market.provider))).toEqual(['booking_expired', 'booking_requested']);
    expect((await smtp.waitForKind(market.customer.email, 'booking_expired')).text).toContain('was not answered in time and has expired');
    await smtp.waitForKind(market.provider.email, 'booking_expired');

    const late = await t.http.put(`/bookings/${booking.id}`).set(market.provider.auth).send({ status: 'CONFIRMED' });
    expectProblem(late, 409, 'REQUEST_EXPIRED');
  });
});
