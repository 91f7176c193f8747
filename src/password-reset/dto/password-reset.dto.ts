import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { NormalizeEmail } from '../../common/validation/transforms';
import { MeetsPasswordPolicy } from '../../users/password-policy';

export class RequestPasswordResetDto {
  @ApiProperty({ example: 'customer1@example.com', format: 'email', maxLength: 254 })
  @NormalizeEmail()
  @IsEmail({}, { message: 'email must be a valid e-mail address' })
  @MaxLength(254)
  email: string;
}

export class ConfirmPasswordResetDto {
  @ApiProperty({ description: 'The token from the reset link', minLength: 1, maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  token: string;

  @ApiProperty({ example: 'NewSecurePass123!', format: 'password', minLength: 8, maxLength: 72 })
  @IsString()
  @MeetsPasswordPolicy()
  newPassword: string;
}

export class PasswordResetAcceptedResponse {
  @ApiProperty({ maxLength: 200 }) message: string;
}
