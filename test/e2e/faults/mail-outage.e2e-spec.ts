import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { Role } from '../../../src/common/auth/role.enum';
import { runMigrations } from '../../../src/database/migrate';
import { JobEngine } from '../../../src/jobs/job-engine';
import { EMAIL_QUEUE, EmailSender } from '../../../src/notifications/email/email-sender.service';
import { bookingCreated, recordEvents } from '../../factories/notification.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { startSmtpServer, TestSmtpServer } from '../../helpers/smtp';
import { createTestApp, TestApp } from '../../helpers/test-app';
import { freePort } from '../../helpers/ports';
import { waitUntil } from '../../helpers/wait';

const BOOKINGS = 200;

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

interface OutboxRow {
  id: string;
  recipient: string;
  kind: string;
  status: string;
  attempts: number;
}

/**
 * SMTP down, then back: every e-mail is delivered once. Two instances of one deployment share a database
 * of their own and its job tables (JOBS_SCHEMA): either may run any e-mail's job; retries start at 100 ms.
 */
describe('notification e-mail through an SMTP outage', () => {
  const database = `marketplace_outbox_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let serverUrl: string;
  let databaseUrl: string;
  let smtpPort: number;
  let smtp: TestSmtpServer | undefined;
  let a: TestApp;
  let b: TestApp;
  let customer: TestUser;
  let provider: TestUser;

  const outbox = (): Promise<OutboxRow[]> =>
    a.dataSource.query<OutboxRow[]>('SELECT id, recipient, kind, status, attempts FROM email_outbox ORDER BY created_at, id');

  /** No e-mail job waiting or running on either instance. */
  const emailJobsSettled = async (): Promise<boolean> => {
    const queue = (await a.app.get(JobEngine).queues()).find((q) => q.name === EMAIL_QUEUE.name);
    return queue?.queued === 0 && queue.active === 0;
  };

  beforeAll(async () => {
    const shared = new URL(process.env.E2E_DATABASE_URL as string);
    shared.pathname = '/postgres';
    serverUrl = shared.toString();
    await onServer(serverUrl, `CREATE DATABASE "${database}"`);
    shared.pathname = `/${database}`;
    databaseUrl = shared.toString();
    await runMigrations(databaseUrl);

    smtpPort = await freePort();
    const env = {
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAIL_RETRY_INTERVAL_MS: '100',
      MAIL_RETRY_MAX_DELAY_MS: '1000',
      JOBS_SCHEMA: 'pgboss',
      JOB_POLL_INTERVAL_MS: '500',
    };
    a = await createTestApp(env, { databaseUrl });
    b = await createTestApp(env, { databaseUrl });
    customer = await createUser(a, Role.CUSTOMER);
    provider = await createUser(a, Role.PROVIDER);
    // Their sign-up verification e-mails are not what this suite counts (test/e2e/faults/account-mail-outage.e2e-spec.ts is).
    await a.dataSource.query(`DELETE FROM email_outbox WHERE kind = 'email_verification'`);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await smtp?.close();
    await onServer(serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });

  it(`${BOOKINGS} bookings while SMTP is down: none fails, and every e-mail is delivered exactly once when it is back`, async () => {
    // Half on each instance; each commits and returns although its e-mails cannot be sent.
    for (let i = 0; i < BOOKINGS; i++) await recordEvents(i % 2 ? a : b, bookingCreated(customer, provider));

    // Tried and failed (connection refused), kept for later: nothing lost, nothing sent.
    await waitUntil(async () => (await outbox()).some((row) => row.attempts > 0), 'a first attempt failed');
    const during = await outbox();
    expect(during).toHaveLength(2 * BOOKINGS);
    expect(during.every((row) => row.status === 'PENDING')).toBe(true);
    const [{ last_error }] = await a.dataSource.query<Array<{ last_error: string }>>('SELECT last_error FROM email_outbox WHERE attempts > 0 LIMIT 1');
    expect(last_error).toMatch(/ECONNREFUSED|connect/i);

    smtp = await startSmtpServer({ disabledCommands: ['STARTTLS'], disableReverseLookup: true }, smtpPort);
    const server = smtp;
    await waitUntil(async () => (await outbox()).every((row) => row.status === 'SENT'), 'every e-mail was sent');
    // Every job has run out: nothing is left to send, nothing more is sent.
    await waitUntil(emailJobsSettled, 'no e-mail job is left');
    await sleep(300);

    const rows = await outbox();
    expect(server.received).toHaveLength(2 * BOOKINGS);
    // Each message carries its outbox row's id as Message-ID: one message per row, none twice.
    const messageIds = server.received.map((mail) => mail.headers['message-id']);
    expect(new Set(messageIds).size).toBe(2 * BOOKINGS);
    expect(new Set(messageIds)).toEqual(new Set(rows.map((row) => `<${row.id}@marketplace.local>`)));
    const to = (address: string) => server.received.filter((mail) => mail.rcptTo.join() === address);
    expect(to(customer.email)).toHaveLength(BOOKINGS);
    expect(to(customer.email).every((mail) => mail.headers['x-mail-kind'] === 'booking_confirmation')).toBe(true);
    expect(to(provider.email)).toHaveLength(BOOKINGS);
    expect(to(provider.email).every((mail) => mail.headers['x-mail-kind'] === 'booking_notification_provider')).toBe(true);
    expect(to(customer.email)[0].text).toContain('Deep home cleaning');
  });

  it('a recipient the server refuses for good (550) is not retried; the other party still gets theirs', async () => {
    const refused = await createUser(a, Role.CUSTOMER);
    await a.dataSource.query(`DELETE FROM email_outbox WHERE kind = 'email_verification'`);
    await smtp?.close();
    smtp = await startSmtpServer(
      {
        disabledCommands: ['STARTTLS'],
        disableReverseLookup: true,
        onRcptTo(address, _session, callback) {
          if (address.address !== refused.email) return callback();
          return callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
        },
      },
      smtpPort,
    );
    const server = smtp;
    await recordEvents(a, bookingCreated(refused, provider));

    await server.waitFor(provider.email);
    await waitUntil(async () => (await outbox()).every((row) => row.status !== 'PENDING'), 'both e-mails were settled');
    const settled = (await outbox()).filter((row) => row.recipient === refused.email || (row.recipient === provider.email && row.status !== 'SENT'));
    expect(settled.map(({ status, attempts }) => ({ status, attempts }))).toEqual([{ status: 'FAILED', attempts: 1 }]);
    await waitUntil(emailJobsSettled, 'no e-mail job is left');
    const dead = await a.dataSource.query<Array<{ data: { emailId: string } }>>(`SELECT data FROM pgboss.job WHERE name = 'email.dead'`);
    expect(dead.map((job) => job.data.emailId)).toEqual(settled.map((row) => row.id));
    expect((await outbox()).find((row) => row.recipient === refused.email)).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(server.received.map((mail) => mail.rcptTo.join())).toEqual([provider.email]);
  });

  it('an e-mail a dead sender still holds is sent once its claim runs out, not before, and once', async () => {
    const server = smtp!;
    // Written with its job, and claimed for 2 s by a sender that never comes back (killed, say).
    const id = await a.dataSource.transaction(async (manager) => {
      const written = await a.app
        .get(EmailSender)
        .enqueue(manager, { notificationId: null, kind: 'claimed_elsewhere', to: customer.email, subject: 'Held', text: 'Held by a sender that died.' });
      await manager.query(`UPDATE email_outbox SET claimed_until = now() + interval '2 seconds' WHERE id = $1`, [written]);
      return written;
    });
    const jobsOf = () => a.dataSource.query<Array<{ state: string }>>(`SELECT state FROM pgboss.job WHERE name = 'email.send' AND data->>'emailId' = $1`, [id]);
    const received = () => server.received.filter((mail) => mail.headers['message-id'] === `<${id}@marketplace.local>`);

    // Its job ran, found it held, and left a job for when the claim ends: nothing sent meanwhile.
    await waitUntil(async () => (await jobsOf()).length === 2, 'a job for the end of the claim');
    expect(received()).toHaveLength(0);
    expect((await outbox()).find((row) => row.id === id)).toMatchObject({ status: 'PENDING', attempts: 0 });

    await waitUntil(async () => (await outbox()).find((row) => row.id === id)?.status === 'SENT', 'the e-mail was sent');
    await waitUntil(emailJobsSettled, 'no e-mail job is left');
    await sleep(300);
    expect(received()).toHaveLength(1);
    expect((await jobsOf()).map((job) => job.state)).toEqual(['completed', 'completed']);
  });
});
