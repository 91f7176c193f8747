import { Injectable } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { NotFoundError } from '../common/errors/domain.error';
import { BookingEntity } from './booking.entity';
import { assertParty, BookingParty } from './booking-policy';
import { BookingsRepository } from './bookings.repository';

/** A booking is visible to its customer, its provider and admins; to anyone else it does not exist. */
@Injectable()
export class BookingAccess {
  constructor(private readonly bookings: BookingsRepository) {}

  async findForParty(caller: AuthUser, id: string): Promise<{ booking: BookingEntity; party: BookingParty }> {
    const booking = await this.bookings.findById(id);
    if (!booking) throw new NotFoundError('Booking');
    return { booking, party: assertParty(caller, booking, 'Booking') };
  }
}
