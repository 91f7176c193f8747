import 'reflect-metadata';
import { loadDotEnv, parseEnvironment } from '../config/environment';
import { resolveDatabase } from './database-url';
import { generateMigration } from './migration-generator';

/**
 * `npm run migration:generate -- migrations/Name`, against the app's own database (DATABASE_URL, or the
 * embedded PostgreSQL as `npm start` uses it). Writes nothing when the entities match the database.
 */
async function main(): Promise<void> {
  const [path] = process.argv.slice(2);
  if (!path) throw new Error('Usage: npm run migration:generate -- migrations/Name');
  loadDotEnv();
  const env = parseEnvironment(process.env, () => undefined);
  const database = await resolveDatabase(env);
  try {
    const file = await generateMigration(database.url, path);
    console.log(
      file ? `Wrote ${file}: review it, then add its class to migrations/index.ts.` : 'No changes: the entities match the database, no migration written.',
    );
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
