import type { EntityManager } from 'typeorm';

/**
 * A queue a domain declares: its name and how the engine treats its jobs. The domain registers it with a
 * handler (JobEngine.register); the engine creates it in PostgreSQL and works it on every instance.
 */
export interface JobQueue<Data extends object = object> {
  readonly name: string;
  /**
   * `standard`: every job runs. `stately`: at most one job waiting and one running (a recurring pass that
   * must not pile up or run twice at once, whatever the number of instances).
   */
  readonly policy?: 'standard' | 'stately';
  /** Attempts after the first when the handler throws (or its instance dies mid-job), with backoff. */
  readonly retryLimit?: number;
  readonly retryDelaySeconds?: number;
  readonly retryBackoff?: boolean;
  /** A running job not finished by then counts as failed (its instance died): it is retried. */
  readonly expireInSeconds?: number;
  /** Where jobs go when their retries are exhausted: a queue with no worker, kept for inspection. */
  readonly deadLetter?: string;
  /** Jobs this instance works on at the same time (default 1). */
  readonly concurrency?: number;
  /**
   * Jobs a worker takes in one fetch (default 1); a batch handler (JobEngine.registerBatch) is given them
   * together, and they complete together in one statement.
   */
  readonly batchSize?: number;
  /** A recurring pass: run at start, then every `everyMs` (a job chained to the next), and by cron as a safety net. */
  readonly recurring?: { everyMs: number; cron: string };
  /** Only for the type of the data: never set. */
  readonly __data?: Data;
}

export type JobData<Q> = Q extends JobQueue<infer Data> ? Data : never;

/** What a handler knows of its job. */
export interface JobContext {
  id: string;
  queue: string;
  /** 0 on the first run, then 1, 2... on the engine's retries. */
  retryCount: number;
  /** Aborted when the instance starts shutting down: a handler that waits for something stops waiting. */
  stopping: AbortSignal;
}

export type JobHandler<Data extends object> = (data: Data, job: JobContext) => Promise<void>;

/** A handler of several jobs at once: when it throws, every job of the batch fails (and is retried). */
export type BatchJobHandler<Data extends object> = (jobs: Array<{ data: Data; job: JobContext }>) => Promise<void>;

/** Enqueues jobs inside a transaction: they exist if and only if it commits. */
export interface JobEnqueuer {
  enqueue<Data extends object>(manager: EntityManager, queue: JobQueue<Data>, data: Data, options?: { startAfter?: Date }): Promise<string>;
  enqueueMany<Data extends object>(manager: EntityManager, queue: JobQueue<Data>, data: Data[], options?: { startAfter?: Date }): Promise<void>;
}
