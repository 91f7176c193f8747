import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A refresh token a session was given, by its SHA-256 (hex); the token itself is never stored. */
@Entity({ name: 'refresh_tokens' })
export class RefreshTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  @Column({ name: 'issued_at', type: 'timestamptz' })
  issuedAt: Date;

  /** Set when it was exchanged for a new pair: presented again, it is a reuse and ends the session. */
  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt: Date | null;
}
