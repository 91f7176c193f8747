import { Body, Controller, Delete, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../../common/auth/auth-user';
import { Role } from '../../common/auth/role.enum';
import { CurrentUser } from '../../common/decorators/current-user.decorator';
import { Roles } from '../../common/decorators/roles.decorator';
import { NotFoundError } from '../../common/errors/domain.error';
import { ApiProblems } from '../../common/openapi/problem.response';
import { RateLimit } from '../../common/rate-limit/rate-limit.decorator';
import { RequireVerifiedEmail } from '../../users/verified-email.guard';
import { SlotTakenError } from '../booking-checkout.service';
import { TooManyHoldsError } from '../booking.errors';
import { SCHEDULE_PROBLEMS } from '../bookings.controller';
import { CreateSlotHoldDto } from './dto/create-slot-hold.dto';
import { SlotHoldResponse } from './dto/slot-hold.response';
import { SlotHoldsService } from './slot-holds.service';

@ApiTags('bookings')
@Controller('bookings/holds')
export class SlotHoldsController {
  constructor(private readonly holds: SlotHoldsService) {}

  @Roles(Role.CUSTOMER)
  @RateLimit({ policy: 'booking', by: 'user' })
  @RequireVerifiedEmail()
  @Post()
  @ApiOperation({
    operationId: 'holdSlot',
    summary: 'Hold a slot while paying (customers): nobody else can hold or book it until expiresAt; book it with holdId',
  })
  @ApiCreatedResponse({ type: SlotHoldResponse })
  @ApiProblems(new SlotTakenError(), new TooManyHoldsError(3), new NotFoundError('Service'), ...SCHEDULE_PROBLEMS)
  hold(@CurrentUser() user: AuthUser, @Body() dto: CreateSlotHoldDto): Promise<SlotHoldResponse> {
    return this.holds.hold(user, dto);
  }

  @Roles(Role.CUSTOMER)
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'releaseSlotHold', summary: 'Release one of your slot holds: its time is offered again at once' })
  @ApiNoContentResponse({ description: 'Released' })
  @ApiProblems(new NotFoundError('Hold'))
  @ApiParam({ name: 'id', format: 'uuid' })
  release(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.holds.release(user, id);
  }
}
