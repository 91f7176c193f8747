import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Trim } from '../../common/validation/transforms';
import { BookingStatus } from '../booking.entity';

export class UpdateBookingDto {
  @ApiPropertyOptional({ enum: BookingStatus, description: 'COMPLETED by the provider or an admin; CANCELLED like DELETE' })
  @IsOptional()
  @IsEnum(BookingStatus, { message: 'status must be PENDING, CONFIRMED, COMPLETED or CANCELLED' })
  status?: BookingStatus;

  @ApiPropertyOptional({ example: '2030-01-08T09:00:00Z', format: 'date-time', description: 'Reschedule (the customer or an admin)' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'scheduledAt must be an ISO 8601 date-time' })
  @Matches(/T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/, { message: 'scheduledAt must include a time and a zone offset (or Z)' })
  scheduledAt?: string;

  @ApiPropertyOptional({ maxLength: 2000, nullable: true })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}
