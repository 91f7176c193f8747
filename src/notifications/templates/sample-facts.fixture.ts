import { BookingFacts } from '../../bookings/events/booking.events';
import { Recipient } from './notification-templates';

/** The parties and the booking the notification specs draft for (test data, not built into dist). */
export const CUSTOMER: Recipient = { id: '00000000-0000-4000-8000-00000000000c', email: 'carol@example.com', firstName: 'Carol' };
export const PROVIDER: Recipient = { id: '00000000-0000-4000-8000-00000000000a', email: 'pat@example.com', firstName: 'Pat' };

// 08:00 UTC on a January Monday is 09:00 in Berlin and 03:00 in New York.
export const SAMPLE_BOOKING: BookingFacts = {
  bookingId: 'b0000000-0000-4000-8000-000000000001',
  serviceId: 's0000000-0000-4000-8000-000000000001',
  serviceTitle: 'Deep home cleaning',
  serviceTimezone: 'Europe/Berlin',
  customerId: CUSTOMER.id,
  providerId: PROVIDER.id,
  scheduledAt: new Date('2030-01-07T08:00:00Z'),
  durationMinutes: 60,
  amount: 89.5,
  currency: 'USD',
};
