import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OAuth2 token response (RFC 6749 §5.1), hence the snake_case. */
export class TokenResponse {
  @ApiProperty({ description: 'A JWT', maxLength: 2048 }) access_token: string;
  @ApiProperty({ enum: ['bearer'], example: 'bearer' }) token_type: 'bearer';
  @ApiProperty({ description: 'Lifetime in seconds', example: 1800, type: 'integer', format: 'int32', minimum: 1, maximum: 2_147_483_647 }) expires_in: number;
  @ApiProperty({
    description: 'Opaque; `POST /auth/refresh` exchanges it, once, for a new pair. Presented again after that, it ends its session.',
    minLength: 43,
    maxLength: 43,
  })
  refresh_token: string;
  @ApiProperty({
    description: "Seconds until the session's absolute end (JWT_REFRESH_TOKEN_EXPIRE_DAYS after the sign-in): refreshing does not extend it",
    example: 2_592_000,
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 2_147_483_647,
  })
  refresh_expires_in: number;
  @ApiPropertyOptional({
    description: 'Send it back on later logins (`X-Device-Token` or `device_token`): failed logins by others never refuse this client',
    maxLength: 200,
  })
  device_token?: string;
}
