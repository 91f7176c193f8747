import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadDotEnv, parseEnvironment } from './src/config/environment';
import { buildDataSourceOptions } from './src/database/data-source.options';

/**
 * For the TypeORM CLI itself (`npx typeorm <command> -d dist/ormconfig.js`): the app's own options. Without
 * DATABASE_URL it points at the embedded PostgreSQL, which must be running (`npm start` in another terminal).
 * `npm run migration:generate` does not use it (src/database/generate-migration.ts).
 */
loadDotEnv();
const env = parseEnvironment(process.env, () => undefined);
const url = env.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}/marketplace`;

export default new DataSource(buildDataSourceOptions(url));
