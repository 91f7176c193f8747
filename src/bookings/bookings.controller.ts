import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { AnyRole, Roles } from '../common/decorators/roles.decorator';
import { IdempotencyKeyClaim, Idempotent } from '../common/idempotency/idempotency.interceptor';
import type { IdempotencyClaim } from '../common/idempotency/idempotency.repository';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { Page } from '../common/pagination/pagination';
import { Paginated } from '../common/pagination/paginated';
import { BookingCancellationService } from './booking-cancellation.service';
import { BookingCheckoutService } from './booking-checkout.service';
import { BookingsService } from './bookings.service';
import { BookingResponse, CancellationQuoteResponse } from './dto/booking.response';
import { CreateBookingDto } from './dto/create-booking.dto';
import { ListBookingsQuery } from './dto/list-bookings.query';
import { UpdateBookingDto } from './dto/update-booking.dto';

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
  @Post()
  @Idempotent({ outcomes: BookingCheckoutService })
  @ApiOperation({ summary: 'Book a service and pay for it (customers)' })
  @ApiCreatedResponse({ type: BookingResponse })
  @ApiResponse({ status: 402, description: 'Payment declined (PAYMENT_DECLINED): no booking was made' })
  @ApiResponse({
    status: 409,
    description: 'The provider is already booked then (SLOT_TAKEN), or this Idempotency-Key’s first request has not settled yet (IDEMPOTENCY_KEY_IN_USE, with Retry-After)',
  })
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateBookingDto, @IdempotencyKeyClaim() idempotency: IdempotencyClaim | null): Promise<BookingResponse> {
    return this.checkout.book(user, dto, idempotency);
  }

  @AnyRole()
  @Get()
  @ApiOperation({ summary: 'Bookings: a customer’s own, a provider’s for their services, all for admins' })
  @Paginated(BookingResponse)
  list(@CurrentUser() user: AuthUser, @Query() query: ListBookingsQuery): Promise<Page<BookingResponse>> {
    return this.bookings.list(user, query);
  }

  @AnyRole()
  @Get(':id')
  @ApiOperation({ summary: 'One booking, with what the caller may do with it' })
  @ApiOkResponse({ type: BookingResponse })
  @ApiParam({ name: 'id', format: 'uuid' })
  findOne(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<BookingResponse> {
    return this.bookings.get(user, id);
  }

  @AnyRole()
  @Get(':id/cancellation-quote')
  @ApiOperation({ summary: 'What cancelling now would refund to the caller' })
  @ApiOkResponse({ type: CancellationQuoteResponse })
  @ApiParam({ name: 'id', format: 'uuid' })
  quote(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<CancellationQuoteResponse> {
    return this.cancellation.quote(user, id);
  }

  @AnyRole()
  @Put(':id')
  @ApiOperation({ summary: 'Complete (provider), reschedule or edit notes (customer)' })
  @ApiOkResponse({ type: BookingResponse })
  @ApiParam({ name: 'id', format: 'uuid' })
  update(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateBookingDto): Promise<BookingResponse> {
    return this.bookings.update(user, id, dto);
  }

  @AnyRole()
  @Delete(':id')
  @ApiOperation({ summary: 'Cancel: frees the slot and refunds by the policy' })
  @ApiOkResponse({ type: BookingResponse })
  @ApiParam({ name: 'id', format: 'uuid' })
  cancel(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<BookingResponse> {
    return this.cancellation.cancel(user, id);
  }
}
