import { Global, Module } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ThrottlerModule } from '@nestjs/throttler';
import { REDIS, RedisClient } from '../../redis/redis.module';
import { RateLimiter } from './rate-limiter.service';

@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [REDIS],
      // Redis when configured, so every instance counts together; the throttler's memory store otherwise.
      useFactory: (redis: RedisClient) => ({ throttlers: [], storage: redis ? new ThrottlerStorageRedisService(redis) : undefined }),
    }),
  ],
  providers: [RateLimiter],
  exports: [RateLimiter],
})
export class RateLimitModule {}
