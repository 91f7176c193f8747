import { createHash } from 'node:crypto';
import { Role } from '../../../src/common/auth/role.enum';
import { createUser, login, TestUser, uniqueEmail } from '../../factories/user.factory';
import { linkOf, listMail, MailFile, resetTokenOf, waitForMail } from '../../helpers/mail';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** Tokens are refused when issued before credentials_changed_at, compared in whole seconds. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100));

/**
 * Issue 13, section 1: with only a bearer token (stolen, 30 minutes), `PUT /users/{id} {"email"}` answered
 * 200 and the attacker then reset the password through the new address; the owner was locked out and their
 * address never heard of it. Now the change needs the current password, applies only once the new address
 * confirms it, and the old address gets a notice with a link that reverts it and ends every session.
 */
describe('changing your e-mail', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, Role.ADMIN);
  });
  afterAll(() => t.close());

  const emailOf = async (id: string): Promise<{ email: string; email_verified: boolean }> => {
    const [row] = await t.dataSource.query<Array<{ email: string; email_verified: boolean }>>('SELECT email, email_verified FROM users WHERE id = $1', [id]);
    return row;
  };

  /** Asks for the change as the owner and returns the confirmation e-mail sent to the new address. */
  async function requestChange(user: TestUser, newEmail: string): Promise<MailFile> {
    await t.http.put(`/users/${user.id}`).set(user.auth).send({ email: newEmail, currentPassword: user.password }).expect(200);
    const [mail] = await waitForMail(t.mailDir, 'email_change_confirmation', newEmail);
    return mail;
  }

  it('the takeover repro: a bearer token alone no longer moves the account to another address', async () => {
    const owner = await createUser(t);
    const attacker = uniqueEmail('attacker');

    // The stolen token, without the password: refused, naming currentPassword.
    expectFieldError(await t.http.put(`/users/${owner.id}`).set(owner.auth).send({ email: attacker }), 'currentPassword', /required/);
    expectFieldError(
      await t.http.put(`/users/${owner.id}`).set(owner.auth).send({ email: attacker, currentPassword: 'Guess123!' }),
      'currentPassword',
      /incorrect/,
    );
    expect((await emailOf(owner.id)).email).toBe(owner.email);

    // A reset asked for the attacker's address reaches nobody: the account still has the owner's.
    await t.http.post('/password-reset/request').send({ email: attacker }).expect(202);
    await t.http.post('/password-reset/request').send({ email: owner.email }).expect(202);
    await waitForMail(t.mailDir, 'password_reset', owner.email);
    expect(listMail(t.mailDir, 'password_reset', attacker)).toEqual([]);
    await login(t, owner.email, owner.password);
  });

  it('with the current password: 200, the old address stays until the new one confirms, then the old one gets a revert link', async () => {
    const user = await createUser(t);
    const newEmail = uniqueEmail('moved');
    const answer = await t.http.put(`/users/${user.id}`).set(user.auth).send({ email: newEmail, currentPassword: user.password }).expect(200);
    expect(answer.body).toMatchObject({ id: user.id, email: user.email, pendingEmail: newEmail, emailVerified: false });
    expect((await t.http.get('/users/me').set(user.auth).expect(200)).body).toMatchObject({ email: user.email, pendingEmail: newEmail });

    // Nothing changed yet: the old address signs in, the new one does not.
    await login(t, user.email, user.password);
    expectProblem(await t.http.post('/auth/login').send({ email: newEmail, password: user.password }), 401, 'INVALID_CREDENTIALS');

    const [confirmation] = await waitForMail(t.mailDir, 'email_change_confirmation', newEmail);
    expect(confirmation.subject).toBe('Confirm your new e-mail address');
    const { link, token } = linkOf(confirmation.body, '/confirm-email-change');
    expect(link).toBe(`http://localhost:8000/confirm-email-change?token=${token}`);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    // Only the SHA-256 is stored.
    const stored = await t.dataSource.query<Array<{ token_hash: string; purpose: string }>>(
      "SELECT token_hash, purpose FROM email_tokens WHERE user_id = $1 AND purpose = 'email_change'",
      [user.id],
    );
    expect(stored).toEqual([{ token_hash: sha256(token), purpose: 'email_change' }]);

    const confirmed = await t.http.post('/users/email-change/confirm').send({ token }).expect(200);
    expect(confirmed.body).toEqual({ message: 'Your e-mail address has been changed.' });
    expect(await emailOf(user.id)).toEqual({ email: newEmail, email_verified: true });
    const me = (await t.http.get('/users/me').set(user.auth).expect(200)).body as Record<string, unknown>;
    expect(me).toMatchObject({ email: newEmail, emailVerified: true });
    expect(me.pendingEmail).toBeUndefined();
    await login(t, newEmail, user.password);
    expectProblem(await t.http.post('/auth/login').send({ email: user.email, password: user.password }), 401, 'INVALID_CREDENTIALS');

    // Single use.
    expectFieldError(await t.http.post('/users/email-change/confirm').send({ token }), 'token');

    // The old address hears of it, with a link that undoes it.
    const [notice] = await waitForMail(t.mailDir, 'email_change_notice', user.email);
    expect(notice.subject).toBe('Your e-mail address was changed');
    expect(notice.body).toContain(newEmail);
    expect(linkOf(notice.body, '/revert-email-change').link).toMatch(/^http:\/\/localhost:8000\/revert-email-change\?token=[A-Za-z0-9_-]{43}$/);
  });

  it('the revert link restores the old address, ends every session and lets the owner set a new password', async () => {
    const owner = await createUser(t);
    const attacker = uniqueEmail('attacker');
    const { token } = linkOf((await requestChange(owner, attacker)).body, '/confirm-email-change');
    await t.http.post('/users/email-change/confirm').send({ token }).expect(200);
    // The attacker, now at the new address, resets the password.
    await t.http.post('/password-reset/request').send({ email: attacker }).expect(202);
    const [reset] = await waitForMail(t.mailDir, 'password_reset', attacker);
    await t.http
      .post('/password-reset/confirm')
      .send({ token: resetTokenOf(reset.body), newPassword: 'Attacker-Pass-1' })
      .expect(200);
    const attackerToken = await login(t, attacker, 'Attacker-Pass-1');
    // A second reset link the attacker keeps for later.
    await t.http.post('/password-reset/request').send({ email: attacker }).expect(202);
    const [, spare] = await waitForMail(t.mailDir, 'password_reset', attacker, 2);

    await nextSecond();
    const [notice] = await waitForMail(t.mailDir, 'email_change_notice', owner.email);
    const revert = linkOf(notice.body, '/revert-email-change').token;
    const reverted = await t.http.post('/users/email-change/revert').send({ token: revert, newPassword: 'Owner-Again-42' }).expect(200);
    expect(reverted.body).toEqual({ message: 'Your e-mail address has been restored and every session has been ended.' });

    expect((await emailOf(owner.id)).email).toBe(owner.email);
    expectProblem(await t.http.get('/users/me').set('Authorization', `Bearer ${attackerToken}`), 401, 'UNAUTHORIZED');
    expectProblem(await t.http.post('/auth/login').send({ email: attacker, password: 'Attacker-Pass-1' }), 401, 'INVALID_CREDENTIALS');
    expectProblem(await t.http.post('/auth/login').send({ email: owner.email, password: 'Attacker-Pass-1' }), 401, 'INVALID_CREDENTIALS');
    await login(t, owner.email, 'Owner-Again-42');
    // The reset link issued before the revert no longer works, nor does the revert link a second time.
    expectFieldError(await t.http.post('/password-reset/confirm').send({ token: resetTokenOf(spare.body), newPassword: 'Attacker-Pass-2' }), 'token');
    expectFieldError(await t.http.post('/users/email-change/revert').send({ token: revert }), 'token');
  });

  it('the revert without a new password keeps the password and still ends every session', async () => {
    const user = await createUser(t);
    const { token } = linkOf((await requestChange(user, uniqueEmail('typo'))).body, '/confirm-email-change');
    await t.http.post('/users/email-change/confirm').send({ token }).expect(200);
    await nextSecond();
    const [notice] = await waitForMail(t.mailDir, 'email_change_notice', user.email);
    await t.http
      .post('/users/email-change/revert')
      .send({ token: linkOf(notice.body, '/revert-email-change').token })
      .expect(200);
    expectProblem(await t.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
    await login(t, user.email, user.password);
  });

  it('a new address taken meanwhile answers EMAIL_TAKEN at confirmation, and the account keeps its address', async () => {
    const user = await createUser(t);
    const wanted = uniqueEmail('wanted');
    const { token } = linkOf((await requestChange(user, wanted)).body, '/confirm-email-change');
    await createUser(t, Role.CUSTOMER, { email: wanted });
    expectProblem(await t.http.post('/users/email-change/confirm').send({ token }), 409, 'EMAIL_TAKEN');
    expect((await emailOf(user.id)).email).toBe(user.email);
  });

  it('an address already taken is refused at once, as before', async () => {
    const user = await createUser(t);
    const other = await createUser(t);
    expectProblem(
      await t.http.put(`/users/${user.id}`).set(user.auth).send({ email: other.email.toUpperCase(), currentPassword: user.password }),
      409,
      'EMAIL_TAKEN',
    );
    expect(listMail(t.mailDir, 'email_change_confirmation', other.email)).toEqual([]);
  });

  it('a second request replaces the first: only the latest link works', async () => {
    const user = await createUser(t);
    const first = linkOf((await requestChange(user, uniqueEmail('first'))).body, '/confirm-email-change').token;
    const secondEmail = uniqueEmail('second');
    const second = linkOf((await requestChange(user, secondEmail)).body, '/confirm-email-change').token;
    expectFieldError(await t.http.post('/users/email-change/confirm').send({ token: first }), 'token');
    await t.http.post('/users/email-change/confirm').send({ token: second }).expect(200);
    expect((await emailOf(user.id)).email).toBe(secondEmail);
  });

  it('refuses unknown and malformed tokens with a 400 naming token', async () => {
    for (const path of ['/users/email-change/confirm', '/users/email-change/revert']) {
      expectFieldError(await t.http.post(path).send({ token: 'A'.repeat(43) }), 'token');
      expectFieldError(await t.http.post(path).send({}), 'token');
    }
  });

  it("an admin changes someone else's e-mail at once, without a password; the old address is told", async () => {
    const user = await createUser(t, Role.PROVIDER);
    const newEmail = uniqueEmail('by-admin');
    const answer = await t.http.put(`/users/${user.id}`).set(admin.auth).send({ email: newEmail }).expect(200);
    expect(answer.body).toMatchObject({ email: newEmail });
    expect((await emailOf(user.id)).email).toBe(newEmail);
    await login(t, newEmail, user.password);
    const [notice] = await waitForMail(t.mailDir, 'email_change_notice', user.email);
    expect(notice.body).toMatch(/an administrator changed/i);
    expect(notice.body).not.toMatch(/revert-email-change/);
  });
});

/**
 * A stolen access token must not become a password oracle: `PUT /users/{id}` with a wrong `currentPassword`
 * answered 400 as often as asked, so the token's holder could guess the password and then take the account.
 * Wrong guesses now count per account like failed logins (LOGIN_RATE_LIMIT).
 */
describe('guessing the current password with a stolen token', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_ENABLED: 'true', LOGIN_RATE_LIMIT: '3/hour' });
  });
  afterAll(() => t.close());

  it('stops after LOGIN_RATE_LIMIT wrong guesses with 429, even for the right one, and spares other accounts', async () => {
    const owner = await createUser(t);
    const other = await createUser(t);
    const guess = (user: TestUser, currentPassword: string) =>
      t.http.put(`/users/${user.id}`).set(user.auth).send({ password: 'N3w-Passw0rd!', currentPassword });

    for (let i = 0; i < 3; i++) expectFieldError(await guess(owner, `Guess${i}-123!`), 'currentPassword', /incorrect/);
    const refused = await guess(owner, owner.password);
    expectProblem(refused, 429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Nothing changed: the owner's password still signs in.
    await login(t, owner.email, owner.password);

    // Another account's own check is untouched.
    await guess(other, other.password).expect(200);
  });
});
