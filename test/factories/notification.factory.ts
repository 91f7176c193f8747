import { randomUUID } from 'node:crypto';
import { BookingCreatedEvent, BookingFacts } from '../../src/bookings/events/booking.events';
import { DomainEvent } from '../../src/common/events/domain-event';
import { UnitOfWork } from '../../src/common/database/unit-of-work';
import type { NotificationResponse } from '../../src/notifications/dto/notification.response';
import { PasswordChangedEvent } from '../../src/users/events/password-changed.event';
import { TestApp } from '../helpers/test-app';
import { TestUser } from './user.factory';

/**
 * Records events through the app's own UnitOfWork, in one transaction, exactly as the services do: the
 * notification rows are written in that transaction and pushed after it commits.
 */
export async function recordEvents(t: TestApp, ...events: DomainEvent[]): Promise<void> {
  await t.app.get(UnitOfWork).run((_manager, record) => {
    for (const event of events) record(event);
    return Promise.resolve();
  });
}

/** The cheapest event that notifies one user (one notification, no e-mail). */
export const passwordChanged = (user: Pick<TestUser, 'id' | 'email'>): PasswordChangedEvent => new PasswordChangedEvent(user.id, user.email, 'profile');

/** `count` notifications for `user`, one transaction each (so one position each). */
export async function notify(t: TestApp, user: Pick<TestUser, 'id' | 'email'>, count = 1): Promise<void> {
  for (let i = 0; i < count; i++) await recordEvents(t, passwordChanged(user));
}

/** What a booking event carries, for a booking between these two users that need not exist. */
export function bookingFacts(customer: TestUser, provider: TestUser, overrides: Partial<BookingFacts> = {}): BookingFacts {
  return {
    bookingId: randomUUID(),
    serviceId: randomUUID(),
    serviceTitle: 'Deep home cleaning',
    serviceTimezone: 'Europe/Berlin',
    customerId: customer.id,
    providerId: provider.id,
    scheduledAt: new Date('2030-01-07T08:00:00Z'),
    durationMinutes: 60,
    amount: 89.5,
    currency: 'USD',
    ...overrides,
  };
}

export const bookingCreated = (customer: TestUser, provider: TestUser, overrides: Partial<BookingFacts> = {}): BookingCreatedEvent =>
  new BookingCreatedEvent(bookingFacts(customer, provider, overrides), randomUUID());

/** The user's stored notifications through the API, newest first. */
export async function listNotifications(t: TestApp, user: TestUser, query = ''): Promise<NotificationResponse[]> {
  const response = await t.http.get(`/notifications/${query}`).set(user.auth).expect(200);
  return response.body as NotificationResponse[];
}
