import { Injectable } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { BookingStatus } from './booking.entity';
import { BookingAccess } from './booking-access';
import { BookingsRepository } from './bookings.repository';
import { BookingCalendar } from './calendar/booking-calendar';
import { BookingHistoryEntryResponse, toHistoryEntryResponse } from './dto/booking-history.response';
import { BookingHistoryRepository } from './history/booking-history.repository';

/** What is on record about a booking, for its parties (and admins): its history and its calendar event. */
@Injectable()
export class BookingRecordsService {
  constructor(
    private readonly access: BookingAccess,
    private readonly bookings: BookingsRepository,
    private readonly historyRows: BookingHistoryRepository,
    private readonly calendar: BookingCalendar,
  ) {}

  async history(caller: AuthUser, id: string): Promise<BookingHistoryEntryResponse[]> {
    const { booking } = await this.access.findForParty(caller, id);
    return (await this.historyRows.listFor(booking.id)).map(toHistoryEntryResponse);
  }

  /** The event its e-mails last sent (same UID and SEQUENCE): REQUEST while the booking stands, CANCEL once cancelled. */
  async calendarEvent(caller: AuthUser, id: string): Promise<string> {
    const { booking } = await this.access.findForParty(caller, id);
    const facts = await this.bookings.findFacts(null, booking.id);
    return this.calendar.render(facts, booking.status === BookingStatus.CANCELLED ? 'CANCEL' : 'REQUEST', [], booking.updatedAt);
  }
}
