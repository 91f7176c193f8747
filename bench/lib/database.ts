import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

export interface BenchDatabaseServer {
  /** Where it runs: `DATABASE_URL`'s server, or an embedded one in a temp dir. */
  kind: 'external' | 'embedded';
  host: string;
  port: number;
  /** The URL of a database on this server. */
  urlFor(database: string): string;
  /** Drops (if present) and creates a database; returns its URL. */
  recreate(database: string): Promise<string>;
  drop(database: string): Promise<void>;
  version(): Promise<string>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The PostgreSQL server of `DATABASE_URL` (the bench makes databases of its own there, `<name>_bench`,
 * and never touches the one named), else an embedded PostgreSQL in a temporary directory.
 */
export async function openDatabaseServer(databaseUrl: string | undefined): Promise<BenchDatabaseServer & { baseName: string }> {
  let base: URL;
  let kind: 'external' | 'embedded';
  let stopServer = () => Promise.resolve();
  if (databaseUrl) {
    base = new URL(databaseUrl);
    kind = 'external';
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), 'marketplace-bench-pg-'));
    const port = await freePort();
    process.stderr.write(`  starting an embedded PostgreSQL in ${dataDir} on port ${port}...\n`);
    const embedded = await startEmbeddedPostgres({ dataDir, port, database: 'postgres' });
    base = new URL(embedded.url);
    kind = 'embedded';
    stopServer = async () => {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const baseName = decodeURIComponent(base.pathname.replace(/^\//, '')) || 'marketplace';
  const urlFor = (database: string) => {
    const url = new URL(base.toString());
    url.pathname = `/${encodeURIComponent(database)}`;
    return url.toString();
  };
  const admin = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: urlFor('postgres') });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const drop = (database: string) => admin(async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${quote(database)} WITH (FORCE)`)));
  return {
    kind,
    baseName,
    host: base.hostname,
    port: Number(base.port || 5432),
    urlFor,
    drop,
    recreate: async (database) => {
      await drop(database);
      await admin((client) => client.query(`CREATE DATABASE ${quote(database)}`));
      return urlFor(database);
    },
    version: () => admin(async (client) => (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version),
    stop: stopServer,
  };
}
