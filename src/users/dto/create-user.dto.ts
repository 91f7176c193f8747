import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsEmail, IsIn, IsObject, IsString, MaxLength, ValidateNested } from 'class-validator';
import { Role } from '../../common/auth/role.enum';
import { NormalizeEmail } from '../../common/validation/transforms';
import { MeetsPasswordPolicy } from '../password-policy';
import { ProfileDto } from './profile.dto';

export const SELF_REGISTRABLE_ROLES = [Role.CUSTOMER, Role.PROVIDER] as const;

export class CreateUserDto {
  @ApiProperty({ example: 'ada@example.com', format: 'email', maxLength: 254 })
  @NormalizeEmail()
  @IsEmail({}, { message: 'email must be a valid e-mail address' })
  @MaxLength(254)
  email: string;

  @ApiProperty({
    example: 'SecurePass123!',
    format: 'password',
    minLength: 8,
    maxLength: 72,
    description: '8 to 72 bytes, at least three of lower/upper/digit/symbol',
  })
  @IsString()
  @MeetsPasswordPolicy()
  password: string;

  @ApiProperty({ enum: SELF_REGISTRABLE_ROLES, example: Role.CUSTOMER })
  @IsIn(SELF_REGISTRABLE_ROLES, { message: 'role must be CUSTOMER or PROVIDER' })
  role: Role;

  @ApiProperty({ type: ProfileDto })
  // IsObject: ValidateNested passes an empty array, which would reach the database as a profile without names.
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ProfileDto)
  profile: ProfileDto;
}
