import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { PoolClient } from 'pg';
import { BookingCreatedEvent, BookingFacts } from '../../src/bookings/events/booking.events';
import { PaymentSucceededEvent } from '../../src/payments/events/payment.events';
import { DateTime } from 'luxon';
import { fitsInWindow, generateSlots } from '../../src/services/availability/slot-generator';
import { authenticate } from './auth';
import { pool } from './context';
import { sendSoon } from './mail';
import { publishLive, recordEvents } from './notifications';
import { problem, UUID } from './responses';
import type { MovedRow, NotificationRow, ServiceRow } from './rows';
import { BOOKING_COLUMNS, PAYMENT_COLUMNS, QUALIFIED_BOOKING_COLUMNS, rows, SERVICE_BY_ID, transaction } from './sql';

/** The app's booking history row (BookingHistoryRepository.append). */
const HISTORY_INSERT = `INSERT INTO booking_history (booking_id, action, from_status, to_status, actor_id, actor_role, reason, request_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
/**
 * The app's status compare-and-swap (BookingsRepository.transition), which reports the status it moved from
 * and answers the booking as moved with its facts (nothing is read back).
 */
const TRANSITION = `WITH previous AS (SELECT id, status FROM bookings WHERE id = $1 AND status = ANY($2::varchar[]) FOR NO KEY UPDATE),
       moved AS (
         UPDATE bookings b
            SET status = $3, updated_at = CURRENT_TIMESTAMP,
                calendar_sequence = b.calendar_sequence + CASE WHEN $3::varchar = $4::varchar THEN 1 ELSE 0 END
           FROM previous WHERE b.id = previous.id
         RETURNING ${QUALIFIED_BOOKING_COLUMNS}, previous.status AS from_status
       )
       SELECT b.*, s.title, s.timezone, concat_ws(' ', u.first_name, u.last_name) AS customer_name, u.phone AS customer_phone, u.address AS customer_address FROM moved b JOIN services s ON s.id = b.service_id JOIN users u ON u.id = b.customer_id`;

/** Either exclusion constraint on a provider's time (`provider_time_no_overlap`, `bookings_provider_no_overlap`): SLOT_TAKEN. */
const EXCLUSION_VIOLATION = '23P01';

interface BookingBody {
  serviceId: string;
  scheduledAt: string;
  notes?: string;
  payment: { amount: number; currency: string; paymentMethod: { type: string; brand: string; last4: string } };
}

/** The app's defaults (MIN_BOOKING_NOTICE_MINUTES, BOOKING_HORIZON_DAYS, SLOT_INTERVAL_MINUTES) where a service has no rule of its own. */
const PLATFORM = { noticeMinutes: 0, horizonDays: 365, intervalMinutes: 30 };

/** As the app's BookableTime.assertBookable: after the notice, within the horizon, inside a window, on the slot grid. */
function bookable(service: ServiceRow, start: Date): boolean {
  const now = Date.now();
  if (Number.isNaN(start.getTime()) || start.getTime() <= now) return false;
  if (start.getTime() < now + (service.minimum_notice_minutes ?? PLATFORM.noticeMinutes) * 60_000) return false;
  if (start.getTime() > now + (service.booking_horizon_days ?? PLATFORM.horizonDays) * 86_400_000) return false;
  if (!fitsInWindow(service.availability, service.timezone, start, service.duration_minutes, service.date_overrides)) return false;
  const day = DateTime.fromJSDate(start, { zone: service.timezone }).toISODate();
  if (!day) return false;
  return generateSlots({
    availability: service.availability,
    dateOverrides: service.date_overrides,
    timezone: service.timezone,
    durationMinutes: service.duration_minutes,
    intervalMinutes: service.slot_interval_minutes ?? PLATFORM.intervalMinutes,
    fromDate: day,
    toDate: day,
    notBefore: new Date(start.getTime() - 1),
    busy: [],
  }).some((slot) => slot.start.getTime() === start.getTime());
}

/** As the app's BookingsRepository.lockSchedule: the provider's lock, then its expired slot holds cleared (one function). */
const lockSchedule = (client: PoolClient, providerId: string) => client.query('SELECT lock_provider_schedule($1)', [providerId]);

/** Scenario 4: book and pay in one call, as the app's checkout does it (hold, charge, confirm with the outbox). */
export function registerBookingRoutes(app: FastifyInstance): void {
  app.post('/bookings/', async (request, reply) => {
    const customer = await authenticate(request.headers.authorization);
    if (!customer) return problem(reply, 401, 'A valid bearer token is required.');
    if (customer.role !== 'CUSTOMER') return problem(reply, 403, 'Your role does not allow this action.');
    const body = request.body as BookingBody;
    if (!body || !UUID.test(body.serviceId) || typeof body.scheduledAt !== 'string' || typeof body.payment?.amount !== 'number')
      return problem(reply, 400, 'invalid body');
    const [service] = await rows<ServiceRow>(pool, SERVICE_BY_ID, [body.serviceId]);
    if (!service || service.status !== 'ACTIVE' || service.deleted_at || !service.provider_active) return problem(reply, 404, 'Service not found');
    const start = new Date(body.scheduledAt);
    if (!bookable(service, start)) return problem(reply, 422, 'not bookable then');
    const end = new Date(start.getTime() + service.duration_minutes * 60_000);
    if (Math.round(body.payment.amount * 100) !== Math.round(Number(service.price) * 100) || body.payment.currency !== service.currency.trim()) {
      return problem(reply, 422, 'amount or currency mismatch');
    }

    // 1. Hold the slot: a PENDING booking and a PENDING payment.
    let payment: { id: string; booking_id: string; amount: string; currency: string; payment_method: unknown };
    try {
      payment = await transaction(async (client) => {
        await lockSchedule(client, service.provider_id);
        const [booking] = await rows<{ id: string }>(
          client,
          {
            text: `INSERT INTO bookings (customer_id, service_id, provider_id, status, scheduled_at, ends_at, duration_minutes, total_amount, currency, notes)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                   RETURNING ${BOOKING_COLUMNS}`,
          },
          [
            customer.id,
            service.id,
            service.provider_id,
            'PENDING',
            start,
            end,
            service.duration_minutes,
            Number(service.price),
            service.currency,
            body.notes ?? null,
          ],
        );
        // Its history's first row, as the app's repository writes it (the customer, this request).
        await client.query(HISTORY_INSERT, [booking.id, 'created', null, 'PENDING', customer.id, 'CUSTOMER', null, String(request.id), null]);
        const { type, brand, last4 } = body.payment.paymentMethod;
        const [row] = await rows<typeof payment>(
          client,
          {
            text: `INSERT INTO payments (booking_id, service_id, scheduled_at, customer_id, provider_id, status, amount, refunded_amount, currency, transaction_id, payment_method, failure_reason)
                   VALUES ($1, $2, $9, $3, $4, $5, $6, 0, $7, NULL, $8, NULL)
                   RETURNING ${PAYMENT_COLUMNS}`,
          },
          [booking.id, service.id, customer.id, service.provider_id, 'PENDING', Number(service.price), service.currency, { type, brand, last4 }, start],
        );
        return row;
      });
    } catch (error) {
      if ((error as { code?: string }).code === EXCLUSION_VIOLATION) return problem(reply, 409, 'The provider is already booked at that time.');
      throw error;
    }

    // 2. Charge (the simulated processor's record, as the app's gateway writes it).
    const [charge] = await rows<{ approved: boolean; transaction_id: string }>(
      pool,
      {
        text: `WITH inserted AS (
                 INSERT INTO simulated_gateway_operations (idempotency_key, kind, approved, transaction_id, amount_minor, currency, decline_reason)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (idempotency_key) DO NOTHING
                 RETURNING kind, approved, transaction_id, decline_reason)
               SELECT * FROM inserted
               UNION ALL
               SELECT kind, approved, transaction_id, decline_reason FROM simulated_gateway_operations WHERE idempotency_key = $1
               LIMIT 1`,
      },
      [`charge:${payment.id}`, 'charge', true, `sim_ch_${randomUUID().replace(/-/g, '')}`, Math.round(Number(payment.amount) * 100), payment.currency, null],
    );

    // 3. Confirm both, with the notifications and e-mails in the same transaction.
    const published: NotificationRow[] = [];
    const emails: string[] = [];
    const booking = await transaction(async (client) => {
      await lockSchedule(client, service.provider_id);
      const [moved] = await rows<MovedRow>(client, { text: TRANSITION }, [payment.booking_id, ['PENDING'], 'CONFIRMED', 'CANCELLED']);
      if (!moved) throw new Error('the booking was settled by another path');
      await client.query(HISTORY_INSERT, [
        payment.booking_id,
        'confirmed',
        moved.from_status,
        'CONFIRMED',
        customer.id,
        'CUSTOMER',
        'Payment approved',
        String(request.id),
        { paymentId: payment.id },
      ]);
      await client.query('UPDATE payments SET status = $3, transaction_id = $2, updated_at = CURRENT_TIMESTAMP WHERE id = $1 AND status = $4', [
        payment.id,
        charge.transaction_id,
        'SUCCESS',
        'PENDING',
      ]);
      const bookingFacts: BookingFacts = {
        bookingId: moved.id,
        serviceId: moved.service_id,
        serviceTitle: moved.title,
        serviceTimezone: moved.timezone,
        customerId: moved.customer_id,
        providerId: moved.provider_id,
        scheduledAt: moved.scheduled_at,
        durationMinutes: moved.duration_minutes,
        amount: Number(moved.total_amount),
        currency: moved.currency.trim(),
        calendarSequence: moved.calendar_sequence,
        customer: { name: moved.customer_name, phone: moved.customer_phone, address: moved.customer_address, notes: moved.notes },
      };
      const paymentFacts = {
        paymentId: payment.id,
        bookingId: payment.booking_id,
        serviceId: service.id,
        serviceTitle: moved.title,
        customerId: customer.id,
        providerId: service.provider_id,
        amount: Number(payment.amount),
        currency: payment.currency.trim(),
      };
      await recordEvents(
        client,
        [new BookingCreatedEvent(bookingFacts, payment.id), new PaymentSucceededEvent(paymentFacts, charge.transaction_id)],
        { scheduledAt: moved.scheduled_at, timezone: moved.timezone },
        published,
        emails,
      );
      return moved;
    });

    // After commit: live notifications through Redis, then the e-mails.
    void publishLive(published).then(() => sendSoon(emails));

    return reply.code(201).send({
      id: booking.id,
      customerId: booking.customer_id,
      serviceId: booking.service_id,
      providerId: booking.provider_id,
      status: booking.status,
      scheduledAt: booking.scheduled_at,
      duration: booking.duration_minutes,
      totalAmount: Number(booking.total_amount),
      currency: String(booking.currency).trim(),
      notes: booking.notes,
      createdAt: booking.created_at,
      updatedAt: booking.updated_at,
      paymentId: payment.id,
    });
  });
}
