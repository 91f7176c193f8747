import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import PgBoss from 'pg-boss';
import { EntityManager } from 'typeorm';
import { NotFoundError } from '../common/errors/domain.error';
import { AppConfig } from '../config/app.config';
import { BatchJobHandler, JobContext, JobEnqueuer, JobHandler, JobQueue } from './job-queue';
import { JobsRepository, QueueCounts } from './jobs.repository';

/** Failed jobs one retry request puts back (a queue with more is retried in several requests). */
const RETRY_BATCH = 1000;

interface Registration {
  queue: JobQueue;
  handler?: BatchJobHandler<object>;
}

export type EngineState = 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The job engine (pg-boss, in PostgreSQL: JOBS_SCHEMA). Domains register their queues and handlers while
 * the app is built; at bootstrap the engine creates the queues and works them on this instance, as every
 * other instance sharing the schema does: a job runs on one of them, is retried (with backoff) when its
 * handler throws or its instance dies, and lands in its dead-letter queue when retries run out. Jobs are
 * enqueued inside the unit of work that causes them (`enqueue(manager, ...)`), so they exist if and only if
 * it commits. On shutdown it stops taking jobs and waits (bounded) for the running ones.
 */
@Injectable()
export class JobEngine implements JobEnqueuer, OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobEngine.name);
  private readonly boss: PgBoss;
  private readonly schema: string;
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly registrations = new Map<string, Registration>();
  private readonly workers = new Map<string, string[]>();
  private engineState: EngineState = 'starting';
  private readonly stopping = new AbortController();

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly jobs: JobsRepository,
  ) {
    const { schema, concurrency, pollIntervalMs, shutdownTimeoutMs } = config.get('jobs', { infer: true });
    this.schema = schema;
    this.concurrency = concurrency;
    this.pollIntervalMs = pollIntervalMs;
    this.shutdownTimeoutMs = shutdownTimeoutMs;
    this.boss = new PgBoss({
      connectionString: config.get('database', { infer: true }).url,
      schema,
      application_name: 'marketplace-jobs',
      // Fetching, completing and maintenance only (one fetch per worker at a time): handlers write through the app's own pool.
      max: 10,
      // Expired jobs (their instance died) are found and retried within this.
      maintenanceIntervalSeconds: 30,
      // Completed jobs stay countable for a day, failed ones for a week, before they are archived.
      archiveCompletedAfterSeconds: 86_400,
      archiveFailedAfterSeconds: 7 * 86_400,
    });
    this.boss.on('error', (error: Error) => this.logger.error({ err: error }, 'Job engine error'));
  }

  get state(): EngineState {
    return this.engineState;
  }

  /** Declares a queue and, unless it is a dead-letter queue, the handler this instance works it with. */
  register<Data extends object>(queue: JobQueue<Data>, handler?: JobHandler<Data>): void {
    this.registerBatch(
      queue,
      handler &&
        (async (jobs) => {
          for (const { data, job } of jobs) await handler(data, job);
        }),
    );
  }

  /** Declares a queue whose handler is given each fetch's jobs together (up to the queue's `batchSize`). */
  registerBatch<Data extends object>(queue: JobQueue<Data>, handler?: BatchJobHandler<Data>): void {
    if (this.registrations.has(queue.name)) throw new Error(`Job queue ${queue.name} is registered twice`);
    this.registrations.set(queue.name, { queue, handler: handler as BatchJobHandler<object> | undefined });
  }

  private async createQueues(queues: Array<JobQueue<object>>): Promise<void> {
    for (const queue of queues) {
      await this.boss.createQueue(queue.name, {
        name: queue.name,
        policy: queue.policy ?? 'standard',
        retryLimit: queue.retryLimit ?? 3,
        retryDelay: queue.retryDelaySeconds ?? 5,
        retryBackoff: queue.retryBackoff ?? true,
        expireInSeconds: queue.expireInSeconds ?? 300,
        ...(queue.deadLetter ? { deadLetter: queue.deadLetter } : {}),
      });
    }
  }

  async onModuleInit(): Promise<void> {
    await this.jobs.withInstallLock(this.schema, () => this.boss.start());
  }

  async onApplicationBootstrap(): Promise<void> {
    const queues = [...this.registrations.values()].map((registration) => registration.queue);
    // Dead-letter queues first: a queue refers to its own.
    queues.sort((a, b) => Number(queues.some((q) => q.deadLetter === b.name)) - Number(queues.some((q) => q.deadLetter === a.name)));
    // Under the install lock too: pg-boss creates a queue's partition of its job table, and two instances
    // creating theirs at once deadlock on that table (seen with two instances started together).
    await this.jobs.withInstallLock(this.schema, () => this.createQueues(queues));
    for (const { queue, handler } of this.registrations.values()) {
      if (!handler) continue;
      const ids: string[] = [];
      for (let i = 0; i < (queue.concurrency ?? 1); i++) {
        let id = '';
        id = await this.boss.work<object>(
          queue.name,
          { includeMetadata: true, batchSize: queue.batchSize ?? 1, pollingIntervalSeconds: this.pollIntervalMs / 1000 },
          async (jobs) => {
            // A worker that found a job looks for the next one at once; only an idle one waits for its poll.
            if (jobs.length) this.boss.notifyWorker(id);
            await this.handle(queue, handler, jobs);
          },
        );
        ids.push(id);
      }
      this.workers.set(queue.name, ids);
      if (queue.recurring) {
        await this.boss.schedule(queue.name, queue.recurring.cron, {});
        // Now, as the previous pass of the set-up ran (a stately queue keeps it to one, whatever the instances).
        await this.boss.send(queue.name, {});
      }
    }
    this.engineState = 'running';
  }

  /**
   * Stops taking jobs, lets the running ones finish (at most JOB_SHUTDOWN_TIMEOUT_MS: what is still running
   * then fails and is retried by another instance) and closes the engine's connections.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.engineState === 'stopped' || this.engineState === 'stopping') return;
    this.engineState = 'stopping';
    this.stopping.abort();
    await this.boss.stop({ graceful: true, wait: true, timeout: this.shutdownTimeoutMs });
    this.engineState = 'stopped';
  }

  /** Inside the caller's transaction: the job exists if and only if the transaction commits. */
  async enqueue<Data extends object>(manager: EntityManager, queue: JobQueue<Data>, data: Data, options: { startAfter?: Date } = {}): Promise<string> {
    const id = await this.boss.send(queue.name, data, { ...options, db: this.jobs.onTransaction(manager) });
    if (!id) throw new Error(`Job queue ${queue.name} refused a job`);
    return id;
  }

  /** Several jobs of one queue in one statement, inside the caller's transaction (as `enqueue`, for a batch). */
  async enqueueMany<Data extends object>(manager: EntityManager, queue: JobQueue<Data>, data: Data[], options: { startAfter?: Date } = {}): Promise<void> {
    if (data.length === 0) return;
    await this.boss.insert(
      data.map((item) => ({ name: queue.name, data: item, ...options })),
      { db: this.jobs.onTransaction(manager) },
    );
  }

  /** Tells this instance's workers of `queue` to look for jobs now rather than at their next poll (after a commit). */
  wake(queue: JobQueue): void {
    if (this.engineState !== 'running') return;
    for (const id of this.workers.get(queue.name) ?? []) this.boss.notifyWorker(id);
  }

  /** Every registered queue's counts, with the jobs its dead-letter queue holds. */
  async queues(): Promise<Array<QueueCounts & { deadLettered: number }>> {
    const counts = new Map((await this.jobs.countByQueue(this.schema)).map((row) => [row.name, row]));
    return [...this.registrations.values()].map(({ queue }) => {
      const own = counts.get(queue.name) ?? { name: queue.name, queued: 0, active: 0, completed: 0, failed: 0 };
      const dead = queue.deadLetter ? counts.get(queue.deadLetter) : undefined;
      return { ...own, deadLettered: dead ? dead.queued + dead.active + dead.completed + dead.failed : 0 };
    });
  }

  /** Puts a queue's failed jobs back to be run again; returns how many. */
  async retryFailed(name: string): Promise<number> {
    if (!this.registrations.has(name)) throw new NotFoundError('Job queue');
    const ids = await this.jobs.listFailedIds(this.schema, name, RETRY_BATCH);
    if (ids.length) await this.boss.retry(name, ids);
    return ids.length;
  }

  /** What the engine does every 30 s, now: fails (and so retries) jobs past their expiry, archives and drops old ones. */
  async maintain(): Promise<void> {
    await this.boss.maintain();
  }

  /** The engine answers: its tables can be read. */
  async ping(): Promise<void> {
    if (this.engineState !== 'running') throw new Error(`job engine ${this.engineState}`);
    await this.boss.getDb().executeSql('SELECT 1', []);
  }

  private async handle(queue: JobQueue, handler: BatchJobHandler<object>, jobs: PgBoss.JobWithMetadata<object>[]): Promise<void> {
    if (!jobs.length) return;
    const batch = jobs.map((job) => ({
      data: job.data,
      job: { id: job.id, queue: queue.name, retryCount: job.retryCount, stopping: this.stopping.signal } satisfies JobContext,
    }));
    try {
      await handler(batch);
      if (queue.recurring) await this.boss.send(queue.name, {}, { startAfter: new Date(Date.now() + queue.recurring.everyMs) });
    } catch (error) {
      // One line per failed job (a batch fails together): what, which attempt, what happens next.
      for (const job of jobs) {
        const willRetry = job.retryCount < job.retryLimit;
        this.logger.error(
          {
            queue: queue.name,
            jobId: job.id,
            attempt: job.retryCount + 1,
            retryLimit: job.retryLimit,
            willRetry,
            deadLetter: willRetry ? undefined : queue.deadLetter,
            err: error,
          },
          'Job failed',
        );
      }
      throw error;
    }
  }
}
