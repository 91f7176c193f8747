import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { runMigrations } from '../../src/database/migrate';

export interface OwnDatabase {
  /** A migrated database on the suites' PostgreSQL server, for this suite alone. */
  url: string;
  drop(): Promise<void>;
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A database of the suite's own, migrated, beside the shared one: for apps whose background passes act on
 * every row (reminders, auto-completion), which must not touch what suites running alongside wrote.
 */
export async function createOwnDatabase(prefix: string): Promise<OwnDatabase> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const server = new URL(process.env.E2E_DATABASE_URL as string);
  server.pathname = '/postgres';
  const serverUrl = server.toString();
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  server.pathname = `/${name}`;
  const url = server.toString();
  await runMigrations(url);
  return { url, drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
