import { PickType } from '@nestjs/swagger';
import { CreateBookingDto } from '../../dto/create-booking.dto';

/** The service and start a hold keeps, validated as a booking's are. */
export class CreateSlotHoldDto extends PickType(CreateBookingDto, ['serviceId', 'scheduledAt'] as const) {}
