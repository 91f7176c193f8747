import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { BookingResponse } from '../../src/bookings/dto/booking.response';
import type { ServiceResponse } from '../../src/services/dto/service.response';
import { TestApp } from '../helpers/test-app';
import { TestUser } from './user.factory';

export type BookingBody = Record<string, unknown>;

const WEEKDAY_NUMBER = { monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6, sunday: 7 } as const;
export type WeekdayName = keyof typeof WEEKDAY_NUMBER;

/**
 * The first `weekday` at local wall-clock `time` ("HH:MM") in `zone` that is at least `minDaysAhead` days
 * from now, `weeksLater` weeks further on; ISO 8601 with the zone's offset (e.g. `2026-12-07T10:00:00+01:00`).
 */
export function nextLocal(zone: string, weekday: WeekdayName, time: string, options: { minDaysAhead?: number; weeksLater?: number } = {}): string {
  const [hour, minute] = time.split(':').map(Number);
  const earliest = DateTime.now()
    .setZone(zone)
    .plus({ days: options.minDaysAhead ?? 2 });
  let day = earliest.startOf('day');
  while (day.weekday !== WEEKDAY_NUMBER[weekday] || day.set({ hour, minute }) < earliest) day = day.plus({ days: 1 });
  return day
    .plus({ weeks: options.weeksLater ?? 0 })
    .set({ hour, minute })
    .toISO({ suppressMilliseconds: true }) as string;
}

/** The same instant `minutes` later (or earlier), as ISO 8601 UTC. */
export const shift = (iso: string, minutes: number): string => new Date(new Date(iso).getTime() + minutes * 60_000).toISOString();

/** A body `POST /bookings/` accepts for `service` at `scheduledAt`; `overrides` replace top-level fields. */
export function bookingBody(service: Pick<ServiceResponse, 'id' | 'price' | 'currency'>, scheduledAt: string, overrides: BookingBody = {}): BookingBody {
  return {
    serviceId: service.id,
    scheduledAt,
    payment: { amount: service.price, currency: service.currency, paymentMethod: { type: 'card', last4: '4242', brand: 'visa' } },
    ...overrides,
  };
}

/** Books `service` at `at` as `customer` through the API (the payment is approved: failure rate 0). */
export async function book(t: TestApp, customer: TestUser, service: ServiceResponse, at: string, overrides: BookingBody = {}): Promise<BookingResponse> {
  const response = await t.http
    .post('/bookings/')
    .set(customer.auth)
    .send(bookingBody(service, at, overrides));
  if (response.status !== 201) throw new Error(`booking failed: ${response.status} ${response.text}`);
  // The booking as GET /bookings/{id} shows it: the 201's paymentId is checked where it matters.
  const { paymentId: _paymentId, ...booking } = response.body as BookingResponse;
  return booking;
}

/**
 * What a crash between the slot hold and the settlement leaves behind: a PENDING booking and a PENDING
 * payment created `minutesAgo` minutes ago, and (when `charge` is given) the gateway's record of the charge
 * keyed `charge:<paymentId>`, as the simulated processor would have kept it.
 */
export async function insertInterruptedCheckout(
  t: TestApp,
  input: { customer: TestUser; service: ServiceResponse; at: string; minutesAgo?: number; charge?: 'approved' | 'declined' },
): Promise<{ bookingId: string; paymentId: string; transactionId: string | null }> {
  const { customer, service } = input;
  const createdAt = new Date(Date.now() - (input.minutesAgo ?? 10) * 60_000);
  const scheduledAt = new Date(input.at);
  const endsAt = new Date(scheduledAt.getTime() + service.durationMinutes * 60_000);
  const [booking] = await t.dataSource.query<Array<{ id: string }>>(
    `INSERT INTO bookings (customer_id, service_id, provider_id, status, scheduled_at, ends_at, duration_minutes, total_amount, currency, created_at, updated_at)
     VALUES ($1, $2, $3, 'PENDING', $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
    [customer.id, service.id, service.providerId, scheduledAt, endsAt, service.durationMinutes, service.price, service.currency, createdAt],
  );
  const [payment] = await t.dataSource.query<Array<{ id: string }>>(
    `INSERT INTO payments (booking_id, service_id, customer_id, provider_id, status, amount, currency, payment_method, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'PENDING', $5, $6, $7, $8, $8) RETURNING id`,
    [
      booking.id,
      service.id,
      customer.id,
      service.providerId,
      service.price,
      service.currency,
      JSON.stringify({ type: 'card', brand: 'visa', last4: '4242' }),
      createdAt,
    ],
  );
  let transactionId: string | null = null;
  if (input.charge) {
    transactionId = `sim_ch_${randomUUID().replace(/-/g, '')}`;
    const approved = input.charge === 'approved';
    await t.dataSource.query(
      `INSERT INTO simulated_gateway_operations (idempotency_key, kind, approved, transaction_id, amount_minor, currency, decline_reason)
       VALUES ($1, 'charge', $2, $3, $4, $5, $6)`,
      [`charge:${payment.id}`, approved, transactionId, Math.round(service.price * 100), service.currency, approved ? null : 'Card declined by issuer'],
    );
  }
  return { bookingId: booking.id, paymentId: payment.id, transactionId };
}

/** Rows in the tables for one service: what was really written, whatever the API says. */
export async function countRows(t: TestApp, serviceId: string): Promise<{ bookings: number; payments: number; charges: number; succeeded: number }> {
  const [row] = await t.dataSource.query<Array<{ bookings: number; payments: number; charges: number; succeeded: number }>>(
    `SELECT (SELECT count(*) FROM bookings WHERE service_id = $1)::int AS bookings,
            (SELECT count(*) FROM payments WHERE service_id = $1)::int AS payments,
            (SELECT count(*) FROM simulated_gateway_operations g JOIN payments p ON g.idempotency_key = 'charge:' || p.id
              WHERE p.service_id = $1 AND g.kind = 'charge')::int AS charges,
            (SELECT count(*) FROM payments WHERE service_id = $1 AND status = 'SUCCESS')::int AS succeeded`,
    [serviceId],
  );
  return row;
}

/** Moves a booking's time into the past, as if its start had come `minutesAgo` minutes ago (the API cannot book the past). */
export async function startBooking(t: TestApp, bookingId: string, minutesAgo = 30): Promise<void> {
  await t.dataSource.query(
    `UPDATE bookings SET scheduled_at = date_trunc('minute', now()) - make_interval(mins => $2),
                         ends_at = date_trunc('minute', now()) - make_interval(mins => $2) + make_interval(mins => duration_minutes)
      WHERE id = $1`,
    [bookingId, minutesAgo],
  );
}

/** The first start on a 30-minute grid at least `hours` from now, as ISO 8601 UTC (for services open around the clock). */
export function gridStartIn(hours: number): string {
  const step = 30 * 60_000;
  return new Date(Math.ceil((Date.now() + hours * 3_600_000) / step) * step).toISOString();
}

/** Open every day, all day: any start on the grid is bookable. */
export const AROUND_THE_CLOCK = Object.fromEntries(
  ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [day, ['00:00-24:00']]),
);
