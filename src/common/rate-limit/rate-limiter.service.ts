import { Inject, Injectable } from '@nestjs/common';
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

/**
 * Counts hits per policy and key in the throttler's storage: Redis when configured, so every instance
 * shares one count, else memory. A limit ends when its window does: nothing is ever locked for good.
 */
@Injectable()
export class RateLimiter {
  readonly enabled: boolean;
  private readonly policies: Record<RateLimitPolicyName, RateLimitPolicy>;
  private readonly memoryFailures = new Map<string, { count: number; expiresAt: number }>();

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
    const record = await this.storage.increment(`rl:${name}:${key}`, policy.ttlMs, policy.limit, policy.ttlMs, name);
    const allowed = !record.isBlocked && record.totalHits <= policy.limit;
    const resetSeconds = allowed ? record.timeToExpire : Math.max(record.timeToBlockExpire, record.timeToExpire);
    return { policy, allowed, remaining: policy.limit - record.totalHits, resetSeconds };
  }

  /**
   * Failed logins for one account, counted apart from successful ones (the throttler's storage counts
   * every hit): `failures` reads without counting, `recordFailure` counts one.
   */
  async failures(name: RateLimitPolicyName, key: string): Promise<RateLimitOutcome> {
    const policy = this.policies[name];
    const storeKey = `rl:${name}:${key}`;
    let count = 0;
    let ttlMs = 0;
    if (this.redis) {
      const [value, pttl] = await Promise.all([this.redis.get(storeKey), this.redis.pttl(storeKey)]);
      count = Number(value ?? 0);
      ttlMs = Math.max(0, pttl);
    } else {
      const entry = this.memoryFailures.get(storeKey);
      if (entry && entry.expiresAt > Date.now()) {
        count = entry.count;
        ttlMs = entry.expiresAt - Date.now();
      }
    }
    return { policy, allowed: count < policy.limit, remaining: policy.limit - count, resetSeconds: ttlMs / 1000 };
  }

  async recordFailure(name: RateLimitPolicyName, key: string): Promise<void> {
    const policy = this.policies[name];
    const storeKey = `rl:${name}:${key}`;
    if (this.redis) {
      await this.redis.multi().incr(storeKey).pexpire(storeKey, policy.ttlMs, 'NX').exec();
      return;
    }
    const entry = this.memoryFailures.get(storeKey);
    if (entry && entry.expiresAt > Date.now()) entry.count++;
    else this.memoryFailures.set(storeKey, { count: 1, expiresAt: Date.now() + policy.ttlMs });
  }
}
