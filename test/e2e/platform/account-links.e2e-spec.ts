import { Role } from '../../../src/common/auth/role.enum';
import { createService, uniqueCategory } from '../../factories/service.factory';
import { createUser, login, TestUser, uniqueEmail } from '../../factories/user.factory';
import { linkOf, waitForMail } from '../../helpers/mail';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

const STRICT_CSP = /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'$/;

/**
 * Issue 13, section 3: reset links pointed at APP_URL/reset-password, which answered 404, and APP_URL said
 * port 8000 whatever PORT was. Every e-mail link is now built from FRONTEND_URL when set; without it the API
 * serves the small pages those links open, which complete the action.
 */
describe('links in e-mails', () => {
  describe('without FRONTEND_URL: the API serves the pages', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.close());

    const resetLink = async (user: TestUser): Promise<string> => {
      await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
      const [mail] = await waitForMail(t.mailDir, 'password_reset', user.email);
      return linkOf(mail.body, '/reset-password').link;
    };
    const pathOf = (link: string) => link.replace(/^https?:\/\/[^/]+/, '');

    it('the reset link opens a plain HTML page with a strict CSP and no script, whose form sets the password', async () => {
      const user = await createUser(t);
      const path = pathOf(await resetLink(user));
      const shown = await t.http.get(path).expect(200);
      expect(shown.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(shown.headers['content-security-policy']).toMatch(STRICT_CSP);
      expect(shown.headers['cache-control']).toBe('no-store');
      expect(shown.headers['referrer-policy']).toBe('no-referrer');
      expect(shown.text).toContain('<form method="post">');
      expect(shown.text).not.toMatch(/<script|https?:\/\/|\son\w+=/i);
      // The form posts back to the page's URL; the token is not copied into the page.
      expect(shown.text).not.toContain(path.split('token=')[1]);

      const mismatch = await t.http.post(path).type('form').send({ newPassword: 'Page-Pass-123', confirmPassword: 'Other-Pass-123' }).expect(400);
      expect(mismatch.text).toContain('not the same');
      const weak = await t.http.post(path).type('form').send({ newPassword: 'short', confirmPassword: 'short' }).expect(400);
      expect(weak.text).toContain('at least 8 bytes');

      const done = await t.http.post(path).type('form').send({ newPassword: 'Page-Pass-123', confirmPassword: 'Page-Pass-123' }).expect(200);
      expect(done.headers['content-security-policy']).toMatch(STRICT_CSP);
      expect(done.text).toContain('Your password has been changed');
      await login(t, user.email, 'Page-Pass-123');

      const again = await t.http.post(path).type('form').send({ newPassword: 'Page-Pass-456', confirmPassword: 'Page-Pass-456' }).expect(400);
      expect(again.text).toContain('invalid, has expired or was already used');
    });

    it('the verification link opens a page whose button verifies; opening it alone changes nothing', async () => {
      const user = await createUser(t);
      const [mail] = await waitForMail(t.mailDir, 'email_verification', user.email);
      const path = pathOf(linkOf(mail.body, '/verify-email').link);
      await t.http.get(path).expect(200);
      expect((await t.http.get('/users/me').set(user.auth).expect(200)).body).toMatchObject({ emailVerified: false });
      const done = await t.http.post(path).type('form').send({}).expect(200);
      expect(done.text).toContain('Your e-mail address is verified');
      expect((await t.http.get('/users/me').set(user.auth).expect(200)).body).toMatchObject({ emailVerified: true });
    });

    it('the e-mail change links open pages that confirm it, then revert it', async () => {
      const user = await createUser(t);
      const newEmail = uniqueEmail('paged');
      await t.http.put(`/users/${user.id}`).set(user.auth).send({ email: newEmail, currentPassword: user.password }).expect(200);
      const [confirmation] = await waitForMail(t.mailDir, 'email_change_confirmation', newEmail);
      const confirmPath = pathOf(linkOf(confirmation.body, '/confirm-email-change').link);
      await t.http.get(confirmPath).expect(200);
      expect((await t.http.post(confirmPath).type('form').send({}).expect(200)).text).toContain('Your e-mail address has been changed');

      const [notice] = await waitForMail(t.mailDir, 'email_change_notice', user.email);
      const revertPath = pathOf(linkOf(notice.body, '/revert-email-change').link);
      expect((await t.http.get(revertPath).expect(200)).text).toContain('New password (recommended)');
      const reverted = await t.http.post(revertPath).type('form').send({ newPassword: 'Reverted-Pass-1' }).expect(200);
      expect(reverted.text).toContain('every device was signed out');
      await login(t, user.email, 'Reverted-Pass-1');
    });

    it('a page opened without its token says so, 400', async () => {
      for (const path of ['/reset-password', '/verify-email', '/confirm-email-change', '/revert-email-change']) {
        const response = await t.http.get(path).expect(400);
        expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(response.text).toContain('This link is incomplete');
      }
    });
  });

  describe('with FRONTEND_URL: every link points at the web app, and the API serves no pages', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ FRONTEND_URL: 'https://app.example.test/' });
    });
    afterAll(() => t.close());

    it('reset, verification and e-mail change links start with FRONTEND_URL', async () => {
      const user = await createUser(t);
      const [verification] = await waitForMail(t.mailDir, 'email_verification', user.email);
      expect(linkOf(verification.body, '/verify-email').link).toMatch(/^https:\/\/app\.example\.test\/verify-email\?token=[A-Za-z0-9_-]{43}$/);

      await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
      const [reset] = await waitForMail(t.mailDir, 'password_reset', user.email);
      expect(linkOf(reset.body, '/reset-password').link).toMatch(/^https:\/\/app\.example\.test\/reset-password\?token=/);

      const newEmail = uniqueEmail('front');
      await t.http.put(`/users/${user.id}`).set(user.auth).send({ email: newEmail, currentPassword: user.password }).expect(200);
      const [confirmation] = await waitForMail(t.mailDir, 'email_change_confirmation', newEmail);
      const { link, token } = linkOf(confirmation.body, '/confirm-email-change');
      expect(link).toMatch(/^https:\/\/app\.example\.test\/confirm-email-change\?token=/);
      await t.http.post('/users/email-change/confirm').send({ token }).expect(200);
      const [notice] = await waitForMail(t.mailDir, 'email_change_notice', user.email);
      expect(linkOf(notice.body, '/revert-email-change').link).toMatch(/^https:\/\/app\.example\.test\/revert-email-change\?token=/);
    });

    it('GET /reset-password is not served by the API', async () => {
      expectProblem(await t.http.get('/reset-password?token=abc'), 404, 'NOT_FOUND');
    });
  });

  describe('APP_URL unset: the port actually served', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ APP_URL: undefined, PORT: '8600' });
    });
    afterAll(() => t.close());

    it('Link headers and e-mail links say http://localhost:8600', async () => {
      const provider = await createUser(t, Role.PROVIDER);
      const category = uniqueCategory('port');
      await createService(t, provider, { category });
      await createService(t, provider, { category });
      const page = await t.http.get(`/services/?category=${category}&limit=1`).expect(200);
      expect(page.headers.link).toMatch(new RegExp(`^<http://localhost:8600/services/\\?category=${category}&limit=1&cursor=[\\w-]+>; rel="next"$`));

      const [verification] = await waitForMail(t.mailDir, 'email_verification', provider.email);
      expect(linkOf(verification.body, '/verify-email').link).toMatch(/^http:\/\/localhost:8600\/verify-email\?token=/);
    });
  });
});
