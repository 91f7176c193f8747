import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The PostgreSQL deny-list of logged-out access tokens, used when Redis is not configured. */
@Entity({ name: 'revoked_tokens' })
export class RevokedTokenEntity {
  @PrimaryColumn({ type: 'uuid' })
  jti: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
