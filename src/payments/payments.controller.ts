import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { AnyRole } from '../common/decorators/roles.decorator';
import { Page } from '../common/pagination/pagination';
import { Paginated } from '../common/pagination/paginated';
import { ListPaymentsQuery } from './dto/list-payments.query';
import { PaymentResponse } from './dto/payment.response';
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
}
