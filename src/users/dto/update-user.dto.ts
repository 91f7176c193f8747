import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEmail, IsEnum, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { Role } from '../../common/auth/role.enum';
import { NormalizeEmail } from '../../common/validation/transforms';
import { MeetsPasswordPolicy } from '../password-policy';
import { UpdateProfileDto } from './profile.dto';

export class UpdateUserDto {
  @ApiPropertyOptional({ example: 'ada@example.com', maxLength: 254 })
  @IsOptional() @NormalizeEmail() @IsEmail({}, { message: 'email must be a valid e-mail address' }) @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'The new password; needs currentPassword when changing your own.' })
  @IsOptional() @IsString() @MeetsPasswordPolicy()
  password?: string;

  @ApiPropertyOptional({ description: 'Your current password, required to change your own password.' })
  @IsOptional() @IsString() @MaxLength(200)
  currentPassword?: string;

  @ApiPropertyOptional({ enum: Role, description: 'Admins only.' })
  @IsOptional() @IsEnum(Role, { message: 'role must be CUSTOMER, PROVIDER or ADMIN' })
  role?: Role;

  @ApiPropertyOptional({ type: UpdateProfileDto })
  @IsOptional() @ValidateNested() @Type(() => UpdateProfileDto)
  profile?: UpdateProfileDto;
}
