import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { JobEngine } from './job-engine';

/** `up` while the engine runs and its tables answer; `down` while it starts, stops (shutdown) or cannot reach them. */
@Injectable()
export class JobEngineHealthIndicator {
  constructor(
    private readonly engine: JobEngine,
    private readonly health: HealthIndicatorService,
  ) {}

  async check<Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    return await this.health
      .check(key)
      .attempt(() => this.engine.ping())
      .withTimeout(1500);
  }
}
