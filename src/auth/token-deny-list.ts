import { Inject, Injectable, Logger } from '@nestjs/common';
import { REDIS, RedisClient } from '../redis/redis.module';
import { RevokedTokensRepository } from './revoked-tokens.repository';

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
    private readonly revoked: RevokedTokensRepository,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    await this.revoked.record(jti, expiresAt);
    // Expired entries can never match a valid token again: prune them as we go.
    await this.revoked.pruneExpired();
    // Overwrites a cached "not revoked", so other instances see the logout now rather than when it expires.
    await this.cache(jti, REVOKED, expiresAt.getTime() - Date.now());
  }

  /** Revokes `jti` unless it already was: true for the one caller that revoked it (a single-use token spent). */
  async revokeOnce(jti: string, expiresAt: Date): Promise<boolean> {
    return this.revoked.recordOnce(jti, expiresAt);
  }

  async isRevoked(jti: string): Promise<boolean> {
    const cached = await this.cached(jti);
    if (cached !== null) return cached === REVOKED;
    const expiresAt = await this.revoked.findActiveExpiry(jti);
    if (expiresAt) await this.cache(jti, REVOKED, expiresAt.getTime() - Date.now());
    else await this.cache(jti, NOT_REVOKED, NOT_REVOKED_CACHE_MS);
    return expiresAt !== null;
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
