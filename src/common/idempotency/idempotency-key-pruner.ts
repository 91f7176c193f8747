import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { IdempotencyRepository } from './idempotency.repository';

const INTERVAL_MS = 60_000;

/**
 * Drops expired idempotency keys, at start and then every minute, on every instance (a DELETE of expired
 * rows is safe to run twice). An expired key is already reusable (`reserve` takes it over): this only keeps
 * the table small.
 */
@Injectable()
export class IdempotencyKeyPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyKeyPruner.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private readonly keys: IdempotencyRepository) {}

  onApplicationBootstrap(): void {
    this.running = this.prune();
    this.timer = setInterval(() => {
      this.running = this.prune();
    }, INTERVAL_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; never throws. */
  async prune(): Promise<number> {
    try {
      return await this.keys.deleteExpired();
    } catch (error) {
      this.logger.error({ err: error }, 'Pruning expired idempotency keys failed; the next pass will retry');
      return 0;
    }
  }
}
