import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { REDIS, RedisClient } from '../redis/redis.module';

/** What the service does without Redis, as the readiness check reports it. */
export const REDIS_DEGRADED =
  'Redis does not answer: serving without it (rate limits count per instance, revocations are read from PostgreSQL, live notifications reach this instance only).';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly health: HealthIndicatorService,
  ) {}

  get configured(): boolean {
    return this.redis !== null;
  }

  /**
   * `up` when Redis answers, else `degraded` (never `down`): every feature falls back without it, so the
   * instance stays ready to serve and the report says how it is serving.
   */
  async ping<Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const result = await this.health
      .check(key)
      .attempt(async () => {
        if ((await this.redis?.ping()) !== 'PONG') throw new Error('unexpected answer');
      })
      .withTimeout(1500);
    if (result[key].status === 'up') return result;
    return this.health.check(key).degraded({ message: REDIS_DEGRADED, cause: result[key].message as unknown });
  }
}
