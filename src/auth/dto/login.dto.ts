import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { NormalizeEmail } from '../../common/validation/transforms';

/**
 * Accepts the OAuth2 password grant form (`username`, `password`, plus the optional fields Swagger UI and
 * other OAuth2 clients send) and JSON with `email` or `username`.
 */
export class LoginDto {
  @ApiPropertyOptional({ example: 'customer1@example.com', format: 'email', maxLength: 254 })
  @IsOptional()
  @NormalizeEmail()
  @IsString()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'The e-mail address (OAuth2 password flow name)', example: 'customer1@example.com', format: 'email', maxLength: 254 })
  @IsOptional()
  @NormalizeEmail()
  @IsString()
  @MaxLength(254)
  username?: string;

  @ApiProperty({ example: 'Customer123!', format: 'password', minLength: 1, maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  password: string;

  @ApiPropertyOptional({ example: 'password', maxLength: 50 }) @IsOptional() @IsString() @MaxLength(50) grant_type?: string;
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) scope?: string;
  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @IsString() @MaxLength(200) client_id?: string;
  @ApiPropertyOptional({ format: 'password', maxLength: 200 }) @IsOptional() @IsString() @MaxLength(200) client_secret?: string;
  @ApiPropertyOptional({ description: 'The `device_token` of an earlier successful login (or the `X-Device-Token` header)', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  device_token?: string;
}
