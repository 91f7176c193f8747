import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Trim } from '../../common/validation/transforms';

export class ProfileDto {
  @ApiProperty({ example: 'Ada', minLength: 1, maxLength: 100 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  firstName: string;

  @ApiProperty({ example: 'Lovelace', minLength: 1, maxLength: 100 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  lastName: string;

  @ApiPropertyOptional({ type: String, example: '+1 555 0100', pattern: '^\\+?[0-9 ().-]{5,32}$', maxLength: 32, nullable: true })
  @IsOptional()
  @Trim()
  @IsString()
  @Matches(/^\+?[0-9 ().-]{5,32}$/, { message: 'phone must be a phone number (digits, spaces, + ( ) . -)' })
  phone?: string | null;

  @ApiPropertyOptional({ type: String, example: '12 Main Street, Springfield', maxLength: 500, nullable: true })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(500)
  address?: string | null;
}

/** Every field optional; null clears phone and address (their own `@IsOptional()`) but is refused for the names. */
export class UpdateProfileDto extends PartialType(ProfileDto, { skipNullProperties: false }) {}
