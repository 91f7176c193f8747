import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEmail, IsEnum, IsObject, IsOptional, IsString, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { Role } from '../../common/auth/role.enum';
import { AccountStatus } from '../account-status.enum';
import { NormalizeEmail } from '../../common/validation/transforms';
import { MeetsPasswordPolicy } from '../password-policy';
import { UpdateProfileDto } from './profile.dto';

/** Absent means "unchanged"; unlike `@IsOptional()`, a null is validated (and refused) rather than stored. */
const IsOmittable = () => ValidateIf((_: object, value: unknown) => value !== undefined);

export class UpdateUserDto {
  @ApiPropertyOptional({
    example: 'ada@example.com',
    format: 'email',
    maxLength: 254,
    description: 'Your own: needs currentPassword, and applies once the new address confirms it (see pendingEmail).',
  })
  @IsOmittable()
  @NormalizeEmail()
  @IsEmail({}, { message: 'email must be a valid e-mail address' })
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ format: 'password', minLength: 8, maxLength: 72, description: 'The new password; needs currentPassword when changing your own.' })
  @IsOmittable()
  @IsString()
  @MeetsPasswordPolicy()
  password?: string;

  @ApiPropertyOptional({ format: 'password', maxLength: 200, description: 'Your current password, required to change your own password or e-mail.' })
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  currentPassword?: string;

  @ApiPropertyOptional({ enum: Role, description: 'Admins only.' })
  @IsOmittable()
  @IsEnum(Role, { message: 'role must be CUSTOMER, PROVIDER or ADMIN' })
  role?: Role;

  @ApiPropertyOptional({
    enum: AccountStatus,
    description:
      'Admins only, not on their own account. SUSPENDED: the account cannot sign in, its sessions end, its services leave the catalog ' +
      'and its open bookings are cancelled and refunded; ACTIVE: it can sign in again and its services are listed again.',
  })
  @IsOmittable()
  @IsEnum(AccountStatus, { message: 'status must be ACTIVE or SUSPENDED' })
  status?: AccountStatus;

  @ApiPropertyOptional({ type: UpdateProfileDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateProfileDto)
  profile?: UpdateProfileDto;
}
