import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class SignInLinkDto {
  @ApiProperty({ description: 'The token of the one-time sign-in link e-mailed to the owner', minLength: 1, maxLength: 2048 })
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  token: string;
}
