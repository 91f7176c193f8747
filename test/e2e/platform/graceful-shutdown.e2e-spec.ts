import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import request from 'supertest';
import { JobEngine } from '../../../src/jobs/job-engine';
import { AROUND_THE_CLOCK, book, gridStartIn } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { freePort } from '../../helpers/ports';
import { ReceivedMail, startSmtpServer, TestSmtpServer } from '../../helpers/smtp';
import { SseClient } from '../../helpers/sse';
import { createTestApp, TEST_JWT_SECRET, TestApp } from '../../helpers/test-app';

/** Sign-ups e-mail a verification link: not the e-mails these tests follow. */
const isVerification = (mail: ReceivedMail): boolean => mail.headers['x-mail-kind'] === 'email_verification';

const ROOT = resolve(__dirname, '../../..');
/** A build of its own (inside dist/, which is ignored), so a suite building dist/src alongside cannot race it. */
const OUT = join(ROOT, 'dist', `.shutdown-${randomUUID().slice(0, 8)}`);
const MAIN = join(OUT, 'src', 'main.js');
/** How long the SMTP server sits on the provider's recipient: the e-mail job is running all that time. */
const SLOW_RCPT_MS = 3000;

async function onDatabase<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

interface Child {
  proc: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node <build>/src/main.js` on the test database, with its own job schema (unless `env` names one), once it serves. */
async function startChild(env: NodeJS.ProcessEnv): Promise<Child> {
  const proc = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => proc.once('exit', (code, signal) => done({ code, signal })));
  for (const giveUpAt = Date.now() + 60_000; !output.includes('API on http'); await sleep(100)) {
    if (Date.now() > giveUpAt || proc.exitCode !== null) throw new Error(`the app did not start:\n${output}`);
  }
  return { proc, output: () => output, exited };
}

/**
 * `node dist/src/main.js` as a child process, told SIGTERM while an e-mail job is running and a notification
 * stream is open: the job finishes, the stream ends with a retry hint, and the process exits 0.
 */
describe('the built app as a child process: SIGTERM, and kill -9 mid-job', () => {
  const databaseUrl = process.env.E2E_DATABASE_URL as string;
  const schema = `jobs_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const sharedSchema = `jobs_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  let smtp2: TestSmtpServer | undefined;
  const children: ChildProcess[] = [];
  let smtp: TestSmtpServer | undefined;
  let other: TestApp | undefined;

  beforeAll(async () => {
    await promisify(execFile)(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT, '--incremental', 'false'],
      {
        cwd: ROOT,
      },
    );
    if (!existsSync(MAIN)) throw new Error(`the build did not produce ${MAIN}`);
  }, 240_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await other?.close();
    await smtp?.close();
    await smtp2?.close();
    rmSync(OUT, { recursive: true, force: true });
    for (const name of [schema, sharedSchema]) await onDatabase(databaseUrl, (client) => client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`));
  });

  it('finishes the running job, ends the stream with a retry hint, and exits 0', async () => {
    let providerEmail = '';
    let rcptStarted = false;
    smtp = await startSmtpServer({
      disabledCommands: ['STARTTLS'],
      disableReverseLookup: true,
      onRcptTo(address, _session, callback) {
        if (address.address !== providerEmail) return callback();
        rcptStarted = true;
        setTimeout(() => callback(), SLOW_RCPT_MS);
      },
    });
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      TMPDIR: process.env.TMPDIR,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      JOBS_SCHEMA: schema,
      PORT: String(port),
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      JWT_SECRET_KEY: TEST_JWT_SECRET,
      SECRET_KEY: TEST_JWT_SECRET,
      BCRYPT_ROUNDS: '4',
      RATE_LIMIT_ENABLED: 'false',
      PAYMENT_FAILURE_RATE: '0',
      SEED_SAMPLE_DATA: 'false',
      LOG_FORMAT: 'json',
      EMAIL_OUTPUT_DIR: mkdtempSync(join(tmpdir(), 'shutdown-mail-')),
    };
    const started = await startChild(env);
    const { proc, exited } = started;
    children.push(proc);

    const url = `http://127.0.0.1:${port}`;
    const t = { http: request(url) } as unknown as TestApp;
    const { customer, provider, service } = await createMarketplace(t, { service: { availability: AROUND_THE_CLOCK, durationMinutes: 30 } });
    providerEmail = provider.email;
    const stream = await SseClient.open(url, '/notifications/stream', { token: customer.token });
    expect(stream.status).toBe(200);
    await stream.waitForComment('connected');

    await book(t, customer, service, gridStartIn(30));
    for (const giveUpAt = Date.now() + 20_000; !rcptStarted; await sleep(20)) {
      if (Date.now() > giveUpAt) throw new Error('the provider e-mail was never tried');
    }
    proc.kill('SIGTERM');

    expect(await exited).toEqual({ code: 0, signal: null });
    expect(started.output()).toContain('SIGTERM received');
    // The stream was ended by the server, with a reconnect hint, rather than cut.
    await stream.waitForEnd();
    expect(stream.comments).toContain('server shutting down; reconnect');
    expect(stream.retry).toBeGreaterThanOrEqual(1000);
    expect(stream.retry).toBeLessThan(4000);
    // The job that was running when the signal came finished: its e-mail was delivered and recorded, once.
    expect(smtp.received.filter((mail) => mail.rcptTo.includes(provider.email) && !isVerification(mail))).toHaveLength(1);
    const rows = await onDatabase(databaseUrl, (client) =>
      client.query<{ id: string; status: string; attempts: number }>(
        `SELECT id, status, attempts FROM email_outbox WHERE recipient = $1 AND kind <> 'email_verification'`,
        [provider.email],
      ),
    );
    expect(rows.rows.map(({ status, attempts }) => ({ status, attempts }))).toEqual([{ status: 'SENT', attempts: 1 }]);
    const jobs = await onDatabase(databaseUrl, (client) =>
      client.query<{ state: string }>(`SELECT state FROM ${schema}.job WHERE name = 'email.send' AND data->>'emailId' = $1`, [rows.rows[0].id]),
    );
    expect(jobs.rows).toEqual([{ state: 'completed' }]);
  }, 120_000);

  it('a worker killed (kill -9) mid-batch: its jobs run again on another instance, and each e-mail of the batch is delivered once', async () => {
    let providerEmail = '';
    let tries = 0;
    smtp2 = await startSmtpServer({
      disabledCommands: ['STARTTLS'],
      disableReverseLookup: true,
      onRcptTo(address, _session, callback) {
        if (address.address !== providerEmail) return callback();
        // The first try hangs (its instance is killed meanwhile); the next is taken at once.
        if (++tries === 1) return void setTimeout(() => callback(), 60_000).unref();
        callback();
      },
    });
    const server = smtp2;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      TMPDIR: process.env.TMPDIR,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      JOBS_SCHEMA: sharedSchema,
      PORT: String(await freePort()),
      SMTP_URL: `smtp://127.0.0.1:${server.port}`,
      JWT_SECRET_KEY: TEST_JWT_SECRET,
      SECRET_KEY: TEST_JWT_SECRET,
      BCRYPT_ROUNDS: '4',
      RATE_LIMIT_ENABLED: 'false',
      PAYMENT_FAILURE_RATE: '0',
      SEED_SAMPLE_DATA: 'false',
      LOG_FORMAT: 'json',
      EMAIL_OUTPUT_DIR: mkdtempSync(join(tmpdir(), 'killed-mail-')),
    };
    const killed = await startChild(env);
    children.push(killed.proc);
    const url = `http://127.0.0.1:${env.PORT}`;
    const t = { http: request(url) } as unknown as TestApp;
    const { customer, provider, service } = await createMarketplace(t, { service: { availability: AROUND_THE_CLOCK, durationMinutes: 30 } });
    // The sign-up's verification e-mail first, so the e-mail held up below is the booking's.
    await server.waitForKind(provider.email, 'email_verification', 20_000);
    providerEmail = provider.email;
    await book(t, customer, service, gridStartIn(30));
    for (const giveUpAt = Date.now() + 20_000; tries === 0; await sleep(20)) {
      if (Date.now() > giveUpAt) throw new Error('the provider e-mail was never tried');
    }
    killed.proc.kill('SIGKILL');
    expect(await killed.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // Another instance of the same deployment (same job tables).
    other = await createTestApp({ JOBS_SCHEMA: sharedSchema, SMTP_URL: env.SMTP_URL });
    // The booking's e-mails (its confirmation and receipt to the customer, its notice to the provider): one batch of the killed worker.
    const batch = await other.dataSource.query<Array<{ id: string; recipient: string; status: string }>>(
      "SELECT id, recipient, status FROM email_outbox WHERE recipient = ANY($1) AND kind <> 'email_verification' ORDER BY id",
      [[customer.email, provider.email]],
    );
    expect(batch).toHaveLength(3);
    const row = batch.find((email) => email.recipient === provider.email)!;
    expect(row.status).toBe('PENDING');
    const ids = batch.map((email) => email.id);
    const jobOf = async () =>
      (
        await other!.dataSource.query<Array<{ id: string; state: string; retry_count: number }>>(
          `SELECT id, state, retry_count FROM ${sharedSchema}.job WHERE name = 'email.send' AND data->>'emailId' = $1`,
          [row.id],
        )
      )[0];
    expect((await jobOf()).state).toBe('active');
    // Its jobs' expiry (2 minutes) and the dead sender's claim on their e-mails have passed, as far as anyone can tell; the engine's maintenance (every 30 s) runs now.
    await other.dataSource.query(
      `UPDATE ${sharedSchema}.job SET started_on = now() - interval '1 hour' WHERE name = 'email.send' AND state = 'active' AND data->>'emailId' = ANY($1)`,
      [ids],
    );
    await other.dataSource.query(`UPDATE email_outbox SET claimed_until = now() - interval '1 second' WHERE id = ANY($1) AND claimed_until IS NOT NULL`, [ids]);
    await other.app.get(JobEngine).maintain();

    await server.waitFor(provider.email, 20_000);
    for (const giveUpAt = Date.now() + 20_000; (await jobOf()).state !== 'completed'; await sleep(50)) {
      if (Date.now() > giveUpAt) throw new Error(`the job did not complete: ${JSON.stringify(await jobOf())}`);
    }
    const settled = async () =>
      (await other!.dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM email_outbox WHERE id = ANY($1) AND status = 'SENT'`, [ids]))[0].n;
    for (const giveUpAt = Date.now() + 20_000; (await settled()) < 3; await sleep(50)) {
      if (Date.now() > giveUpAt) throw new Error(`${await settled()} of the batch's 3 e-mails were sent`);
    }
    await sleep(300);
    expect(await jobOf()).toMatchObject({ state: 'completed', retry_count: 1 });
    expect(server.received.filter((mail) => mail.rcptTo.includes(provider.email) && !isVerification(mail))).toHaveLength(1);
    expect(tries).toBe(2);
    // Every e-mail of the batch arrived once: what the killed worker sent before it died was written SENT at once, not sent again.
    const messageIds = server.received.filter((mail) => !isVerification(mail)).map((mail) => mail.headers['message-id']);
    expect(messageIds.sort()).toEqual(ids.map((id) => `<${id}@marketplace.local>`).sort());
    const [after] = await other.dataSource.query<Array<{ status: string; attempts: number }>>('SELECT status, attempts FROM email_outbox WHERE id = $1', [
      row.id,
    ]);
    expect(after).toEqual({ status: 'SENT', attempts: 1 });
  }, 120_000);
});
