import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What a single-use e-mail link is for. */
export type EmailTokenPurpose = 'verify' | 'email_change' | 'revert';

/**
 * A single-use link about an address: `verify` proves the owner reads it, `email_change` moves the account to
 * it, `revert` moves the account back to it after a change. The token itself is only ever in the e-mail.
 */
@Entity({ name: 'email_tokens' })
export class EmailTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  purpose: EmailTokenPurpose;

  /** The address the link is about (trimmed, lower-cased). */
  @Column({ type: 'varchar', length: 254 })
  email: string;

  /** SHA-256 of the token, hex. */
  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
