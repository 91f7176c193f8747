import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { revertLastMigration, runMigrations } from '../../../src/database/migrate';

async function onServer(url: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

/** Issue 13, section 2: `emailVerified` must not lock out today's users; accounts from before it count as verified. */
describe('the account e-mails migration', () => {
  const database = `marketplace_verified_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let serverUrl: string;
  let url: string;

  beforeAll(async () => {
    const shared = new URL(process.env.E2E_DATABASE_URL as string);
    shared.pathname = '/postgres';
    serverUrl = shared.toString();
    await onServer(serverUrl, `CREATE DATABASE "${database}"`);
    shared.pathname = `/${database}`;
    url = shared.toString();
  });
  afterAll(() => onServer(serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));

  it('marks the accounts that exist verified, and new ones not', async () => {
    await runMigrations(url);
    // Back to just before it (later migrations first), as a database of today's main is.
    for (let reverted = await revertLastMigration(url); reverted !== 'AccountEmails1764710000000'; reverted = await revertLastMigration(url)) {
      if (reverted === null) throw new Error('AccountEmails1764710000000 was never applied');
    }
    const insert = (email: string) =>
      onServer(url, `INSERT INTO users (email, password_hash, role, first_name, last_name) VALUES ($1, 'x', 'CUSTOMER', 'Old', 'Timer') RETURNING id`, [email]);
    await insert('before@example.com');

    await runMigrations(url);
    await insert('after@example.com');
    const rows = await onServer(url, 'SELECT email, email_verified FROM users ORDER BY email');
    expect(rows).toEqual([
      { email: 'after@example.com', email_verified: false },
      { email: 'before@example.com', email_verified: true },
    ]);
  });
});
