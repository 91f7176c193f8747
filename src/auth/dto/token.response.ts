import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OAuth2 token response (RFC 6749 §5.1), hence the snake_case. */
export class TokenResponse {
  @ApiProperty({ description: 'A JWT', maxLength: 2048 }) access_token: string;
  @ApiProperty({ enum: ['bearer'], example: 'bearer' }) token_type: 'bearer';
  @ApiProperty({ description: 'Lifetime in seconds', example: 1800, type: 'integer', format: 'int32', minimum: 1, maximum: 2_147_483_647 }) expires_in: number;
  @ApiPropertyOptional({
    description: 'Send it back on later logins (`X-Device-Token` or `device_token`): failed logins by others never refuse this client',
    maxLength: 200,
  })
  device_token?: string;
}
