import { AuthUser } from '../common/auth/auth-user';
import { IdempotencyClaim } from '../common/idempotency/idempotency.repository';
import { ServiceEntity } from '../services/service.entity';
import { BookingResponse } from './dto/booking.response';
import { CreateBookingDto } from './dto/create-booking.dto';
import { BookingChange } from './history/booking-change';
import { SlotHold } from './holds/slot-hold';

/** A checked booking of a service that takes requests: the service, its time, and who asks. */
export interface RequestToBook {
  customer: AuthUser;
  service: ServiceEntity;
  start: Date;
  end: Date;
  dto: CreateBookingDto;
  /** The customer's hold on this time (`holdId`, checked to match): the request takes its place in its transaction. */
  hold: SlotHold | null;
  idempotency: IdempotencyClaim | null;
  change: BookingChange;
}

/**
 * The way checkout hands a booking of a service with `instantBooking: false` to the request flow
 * (BookingRequestService), without the two files importing each other.
 */
export abstract class BookingRequests {
  abstract request(input: RequestToBook): Promise<BookingResponse>;
}

/** The new booking's row for a checked checkout, instant or by request: who, what, when and the price. */
export function newBookingOf({ customer, service, start, end, dto }: Pick<RequestToBook, 'customer' | 'service' | 'start' | 'end' | 'dto'>) {
  return {
    customerId: customer.id,
    serviceId: service.id,
    providerId: service.providerId,
    scheduledAt: start,
    endsAt: end,
    durationMinutes: service.durationMinutes,
    totalAmount: service.price,
    currency: service.currency,
    notes: dto.notes ?? null,
  };
}
