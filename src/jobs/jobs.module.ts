import { Global, Module } from '@nestjs/common';
import { JobEngine } from './job-engine';
import { JobsController } from './jobs.controller';
import { JobsRepository } from './jobs.repository';

/** The job engine, for every domain to register its queues with and enqueue into (global). */
@Global()
@Module({
  controllers: [JobsController],
  providers: [JobEngine, JobsRepository],
  exports: [JobEngine],
})
export class JobsModule {}
