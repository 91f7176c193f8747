import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
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
 * Parameterized SQL on the pg pool TypeORM already holds, for the hot read paths: no query runner, no entity
 * metadata, no hydration (rows are mapped by the repositories that own them). A failure surfaces as
 * TypeORM's QueryFailedError, so errors are reported exactly as for every other query.
 */
@Injectable()
export class Sql {
  private readonly pool: Pool;

  constructor(dataSource: DataSource) {
    this.pool = (dataSource.driver as PostgresDriver).master as Pool;
  }

  async rows<T extends QueryResultRow>(statement: string | PreparedStatement, values: unknown[] = []): Promise<T[]> {
    const query = typeof statement === 'string' ? { text: statement, values } : { name: statement.name, text: statement.text, values };
    try {
      return (await this.pool.query<T>(query)).rows;
    } catch (error) {
      throw new QueryFailedError(query.text, values, error as Error);
    }
  }
}
