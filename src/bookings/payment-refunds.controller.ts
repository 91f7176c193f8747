import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Roles } from '../common/decorators/roles.decorator';
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
  // The operationId it had when PaymentsController served it, so clients generated from the document keep their method name.
  @ApiOperation({ operationId: 'PaymentsController_refund', summary: 'Refund in full (default) or in part (the booking’s provider or an admin)' })
  @ApiOkResponse({ type: PaymentResponse })
  @ApiParam({ name: 'id', format: 'uuid' })
  refund(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: RefundDto): Promise<PaymentResponse> {
    return this.refunds.refund(user, id, dto);
  }
}
