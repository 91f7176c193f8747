import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength, ValidateIf } from 'class-validator';
import { MeetsPasswordPolicy } from '../password-policy';

/** The token of a link e-mailed to an address (verification, e-mail change, revert). */
export class EmailLinkTokenDto {
  @ApiProperty({ description: 'The token from the link in the e-mail', minLength: 1, maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  token: string;
}

export class RevertEmailChangeDto extends EmailLinkTokenDto {
  @ApiPropertyOptional({
    example: 'NewSecurePass123!',
    format: 'password',
    minLength: 8,
    maxLength: 72,
    description: 'A new password for the account (recommended when the change was not yours: whoever made it may know the current one).',
  })
  @ValidateIf((_: object, value: unknown) => value !== undefined)
  @IsString()
  @MeetsPasswordPolicy()
  newPassword?: string;
}

export class AccountMessageResponse {
  @ApiProperty({ maxLength: 200 }) message: string;
}
