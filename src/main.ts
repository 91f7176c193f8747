import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { loadDotEnv, parseEnvironment } from './config/environment';
import { resolveDatabase } from './database/database-url';
import { runMigrations } from './database/migrate';
import { SAMPLE_ACCOUNTS } from './database/seeds/sample-accounts';
import { SeedService } from './database/seeds/seed.service';

/** Where the data lives, without the credentials of the URL. */
function describeDatabase(url: string, embedded: boolean, dataDir: string): string {
  const { hostname, port, pathname } = new URL(url);
  return `${embedded ? `embedded PostgreSQL (data in ${dataDir}) on` : 'PostgreSQL at'} ${hostname}:${port || 5432}${pathname}`;
}

async function bootstrap(): Promise<void> {
  loadDotEnv();
  const env = parseEnvironment();
  const database = await resolveDatabase(env);
  const applied = await runMigrations(database.url);

  // Logged once the app (and its logger, in LOG_FORMAT) exists: a few lines, not one per module and route.
  const app = await createApp({ env, databaseUrl: database.url });
  // No enableShutdownHooks(): its own signal listeners would re-raise the signal after closing (exit by signal,
  // not 0); `stop` below closes the app (which runs the shutdown hooks) and exits itself.
  const logger = new Logger('Bootstrap');
  logger.log(`Database: ${describeDatabase(database.url, database.embedded, env.EMBEDDED_POSTGRES_DIR)}`);
  logger.log(applied.length ? `Migrations: applied ${applied.length}, up to ${applied.at(-1)}` : 'Migrations: up to date');
  // Never in production: parseEnvironment turns SEED_SAMPLE_DATA off there and refuses it on.
  if (env.SEED_SAMPLE_DATA && (await app.get(SeedService).seedIfEmpty())) {
    logger.log(`Sample logins:\n${SAMPLE_ACCOUNTS.map((a) => `  ${a.role.padEnd(8)} ${a.email} / ${a.password}`).join('\n')}`);
  }
  await app.listen({ port: env.PORT, host: '0.0.0.0' });
  const docs = env.API_DOCS_ENABLED ? `docs: /docs, /redoc, /docs-json` : 'API docs off (API_DOCS_ENABLED=true serves them)';
  logger.log(`API on http://localhost:${env.PORT} (${docs})`);

  // Graceful shutdown: closing the app stops taking jobs and waits (JOB_SHUTDOWN_TIMEOUT_MS at most) for the
  // running ones, ends the notification streams with a retry hint, closes the server and the pools. A second
  // signal, or a close that hangs well past that bound, ends the process at once.
  const stop = async (signal: NodeJS.Signals) => {
    logger.log(`${signal} received: shutting down (finishing running jobs, ending streams)`);
    setTimeout(() => {
      logger.error('Shutdown did not finish in time; exiting');
      process.exit(1);
    }, env.JOB_SHUTDOWN_TIMEOUT_MS + 15_000).unref();
    try {
      await app.close();
      await database.stop();
    } catch (error) {
      logger.error({ err: error }, 'Shutdown failed');
      process.exit(1);
    }
    logger.log('Shut down');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop(signal));
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
