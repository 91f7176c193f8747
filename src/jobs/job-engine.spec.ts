import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type PgBoss from 'pg-boss';
import { JobEngine } from './job-engine';
import { JobQueue } from './job-queue';
import { JobsRepository } from './jobs.repository';

const config = {
  get: (key: string) =>
    key === 'jobs' ? { schema: 'pgboss', concurrency: 1, pollIntervalMs: 1000, shutdownTimeoutMs: 1000 } : { url: 'postgres://nobody@127.0.0.1:1/none' },
} as unknown as ConfigService;

const job = (retryCount: number, retryLimit: number) =>
  ({ id: 'job-1', name: 'test.queue', data: {}, retryCount, retryLimit }) as unknown as PgBoss.JobWithMetadata<object>;

describe('JobEngine: a failed job', () => {
  const queue: JobQueue = { name: 'test.queue', deadLetter: 'test.dead' };
  let engine: JobEngine;
  let logged: jest.SpyInstance;

  beforeEach(() => {
    engine = new JobEngine(config as never, {} as JobsRepository);
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  const handle = (retryCount: number, retryLimit: number) =>
    (engine as unknown as { handle(q: JobQueue, h: () => Promise<void>, jobs: unknown[]): Promise<void> }).handle(
      queue,
      () => Promise.reject(new Error('boom')),
      [job(retryCount, retryLimit)],
    );

  it('logs one structured line saying it will be retried, and fails (for the engine to retry it)', async () => {
    await expect(handle(0, 3)).rejects.toThrow('boom');
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0][0]).toMatchObject({ queue: 'test.queue', jobId: 'job-1', attempt: 1, retryLimit: 3, willRetry: true, deadLetter: undefined });
    expect(logged.mock.calls[0][1]).toBe('Job failed');
  });

  it('on its last attempt, says where it goes: the dead-letter queue', async () => {
    await expect(handle(3, 3)).rejects.toThrow('boom');
    expect(logged.mock.calls[0][0]).toMatchObject({ attempt: 4, willRetry: false, deadLetter: 'test.dead' });
  });
});
