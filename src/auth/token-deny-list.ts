import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, MoreThan, Repository } from 'typeorm';
import { REDIS, RedisClient } from '../redis/redis.module';
import { RevokedTokenEntity } from './revoked-token.entity';

const REVOKED = '1';
const NOT_REVOKED = '0';
/**
 * How long an instance may remember that a token was not revoked. A logout overwrites the entry at once;
 * this only bounds how long a logout whose cache write failed (Redis unreachable from that instance alone)
 * can go unseen by the others.
 */
export const NOT_REVOKED_CACHE_MS = 30_000;

const cacheKey = (jti: string) => `auth:revoked:${jti}`;

/**
 * Logged-out access tokens by `jti`. PostgreSQL is the record: a logout is written there before it
 * answers, so a Redis restarted empty, failed over or evicting forgets nothing that matters. Redis, when
 * configured, only caches answers (a revocation until the token would expire, a non-revocation briefly);
 * when it is down, every check reads PostgreSQL.
 */
@Injectable()
export class TokenDenyList {
  private readonly logger = new Logger(TokenDenyList.name);

  constructor(
    @InjectRepository(RevokedTokenEntity) private readonly revoked: Repository<RevokedTokenEntity>,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    await this.revoked.upsert({ jti, expiresAt }, ['jti']);
    // Expired entries can never match a valid token again: prune them as we go.
    await this.revoked.delete({ expiresAt: LessThan(new Date()) });
    // Overwrites a cached "not revoked", so other instances see the logout now rather than when it expires.
    await this.cache(jti, REVOKED, expiresAt.getTime() - Date.now());
  }

  /** Revokes `jti` unless it already was: true for the one caller that revoked it (a single-use token spent). */
  async revokeOnce(jti: string, expiresAt: Date): Promise<boolean> {
    const result = await this.revoked.createQueryBuilder().insert().values({ jti, expiresAt }).orIgnore().returning('jti').execute();
    return (result.raw as unknown[]).length === 1;
  }

  async isRevoked(jti: string): Promise<boolean> {
    const cached = await this.cached(jti);
    if (cached !== null) return cached === REVOKED;
    const row = await this.revoked.findOne({ select: { expiresAt: true }, where: { jti, expiresAt: MoreThan(new Date()) } });
    if (row) await this.cache(jti, REVOKED, row.expiresAt.getTime() - Date.now());
    else await this.cache(jti, NOT_REVOKED, NOT_REVOKED_CACHE_MS);
    return row !== null;
  }

  /** The cached answer, or null when there is none or Redis cannot be reached (PostgreSQL then answers). */
  private async cached(jti: string): Promise<string | null> {
    if (!this.redis) return null;
    try {
      return await this.redis.get(cacheKey(jti));
    } catch (error) {
      this.logger.warn(`Revocation cache unavailable, reading PostgreSQL: ${(error as Error).message}`);
      return null;
    }
  }

  private async cache(jti: string, value: string, ttlMs: number): Promise<void> {
    if (!this.redis || ttlMs <= 0) return;
    try {
      // A "not revoked" never replaces a revocation cached meanwhile by a concurrent logout.
      if (value === REVOKED) await this.redis.set(cacheKey(jti), value, 'PX', Math.ceil(ttlMs));
      else await this.redis.set(cacheKey(jti), value, 'PX', Math.ceil(ttlMs), 'NX');
    } catch (error) {
      this.logger.warn(`Revocation cache not updated: ${(error as Error).message}`);
    }
  }
}
