import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsNumber, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { MaxDecimalPlaces } from '../../common/validation/decimal-places';
import { Trim } from '../../common/validation/transforms';

export class RefundDto {
  @ApiProperty({ example: 'Provider could not attend', minLength: 1, maxLength: 500 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason: string;

  @ApiPropertyOptional({ example: 20, description: 'Defaults to everything not yet refunded', minimum: 0.01, maximum: 99_999_999.99 })
  // Left out means everything not yet refunded; null is not a number (IsOptional would let it through as 0 cents).
  @ValidateIf((_dto: RefundDto, value: unknown) => value !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'amount must be a number with at most 2 decimals' })
  @MaxDecimalPlaces(2, { message: 'amount must be a number with at most 2 decimals' })
  @Min(0.01, { message: 'amount must be greater than 0' })
  @Max(99_999_999.99)
  amount?: number;
}
