import { EnvironmentVariables } from '../config/environment';
import { EmbeddedDatabase, startEmbeddedPostgres } from './embedded-postgres';

export const EMBEDDED_DATABASE_NAME = 'marketplace';

/** `DATABASE_URL` when set; otherwise an embedded PostgreSQL under `EMBEDDED_POSTGRES_DIR`. */
export async function resolveDatabase(env: EnvironmentVariables): Promise<EmbeddedDatabase & { embedded: boolean }> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, embedded: false, stop: () => Promise.resolve() };
  const embedded = await startEmbeddedPostgres({ dataDir: env.EMBEDDED_POSTGRES_DIR, port: env.EMBEDDED_POSTGRES_PORT, database: EMBEDDED_DATABASE_NAME });
  return { ...embedded, embedded: true };
}
