import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { LessThan, MoreThan, Repository } from 'typeorm';
import { RevokedTokenEntity } from './revoked-token.entity';

/** Logged-out access tokens by `jti`; an entry lives as long as the token would have. */
export abstract class TokenDenyList {
  abstract revoke(jti: string, expiresAt: Date): Promise<void>;
  abstract isRevoked(jti: string): Promise<boolean>;
}

/** Shared by every instance through Redis; entries expire on their own. */
export class RedisTokenDenyList extends TokenDenyList {
  constructor(private readonly redis: Redis) {
    super();
  }

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    const ttlMs = expiresAt.getTime() - Date.now();
    if (ttlMs > 0) await this.redis.set(`auth:revoked:${jti}`, '1', 'PX', ttlMs);
  }

  async isRevoked(jti: string): Promise<boolean> {
    return (await this.redis.exists(`auth:revoked:${jti}`)) === 1;
  }
}

/** Without Redis: a table, shared by every instance on the same database. */
@Injectable()
export class PostgresTokenDenyList extends TokenDenyList {
  constructor(@InjectRepository(RevokedTokenEntity) private readonly revoked: Repository<RevokedTokenEntity>) {
    super();
  }

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    await this.revoked.upsert({ jti, expiresAt }, ['jti']);
    // Expired entries can never match a valid token again: prune them as we go.
    await this.revoked.delete({ expiresAt: LessThan(new Date()) });
  }

  async isRevoked(jti: string): Promise<boolean> {
    return this.revoked.exists({ where: { jti, expiresAt: MoreThan(new Date()) } });
  }
}
