import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import { Role } from '../../../src/common/auth/role.enum';
import type { ServiceResponse } from '../../../src/services/dto/service.response';
import { book, bookingBody, countRows, nextLocal, startBooking } from '../../factories/booking.factory';
import { notify } from '../../factories/notification.factory';
import { createService, validServiceBody } from '../../factories/service.factory';
import { createUser, TestUser, uniqueEmail } from '../../factories/user.factory';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

/**
 * Privileged fields sent by a party that may not set them: each request is refused (4xx problem) and the
 * row, read back with SQL, is exactly as it was. Each block ends with the privileged party doing the same
 * change, to show the snapshot would have seen it.
 */
describe('mass assignment', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, Role.ADMIN);
  });
  afterAll(() => t.close());

  /** The whole row, every column, as PostgreSQL has it. */
  async function rowOf(table: 'users' | 'services' | 'bookings' | 'payments' | 'notifications', id: string): Promise<Record<string, unknown>> {
    const [row] = await t.dataSource.query<Array<Record<string, unknown>>>(`SELECT * FROM ${table} WHERE id = $1`, [id]);
    if (!row) throw new Error(`No ${table} row ${id}`);
    return row;
  }

  /** Sends, expects the problem, and checks `snapshot` reads the same before and after. */
  async function expectRefusedAndUnchanged(snapshot: () => Promise<unknown>, send: () => Promise<Response>, status: number, code?: string): Promise<void> {
    const before = await snapshot();
    expectProblem(await send(), status, code);
    expect(await snapshot()).toEqual(before);
  }

  describe('PUT /users/{id}', () => {
    let customer: TestUser;
    let provider: TestUser;

    beforeAll(async () => {
      [customer, provider] = await Promise.all([createUser(t, Role.CUSTOMER), createUser(t, Role.PROVIDER)]);
    });

    it.each([
      ['a customer making themself an admin', 'customer', 'customer', { role: Role.ADMIN }],
      ['a customer making themself a provider (with a profile change)', 'customer', 'customer', { role: Role.PROVIDER, profile: { firstName: 'Sneaky' } }],
      ['a provider making themself an admin', 'provider', 'provider', { role: Role.ADMIN }],
    ] as const)('refuses role from %s: 403, row unchanged', async (_, caller, target, body) => {
      const users = { customer, provider };
      await expectRefusedAndUnchanged(
        () => rowOf('users', users[target].id),
        () => t.http.put(`/users/${users[target].id}`).set(users[caller].auth).send(body),
        403,
        'ROLE_CHANGE_FORBIDDEN',
      );
    });

    it('refuses role on someone else: 403, row unchanged', async () => {
      await expectRefusedAndUnchanged(
        () => rowOf('users', customer.id),
        () => t.http.put(`/users/${customer.id}`).set(provider.auth).send({ role: Role.ADMIN }),
        403,
      );
    });

    it.each([
      { passwordHash: '$2b$04$abcdefghijklmnopqrstuuJ0d1N3c5mZ0lQwB3z1c5mZ0lQwB3z1c' },
      { password_hash: 'x' },
      { id: randomUUID() },
      { deletedAt: '2020-01-01T00:00:00Z' },
      { credentialsChangedAt: '2000-01-01T00:00:00Z' },
      { createdAt: '2000-01-01T00:00:00Z' },
      { isAdmin: true },
      { profile: { firstName: 'Ok', role: Role.ADMIN } },
    ])('refuses a column that is not a field (%j): 400, row unchanged', async (body) => {
      await expectRefusedAndUnchanged(
        () => rowOf('users', customer.id),
        () => t.http.put(`/users/${customer.id}`).set(customer.auth).send(body),
        400,
        'VALIDATION_FAILED',
      );
    });

    it.each([{ role: Role.ADMIN }, { isAdmin: true }, { id: randomUUID() }, { passwordHash: 'x' }, { deletedAt: null }])(
      'registration refuses %j: 400, no account',
      async (extra) => {
        const email = uniqueEmail('mass');
        const response = await t.http
          .post('/users')
          .send({ email, password: 'Test123!', role: Role.CUSTOMER, profile: { firstName: 'A', lastName: 'B' }, ...extra });
        expectProblem(response, 400, 'VALIDATION_FAILED');
        expect(await t.dataSource.query('SELECT id FROM users WHERE email = $1', [email])).toEqual([]);
      },
    );

    it('an admin may change the role (the snapshot sees it)', async () => {
      const target = await createUser(t, Role.CUSTOMER);
      const before = await rowOf('users', target.id);
      await t.http.put(`/users/${target.id}`).set(admin.auth).send({ role: Role.PROVIDER }).expect(200);
      expect(await rowOf('users', target.id)).toMatchObject({ ...before, role: Role.PROVIDER, updated_at: expect.any(Date) });
      expect((await rowOf('users', target.id)).role).not.toBe(before.role);
    });
  });

  describe('PUT /services/{id} and POST /services/', () => {
    let provider: TestUser;
    let otherProvider: TestUser;
    let service: ServiceResponse;

    beforeAll(async () => {
      [provider, otherProvider] = await Promise.all([createUser(t, Role.PROVIDER), createUser(t, Role.PROVIDER)]);
      service = await createService(t, provider);
    });

    it.each(['SUSPENDED', 'INACTIVE', 'ACTIVE'])('refuses status %s from its provider: 403, row unchanged', async (status) => {
      await expectRefusedAndUnchanged(
        () => rowOf('services', service.id),
        () => t.http.put(`/services/${service.id}`).set(provider.auth).send({ status, title: 'Also renamed' }),
        403,
        'STATUS_CHANGE_FORBIDDEN',
      );
    });

    it.each([{ providerId: 'other' }, { id: randomUUID() }, { deletedAt: null }, { createdAt: '2000-01-01T00:00:00Z' }, { rating: 5 }])(
      'refuses a column that is not a field (%j): 400, row unchanged',
      async (body) => {
        const value = body.providerId === 'other' ? { providerId: otherProvider.id } : body;
        await expectRefusedAndUnchanged(
          () => rowOf('services', service.id),
          () => t.http.put(`/services/${service.id}`).set(provider.auth).send(value),
          400,
          'VALIDATION_FAILED',
        );
      },
    );

    it('refuses handing the service over from another provider: 400 before anything, row unchanged', async () => {
      await expectRefusedAndUnchanged(
        () => rowOf('services', service.id),
        () => t.http.put(`/services/${service.id}`).set(otherProvider.auth).send({ providerId: otherProvider.id }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('a suspended service stays suspended whatever its provider sends', async () => {
      const suspended = await createService(t, provider);
      await t.http.put(`/services/${suspended.id}`).set(admin.auth).send({ status: 'SUSPENDED' }).expect(200);
      await expectRefusedAndUnchanged(
        () => rowOf('services', suspended.id),
        () => t.http.put(`/services/${suspended.id}`).set(provider.auth).send({ isActive: true }),
        403,
        'SERVICE_SUSPENDED',
      );
      await expectRefusedAndUnchanged(
        () => rowOf('services', suspended.id),
        () => t.http.put(`/services/${suspended.id}`).set(provider.auth).send({ status: 'ACTIVE' }),
        403,
      );
      expect((await rowOf('services', suspended.id)).status).toBe('SUSPENDED');
    });

    it.each([{ providerId: 'other' }, { status: 'ACTIVE' }, { id: randomUUID() }])('creating refuses %j: 400, no service', async (extra) => {
      const title = `Mass ${randomUUID()}`;
      const value = extra.providerId === 'other' ? { providerId: otherProvider.id } : extra;
      const response = await t.http
        .post('/services/')
        .set(provider.auth)
        .send({ ...validServiceBody({ title }), ...value });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(await t.dataSource.query('SELECT id FROM services WHERE title = $1', [title])).toEqual([]);
    });

    it('an admin may set the status (the snapshot sees it)', async () => {
      const before = await rowOf('services', service.id);
      await t.http.put(`/services/${service.id}`).set(admin.auth).send({ status: 'INACTIVE' }).expect(200);
      expect(await rowOf('services', service.id)).toMatchObject({ ...before, status: 'INACTIVE', updated_at: expect.any(Date) });
      expect(before.status).toBe('ACTIVE');
    });
  });

  describe('POST /bookings/', () => {
    let customer: TestUser;
    let otherCustomer: TestUser;
    let otherProvider: TestUser;

    beforeAll(async () => {
      [customer, otherCustomer, otherProvider] = await Promise.all([createUser(t, Role.CUSTOMER), createUser(t, Role.CUSTOMER), createUser(t, Role.PROVIDER)]);
    });

    async function freshService(): Promise<ServiceResponse> {
      return createService(t, await createUser(t, Role.PROVIDER), { timezone: 'UTC' });
    }

    it.each<[string, (service: ServiceResponse) => Record<string, unknown>]>([
      ['customerId', () => ({ customerId: otherCustomer.id })],
      ['providerId', () => ({ providerId: otherProvider.id })],
      ['price', () => ({ price: 1 })],
      ['totalAmount', () => ({ totalAmount: 1 })],
      ['status CONFIRMED', () => ({ status: 'CONFIRMED' })],
      ['id', () => ({ id: randomUUID() })],
      ['payment.status', (service) => ({ payment: { ...(bookingBody(service, '').payment as object), status: 'SUCCESS' } })],
      ['payment.transactionId', (service) => ({ payment: { ...(bookingBody(service, '').payment as object), transactionId: 'sim_ch_forged' } })],
    ])('refuses %s: 400, no booking and no payment', async (_, extra) => {
      const service = await freshService();
      const response = await t.http
        .post('/bookings/')
        .set(customer.auth)
        .send({ ...bookingBody(service, nextLocal('UTC', 'monday', '10:00')), ...extra(service) });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(await countRows(t, service.id)).toEqual({ bookings: 0, payments: 0, charges: 0, succeeded: 0 });
    });

    it('refuses paying less than the price: 422, no booking and no charge', async () => {
      const service = await freshService();
      const body = bookingBody(service, nextLocal('UTC', 'monday', '10:00'));
      const response = await t.http
        .post('/bookings/')
        .set(customer.auth)
        .send({ ...body, payment: { ...(body.payment as object), amount: 0.01 } });
      expectProblem(response, 422, 'AMOUNT_MISMATCH');
      expect(await countRows(t, service.id)).toEqual({ bookings: 0, payments: 0, charges: 0, succeeded: 0 });
    });

    it('the same body without them books (the count sees it), for the caller and at the price', async () => {
      const service = await freshService();
      const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
      expect(await countRows(t, service.id)).toEqual({ bookings: 1, payments: 1, charges: 1, succeeded: 1 });
      expect(await rowOf('bookings', booking.id)).toMatchObject({ customer_id: customer.id, provider_id: service.providerId, status: 'CONFIRMED' });
      expect(Number((await rowOf('bookings', booking.id)).total_amount)).toBe(service.price);
    });
  });

  describe('PUT /bookings/{id} and POST /payments/{id}/refund', () => {
    let customer: TestUser;
    let provider: TestUser;
    let booking: BookingResponse;
    let paymentId: string;

    beforeAll(async () => {
      [customer, provider] = await Promise.all([createUser(t, Role.CUSTOMER), createUser(t, Role.PROVIDER)]);
      const service = await createService(t, provider, { timezone: 'UTC' });
      booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
      [{ id: paymentId }] = await t.dataSource.query<Array<{ id: string }>>('SELECT id FROM payments WHERE booking_id = $1', [booking.id]);
    });

    const bookingRow = () => rowOf('bookings', booking.id);
    /** The payment and every refund recorded against it. */
    const paymentState = async () => ({
      payment: await rowOf('payments', paymentId),
      refunds: await t.dataSource.query('SELECT id FROM refunds WHERE payment_id = $1', [paymentId]),
    });

    it.each([
      ['customer', { status: 'COMPLETED' }, 403],
      ['customer', { status: 'CONFIRMED' }, 409],
      ['customer', { status: 'PENDING' }, 409],
      ['provider', { status: 'CONFIRMED' }, 409],
      ['provider', { status: 'PENDING' }, 409],
      ['customer', { totalAmount: 1 }, 400],
      ['customer', { price: 1 }, 400],
      ['customer', { customerId: randomUUID() }, 400],
      ['customer', { providerId: randomUUID() }, 400],
      ['customer', { serviceId: randomUUID() }, 400],
      ['customer', { duration: 600 }, 400],
      ['customer', { status: 'COMPLETED', notes: 'and a note' }, 400],
      ['provider', { notes: 'provider notes' }, 403],
    ] as const)('PUT by the %s with %j: %i, row unchanged', async (caller, body, status) => {
      const auth = { customer, provider }[caller].auth;
      await expectRefusedAndUnchanged(bookingRow, () => t.http.put(`/bookings/${booking.id}`).set(auth).send(body), status);
    });

    it.each([
      ['provider', { reason: 'x', refundedAmount: 89.5 }, 400],
      ['provider', { reason: 'x', status: 'REFUNDED' }, 400],
      ['provider', { reason: 'x', bookingId: randomUUID() }, 400],
      ['provider', { reason: 'x', amount: 1000 }, 422],
      ['customer', { reason: 'x' }, 403],
      ['customer', { reason: 'x', refundedAmount: 0 }, 400],
    ] as const)('refund by the %s with %j: %i, payment unchanged and no refund recorded', async (caller, body, status) => {
      const auth = { customer, provider }[caller].auth;
      await expectRefusedAndUnchanged(paymentState, () => t.http.post(`/payments/${paymentId}/refund`).set(auth).send(body), status);
    });

    it('the provider may refund and complete (the snapshots see it)', async () => {
      const before = await paymentState();
      await t.http.post(`/payments/${paymentId}/refund`).set(provider.auth).send({ reason: 'Goodwill', amount: 10 }).expect(200);
      const after = await paymentState();
      expect(Number(after.payment.refunded_amount)).toBe(10);
      expect(after.refunds).toHaveLength(before.refunds.length + 1);

      await startBooking(t, booking.id); // only a booking that has started can be completed
      await t.http.put(`/bookings/${booking.id}`).set(provider.auth).send({ status: 'COMPLETED' }).expect(200);
      expect((await bookingRow()).status).toBe('COMPLETED');
    });
  });

  describe('notifications', () => {
    let owner: TestUser;
    let stranger: TestUser;
    let notificationId: string;

    beforeAll(async () => {
      [owner, stranger] = await Promise.all([createUser(t, Role.CUSTOMER), createUser(t, Role.CUSTOMER)]);
      await notify(t, owner);
      await notify(t, stranger);
      [{ id: notificationId }] = await t.dataSource.query<Array<{ id: string }>>('SELECT id FROM notifications WHERE user_id = $1', [owner.id]);
    });

    /** Both users' notifications, every column. */
    const notificationsOfBoth = () => t.dataSource.query('SELECT * FROM notifications WHERE user_id = ANY($1) ORDER BY id', [[owner.id, stranger.id]]);

    it.each([{ userId: 'stranger' }, { isRead: false }, { readAt: '2000-01-01T00:00:00Z' }, { userId: 'stranger', isRead: true }])(
      'marking one read refuses %j from its owner: 400, nothing changed',
      async (body) => {
        const value = body.userId ? { ...body, userId: stranger.id } : body;
        await expectRefusedAndUnchanged(
          notificationsOfBoth,
          () => t.http.put(`/notifications/${notificationId}/read`).set(owner.auth).send(value),
          400,
          'VALIDATION_FAILED',
        );
      },
    );

    it('marking all read refuses a userId: 400, nothing changed', async () => {
      await expectRefusedAndUnchanged(
        notificationsOfBoth,
        () => t.http.put('/notifications/read-all').set(owner.auth).send({ userId: stranger.id }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('a stranger claiming the notification gets 4xx, nothing changed', async () => {
      const before = await notificationsOfBoth();
      const response = await t.http.put(`/notifications/${notificationId}/read`).set(stranger.auth).send({ userId: stranger.id });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(await notificationsOfBoth()).toEqual(before);
      expectProblem(await t.http.put(`/notifications/${notificationId}/read`).set(stranger.auth), 404, 'NOT_FOUND');
    });

    it('the owner marks it read with no body (the snapshot sees it)', async () => {
      await t.http.put(`/notifications/${notificationId}/read`).set(owner.auth).expect(200);
      expect((await rowOf('notifications', notificationId)).read_at).toEqual(expect.any(Date));
    });
  });
});
