import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ConflictError, ForbiddenError, UnprocessableError } from '../common/errors/domain.error';
import { ApiProblems } from '../common/openapi/problem.response';
import { AnyRole, Roles } from '../common/decorators/roles.decorator';
import { Idempotent } from '../common/idempotency/idempotency.interceptor';
import { Page } from '../common/pagination/pagination';
import { Paginated } from '../common/pagination/paginated';
import { ListPaymentsQuery } from './dto/list-payments.query';
import { PaymentResponse } from './dto/payment.response';
import { RefundDto } from './dto/refund.dto';
import { PaymentsService } from './payments.service';

@ApiTags('payments')
@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @AnyRole()
  @Get()
  @ApiOperation({ operationId: 'listPayments', summary: 'Payments: a customer’s own, a provider’s for their bookings, all for admins' })
  @Paginated(PaymentResponse)
  list(@CurrentUser() user: AuthUser, @Query() query: ListPaymentsQuery): Promise<Page<PaymentResponse>> {
    return this.payments.list(user, query);
  }

  @AnyRole()
  @Get(':id')
  @ApiOperation({ operationId: 'getPayment', summary: 'One payment (its customer, provider or an admin)' })
  @ApiOkResponse({ type: PaymentResponse })
  @ApiParam({ name: 'id', format: 'uuid' })
  findOne(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<PaymentResponse> {
    return this.payments.get(user, id);
  }

  @Roles(Role.CUSTOMER, Role.PROVIDER, Role.ADMIN)
  @Post(':id/refund')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ operationId: 'refundPayment', summary: 'Refund in full (default) or in part (the booking’s provider or an admin)' })
  @ApiOkResponse({ type: PaymentResponse })
  @ApiProblems(
    new ForbiddenError('Only the provider or an admin can refund a payment.'),
    new ConflictError('NOTHING_TO_REFUND', 'This payment has been refunded in full already.'),
    new UnprocessableError('REFUND_EXCEEDS_PAYMENT', 'At most 20 USD can still be refunded.', [{ field: 'amount', message: 'amount must not exceed 20' }]),
  )
  @ApiParam({ name: 'id', format: 'uuid' })
  refund(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: RefundDto): Promise<PaymentResponse> {
    return this.payments.refund(user, id, dto);
  }
}
