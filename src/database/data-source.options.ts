import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';

/** The options shared by the app, `ormconfig.ts` (TypeORM CLI) and the tests. The schema changes only through migrations. */
export function buildDataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    installExtensions: false,
    // No JIT: the app's statements are short; compiling one (tens of ms) costs more than running it, and a
    // catalog count with availableOn crossed PostgreSQL's cost threshold for it.
    extra: { max: 20, application_name: 'service-marketplace-api', options: '-c jit=off' },
  };
}
