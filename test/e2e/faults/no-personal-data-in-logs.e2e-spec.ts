import { PinoLogger } from 'nestjs-pino';
import pino from 'pino';
import { Client } from 'pg';
import { runMigrations } from '../../../src/database/migrate';
import { uniqueEmail } from '../../factories/user.factory';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

/** What the app's logger writes, captured from the stream every pino (child) logger of the app shares. */
function captureLogs(): { lines: string[]; restore(): void } {
  const root = PinoLogger.root as unknown as Record<symbol, { write(chunk: string): boolean }>;
  const stream = root[pino.symbols.streamSym];
  const write = stream.write;
  const lines: string[] = [];
  stream.write = (chunk: string) => {
    lines.push(String(chunk));
    return true;
  };
  return { lines, restore: () => void (stream.write = write) };
}

/**
 * A database session killed in the middle of a sign-up: the failing INSERT carries the e-mail, phone,
 * address and password hash as parameters. The log says what failed, and none of those.
 */
describe('nothing personal in the logs', () => {
  // A database of this suite's own: it kills the session that waits on its lock, which must be this app's.
  let url: string;
  let admin: URL;
  let database: string;
  let t: TestApp;

  beforeAll(async () => {
    const server = new URL(process.env.E2E_DATABASE_URL as string);
    database = `${server.pathname.slice(1)}_logs`;
    url = Object.assign(new URL(server.toString()), { pathname: `/${database}` }).toString();
    server.pathname = '/postgres';
    admin = server;
    await asAdmin(async (client) => {
      // Left from an earlier run, or created by a worker alongside (42P04, 23505): it is there either way.
      await client.query(`CREATE DATABASE "${database}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    });
    await runMigrations(url);
    t = await createTestApp({ LOG_LEVEL: 'warn' }, { databaseUrl: url });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    // The suite's own database goes with it: runs must not leave databases behind on a shared server.
    if (admin) await asAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  });

  async function asAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  it('a sign-up whose INSERT is killed answers 503 and logs neither its parameters nor the row', async () => {
    const email = uniqueEmail('private');
    const phone = '+44 20 7946 0958';
    const address = '221B Baker Street, London';
    const password = 'Sup3r-Secret-Pass!';
    const locker = new Client({ connectionString: url });
    await locker.connect();
    const logs = captureLogs();
    try {
      // An uncommitted row with the same e-mail: the sign-up's INSERT waits on it (its lookup saw nothing), so its
      // session can be killed mid-statement.
      await locker.query('BEGIN');
      await locker.query(`INSERT INTO users (email, password_hash, role, first_name, last_name) VALUES ($1, 'x', 'CUSTOMER', 'x', 'x')`, [email]);
      const signUp = t.http
        .post('/users/')
        .send({ email, password, role: 'CUSTOMER', profile: { firstName: 'Private', lastName: 'Person', phone, address } })
        .then((response) => response);
      let killed = false;
      for (let attempt = 0; !killed; attempt++) {
        if (attempt > 600) throw new Error('the sign-up never reached its INSERT');
        // Waiting on the uncommitted row's transaction: only the sign-up's INSERT can (pg_stat_activity may still
        // show that session's previous statement under the extended protocol).
        const { rows } = await locker.query<{ killed: boolean }>(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND wait_event = 'transactionid'`,
        );
        killed = rows.some((row) => row.killed);
        if (!killed) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await locker.query('ROLLBACK');
      const response = await signUp;
      expectProblem(response, 503, 'SERVICE_UNAVAILABLE');
    } finally {
      logs.restore();
      await locker.end();
    }

    const output = logs.lines.join('');
    // The failure is logged (so this looks at the right output), by its SQLSTATE and table.
    const failure = logs.lines
      .map((line) => JSON.parse(line) as { msg?: string; error?: Record<string, unknown> })
      .find((line) => line.error?.code === '57P01');
    expect(failure).toMatchObject({ msg: 'Dependency unavailable', error: { type: 'QueryFailedError', code: '57P01' } });
    for (const personal of [email, phone, address, password, 'Private', 'Person']) expect(output).not.toContain(personal);
    expect(output).not.toMatch(/\$2[aby]\$\d\d\$/); // no bcrypt hash
    expect(output).not.toMatch(/"parameters"|"detail"/);
  }, 60_000);
});
