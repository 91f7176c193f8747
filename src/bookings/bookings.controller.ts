import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Client, ClientContext } from '../common/decorators/client-context.decorator';
import { ForbiddenError, NotFoundError, UnprocessableError, ValidationFailedError } from '../common/errors/domain.error';
import { AnyRole, Roles } from '../common/decorators/roles.decorator';
import { IdempotencyKeyClaim, Idempotent } from '../common/idempotency/idempotency.interceptor';
import type { IdempotencyClaim } from '../common/idempotency/idempotency.repository';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { Page } from '../common/pagination/pagination';
import { Paginated } from '../common/pagination/paginated';
import { ApiProblems } from '../common/openapi/problem.response';
import { BookingStatus } from './booking.entity';
import { BookingCancellationService } from './booking-cancellation.service';
import {
  BookingChangedError,
  BookingNotStartedError,
  HoldExpiredError,
  HoldMismatchError,
  RequestBeingAcceptedError,
  RequestExpiredError,
  RescheduleTooLateError,
} from './booking.errors';
import { PaymentNotAuthorizedError } from './booking-request.service';
import { PaymentStatus } from '../payments/payment.entity';
import { BookingCheckoutService, PaymentDeclinedError, PaymentUnconfirmedError, SlotTakenError } from './booking-checkout.service';
import { InvalidTransitionError } from './booking-state-machine';
import { BookingsService } from './bookings.service';
import { BookingResponse, CancellationQuoteResponse } from './dto/booking.response';
import { CreateBookingDto } from './dto/create-booking.dto';
import { ListBookingsQuery } from './dto/list-bookings.query';
import { UpdateBookingDto } from './dto/update-booking.dto';
import { RequireVerifiedEmail } from '../users/verified-email.guard';

/** What a start time can fail on, for a new booking and a reschedule alike (see assertBookableTime). */
export const SCHEDULE_PROBLEMS = [
  new UnprocessableError('INVALID_TIME', 'scheduledAt is not a valid instant.', [{ field: 'scheduledAt', message: 'scheduledAt is not a valid instant' }]),
  new UnprocessableError('BOOKING_IN_PAST', 'scheduledAt must be in the future.', [{ field: 'scheduledAt', message: 'scheduledAt must be in the future' }]),
  new UnprocessableError('BOOKING_NOTICE_TOO_SHORT', 'Bookings must start at or after 2030-01-07T14:00:00.000Z.', [
    { field: 'scheduledAt', message: 'scheduledAt is too soon' },
  ]),
  new UnprocessableError('OUTSIDE_AVAILABILITY', "The booking must lie inside one of the service's availability windows (America/New_York).", [
    { field: 'scheduledAt', message: 'scheduledAt is outside the availability windows' },
  ]),
  new UnprocessableError('BEYOND_HORIZON', 'Bookings can start at most 365 days ahead (by 2031-01-07T14:00:00.000Z).', [
    { field: 'scheduledAt', message: 'scheduledAt is beyond the booking horizon' },
  ]),
  new UnprocessableError('OFF_SLOT_GRID', 'scheduledAt must be one of the start times GET /services/{id}/slots offers.', [
    { field: 'scheduledAt', message: 'scheduledAt is not on the slot grid' },
  ]),
];

@ApiTags('bookings')
@Controller('bookings')
export class BookingsController {
  constructor(
    private readonly checkout: BookingCheckoutService,
    private readonly bookings: BookingsService,
    private readonly cancellation: BookingCancellationService,
  ) {}

  @Roles(Role.CUSTOMER)
  @RateLimit({ policy: 'booking', by: 'user' })
  @RequireVerifiedEmail()
  @Post()
  @Idempotent({ outcomes: BookingCheckoutService })
  @ApiOperation({
    operationId: 'createBooking',
    summary: 'Book a service and pay for it (customers)',
    description:
      'For a service with instantBooking false the booking is a request: 201 with status PENDING and its payment AUTHORIZED (funds held, not taken) until the provider accepts or declines it, or it expires (requestExpiresAt).',
  })
  @ApiCreatedResponse({ type: BookingResponse })
  @ApiProblems(
    new PaymentDeclinedError('Card declined by issuer'),
    new SlotTakenError(),
    new NotFoundError('Service'),
    new UnprocessableError('AMOUNT_MISMATCH', 'payment.amount must equal the service price (75.5).', [
      { field: 'payment.amount', message: 'must equal the service price 75.5' },
    ]),
    new UnprocessableError('CURRENCY_MISMATCH', 'payment.currency must be USD.', [{ field: 'payment.currency', message: 'must be USD' }]),
    ...SCHEDULE_PROBLEMS,
    new PaymentUnconfirmedError(),
    new NotFoundError('Hold'),
    new HoldExpiredError(),
    new HoldMismatchError(),
  )
  create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateBookingDto,
    @IdempotencyKeyClaim() idempotency: IdempotencyClaim | null,
    @Client() client: ClientContext,
  ): Promise<BookingResponse> {
    return this.checkout.book(user, dto, idempotency, client);
  }

  @AnyRole()
  @Get()
  @ApiOperation({ operationId: 'listBookings', summary: 'Bookings: a customer’s own, a provider’s for their services, all for admins' })
  @Paginated(BookingResponse)
  list(@CurrentUser() user: AuthUser, @Query() query: ListBookingsQuery): Promise<Page<BookingResponse>> {
    return this.bookings.list(user, query);
  }

  @AnyRole()
  @Get(':id')
  @ApiOperation({ operationId: 'getBooking', summary: 'One booking, with what the caller may do with it' })
  @ApiOkResponse({ type: BookingResponse })
  @ApiParam({ name: 'id', format: 'uuid' })
  findOne(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<BookingResponse> {
    return this.bookings.get(user, id);
  }

  @AnyRole()
  @Get(':id/cancellation-quote')
  @ApiOperation({ operationId: 'getCancellationQuote', summary: 'What cancelling now would refund to the caller' })
  @ApiOkResponse({ type: CancellationQuoteResponse })
  @ApiParam({ name: 'id', format: 'uuid' })
  quote(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<CancellationQuoteResponse> {
    return this.cancellation.quote(user, id);
  }

  @AnyRole()
  @Put(':id')
  @ApiOperation({
    operationId: 'updateBooking',
    summary: 'Accept a request or complete (provider), reschedule or edit notes (customer)',
    description:
      'status CONFIRMED accepts a booking request (provider or admin): its held funds are captured (payment SUCCESS). Two accepts at once capture once: the other answers 409.',
  })
  @ApiOkResponse({ type: BookingResponse })
  @ApiProblems(
    new ValidationFailedError([{ field: 'body', message: 'send exactly one of status, scheduledAt or notes' }]),
    new ForbiddenError('Only the provider or an admin can mark a booking completed.'),
    new ForbiddenError('This service has been removed: the booking cannot be moved.', 'SERVICE_REMOVED'),
    new ForbiddenError('Only the provider or an admin can accept a booking request.'),
    new InvalidTransitionError(BookingStatus.CANCELLED, BookingStatus.COMPLETED),
    new RequestExpiredError(new Date('2030-01-07T14:00:00.000Z')),
    new RequestBeingAcceptedError(),
    new PaymentNotAuthorizedError(PaymentStatus.VOIDED),
    new PaymentDeclinedError('the held funds could not be captured (The authorization was voided)'),
    new PaymentUnconfirmedError(),
    new SlotTakenError(),
    new BookingChangedError(),
    new RescheduleTooLateError(24),
    new BookingNotStartedError(new Date('2030-01-07T14:00:00.000Z')),
    ...SCHEDULE_PROBLEMS,
  )
  @ApiParam({ name: 'id', format: 'uuid' })
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateBookingDto,
    @Client() client: ClientContext,
  ): Promise<BookingResponse> {
    return this.bookings.update(user, id, dto, client);
  }

  @AnyRole()
  @Delete(':id')
  @ApiOperation({
    operationId: 'cancelBooking',
    summary: 'Cancel: frees the slot and refunds by the policy',
    description:
      'On a booking request still PENDING: the provider (or an admin) declines it, its customer withdraws it; the held funds are released (payment VOIDED).',
  })
  @ApiOkResponse({ type: BookingResponse })
  @ApiProblems(new InvalidTransitionError(BookingStatus.CANCELLED, BookingStatus.CANCELLED), new BookingChangedError(), new RequestBeingAcceptedError())
  @ApiParam({ name: 'id', format: 'uuid' })
  cancel(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Client() client: ClientContext): Promise<BookingResponse> {
    return this.cancellation.cancel(user, id, client);
  }
}
