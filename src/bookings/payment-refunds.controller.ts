import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Client, ClientContext } from '../common/decorators/client-context.decorator';
import { Roles } from '../common/decorators/roles.decorator';
import { ConflictError, ForbiddenError, UnprocessableError } from '../common/errors/domain.error';
import { ApiProblems } from '../common/openapi/problem.response';
import { Idempotent } from '../common/idempotency/idempotency.interceptor';
import { PaymentResponse } from '../payments/dto/payment.response';
import { RefundDto } from '../payments/dto/refund.dto';
import { BookingRefundService } from './booking-refund.service';

/**
 * POST /payments/{id}/refund, where clients call it; it lives here because a full refund also cancels the
 * booking, and payments/ sits below bookings/.
 */
@ApiTags('payments')
@Controller('payments')
export class PaymentRefundsController {
  constructor(private readonly refunds: BookingRefundService) {}

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
  refund(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RefundDto,
    @Client() client: ClientContext,
  ): Promise<PaymentResponse> {
    return this.refunds.refund(user, id, dto, client);
  }
}
