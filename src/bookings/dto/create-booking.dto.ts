import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsISO4217CurrencyCode,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MaxDecimalPlaces } from '../../common/validation/decimal-places';
import { EXAMPLE_BOOKING_START, EXAMPLE_SERVICE } from '../../database/seeds/sample-services';
import { Trim } from '../../common/validation/transforms';

const upperCase = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);
const lowerCase = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export const PAYMENT_METHOD_TYPES = ['card'] as const;

/** Only what may be kept of a card; a card number sent here is refused as an unknown field. */
export class PaymentMethodDto {
  @ApiProperty({ enum: PAYMENT_METHOD_TYPES, example: 'card' })
  @Transform(lowerCase)
  @IsIn(PAYMENT_METHOD_TYPES, { message: 'paymentMethod.type must be card' })
  type: string;

  @ApiProperty({ example: '4242', pattern: '^\\d{4}$', maxLength: 4 })
  @IsString()
  @Matches(/^\d{4}$/, { message: 'paymentMethod.last4 must be 4 digits' })
  last4: string;

  @ApiProperty({ example: 'visa', pattern: '^[A-Za-z][A-Za-z0-9 _-]{0,31}$', maxLength: 32 })
  @Transform(lowerCase)
  @IsString()
  @Matches(/^[a-z][a-z0-9 _-]{0,31}$/, { message: 'paymentMethod.brand must be a card brand such as visa' })
  brand: string;
}

export class BookingPaymentDto {
  @ApiProperty({ example: EXAMPLE_SERVICE.price, description: 'Must equal the service price', minimum: 0.01, maximum: 999_999.99 })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'payment.amount must be a number with at most 2 decimals' })
  @MaxDecimalPlaces(2, { message: 'payment.amount must be a number with at most 2 decimals' })
  @Min(0.01)
  @Max(999_999.99)
  amount: number;

  @ApiProperty({ example: EXAMPLE_SERVICE.currency, description: 'Must equal the service currency', pattern: '^[A-Za-z]{3}$', maxLength: 3 })
  @Transform(upperCase)
  @IsString()
  @IsISO4217CurrencyCode({ message: 'payment.currency must be an ISO 4217 code' })
  currency: string;

  @ApiProperty({ type: PaymentMethodDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PaymentMethodDto)
  paymentMethod: PaymentMethodDto;
}

export class CreateBookingDto {
  // The examples book a seeded sample service, so that "Try it out" succeeds on a database with the samples.
  @ApiProperty({ format: 'uuid', example: EXAMPLE_SERVICE.id })
  @IsUUID('all', { message: 'serviceId must be a UUID' })
  serviceId: string;

  @ApiProperty({ example: EXAMPLE_BOOKING_START, format: 'date-time', description: 'ISO 8601 with a zone offset or Z' })
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'scheduledAt must be an ISO 8601 date-time' })
  @Matches(/T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/, { message: 'scheduledAt must include a time and a zone offset (or Z)' })
  scheduledAt: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'A slot hold of yours (POST /bookings/holds) for this service and scheduledAt, unexpired: it is used up by the booking',
  })
  @IsOptional()
  @IsUUID('all', { message: 'holdId must be a UUID' })
  holdId?: string;

  @ApiPropertyOptional({ example: 'Ring the bell twice, please.', maxLength: 2000 })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(2000)
  notes?: string;

  @ApiProperty({ type: BookingPaymentDto })
  // IsObject: ValidateNested passes an empty array.
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => BookingPaymentDto)
  payment: BookingPaymentDto;
}
