import { randomUUID } from 'node:crypto';
import type { ServiceResponse } from '../../src/services/dto/service.response';
import { TestApp } from '../helpers/test-app';
import { TestUser } from './user.factory';

export type ServiceBody = Record<string, unknown>;

/** A slug no other suite (or earlier run) uses, so category filters and counts are exact. */
export const uniqueCategory = (prefix = 'cat'): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

/** A body `POST /services/` accepts; `overrides` replace fields (`undefined` drops one). */
export function validServiceBody(overrides: ServiceBody = {}): ServiceBody {
  const body: ServiceBody = {
    title: 'Deep home cleaning',
    description: 'Two cleaners, all rooms, eco products.',
    category: 'home_services',
    price: 89.5,
    currency: 'USD',
    durationMinutes: 60,
    availability: { monday: ['09:00-12:00', '13:00-17:00'], saturday: ['10:00-14:00'] },
    images: ['https://images.example.com/cleaning.jpg'],
    isActive: true,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

/** Offers a service as `provider` through the API. */
export async function createService(t: TestApp, provider: TestUser, overrides: ServiceBody = {}): Promise<ServiceResponse> {
  const response = await t.http.post('/services/').set(provider.auth).send(validServiceBody(overrides)).expect(201);
  return response.body as ServiceResponse;
}

export type BookingStatus = 'PENDING' | 'CONFIRMED' | 'COMPLETED' | 'CANCELLED';

export interface BookingRow {
  customerId: string;
  serviceId: string;
  providerId: string;
  status: BookingStatus;
  scheduledAt: Date | string;
  durationMinutes: number;
  totalAmount?: number;
  currency?: string;
}

/**
 * Inserts a booking straight into `bookings` (the catalog's view of a provider's busy time), bypassing the
 * bookings API so these suites depend only on the table. Returns the new id.
 */
export async function insertBooking(t: TestApp, booking: BookingRow): Promise<string> {
  const scheduledAt = new Date(booking.scheduledAt);
  const endsAt = new Date(scheduledAt.getTime() + booking.durationMinutes * 60_000);
  const [row] = await t.dataSource.query<Array<{ id: string }>>(
    `INSERT INTO bookings (customer_id, service_id, provider_id, status, scheduled_at, ends_at, duration_minutes, total_amount, currency)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [
      booking.customerId,
      booking.serviceId,
      booking.providerId,
      booking.status,
      scheduledAt,
      endsAt,
      booking.durationMinutes,
      booking.totalAmount ?? 50,
      booking.currency ?? 'USD',
    ],
  );
  return row.id;
}
