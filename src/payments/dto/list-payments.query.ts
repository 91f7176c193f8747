import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional } from 'class-validator';
import { PaginationQuery } from '../../common/pagination/pagination';
import { PaymentStatus } from '../payment.entity';

export class ListPaymentsQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: PaymentStatus })
  @IsOptional()
  @IsEnum(PaymentStatus, { message: `status must be one of ${Object.values(PaymentStatus).join(', ')}` })
  status?: PaymentStatus;
}
