import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** JSON `{refresh_token}`, or the OAuth2 refresh grant form (RFC 6749 §6: `grant_type=refresh_token&refresh_token=...`). */
export class RefreshTokenDto {
  @ApiProperty({ description: 'The `refresh_token` of the last token response', minLength: 1, maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  refresh_token: string;

  @ApiPropertyOptional({ enum: ['refresh_token'], description: 'As OAuth2 clients send it' })
  @IsOptional()
  @IsIn(['refresh_token'])
  grant_type?: 'refresh_token';
}
