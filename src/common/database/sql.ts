import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * A statement the server prepares once per connection (parse and plan once, then only bind and run).
 * Only for texts from a small fixed set: every name stays prepared on every pooled connection.
 */
export interface PreparedStatement {
  name: string;
  text: string;
}

/** Names a fixed statement after its text, so two texts never share a name. */
export function prepared(text: string): PreparedStatement {
  return { name: `s_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`, text };
}

/**
 * Used only by repositories: the rule for which dialect goes where is in README.md beside this file.
 *
 * Parameterized SQL straight on pg, for the hot paths: no query runner around each statement, no entity
 * metadata, no hydration (rows are mapped by the repositories that own them). Given the EntityManager of a
 * transaction, the statement runs on that transaction's connection (the one TypeORM holds for it); otherwise
 * on the pool TypeORM already has. A failure surfaces as TypeORM's QueryFailedError, so constraint violations
 * are recognized and reported exactly as for every other query.
 */
@Injectable()
export class Sql {
  private readonly pool: Pool;

  constructor(dataSource: DataSource) {
    this.pool = (dataSource.driver as PostgresDriver).master as Pool;
  }

  async rows<T extends QueryResultRow>(statement: string | PreparedStatement, values: unknown[] = [], manager?: EntityManager): Promise<T[]> {
    return (await this.query<T>(statement, values, manager)).rows;
  }

  async query<T extends QueryResultRow>(statement: string | PreparedStatement, values: unknown[] = [], manager?: EntityManager): Promise<QueryResult<T>> {
    const query = typeof statement === 'string' ? { text: statement, values } : { name: statement.name, text: statement.text, values };
    const runner = manager?.queryRunner;
    try {
      // connect() answers the connection a transaction's runner already holds.
      const db = runner && !runner.isReleased ? ((await runner.connect()) as PoolClient) : this.pool;
      return await db.query<T>(query);
    } catch (error) {
      throw new QueryFailedError(query.text, values, error as Error);
    }
  }
}
