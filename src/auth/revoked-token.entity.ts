import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Logged-out access tokens until they would have expired: the record of revocations (Redis only caches it). */
@Entity({ name: 'revoked_tokens' })
export class RevokedTokenEntity {
  @PrimaryColumn({ type: 'uuid' })
  jti: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
