import { ApiProperty } from '@nestjs/swagger';

/** OAuth2 token response (RFC 6749 §5.1), hence the snake_case. */
export class TokenResponse {
  @ApiProperty() access_token: string;
  @ApiProperty({ example: 'bearer' }) token_type: 'bearer';
  @ApiProperty({ description: 'Lifetime in seconds', example: 1800 }) expires_in: number;
}
