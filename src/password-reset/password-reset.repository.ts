import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { PasswordResetTokenEntity } from './password-reset-token.entity';

@Injectable()
export class PasswordResetRepository {
  constructor(@InjectRepository(PasswordResetTokenEntity) private readonly tokens: Repository<PasswordResetTokenEntity>) {}

  async insertToken(userId: string, tokenHash: string, expiresAt: Date, manager?: EntityManager): Promise<void> {
    await (manager ? manager.getRepository(PasswordResetTokenEntity) : this.tokens).insert({ userId, tokenHash, expiresAt });
  }

  /**
   * Marks an unused, unexpired token used and returns its user, atomically: of concurrent callers one wins. A
   * token issued before the account's credentials last changed (a revert of an e-mail change, a password change)
   * is refused: whoever asked for it then may no longer be the owner.
   */
  async consume(tokenHash: string, manager: EntityManager): Promise<string | null> {
    const rows = await manager.query<[Array<{ user_id: string }>, number]>(
      `UPDATE password_reset_tokens SET used_at = now()
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
          AND created_at >= (SELECT credentials_changed_at FROM users WHERE users.id = password_reset_tokens.user_id)
        RETURNING user_id`,
      [tokenHash],
    );
    return rows[0][0]?.user_id ?? null;
  }

  async invalidateOpenForUser(userId: string, manager: EntityManager): Promise<void> {
    await manager.getRepository(PasswordResetTokenEntity).update({ userId, usedAt: IsNull() }, { usedAt: new Date() });
  }
}
