import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { getStorageToken, ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '../../config/app.config';
import { REDIS, RedisClient } from '../../redis/redis.module';
import { policiesFrom, RateLimitPolicy, RateLimitPolicyName } from './rate-limit.policies';

export interface RateLimitOutcome {
  policy: RateLimitPolicy;
  allowed: boolean;
  remaining: number;
  /** Seconds until the window (or the block) ends. */
  resetSeconds: number;
}

/** Entries past this many are swept of expired ones before another is added. */
const MEMORY_SWEEP_AT = 10_000;
const DEGRADED_LOG_INTERVAL_MS = 10_000;

/** Fixed-window counters in this process: the store without Redis, and the fallback while Redis is down. */
class MemoryCounters {
  private readonly entries = new Map<string, { count: number; expiresAt: number }>();

  read(key: string): { count: number; ttlMs: number } {
    const entry = this.entries.get(key);
    const now = Date.now();
    return entry && entry.expiresAt > now ? { count: entry.count, ttlMs: entry.expiresAt - now } : { count: 0, ttlMs: 0 };
  }

  increment(key: string, ttlMs: number): { count: number; ttlMs: number } {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > now) {
      entry.count++;
      return { count: entry.count, ttlMs: entry.expiresAt - now };
    }
    if (this.entries.size >= MEMORY_SWEEP_AT) for (const [name, old] of this.entries) if (old.expiresAt <= now) this.entries.delete(name);
    this.entries.set(key, { count: 1, expiresAt: now + ttlMs });
    return { count: 1, ttlMs };
  }
}

/**
 * Counts hits per policy and key in the throttler's storage: Redis when configured, so every instance
 * shares one count, else memory. While Redis cannot be reached, each instance counts in its own memory
 * (limits hold per instance) rather than failing the request. A limit ends when its window does: nothing
 * is ever locked for good.
 */
@Injectable()
export class RateLimiter {
  readonly enabled: boolean;
  private readonly logger = new Logger(RateLimiter.name);
  private readonly policies: Record<RateLimitPolicyName, RateLimitPolicy>;
  private readonly memory = new MemoryCounters();
  private warnedAt = 0;

  constructor(
    config: ConfigService<AppConfig, true>,
    @Inject(getStorageToken()) private readonly storage: ThrottlerStorage,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {
    const rateLimit = config.get('rateLimit', { infer: true });
    this.enabled = rateLimit.enabled;
    this.policies = policiesFrom(rateLimit);
  }

  policy(name: RateLimitPolicyName): RateLimitPolicy {
    return this.policies[name];
  }

  /** Counts one hit for `key` under the policy and says whether it is within the limit. */
  async hit(name: RateLimitPolicyName, key: string): Promise<RateLimitOutcome> {
    const policy = this.policies[name];
    const storeKey = `rl:${name}:${key}`;
    try {
      const record = await this.storage.increment(storeKey, policy.ttlMs, policy.limit, policy.ttlMs, name);
      const allowed = !record.isBlocked && record.totalHits <= policy.limit;
      const resetSeconds = allowed ? record.timeToExpire : Math.max(record.timeToBlockExpire, record.timeToExpire);
      return { policy, allowed, remaining: policy.limit - record.totalHits, resetSeconds };
    } catch (error) {
      this.degraded(error);
      const { count, ttlMs } = this.memory.increment(storeKey, policy.ttlMs);
      return { policy, allowed: count <= policy.limit, remaining: policy.limit - count, resetSeconds: ttlMs / 1000 };
    }
  }

  /**
   * Counts kept apart from the throttler's (which counts every hit), for limits on failures only:
   * `failures` reads without counting, `recordFailure` counts one.
   */
  async failures(name: RateLimitPolicyName, key: string): Promise<RateLimitOutcome> {
    const policy = this.policies[name];
    const { count, ttlMs } = await this.readCount(`rl:${name}:${key}`);
    return { policy, allowed: count < policy.limit, remaining: policy.limit - count, resetSeconds: ttlMs / 1000 };
  }

  /** Counts one failure and returns the outcome after it (`allowed` false once the limit is reached). */
  async recordFailure(name: RateLimitPolicyName, key: string): Promise<RateLimitOutcome> {
    const policy = this.policies[name];
    const storeKey = `rl:${name}:${key}`;
    let counted: { count: number; ttlMs: number } | null = null;
    if (this.redis) {
      try {
        const results = await this.redis.multi().incr(storeKey).pexpire(storeKey, policy.ttlMs, 'NX').pttl(storeKey).exec();
        const [[incrError, count], , [, pttl]] = results ?? [
          [new Error('transaction discarded'), 0],
          [null, 0],
          [null, 0],
        ];
        if (incrError) throw incrError;
        counted = { count: Number(count), ttlMs: Math.max(0, Number(pttl)) };
      } catch (error) {
        this.degraded(error);
      }
    }
    counted ??= this.memory.increment(storeKey, policy.ttlMs);
    return { policy, allowed: counted.count < policy.limit, remaining: policy.limit - counted.count, resetSeconds: counted.ttlMs / 1000 };
  }

  /** Remembers `key` under `name` for `ttlMs` (Redis when it answers, else this instance's memory). */
  async remember(name: string, key: string, ttlMs: number): Promise<void> {
    const storeKey = `rl:${name}:${key}`;
    if (this.redis) {
      try {
        await this.redis.set(storeKey, '1', 'PX', ttlMs);
        return;
      } catch (error) {
        this.degraded(error);
      }
    }
    this.memory.increment(storeKey, ttlMs);
  }

  async remembers(name: string, key: string): Promise<boolean> {
    return (await this.readCount(`rl:${name}:${key}`)).count > 0;
  }

  /** Sets `key` once per `ttlMs`: true for the caller that set it, false while it is set. */
  async once(name: string, key: string, ttlMs: number): Promise<boolean> {
    const storeKey = `rl:${name}:${key}`;
    if (this.redis) {
      try {
        return (await this.redis.set(storeKey, '1', 'PX', ttlMs, 'NX')) === 'OK';
      } catch (error) {
        this.degraded(error);
      }
    }
    return this.memory.increment(storeKey, ttlMs).count === 1;
  }

  private async readCount(storeKey: string): Promise<{ count: number; ttlMs: number }> {
    if (this.redis) {
      try {
        const [value, pttl] = await Promise.all([this.redis.get(storeKey), this.redis.pttl(storeKey)]);
        // Counted in memory while Redis was down: the higher of the two holds.
        const memory = this.memory.read(storeKey);
        const count = Number(value ?? 0);
        return count >= memory.count ? { count, ttlMs: Math.max(0, pttl) } : memory;
      } catch (error) {
        this.degraded(error);
      }
    }
    return this.memory.read(storeKey);
  }

  /** At most one line per DEGRADED_LOG_INTERVAL_MS, not one per request. */
  private degraded(error: unknown): void {
    if (Date.now() - this.warnedAt < DEGRADED_LOG_INTERVAL_MS) return;
    this.warnedAt = Date.now();
    this.logger.warn(`Rate limits counted in this instance's memory (Redis unavailable): ${(error as Error).message}`);
  }
}
