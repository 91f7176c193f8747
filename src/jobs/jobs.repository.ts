import { Injectable } from '@nestjs/common';
import type PgBoss from 'pg-boss';
import { DataSource, EntityManager } from 'typeorm';
import { Sql } from '../common/database/sql';

/** Job counts of one queue, by what they are doing. */
export interface QueueCounts {
  name: string;
  queued: number;
  active: number;
  completed: number;
  failed: number;
}

/**
 * Our side of pg-boss's tables (schema JOBS_SCHEMA): the connection adapter that puts its statements on a
 * unit of work's transaction, the install lock, and the read-outs of the admin listing.
 */
@Injectable()
export class JobsRepository {
  constructor(
    private readonly sql: Sql,
    private readonly dataSource: DataSource,
  ) {}

  /** pg-boss's connection interface on the transaction of `manager`: a job sent through it commits or rolls back with it. */
  onTransaction(manager: EntityManager): PgBoss.Db {
    return { executeSql: (text, values) => this.sql.query(text, values ?? [], manager) };
  }

  /**
   * Runs `work` (installing or migrating pg-boss's schema) while holding a session lock on that schema, so
   * instances starting together (e2e workers, a scaled deployment) install it one after the other: the
   * first installs, the others find it installed.
   */
  async withInstallLock<T>(schema: string, work: () => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SELECT pg_advisory_lock(hashtext('pg-boss install ' || $1))`, [schema]);
      try {
        return await work();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtext('pg-boss install ' || $1))`, [schema]);
      }
    } finally {
      await runner.release();
    }
  }

  /** Every queue's jobs by state (archived jobs, older than the retention, are not counted). */
  async countByQueue(schema: string): Promise<QueueCounts[]> {
    const rows = await this.sql.rows<{ name: string; queued: number; active: number; completed: number; failed: number }>(
      `SELECT q.name,
              count(*) FILTER (WHERE j.state IN ('created', 'retry'))::int AS queued,
              count(*) FILTER (WHERE j.state = 'active')::int AS active,
              count(*) FILTER (WHERE j.state = 'completed')::int AS completed,
              count(*) FILTER (WHERE j.state = 'failed')::int AS failed
         FROM ${schema}.queue q LEFT JOIN ${schema}.job j ON j.name = q.name
        GROUP BY q.name ORDER BY q.name`,
    );
    return rows;
  }

  /** The ids of a queue's failed jobs (at most `limit`), for the engine to retry. */
  async listFailedIds(schema: string, queue: string, limit: number): Promise<string[]> {
    const rows = await this.sql.rows<{ id: string }>(`SELECT id FROM ${schema}.job WHERE name = $1 AND state = 'failed' ORDER BY completed_on LIMIT $2`, [
      queue,
      limit,
    ]);
    return rows.map((row) => row.id);
  }
}
