import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { loadDotEnv, parseEnvironment } from './config/environment';
import { resolveDatabase } from './database/database-url';
import { runMigrations } from './database/migrate';
import { SAMPLE_ACCOUNTS } from './database/seeds/sample-accounts';
import { SeedService } from './database/seeds/seed.service';

async function bootstrap(): Promise<void> {
  loadDotEnv();
  const env = parseEnvironment();
  const logger = new Logger('Bootstrap');
  const database = await resolveDatabase(env);
  if (database.embedded) logger.log(`Embedded PostgreSQL serving ${env.EMBEDDED_POSTGRES_DIR} on port ${env.EMBEDDED_POSTGRES_PORT}`);
  const applied = await runMigrations(database.url);
  if (applied.length) logger.log(`Applied migrations: ${applied.join(', ')}`);

  const app = await createApp({ env, databaseUrl: database.url });
  app.enableShutdownHooks();
  if (env.SEED_SAMPLE_DATA && (await app.get(SeedService).seedIfEmpty())) {
    logger.log(`Sample logins:\n${SAMPLE_ACCOUNTS.map((a) => `  ${a.role.padEnd(8)} ${a.email} / ${a.password}`).join('\n')}`);
  }
  await app.listen({ port: env.PORT, host: '0.0.0.0' });
  logger.log(`API on http://localhost:${env.PORT} (docs: /docs, /redoc, /docs-json)`);

  const stop = async () => {
    await app.close();
    await database.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
