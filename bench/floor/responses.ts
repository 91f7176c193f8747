import type { FastifyReply } from 'fastify';
import type { ServiceRow } from './rows';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const serviceResponse = (row: ServiceRow) => ({
  id: row.id,
  providerId: row.provider_id,
  title: row.title,
  description: row.description,
  category: row.category,
  price: Number(row.price),
  currency: row.currency,
  durationMinutes: row.duration_minutes,
  availability: row.availability,
  dateOverrides: row.date_overrides ?? {},
  minimumNoticeMinutes: row.minimum_notice_minutes ?? null,
  bookingHorizonDays: row.booking_horizon_days ?? null,
  slotIntervalMinutes: row.slot_interval_minutes ?? null,
  images: row.images,
  timezone: row.timezone,
  bufferBeforeMinutes: row.buffer_before_minutes,
  bufferAfterMinutes: row.buffer_after_minutes,
  status: row.status,
  isActive: row.status === 'ACTIVE',
  instantBooking: row.instant_booking,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const problem = (reply: FastifyReply, status: number, detail: string) => reply.code(status).type('application/problem+json').send({ status, detail });
