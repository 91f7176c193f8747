import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Role } from '../../../src/common/auth/role.enum';
import { PasswordResetService } from '../../../src/password-reset/password-reset.service';
import { createUser, login, TestUser, uniqueEmail } from '../../factories/user.factory';
import { listMail, MailFile, resetTokenOf, waitForMail } from '../../helpers/mail';
import { createTestApp, TestApp } from '../../helpers/test-app';

const APP_URL = 'https://shop.example.test';
const ACCEPTED = { message: 'If an account exists for this e-mail, a password reset link has been sent to it.' };
const NEW_PASSWORD = 'Brand-New-Pass-42';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('password reset', () => {
  let t: TestApp;

  beforeAll(async () => {
    // A trailing slash in APP_URL must not double the slash in the link.
    t = await createTestApp({ APP_URL: `${APP_URL}/` });
  });
  afterAll(() => t.close());

  /** Requests a reset for `email` and returns the new e-mail (the one not there before). */
  async function requestResetMail(email: string): Promise<MailFile> {
    const before = new Set(listMail(t.mailDir, 'password_reset', email).map((mail) => mail.file));
    await t.http.post('/password-reset/request').send({ email }).expect(202);
    const mails = await waitForMail(t.mailDir, 'password_reset', email, before.size + 1);
    return mails.find((mail) => !before.has(mail.file)) as MailFile;
  }

  async function issueResetToken(user: TestUser): Promise<string> {
    return resetTokenOf((await requestResetMail(user.email)).body);
  }

  const confirm = (token: string, newPassword = NEW_PASSWORD) => t.http.post('/password-reset/confirm').send({ token, newPassword });

  async function expectInvalidToken(token: string): Promise<void> {
    const response = await confirm(token).expect(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [{ field: 'token', message: expect.any(String) }] });
  }

  describe('POST /password-reset/request', () => {
    it('answers 202 with the same body whether or not the account exists', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      const known = await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
      const unknown = await t.http
        .post('/password-reset/request')
        .send({ email: uniqueEmail('nobody') })
        .expect(202);

      expect(known.body).toEqual(ACCEPTED);
      expect(unknown.body).toEqual(known.body);
      expect(unknown.headers['content-type']).toBe(known.headers['content-type']);
      await waitForMail(t.mailDir, 'password_reset', user.email);
    });

    it('e-mails a single link to APP_URL/reset-password with a 32-byte base64url token', async () => {
      const user = await createUser(t, Role.PROVIDER);
      const mail = await requestResetMail(user.email);

      expect(mail.file).toMatch(/^password_reset_\d{8}T\d{9}Z_[0-9a-f-]{36}\.txt$/);
      expect(mail.to).toBe(user.email);
      expect(mail.subject).toBe('Reset your password');
      expect(mail.body).toContain('valid for 60 minutes');
      const links = mail.body.match(/https?:\/\/\S+/g);
      expect(links).toHaveLength(1);
      expect(links?.[0]).toMatch(/^https:\/\/shop\.example\.test\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(resetTokenOf(mail.body), 'base64url')).toHaveLength(32);
    });

    it('stores only the SHA-256 of the token, expiring after PASSWORD_RESET_TOKEN_EXPIRE_MINUTES', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      const token = await issueResetToken(user);

      const rows = await t.dataSource.query<Array<{ token_hash: string; used_at: Date | null; ttl_seconds: number }>>(
        `SELECT token_hash, used_at, extract(epoch FROM expires_at - created_at)::float AS ttl_seconds
           FROM password_reset_tokens WHERE user_id = $1`,
        [user.id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].token_hash).toBe(sha256(token));
      expect(rows[0].used_at).toBeNull();
      // expires_at comes from the app's clock, created_at from the database's: allow them a little drift.
      expect(Math.abs(rows[0].ttl_seconds - 60 * 60)).toBeLessThan(30);

      const leaked = await t.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM password_reset_tokens WHERE token_hash = $1 OR token_hash = $2`,
        [token, Buffer.from(token, 'base64url').toString('hex')],
      );
      expect(leaked[0].n).toBe(0);
    });

    it('finds the account whatever the case and spacing of the address', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      await t.http
        .post('/password-reset/request')
        .send({ email: `  ${user.email.toUpperCase()} ` })
        .expect(202);
      const [mail] = await waitForMail(t.mailDir, 'password_reset', user.email);
      expect(mail.to).toBe(user.email);
    });

    it('sends nothing for an unknown or a deleted account', async () => {
      const deleted = await createUser(t, Role.CUSTOMER);
      await t.http.delete(`/users/${deleted.id}`).set(deleted.auth).expect(204);
      const unknown = uniqueEmail('nobody');
      await t.http.post('/password-reset/request').send({ email: unknown }).expect(202, ACCEPTED);
      await t.http.post('/password-reset/request').send({ email: deleted.email }).expect(202, ACCEPTED);

      // The shutdown hook only waits for the work queued after the responses (it closes nothing): "no mail" is then certain.
      await t.app.get(PasswordResetService).onApplicationShutdown();
      expect(listMail(t.mailDir, 'password_reset', unknown)).toEqual([]);
      expect(listMail(t.mailDir, 'password_reset', deleted.email)).toEqual([]);
      const rows = await t.dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM password_reset_tokens WHERE user_id = $1`, [deleted.id]);
      expect(rows[0].n).toBe(0);
    });

    it('refuses a malformed address, naming the field', async () => {
      const response = await t.http.post('/password-reset/request').send({ email: 'not-an-address' }).expect(400);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'email', message: expect.stringMatching(/e-mail/) }] });
    });
  });

  describe('POST /password-reset/confirm', () => {
    it('sets the new password: login works with it and no longer with the old one', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      const token = await issueResetToken(user);

      const response = await confirm(token).expect(200);
      expect(response.body).toEqual({ message: expect.any(String) });

      const fresh = await login(t, user.email, NEW_PASSWORD);
      await t.http.get('/users/me').set('Authorization', `Bearer ${fresh}`).expect(200);
      const old = await t.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(401);
      expect(old.body).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    });

    it('refuses access tokens issued before the reset', async () => {
      const user = await createUser(t, Role.PROVIDER);
      await t.http.get('/users/me').set(user.auth).expect(200);
      const token = await issueResetToken(user);
      // The check compares the JWT's iat, in whole seconds, with the time of the change.
      await sleep(1100);

      await confirm(token).expect(200);

      const refused = await t.http.get('/users/me').set(user.auth).expect(401);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      const fresh = await login(t, user.email, NEW_PASSWORD);
      await t.http.get('/users/me').set('Authorization', `Bearer ${fresh}`).expect(200);
    });

    it('is single use', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      const token = await issueResetToken(user);
      await confirm(token).expect(200);

      await expectInvalidToken(token);
      const second = await t.http.post('/password-reset/confirm').send({ token, newPassword: 'Another-Pass-43' }).expect(400);
      expect(second.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      await login(t, user.email, NEW_PASSWORD);
    });

    it('invalidates every reset token issued before it', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      const first = await issueResetToken(user);
      const second = await issueResetToken(user);
      const third = await issueResetToken(user);
      expect(new Set([first, second, third]).size).toBe(3);

      await confirm(second).expect(200);

      await expectInvalidToken(first);
      await expectInvalidToken(third);
      await login(t, user.email, NEW_PASSWORD);
    });

    it('refuses an expired token', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      const token = await issueResetToken(user);
      await t.dataSource.query(`UPDATE password_reset_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [sha256(token)]);

      await expectInvalidToken(token);
      await login(t, user.email, user.password);
    });

    it('refuses an unknown token', async () => {
      await expectInvalidToken(Buffer.alloc(32, 7).toString('base64url'));
      await expectInvalidToken('not-even-base64url!');
    });

    it('refuses a weak new password naming the field, and leaves the token usable', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      const token = await issueResetToken(user);

      const response = await confirm(token, 'password').expect(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'newPassword', message: expect.stringMatching(/^newPassword /) }] });

      await confirm(token).expect(200);
    });

    it('refuses a missing token, naming the field', async () => {
      const response = await t.http.post('/password-reset/confirm').send({ newPassword: NEW_PASSWORD }).expect(400);
      expect((response.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field)).toContain('token');
    });

    it('lets exactly one of 10 concurrent confirmations with the same token succeed', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      const token = await issueResetToken(user);

      const passwords = Array.from({ length: 10 }, (_, index) => `Concurrent-Pass-${index}`);
      const responses = await Promise.all(passwords.map((password) => confirm(token, password)));

      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
      const winner = passwords[responses.findIndex((response) => response.status === 200)];
      await login(t, user.email, winner);
      const losers = passwords.filter((password) => password !== winner);
      await t.http.post('/auth/login').send({ email: user.email, password: losers[0] }).expect(401);
    });
  });
});
