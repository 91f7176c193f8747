import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Role } from '../../../src/common/auth/role.enum';
import { runMigrations } from '../../../src/database/migrate';
import { createUser, login, TestUser, uniqueEmail } from '../../factories/user.factory';
import { linkOf } from '../../helpers/mail';
import { freePort } from '../../helpers/ports';
import { startSmtpServer, TestSmtpServer } from '../../helpers/smtp';
import { createTestApp, TestApp } from '../../helpers/test-app';
import { waitUntil } from '../../helpers/wait';

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
 * Issue 13, section 2: a password reset asked for while the mail server was down answered 202 and its e-mail
 * was never sent. Account e-mails (reset link, verification link, e-mail change links, password changed) now go
 * through the e-mail outbox in the transaction that issues them, and are sent once the server is back. A database
 * of its own: the sweep sends any due e-mail of its database, and other suites' apps must not send these.
 */
describe('account e-mails through an SMTP outage', () => {
  const database = `marketplace_account_mail_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let serverUrl: string;
  let smtpPort: number;
  let smtp: TestSmtpServer | undefined;
  let t: TestApp;
  let user: TestUser;

  const attemptsOf = async (kind: string, recipient: string): Promise<number> => {
    const rows = await t.dataSource.query<Array<{ attempts: number }>>('SELECT attempts FROM email_outbox WHERE kind = $1 AND recipient = $2', [
      kind,
      recipient,
    ]);
    return rows.reduce((sum, row) => sum + row.attempts, 0);
  };

  beforeAll(async () => {
    const shared = new URL(process.env.E2E_DATABASE_URL as string);
    shared.pathname = '/postgres';
    serverUrl = shared.toString();
    await onServer(serverUrl, `CREATE DATABASE "${database}"`);
    shared.pathname = `/${database}`;
    const databaseUrl = shared.toString();
    await runMigrations(databaseUrl);

    smtpPort = await freePort();
    t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, MAIL_RETRY_INTERVAL_MS: '100', MAIL_RETRY_MAX_DELAY_MS: '500' }, { databaseUrl });
    user = await createUser(t, Role.CUSTOMER);
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.close();
    await onServer(serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });

  const startSmtp = async (): Promise<TestSmtpServer> => {
    smtp = await startSmtpServer({ disabledCommands: ['STARTTLS'], disableReverseLookup: true }, smtpPort);
    return smtp;
  };

  it('the repro: a reset asked for while SMTP is down answers 202 and is delivered once it is back; the owner is then told of the change', async () => {
    await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
    // Tried, refused (nothing listens), kept.
    await waitUntil(async () => (await attemptsOf('password_reset', user.email)) > 0, 'the reset e-mail was tried');

    const server = await startSmtp();
    const reset = await server.waitForKind(user.email, 'password_reset', 30_000);
    await t.http
      .post('/password-reset/confirm')
      .send({ token: linkOf(reset.text, '/reset-password').token, newPassword: 'After-Outage-1' })
      .expect(200);
    await login(t, user.email, 'After-Outage-1');
    expect((await server.waitForKind(user.email, 'password_changed', 30_000)).text).toContain('password reset link');
  }, 60_000);

  it('a verification and an e-mail change asked for while SMTP is down are delivered once it is back', async () => {
    await smtp?.close();
    smtp = undefined;
    const other = await createUser(t, Role.PROVIDER);
    const newEmail = uniqueEmail('moved');
    await t.http.put(`/users/${other.id}`).set(other.auth).send({ email: newEmail, currentPassword: other.password }).expect(200);
    await waitUntil(async () => (await attemptsOf('email_verification', other.email)) > 0, 'the verification e-mail was tried');
    await waitUntil(async () => (await attemptsOf('email_change_confirmation', newEmail)) > 0, 'the confirmation e-mail was tried');

    const server = await startSmtp();
    const verification = await server.waitForKind(other.email, 'email_verification', 30_000);
    const confirmation = await server.waitForKind(newEmail, 'email_change_confirmation', 30_000);
    await t.http
      .post('/users/verify-email')
      .send({ token: linkOf(verification.text, '/verify-email').token })
      .expect(200);
    await t.http
      .post('/users/email-change/confirm')
      .send({ token: linkOf(confirmation.text, '/confirm-email-change').token })
      .expect(200);
    expect((await server.waitForKind(other.email, 'email_change_notice', 30_000)).text).toContain(newEmail);
  }, 60_000);
});
