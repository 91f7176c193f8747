import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { PaginationQuery } from '../../common/pagination/pagination';
import { BookingStatus } from '../booking.entity';

export class ListBookingsQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: BookingStatus })
  @IsOptional()
  @IsEnum(BookingStatus, { message: 'status must be PENDING, CONFIRMED, COMPLETED or CANCELLED' })
  status?: BookingStatus;

  @ApiPropertyOptional({ example: '2030-01-01', description: 'Starting at or after (date or date-time)', maxLength: 35 })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date or date-time' })
  from?: string;

  @ApiPropertyOptional({ example: '2030-02-01', description: 'Starting before (date or date-time)', maxLength: 35 })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date or date-time' })
  to?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'serviceId must be a UUID' })
  serviceId?: string;
}
