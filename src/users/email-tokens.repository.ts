import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Sql } from '../common/database/sql';
import { EmailTokenEntity, EmailTokenPurpose } from './email-token.entity';

/** The `email_tokens` table: single-use links about an address, stored as the SHA-256 of the token. */
@Injectable()
export class EmailTokensRepository {
  constructor(private readonly sql: Sql) {}

  async insert(manager: EntityManager, token: Pick<EmailTokenEntity, 'userId' | 'purpose' | 'email' | 'tokenHash' | 'expiresAt'>): Promise<void> {
    await manager.getRepository(EmailTokenEntity).insert(token);
  }

  /**
   * Marks an unused, unexpired token of this purpose used and returns its user and address, atomically: of
   * concurrent callers one wins.
   */
  async consume(manager: EntityManager, purpose: EmailTokenPurpose, tokenHash: string): Promise<{ userId: string; email: string } | null> {
    const [row] = await this.sql.rows<{ user_id: string; email: string }>(
      `UPDATE email_tokens SET used_at = now()
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
        RETURNING user_id, email`,
      [tokenHash, purpose],
      manager,
    );
    return row ? { userId: row.user_id, email: row.email } : null;
  }

  /** Spends every open link of these purposes of the user (a newer one replaces them, or the account was recovered). */
  async invalidateOpen(manager: EntityManager, userId: string, purposes: EmailTokenPurpose[]): Promise<void> {
    await this.sql.query(
      `UPDATE email_tokens SET used_at = now() WHERE user_id = $1 AND purpose = ANY($2::varchar[]) AND used_at IS NULL`,
      [userId, purposes],
      manager,
    );
  }

  /** The address an open e-mail change would move the account to, if any. */
  async findPendingEmail(userId: string): Promise<string | null> {
    const [row] = await this.sql.rows<{ email: string }>(
      `SELECT email FROM email_tokens
        WHERE user_id = $1 AND purpose = 'email_change' AND used_at IS NULL AND expires_at > now()
        ORDER BY created_at DESC LIMIT 1`,
      [userId],
    );
    return row?.email ?? null;
  }
}
