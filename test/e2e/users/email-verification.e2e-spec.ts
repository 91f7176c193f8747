import { Role } from '../../../src/common/auth/role.enum';
import { bookingBody, nextLocal } from '../../factories/booking.factory';
import { createService, validServiceBody } from '../../factories/service.factory';
import { createUser, login, TestUser, uniqueEmail } from '../../factories/user.factory';
import { linkOf, resetTokenOf, waitForMail } from '../../helpers/mail';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

/** Issue 13, section 2: sign-up sends a verification link, accounts carry `emailVerified`, and security e-mails reach the owner. */
describe('e-mail verification', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const verificationToken = async (email: string, count = 1): Promise<string> => {
    const mails = await waitForMail(t.mailDir, 'email_verification', email, count);
    return linkOf(mails[count - 1].body, '/verify-email').token;
  };

  it('sign-up answers emailVerified false and e-mails a link to APP_URL/verify-email that verifies the address, once', async () => {
    const email = uniqueEmail('signup');
    const created = await t.http
      .post('/users/')
      .send({ email, password: 'SecurePass123!', role: Role.CUSTOMER, profile: { firstName: 'Ada', lastName: 'Lovelace' } })
      .expect(201);
    expect(created.body).toMatchObject({ email, emailVerified: false });

    const [mail] = await waitForMail(t.mailDir, 'email_verification', email);
    expect(mail.subject).toBe('Verify your e-mail address');
    expect(mail.body).toMatch(/^Hello Ada,/);
    const { link, token } = linkOf(mail.body, '/verify-email');
    expect(link).toBe(`http://localhost:8000/verify-email?token=${token}`);

    const verified = await t.http.post('/users/verify-email').send({ token }).expect(200);
    expect(verified.body).toEqual({ message: 'Your e-mail address is verified.' });
    const token2 = await login(t, email, 'SecurePass123!');
    expect((await t.http.get('/users/me').set('Authorization', `Bearer ${token2}`).expect(200)).body).toMatchObject({ emailVerified: true });
    expectFieldError(await t.http.post('/users/verify-email').send({ token }), 'token');
  });

  it('POST /users/me/verification-email sends a new link (the old one stops working); once verified, 409 EMAIL_ALREADY_VERIFIED', async () => {
    const user = await createUser(t, Role.PROVIDER);
    const first = await verificationToken(user.email);
    const resent = await t.http.post('/users/me/verification-email').set(user.auth).expect(202);
    expect(resent.body).toEqual({ message: 'A verification link has been sent to your e-mail address.' });
    const second = await verificationToken(user.email, 2);
    expect(second).not.toBe(first);

    expectFieldError(await t.http.post('/users/verify-email').send({ token: first }), 'token');
    await t.http.post('/users/verify-email').send({ token: second }).expect(200);
    expectProblem(await t.http.post('/users/me/verification-email').set(user.auth), 409, 'EMAIL_ALREADY_VERIFIED');
  });

  it('a link sent to an address the account no longer has verifies nothing', async () => {
    const admin = await createUser(t, Role.ADMIN);
    const user = await createUser(t);
    const stale = await verificationToken(user.email);
    await t.http
      .put(`/users/${user.id}`)
      .set(admin.auth)
      .send({ email: uniqueEmail('elsewhere') })
      .expect(200);
    expectFieldError(await t.http.post('/users/verify-email').send({ token: stale }), 'token');
  });

  it('admins created by create-admin count as verified', async () => {
    const admin = await createUser(t, Role.ADMIN);
    expect((await t.http.get('/users/me').set(admin.auth).expect(200)).body).toMatchObject({ emailVerified: true });
  });

  it('refuses unknown tokens with a 400 naming token', async () => {
    expectFieldError(await t.http.post('/users/verify-email').send({ token: 'x'.repeat(43) }), 'token');
    expectFieldError(await t.http.post('/users/verify-email').send({ token: '' }), 'token');
  });

  describe('security e-mails reach the owner, not only an in-app notification', () => {
    it('a password change e-mails the owner', async () => {
      const user = await createUser(t);
      await t.http.put(`/users/${user.id}`).set(user.auth).send({ password: 'Changed-Pass-1', currentPassword: user.password }).expect(200);
      const [mail] = await waitForMail(t.mailDir, 'password_changed', user.email);
      expect(mail.subject).toBe('Your password was changed');
      expect(mail.body).toMatch(/If this was not you/);
    });

    it('a password reset e-mails the owner', async () => {
      const user = await createUser(t);
      await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
      const [reset] = await waitForMail(t.mailDir, 'password_reset', user.email);
      await t.http
        .post('/password-reset/confirm')
        .send({ token: resetTokenOf(reset.body), newPassword: 'Reset-Pass-1' })
        .expect(200);
      const [mail] = await waitForMail(t.mailDir, 'password_changed', user.email);
      expect(mail.body).toContain('password reset link');
    });
  });
});

describe('REQUIRE_VERIFIED_EMAIL=true', () => {
  let t: TestApp;
  let provider: TestUser;
  let customer: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ REQUIRE_VERIFIED_EMAIL: 'true' });
    provider = await createUser(t, Role.PROVIDER);
    customer = await createUser(t, Role.CUSTOMER);
  });
  afterAll(() => t.close());

  const verify = async (user: TestUser) => {
    const [mail] = await waitForMail(t.mailDir, 'email_verification', user.email);
    await t.http
      .post('/users/verify-email')
      .send({ token: linkOf(mail.body, '/verify-email').token })
      .expect(200);
  };

  it('refuses offering a service and booking with 403 EMAIL_NOT_VERIFIED until the address is verified', async () => {
    expectProblem(await t.http.post('/services/').set(provider.auth).send(validServiceBody()), 403, 'EMAIL_NOT_VERIFIED');
    await verify(provider);
    const service = await createService(t, provider, { timezone: 'UTC' });

    const body = bookingBody(service, nextLocal('UTC', 'monday', '10:00'));
    expectProblem(await t.http.post('/bookings/').set(customer.auth).send(body), 403, 'EMAIL_NOT_VERIFIED');
    await verify(customer);
    await t.http.post('/bookings/').set(customer.auth).send(body).expect(201);
  });

  it('leaves reading alone: an unverified account still browses and reads itself', async () => {
    const user = await createUser(t);
    await t.http.get('/users/me').set(user.auth).expect(200);
    await t.http.get('/services/').expect(200);
  });
});

describe('the resend is rate limited per user (VERIFICATION_EMAIL_RATE_LIMIT)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_ENABLED: 'true', VERIFICATION_EMAIL_RATE_LIMIT: '2/hour', LOGIN_RATE_LIMIT: '100/hour' });
  });
  afterAll(() => t.close());

  it('answers 429 past the limit, with the RateLimit headers', async () => {
    const user = await createUser(t);
    await t.http.post('/users/me/verification-email').set(user.auth).expect(202);
    const second = await t.http.post('/users/me/verification-email').set(user.auth).expect(202);
    expect(second.headers['ratelimit-policy']).toBe('"verificationEmail";q=2;w=3600');
    expectProblem(await t.http.post('/users/me/verification-email').set(user.auth), 429, 'RATE_LIMITED');
  });
});
