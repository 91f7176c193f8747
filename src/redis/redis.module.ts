import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { AppConfig } from '../config/app.config';

export const REDIS = Symbol('REDIS');

/** One shared ioredis connection, or `null` when `REDIS_URL` is not set (features then fall back to PostgreSQL or memory). */
export type RedisClient = Redis | null;

export function createRedisClient(url: string, name: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, connectionName: name, lazyConnect: false });
  const logger = new Logger('Redis');
  client.on('error', (error: Error) => logger.warn(`Redis ${name}: ${error.message}`));
  return client;
}

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): RedisClient => {
        const { url } = config.get('redis', { infer: true });
        return url ? createRedisClient(url, 'marketplace-api') : null;
      },
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}
