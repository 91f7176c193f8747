import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SessionRow } from '../sessions/sessions.repository';

/** One of your sessions: a sign-in and the refreshes since. */
export class SessionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'When you signed in' }) createdAt: Date;
  @ApiProperty({ description: 'The sign-in or the last refresh' }) lastUsedAt: Date;
  @ApiProperty({ description: 'When it ends whatever the refreshes (JWT_REFRESH_TOKEN_EXPIRE_DAYS after the sign-in)' }) expiresAt: Date;
  @ApiPropertyOptional({ description: 'The User-Agent of the sign-in or of the last refresh', type: String, nullable: true, maxLength: 500 })
  userAgent: string | null;
  @ApiPropertyOptional({ description: 'The client address of the sign-in or of the last refresh', type: String, nullable: true, maxLength: 64 })
  ip: string | null;
  @ApiProperty({ description: 'The session of the token this request was made with' }) current: boolean;
}

export function toSessionResponse(session: SessionRow, currentId: string | null): SessionResponse {
  return {
    id: session.id,
    createdAt: session.createdAt,
    lastUsedAt: session.lastUsedAt,
    expiresAt: session.expiresAt,
    userAgent: session.userAgent,
    ip: session.ip,
    current: session.id === currentId,
  };
}
