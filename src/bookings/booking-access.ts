import { Injectable } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { NotFoundError } from '../common/errors/domain.error';
import { BookingEntity } from './booking.entity';
import { BookingsRepository } from './bookings.repository';

/** A booking is visible to its customer, its provider and admins; to anyone else it does not exist. */
@Injectable()
export class BookingAccess {
  constructor(private readonly bookings: BookingsRepository) {}

  async findForParty(caller: AuthUser, id: string): Promise<BookingEntity> {
    const booking = await this.bookings.findById(id);
    if (!booking || !(caller.role === Role.ADMIN || booking.customerId === caller.id || booking.providerId === caller.id)) {
      throw new NotFoundError('Booking');
    }
    return booking;
  }
}
