import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RepeatingTask } from '../scheduling/repeating-task';
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
  private readonly task = new RepeatingTask(() => this.prune(), INTERVAL_MS);

  constructor(private readonly keys: IdempotencyRepository) {}

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
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
