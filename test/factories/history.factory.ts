import type { ServiceResponse } from '../../src/services/dto/service.response';
import { TestApp } from '../helpers/test-app';
import { TestUser } from './user.factory';

/**
 * A long history written straight into the tables (the API would take minutes for 100,000 rows), shaped as
 * the app writes it. Sort keys repeat in groups of three (three bookings at one start, three payments at one
 * creation time, with microseconds), so paging must rely on the id tiebreaker.
 */
export async function seedBookings(t: TestApp, customer: TestUser, service: ServiceResponse, count: number, offsetHours = 0): Promise<void> {
  // COMPLETED: past the exclusion constraint (it only holds PENDING and CONFIRMED), so starts may repeat.
  await t.dataSource.query(
    `INSERT INTO bookings (customer_id, service_id, provider_id, status, scheduled_at, ends_at, duration_minutes, total_amount, currency)
     SELECT $1, $2, $3, 'COMPLETED', at, at + make_interval(mins => $4), $4, $5, $6
       FROM (SELECT timestamptz '2030-01-07 10:00:00.000000+00' + ((n / 3) + $8::int) * interval '1 hour' AS at
               FROM generate_series(0, $7::int - 1) AS n) starts`,
    [customer.id, service.id, service.providerId, service.durationMinutes, service.price, service.currency, count, offsetHours],
  );
}

export async function seedPayments(
  t: TestApp,
  customer: TestUser,
  service: ServiceResponse,
  count: number,
  base = '2029-06-01 12:00:00.123456+00',
): Promise<void> {
  await t.dataSource.query(
    `INSERT INTO payments (service_id, customer_id, provider_id, status, amount, currency, payment_method, created_at, updated_at)
     SELECT $1, $2, $3, 'SUCCESS', $4, $5, '{"type": "card", "last4": "4242", "brand": "visa"}', at, at
       FROM (SELECT $7::timestamptz - (n / 3) * interval '1 second 17 microseconds' AS at FROM generate_series(0, $6::int - 1) AS n) times`,
    [service.id, customer.id, service.providerId, service.price, service.currency, count, base],
  );
}

/** `count` more notifications for `user`, every `unreadEvery`-th one unread, numbered after their last one, with their counter row kept as the app keeps it. */
export async function seedNotifications(t: TestApp, user: Pick<TestUser, 'id'>, count: number, unreadEvery = 10): Promise<void> {
  await t.dataSource.transaction(async (manager) => {
    const [counter] = await manager.query<Array<{ last_seq: string }>>(
      `INSERT INTO notification_counters AS c (user_id, last_seq, unread) VALUES ($1, $2, 0)
       ON CONFLICT (user_id) DO UPDATE SET last_seq = c.last_seq + $2
       RETURNING last_seq`,
      [user.id, count],
    );
    const first = Number(counter.last_seq) - count + 1;
    await manager.query(
      `INSERT INTO notifications (user_id, seq, type, title, message, data, read_at, created_at)
       SELECT $1, seq, 'payment_received', 'Payment received', 'Seeded notification number ' || seq, jsonb_build_object('n', seq),
              CASE WHEN seq % $4 = 0 THEN NULL ELSE now() END, now() - ($3::bigint - seq) * interval '1 second'
         FROM generate_series($2::bigint, $3::bigint) AS seq`,
      [user.id, first, first + count - 1, unreadEvery],
    );
    await manager.query(
      `UPDATE notification_counters SET unread = (SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL) WHERE user_id = $1`,
      [user.id],
    );
  });
}
