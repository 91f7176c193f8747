import { DataSource, MigrationExecutor } from 'typeorm';
import { buildDataSourceOptions } from './data-source.options';

/** Any fixed number: every instance of the app takes this lock to migrate, so only one does at a time. */
const MIGRATION_LOCK = 727_001;

async function withMigrationLock<T>(url: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  // One pooled connection, so the session-level advisory lock and the migrations share the same session.
  const dataSource = await new DataSource({ ...buildDataSourceOptions(url), extra: { max: 1 } }).initialize();
  try {
    await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return await work(dataSource);
    } finally {
      await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await dataSource.destroy();
  }
}

/** Applies pending migrations; returns the names applied. */
export function runMigrations(url: string): Promise<string[]> {
  return withMigrationLock(url, async (dataSource) => (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name));
}

/** Reverts the last migration applied; returns its name, or null when none is applied (nothing to revert). */
export function revertLastMigration(url: string): Promise<string | null> {
  return withMigrationLock(url, async (dataSource) => {
    const executed = await new MigrationExecutor(dataSource).getExecutedMigrations();
    if (!executed.length) return null;
    // The one TypeORM reverts: the latest by timestamp.
    const last = executed.reduce((latest, migration) => (migration.timestamp > latest.timestamp ? migration : latest));
    await dataSource.undoLastMigration({ transaction: 'each' });
    return last.name;
  });
}
