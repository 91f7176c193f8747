import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../../config/app.config';
import { REDIS, RedisClient } from '../../redis/redis.module';
import { OpenSession } from './session-state';

const ENDED = 'ended';
/**
 * How long an instance may remember that a session was open. Ending one overwrites the entry at once; this
 * only bounds how long an end whose cache write failed (Redis unreachable from that instance alone) can go
 * unseen by the others (as NOT_REVOKED_CACHE_MS does for logged-out tokens).
 */
export const OPEN_SESSION_CACHE_MS = 30_000;

const cacheKey = (sessionId: string) => `auth:session:${sessionId}`;

interface Cached {
  u: string;
  c: number;
  e: number;
}

/**
 * The open sessions access tokens name (`sid`), read on every request that carries one. PostgreSQL is the
 * record; Redis, when configured, caches answers: a session's start and end (they never change) briefly,
 * an ended session until every access token it can have issued has expired. When Redis cannot answer, the
 * read goes to PostgreSQL; SessionsRepository's writes keep the cache right, not its callers.
 */
@Injectable()
export class OpenSessionsCache {
  private readonly logger = new Logger(OpenSessionsCache.name);
  private readonly endedTtlMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
  ) {
    this.endedTtlMs = config.get('auth', { infer: true }).accessTokenTtlSeconds * 1000;
  }

  /** The open session `sessionId` names (null when it ended or never was), from the cache or from `load`. */
  async get(sessionId: string, load: () => Promise<OpenSession | null>): Promise<OpenSession | null> {
    const cached = await this.read(sessionId);
    if (cached === ENDED) return null;
    if (cached) {
      const { u, c, e } = JSON.parse(cached) as Cached;
      return { userId: u, createdAt: new Date(c), expiresAt: new Date(e) };
    }
    const session = await load();
    if (!session) await this.write(sessionId, ENDED, this.endedTtlMs, false);
    else {
      const value: Cached = { u: session.userId, c: session.createdAt.getTime(), e: session.expiresAt.getTime() };
      await this.write(sessionId, JSON.stringify(value), OPEN_SESSION_CACHE_MS, true);
    }
    return session;
  }

  /** After the session ended: every instance refuses its access tokens from now on, not when an entry lapses. */
  async ended(sessionId: string): Promise<void> {
    await this.write(sessionId, ENDED, this.endedTtlMs, false);
  }

  private async read(sessionId: string): Promise<string | null> {
    if (!this.redis) return null;
    try {
      return await this.redis.get(cacheKey(sessionId));
    } catch (error) {
      this.logger.warn(`Session cache unavailable, reading PostgreSQL: ${(error as Error).message}`);
      return null;
    }
  }

  private async write(sessionId: string, value: string, ttlMs: number, onlyIfAbsent: boolean): Promise<void> {
    if (!this.redis) return;
    try {
      // An "open" answer never replaces an end cached meanwhile by a concurrent logout.
      if (onlyIfAbsent) await this.redis.set(cacheKey(sessionId), value, 'PX', ttlMs, 'NX');
      else await this.redis.set(cacheKey(sessionId), value, 'PX', ttlMs);
    } catch (error) {
      this.logger.warn(`Session cache not updated: ${(error as Error).message}`);
    }
  }
}
