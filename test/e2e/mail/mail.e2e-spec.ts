import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../../src/common/auth/role.enum';
import { PasswordResetService } from '../../../src/password-reset/password-reset.service';
import { createUser, login } from '../../factories/user.factory';
import { resetTokenOf, waitForMail } from '../../helpers/mail';
import { startSmtpServer, TestSmtpServer } from '../../helpers/smtp';
import { createTestApp, TestApp } from '../../helpers/test-app';

const RESET_SUBJECT = 'Reset your password';

/*
 * Each block boots its own app, one after the other: apps in one process share Passport's strategy
 * registry, so their lifetimes must not overlap.
 */
describe('mail', () => {
  describe('file transport (no SMTP_URL)', () => {
    let t: TestApp;
    let outputDir: string;

    beforeAll(async () => {
      // A directory that does not exist yet: the transport creates it.
      outputDir = join(mkdtempSync(join(tmpdir(), 'marketplace-outbox-')), 'nested', 'outbox');
      t = await createTestApp({ EMAIL_OUTPUT_DIR: outputDir });
    });
    afterAll(() => t.close());

    it('writes one <kind>_<timestamp>_<id>.txt per message, holding To, Subject and the body', async () => {
      expect(existsSync(outputDir)).toBe(false);
      const user = await createUser(t, Role.CUSTOMER);
      await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);

      const [mail] = await waitForMail(outputDir, 'password_reset', user.email);
      expect(mail.file).toMatch(/^password_reset_\d{8}T\d{9}Z_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.txt$/);
      const content = readFileSync(join(outputDir, mail.file), 'utf8');
      expect(content).toMatch(new RegExp(`^To: ${user.email.replace(/\./g, '\\.')}\nSubject: ${RESET_SUBJECT}\n\nHello Test,\n`));
      expect(content).toContain(`http://localhost:8000/reset-password?token=${resetTokenOf(content)}\n`);
    });

    it('never overwrites: each message gets its own file', async () => {
      const user = await createUser(t, Role.PROVIDER);
      for (let i = 0; i < 3; i++) await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);

      const mails = await waitForMail(outputDir, 'password_reset', user.email, 3);
      expect(new Set(mails.map((mail) => mail.file)).size).toBe(3);
      expect(new Set(mails.map((mail) => resetTokenOf(mail.body))).size).toBe(3);
    });
  });

  describe('SMTP (SMTP_URL set) to a plain local server', () => {
    const MAIL_FROM = 'Marketplace Robot <robot@marketplace.test>';
    let smtp: TestSmtpServer;
    let t: TestApp;

    beforeAll(async () => {
      // A plain server that does not offer STARTTLS (like MailHog or Mailpit): smtp://host:port needs no options.
      smtp = await startSmtpServer({ disabledCommands: ['STARTTLS'] });
      t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM });
    });
    afterAll(async () => {
      await t.close();
      await smtp.close();
    });

    it('delivers the reset e-mail with the right envelope, To, From, Subject and link, and writes no file', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);

      const mail = await smtp.waitForKind(user.email, 'password_reset');
      expect(mail.mailFrom).toBe('robot@marketplace.test');
      expect(mail.rcptTo).toEqual([user.email]);
      expect(mail.headers.to).toBe(user.email);
      expect(mail.headers.from).toBe(MAIL_FROM);
      expect(mail.headers.subject).toBe(RESET_SUBJECT);
      expect(mail.headers['x-mail-kind']).toBe('password_reset');
      expect(mail.text).toMatch(/http:\/\/localhost:8000\/reset-password\?token=[A-Za-z0-9_-]{43}\r?\n/);
      expect(readdirSync(t.mailDir)).toEqual([]);
    });

    it('delivers a link whose token resets the password', async () => {
      const user = await createUser(t, Role.PROVIDER);
      await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
      const token = resetTokenOf((await smtp.waitForKind(user.email, 'password_reset')).text);

      await t.http.post('/password-reset/confirm').send({ token, newPassword: 'Via-Smtp-Pass-1' }).expect(200);
      await login(t, user.email, 'Via-Smtp-Pass-1');
    });
  });

  describe('SMTP to a server offering STARTTLS with a certificate the client cannot verify', () => {
    let smtp: TestSmtpServer;
    let t: TestApp;

    beforeAll(async () => {
      // smtp-server's built-in certificate has expired. nodemailer upgrades to TLS whenever the server offers
      // STARTTLS and then refuses the certificate; `?ignoreTLS=true` in SMTP_URL keeps the session plain.
      smtp = await startSmtpServer();
      t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true` });
    });
    afterAll(async () => {
      await t.close();
      await smtp.close();
    });

    it('delivers when SMTP_URL says ignoreTLS=true', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);

      const mail = await smtp.waitForKind(user.email, 'password_reset');
      expect(mail.headers.subject).toBe(RESET_SUBJECT);
      expect(mail.headers.from).toBe('Service Marketplace <no-reply@marketplace.local>');
      expect(resetTokenOf(mail.text)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });
  });

  describe('SMTP server unreachable', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ SMTP_URL: 'smtp://127.0.0.1:1' });
    });
    afterAll(() => t.close());

    it('still answers 202 and falls back to no other transport', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      const response = await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
      expect(response.body).toEqual({ message: expect.stringMatching(/^If an account exists/) });

      // Wait for the failed delivery to finish; it must be caught, not crash the process or leak into the response.
      await t.app.get(PasswordResetService).onApplicationShutdown();
      expect(readdirSync(t.mailDir)).toEqual([]);
      await t.http.get('/health').expect(200);
    });
  });
});
