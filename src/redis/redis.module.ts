import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { AppConfig } from '../config/app.config';

export const REDIS = Symbol('REDIS');

/** One shared ioredis connection, or `null` when `REDIS_URL` is not set (features then fall back to PostgreSQL or memory). */
export type RedisClient = Redis | null;

/** The longest a command may wait for Redis (a paused or unreachable server) before its caller falls back. */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;
/** How long the app's start waits for a first connection; past it the app starts degraded and connects later. */
const READY_WAIT_MS = 5000;

/**
 * Fails fast while Redis is away rather than queuing commands until it returns: no offline queue, a bounded
 * wait per command, and a retry only across one reconnection. Callers fall back (to PostgreSQL, to memory)
 * when a command fails; the client keeps reconnecting in the background.
 */
export function createRedisClient(url: string, name: string): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    connectionName: name,
    lazyConnect: false,
  });
  const logger = new Logger('Redis');
  let down = false;
  // One line when the connection is lost and one when it is back, not one per reconnection attempt.
  client.on('error', (error: Error) => {
    if (!down) logger.warn(`Redis ${name}: ${error.message}; degraded until it answers again`);
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.log(`Redis ${name}: connected again`);
    down = false;
  });
  return client;
}

/** Resolves when the client is ready, or after `ms` (whichever first); never rejects. */
export function whenReady(client: Redis, ms = READY_WAIT_MS): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms).unref();
    function done() {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
    client.once('ready', done);
  });
}

@Injectable()
class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}

  /** Commands are not queued while connecting: the app serves its first request on an open connection when it can. */
  async onModuleInit(): Promise<void> {
    if (this.redis) await whenReady(this.redis);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
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
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class RedisModule {}
