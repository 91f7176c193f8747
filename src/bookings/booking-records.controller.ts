import { Controller, Get, Header, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { AnyRole } from '../common/decorators/roles.decorator';
import { BookingRecordsService } from './booking-records.service';
import { BookingHistoryEntryResponse } from './dto/booking-history.response';
import { MAX_HISTORY_ENTRIES } from './history/booking-history.repository';

/** GET /bookings/{id}/history and GET /bookings/{id}/calendar.ics: what is on record about a booking. */
@ApiTags('bookings')
@Controller('bookings')
export class BookingRecordsController {
  constructor(private readonly records: BookingRecordsService) {}

  @AnyRole()
  @Get(':id/history')
  @ApiOperation({
    operationId: 'getBookingHistory',
    summary: 'Every change of a booking, oldest first: what, from and to which status, by whom, why, in which request',
  })
  @ApiOkResponse({
    description: `Oldest first; at most ${MAX_HISTORY_ENTRIES} entries`,
    schema: { type: 'array', items: { $ref: getSchemaPath(BookingHistoryEntryResponse) }, maxItems: MAX_HISTORY_ENTRIES },
  })
  @ApiExtraModels(BookingHistoryEntryResponse)
  @ApiParam({ name: 'id', format: 'uuid' })
  history(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<BookingHistoryEntryResponse[]> {
    return this.records.history(user, id);
  }

  @AnyRole()
  @Get(':id/calendar.ics')
  @Header('Content-Type', 'text/calendar; charset=utf-8')
  @Header('Content-Disposition', 'inline; filename="booking.ics"')
  @ApiOperation({
    operationId: 'getBookingCalendarEvent',
    summary: 'The booking as an iCalendar event (the UID and SEQUENCE its e-mails carry; METHOD:CANCEL once cancelled)',
  })
  @ApiProduces('text/calendar')
  @ApiOkResponse({
    description: 'An iCalendar object (RFC 5545) holding the booking’s one VEVENT',
    content: { 'text/calendar': { schema: { type: 'string', maxLength: 10000 } } },
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  calendar(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<string> {
    return this.records.calendarEvent(user, id);
  }
}
