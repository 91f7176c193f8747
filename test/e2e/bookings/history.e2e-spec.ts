import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { BookingStatus } from '../../../src/bookings/booking.entity';
import { BookingsRepository } from '../../../src/bookings/bookings.repository';
import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import type { BookingHistoryEntryResponse } from '../../../src/bookings/dto/booking-history.response';
import { PaymentReconciler } from '../../../src/bookings/payment-reconciler.service';
import { Role } from '../../../src/common/auth/role.enum';
import { UnitOfWork } from '../../../src/common/database/unit-of-work';
import type { PaymentResponse } from '../../../src/payments/dto/payment.response';
import { AROUND_THE_CLOCK, book, bookingBody, gridStartIn, insertInterruptedCheckout, startBooking } from '../../factories/booking.factory';
import { createMarketplace, Marketplace } from '../../factories/marketplace.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

/** A service open around the clock with 30-minute bookings: any grid start a day or more ahead is bookable and movable. */
const anyTime = { service: { availability: AROUND_THE_CLOCK, durationMinutes: 30, price: 80 } };

/** A request id of our own, sent as X-Request-Id: the answer echoes it and the history must name it. */
const requestId = (what: string): string => `${what}-${randomUUID()}`;
const requestIdOf = (response: Response): string => response.headers['x-request-id'];
const actorOf = (user: TestUser) => ({ id: user.id, role: user.role });

describe('booking history', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, Role.ADMIN);
  });
  afterAll(() => t.close());

  const historyOf = async (bookingId: string, caller: TestUser): Promise<BookingHistoryEntryResponse[]> =>
    (await t.http.get(`/bookings/${bookingId}/history`).set(caller.auth).expect(200)).body as BookingHistoryEntryResponse[];

  async function paymentOf(customer: TestUser, bookingId: string): Promise<PaymentResponse> {
    const payments = (await t.http.get('/payments/').set(customer.auth).expect(200)).body as PaymentResponse[];
    return payments.find((payment) => payment.bookingId === bookingId) as PaymentResponse;
  }

  it('records every change in order: what, from and to which status, by whom, why, and the request that made it', async () => {
    const { customer, provider, service } = await createMarketplace(t, anyTime);
    const at = gridStartIn(48);
    const booked = await t.http.post('/bookings/').set(customer.auth).set('X-Request-Id', requestId('book')).send(bookingBody(service, at)).expect(201);
    const booking = booked.body as BookingResponse;
    const moved = gridStartIn(96);
    const notes = await t.http
      .put(`/bookings/${booking.id}`)
      .set(customer.auth)
      .set('X-Request-Id', requestId('notes'))
      .send({ notes: 'Ring twice' })
      .expect(200);
    const move = await t.http.put(`/bookings/${booking.id}`).set(customer.auth).set('X-Request-Id', requestId('move')).send({ scheduledAt: moved }).expect(200);
    const payment = await paymentOf(customer, booking.id);
    const refund = await t.http
      .post(`/payments/${payment.id}/refund`)
      .set(provider.auth)
      .set('X-Request-Id', requestId('refund'))
      .send({ amount: 10, reason: 'Arrived late' })
      .expect(200);
    const cancel = await t.http.delete(`/bookings/${booking.id}`).set(customer.auth).set('X-Request-Id', requestId('cancel')).expect(200);
    expect(requestIdOf(booked)).toMatch(/^book-/);

    const history = await historyOf(booking.id, customer);
    expect(history).toEqual([
      {
        at: expect.any(String),
        action: 'created',
        from: null,
        to: 'PENDING',
        actor: actorOf(customer),
        reason: null,
        requestId: requestIdOf(booked),
        details: null,
      },
      {
        at: expect.any(String),
        action: 'confirmed',
        from: 'PENDING',
        to: 'CONFIRMED',
        actor: actorOf(customer),
        reason: 'Payment approved',
        requestId: requestIdOf(booked),
        details: { paymentId: payment.id },
      },
      {
        at: expect.any(String),
        action: 'notes_updated',
        from: 'CONFIRMED',
        to: 'CONFIRMED',
        actor: actorOf(customer),
        reason: null,
        requestId: requestIdOf(notes),
        details: null,
      },
      {
        at: expect.any(String),
        action: 'rescheduled',
        from: 'CONFIRMED',
        to: 'CONFIRMED',
        actor: actorOf(customer),
        reason: null,
        requestId: requestIdOf(move),
        details: { fromScheduledAt: new Date(at).toISOString(), toScheduledAt: new Date(moved).toISOString() },
      },
      {
        at: expect.any(String),
        action: 'refunded',
        from: 'CONFIRMED',
        to: 'CONFIRMED',
        actor: actorOf(provider),
        reason: 'Arrived late',
        requestId: requestIdOf(refund),
        details: { paymentId: payment.id, amount: 10 },
      },
      {
        at: expect.any(String),
        action: 'cancelled',
        from: 'CONFIRMED',
        to: 'CANCELLED',
        actor: actorOf(customer),
        reason: 'Cancelled by the customer',
        requestId: requestIdOf(cancel),
        details: { refundAmount: 70 },
      },
    ]);
    const times = history.map((entry) => new Date(entry.at).getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // The provider and admins read the same history.
    expect(await historyOf(booking.id, provider)).toEqual(history);
    expect(await historyOf(booking.id, admin)).toEqual(history);
  });

  it('records a completion by the provider, and a full refund that cancels as two changes by the admin', async () => {
    const { customer, provider, service } = await createMarketplace(t, anyTime);
    const done = await book(t, customer, service, gridStartIn(48));
    await startBooking(t, done.id);
    const complete = await t.http.put(`/bookings/${done.id}`).set(provider.auth).send({ status: 'COMPLETED' }).expect(200);
    expect((await historyOf(done.id, customer)).at(-1)).toMatchObject({
      action: 'completed',
      from: 'CONFIRMED',
      to: 'COMPLETED',
      actor: actorOf(provider),
      requestId: requestIdOf(complete),
    });

    const refunded = await book(t, customer, service, gridStartIn(60));
    const payment = await paymentOf(customer, refunded.id);
    const refund = await t.http.post(`/payments/${payment.id}/refund`).set(admin.auth).send({ reason: 'Provider unavailable' }).expect(200);
    expect((await historyOf(refunded.id, customer)).slice(-2)).toEqual([
      expect.objectContaining({
        action: 'refunded',
        actor: actorOf(admin),
        reason: 'Provider unavailable',
        requestId: requestIdOf(refund),
        details: { paymentId: payment.id, amount: 80 },
      }),
      expect.objectContaining({
        action: 'cancelled',
        from: 'CONFIRMED',
        to: 'CANCELLED',
        actor: actorOf(admin),
        reason: 'Refunded in full',
        requestId: requestIdOf(refund),
      }),
    ]);
  });

  it('records a cancellation by a party that goes away: who deleted, and what', async () => {
    const { customer, provider, service } = await createMarketplace(t, anyTime);
    const booking = await book(t, customer, service, gridStartIn(48));
    await t.http.delete(`/services/${service.id}`).set(provider.auth).expect(204);
    expect((await historyOf(booking.id, customer)).at(-1)).toMatchObject({
      action: 'cancelled',
      from: 'CONFIRMED',
      to: 'CANCELLED',
      actor: actorOf(provider),
      reason: 'The service was deleted',
      details: { refundAmount: 80 },
    });
  });

  it('records the system’s own changes as actor "system" with no request id (the reconciler confirming an interrupted checkout)', async () => {
    const { customer, service } = await createMarketplace(t, anyTime);
    const { bookingId } = await insertInterruptedCheckout(t, { customer, service, at: gridStartIn(48), charge: 'approved' });
    await t.app.get(PaymentReconciler).reconcile();
    expect((await historyOf(bookingId, customer)).at(-1)).toEqual({
      at: expect.any(String),
      action: 'confirmed',
      from: 'PENDING',
      to: 'CONFIRMED',
      actor: 'system',
      reason: 'Payment settled by the reconciler',
      requestId: null,
      details: expect.objectContaining({ paymentId: expect.any(String) }),
    });
  });

  it('keeps no row of a change that did not happen: a refused move, and a transaction rolled back after the write', async () => {
    const { customer, service } = await createMarketplace(t, anyTime);
    const first = await book(t, customer, service, gridStartIn(48));
    const second = await book(t, customer, service, gridStartIn(72));
    const before = await historyOf(second.id, customer);
    expectProblem(await t.http.put(`/bookings/${second.id}`).set(customer.auth).send({ scheduledAt: first.scheduledAt }), 409, 'SLOT_TAKEN');
    expect(await historyOf(second.id, customer)).toEqual(before);

    // The history row is written, then the transaction fails: neither the move nor its row remain.
    const bookings = t.app.get(BookingsRepository);
    const failure = new Error('fails after the write');
    await expect(
      t.app.get(UnitOfWork).run(async (manager) => {
        const moved = await bookings.transition(manager, second.id, [BookingStatus.CONFIRMED], BookingStatus.CANCELLED, { actor: 'system', requestId: null });
        expect(moved?.booking.status).toBe(BookingStatus.CANCELLED);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await historyOf(second.id, customer)).toEqual(before);
    expect((await t.http.get(`/bookings/${second.id}`).set(customer.auth).expect(200)).body.status).toBe('CONFIRMED');
  });

  it('is for the booking’s parties and admins: anyone else, or an unknown booking, gets a 404 problem', async () => {
    const market: Marketplace = await createMarketplace(t, anyTime);
    const booking = await book(t, market.customer, market.service, gridStartIn(48));
    const stranger = await createUser(t, Role.PROVIDER);
    expectProblem(await t.http.get(`/bookings/${booking.id}/history`).set(stranger.auth), 404, 'NOT_FOUND');
    expectProblem(await t.http.get(`/bookings/${randomUUID()}/history`).set(market.customer.auth), 404, 'NOT_FOUND');
    await t.http.get(`/bookings/${booking.id}/history`).expect(401);
  });
});
