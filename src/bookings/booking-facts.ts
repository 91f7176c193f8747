import { EntityManager } from 'typeorm';
import { PaymentFacts } from '../payments/events/payment.events';
import { BookingFacts } from './events/booking.events';

/** What the events of a booking say about it, as one row (the floor server of the bench reads the same). */
export interface FactsRow {
  id: string;
  service_id: string;
  title: string;
  timezone: string;
  customer_id: string;
  provider_id: string;
  scheduled_at: Date;
  duration_minutes: number;
  total_amount: string;
  currency: string;
}

/** What a notification needs to know about a booking, read inside the caller's transaction. */
export async function loadBookingFacts(manager: EntityManager, bookingId: string): Promise<BookingFacts> {
  const [row]: FactsRow[] = await manager.query(
    `SELECT b.id, b.service_id, s.title, s.timezone, b.customer_id, b.provider_id, b.scheduled_at,
            b.duration_minutes, b.total_amount, b.currency
       FROM bookings b JOIN services s ON s.id = b.service_id
      WHERE b.id = $1`,
    [bookingId],
  );
  return {
    bookingId: row.id,
    serviceId: row.service_id,
    serviceTitle: row.title,
    serviceTimezone: row.timezone,
    customerId: row.customer_id,
    providerId: row.provider_id,
    scheduledAt: row.scheduled_at,
    durationMinutes: row.duration_minutes,
    amount: Number(row.total_amount),
    currency: row.currency.trim(),
  };
}

export function paymentFactsOf(
  payment: { id: string; bookingId: string | null; serviceId: string; customerId: string; providerId: string; amount: number; currency: string },
  serviceTitle: string,
): PaymentFacts {
  return {
    paymentId: payment.id,
    bookingId: payment.bookingId,
    serviceId: payment.serviceId,
    serviceTitle,
    customerId: payment.customerId,
    providerId: payment.providerId,
    amount: Number(payment.amount),
    currency: payment.currency.trim(),
  };
}

export async function serviceTitleOf(manager: EntityManager, serviceId: string): Promise<string> {
  const [row]: Array<{ title: string }> = await manager.query('SELECT title FROM services WHERE id = $1', [serviceId]);
  return row?.title ?? '';
}
