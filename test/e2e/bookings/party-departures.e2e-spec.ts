import type { PaymentResponse } from '../../../src/payments/dto/payment.response';
import { Role } from '../../../src/common/auth/role.enum';
import { AROUND_THE_CLOCK, book, gridStartIn, nextLocal, shift } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { createService } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { createTestApp, TestApp } from '../../helpers/test-app';

interface PaymentRow {
  status: string;
  refunded_amount: string;
}

describe('parties that go away take their open bookings with them', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, Role.ADMIN);
  });
  afterAll(() => t.close());

  const statusOf = async (id: string): Promise<string> =>
    (await t.dataSource.query<Array<{ status: string }>>('SELECT status FROM bookings WHERE id = $1', [id]))[0].status;
  const paymentOf = async (bookingId: string): Promise<PaymentRow> =>
    (await t.dataSource.query<PaymentRow[]>('SELECT status, refunded_amount FROM payments WHERE booking_id = $1', [bookingId]))[0];
  const cancellationNotices = async (userId: string, bookingId: string): Promise<Array<{ data: { cancelledBy: string; refundAmount: number } }>> =>
    t.dataSource.query(`SELECT data FROM notifications WHERE user_id = $1 AND type = 'booking_cancelled' AND data->>'bookingId' = $2`, [userId, bookingId]);

  /** Waits (polling, up to 10 s) until the gateway has paid out every refund of the booking's payment. */
  async function refundsPaidOut(bookingId: string): Promise<string[]> {
    for (const deadline = Date.now() + 10_000; ;) {
      const rows = await t.dataSource.query<Array<{ amount: string; status: string }>>(
        'SELECT r.amount, r.status FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.booking_id = $1',
        [bookingId],
      );
      if ((rows.length && rows.every((r) => r.status === 'SUCCEEDED')) || Date.now() > deadline) return rows.map((r) => `${r.amount} ${r.status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The invariant, over the bookings of these users: no open booking of a deleted customer, provider or service. */
  async function openWithDeletedParty(...users: TestUser[]): Promise<number> {
    const [{ n }] = await t.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM bookings b
         JOIN users c ON c.id = b.customer_id JOIN users p ON p.id = b.provider_id JOIN services s ON s.id = b.service_id
        WHERE b.status IN ('PENDING', 'CONFIRMED') AND (c.deleted_at IS NOT NULL OR p.deleted_at IS NOT NULL OR s.deleted_at IS NOT NULL)
          AND (b.customer_id = ANY($1::uuid[]) OR b.provider_id = ANY($1::uuid[]))`,
      [users.map((user) => user.id)],
    );
    return n;
  }

  it('a provider deleting a service cancels its bookings with a full refund and tells the customer; other services keep theirs', async () => {
    const { provider, customer, service } = await createMarketplace(t);
    const other = await createService(t, provider, { timezone: 'UTC' });
    const at = nextLocal('UTC', 'monday', '10:00');
    const doomed = await book(t, customer, service, at);
    const kept = await book(t, customer, other, shift(at, 60));

    await t.http.delete(`/services/${service.id}`).set(provider.auth).expect(204);

    expect(await statusOf(doomed.id)).toBe('CANCELLED');
    expect(await paymentOf(doomed.id)).toEqual({ status: 'REFUNDED', refunded_amount: '89.50' });
    expect(await refundsPaidOut(doomed.id)).toEqual(['89.50 SUCCEEDED']);
    expect(await cancellationNotices(customer.id, doomed.id)).toEqual([{ data: expect.objectContaining({ cancelledBy: 'PROVIDER', refundAmount: 89.5 }) }]);
    expect(await statusOf(kept.id)).toBe('CONFIRMED');
    expect(await openWithDeletedParty(provider, customer)).toBe(0);
  });

  it('an admin deleting a service refunds in full too', async () => {
    const { customer, service } = await createMarketplace(t);
    const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
    await t.http.delete(`/services/${service.id}`).set(admin.auth).expect(204);
    expect(await statusOf(booking.id)).toBe('CANCELLED');
    expect(await paymentOf(booking.id)).toEqual({ status: 'REFUNDED', refunded_amount: '89.50' });
    expect(await cancellationNotices(customer.id, booking.id)).toEqual([{ data: expect.objectContaining({ cancelledBy: 'ADMIN' }) }]);
  });

  it('a provider deleting their account cancels every booking on every one of their services, refunded in full, even a late one', async () => {
    const { provider, customer, service } = await createMarketplace(t, { service: { availability: AROUND_THE_CLOCK, durationMinutes: 30 } });
    const second = await createService(t, provider, { timezone: 'UTC' });
    const soon = await book(t, customer, service, gridStartIn(3));
    const later = await book(t, customer, second, nextLocal('UTC', 'saturday', '10:00'));

    await t.http.delete(`/users/${provider.id}`).set(provider.auth).expect(204);

    for (const booking of [soon, later]) {
      expect(await statusOf(booking.id)).toBe('CANCELLED');
      expect(await paymentOf(booking.id)).toMatchObject({ status: 'REFUNDED' });
      expect(await cancellationNotices(customer.id, booking.id)).toHaveLength(1);
    }
    expect(await refundsPaidOut(soon.id)).toEqual(['89.50 SUCCEEDED']);
    expect(await openWithDeletedParty(provider, customer)).toBe(0);
  });

  it('an admin deleting a provider’s account does the same', async () => {
    const { provider, customer, service } = await createMarketplace(t);
    const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
    await t.http.delete(`/users/${provider.id}`).set(admin.auth).expect(204);
    expect(await statusOf(booking.id)).toBe('CANCELLED');
    expect(await paymentOf(booking.id)).toEqual({ status: 'REFUNDED', refunded_amount: '89.50' });
  });

  it('a customer deleting their account cancels their bookings, refunded as the policy says, and tells the provider', async () => {
    const { provider, customer, service } = await createMarketplace(t, { service: { availability: AROUND_THE_CLOCK, durationMinutes: 30 } });
    const early = await book(t, customer, service, gridStartIn(48));
    const late = await book(t, customer, service, gridStartIn(3));

    await t.http.delete(`/users/${customer.id}`).set(customer.auth).expect(204);

    expect(await statusOf(early.id)).toBe('CANCELLED');
    expect(await paymentOf(early.id)).toEqual({ status: 'REFUNDED', refunded_amount: '89.50' });
    expect(await statusOf(late.id)).toBe('CANCELLED');
    expect(await paymentOf(late.id)).toEqual({ status: 'SUCCESS', refunded_amount: '0.00' });
    expect(await cancellationNotices(provider.id, early.id)).toEqual([{ data: expect.objectContaining({ cancelledBy: 'CUSTOMER', refundAmount: 89.5 }) }]);
    expect(await cancellationNotices(provider.id, late.id)).toEqual([{ data: expect.objectContaining({ cancelledBy: 'CUSTOMER', refundAmount: 0 }) }]);
    // The deleted account is told nothing.
    expect(await cancellationNotices(customer.id, early.id)).toEqual([]);
    expect(await openWithDeletedParty(provider, customer)).toBe(0);

    const payments = (await t.http.get('/payments/').set(provider.auth).expect(200)).body as PaymentResponse[];
    expect(payments.map((p) => p.bookingId).sort()).toEqual([early.id, late.id].sort());
  });
});
