import { Injectable, Logger } from '@nestjs/common';
import { JobEngine } from '../../jobs/job-engine';
import { JobQueue } from '../../jobs/job-queue';
import { IdempotencyRepository } from './idempotency.repository';

/** Every minute, on one instance at a time. */
export const IDEMPOTENCY_PRUNE_QUEUE: JobQueue = {
  name: 'idempotency.prune',
  policy: 'stately',
  retryLimit: 1,
  recurring: { everyMs: 60_000, cron: '* * * * *' },
};

/**
 * Drops expired idempotency keys, as a scheduled singleton job (at start, then every minute). An expired key
 * is already reusable (`reserve` takes it over): this only keeps the table small.
 */
@Injectable()
export class IdempotencyKeyPruner {
  private readonly logger = new Logger(IdempotencyKeyPruner.name);

  constructor(
    private readonly keys: IdempotencyRepository,
    jobs: JobEngine,
  ) {
    jobs.register(IDEMPOTENCY_PRUNE_QUEUE, async () => {
      await this.prune();
    });
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
