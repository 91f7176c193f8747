import { randomUUID } from 'node:crypto';
import { Role } from '../../../src/common/auth/role.enum';
import { createUser, login, TestUser, uniqueEmail } from '../../factories/user.factory';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The password check compares the token's `iat` in whole seconds: let the clock tick past the old token's second. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100));

interface UserRow {
  email: string;
  role: Role;
  first_name: string;
  last_name: string;
  deleted_at: Date | null;
}

describe('users', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, Role.ADMIN);
  });
  afterAll(() => t.close());

  const registration = (overrides: Record<string, unknown> = {}) => ({
    email: uniqueEmail('reg'),
    password: 'SecurePass123!',
    role: Role.CUSTOMER,
    profile: { firstName: 'Ada', lastName: 'Lovelace' },
    ...overrides,
  });

  const row = async (id: string): Promise<UserRow> => {
    const [found] = await t.dataSource.query<UserRow[]>('SELECT email, role, first_name, last_name, deleted_at FROM users WHERE id = $1', [id]);
    return found;
  };

  const accountsWithEmail = async (email: string): Promise<number> => {
    const [{ count }] = await t.dataSource.query<{ count: number }[]>('SELECT count(*)::int AS count FROM users WHERE email = $1', [email]);
    return count;
  };

  describe('POST /users/', () => {
    it('registers a customer and answers the public shape, never a password or hash', async () => {
      const body = registration({ profile: { firstName: 'Ada', lastName: 'Lovelace', phone: '+1 555 0100', address: '12 Main Street' } });
      const response = await t.http.post('/users/').send(body).expect(201);

      expect(Object.keys(response.body as object).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'id', 'profile', 'role', 'status', 'updatedAt']);
      expect(response.body).toEqual({
        id: expect.stringMatching(UUID),
        email: body.email,
        emailVerified: false,
        role: 'CUSTOMER',
        status: 'ACTIVE',
        profile: { firstName: 'Ada', lastName: 'Lovelace', phone: '+1 555 0100', address: '12 Main Street' },
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(Number.isNaN(Date.parse((response.body as { createdAt: string }).createdAt))).toBe(false);
      expect(response.text).not.toMatch(/password|hash|SecurePass123!|\$2[aby]\$/i);
    });

    it('registers a provider, with phone and address defaulting to null', async () => {
      const response = await t.http
        .post('/users/')
        .send(registration({ role: Role.PROVIDER }))
        .expect(201);
      expect(response.body).toMatchObject({ role: 'PROVIDER', profile: { firstName: 'Ada', lastName: 'Lovelace', phone: null, address: null } });
    });

    it('answers on /users without the trailing slash too', async () => {
      const body = registration();
      const response = await t.http.post('/users').send(body).expect(201);
      expect(response.body).toMatchObject({ email: body.email });
    });

    it('trims and lower-cases the e-mail, and signs in with it', async () => {
      const email = uniqueEmail('mixed');
      const response = await t.http
        .post('/users/')
        .send(registration({ email: `  ${email.toUpperCase()}  ` }))
        .expect(201);
      expect(response.body).toMatchObject({ email });
      expect((await row((response.body as { id: string }).id)).email).toBe(email);
      await login(t, email, 'SecurePass123!');
    });

    it('trims profile names', async () => {
      const response = await t.http
        .post('/users/')
        .send(registration({ profile: { firstName: '  Grace ', lastName: ' Hopper  ' } }))
        .expect(201);
      expect(response.body).toMatchObject({ profile: { firstName: 'Grace', lastName: 'Hopper' } });
    });

    it('answers 409 for an e-mail already taken, whatever its case, and keeps one account', async () => {
      const body = registration();
      await t.http.post('/users/').send(body).expect(201);

      expectProblem(await t.http.post('/users/').send(registration({ email: body.email })), 409, 'EMAIL_TAKEN');
      expectProblem(await t.http.post('/users/').send(registration({ email: body.email.toUpperCase() })), 409, 'EMAIL_TAKEN');
      expect(await accountsWithEmail(body.email)).toBe(1);
    });

    it('refuses to self-register an ADMIN', async () => {
      const body = registration({ role: 'ADMIN' });
      expectFieldError(await t.http.post('/users/').send(body), 'role');
      expect(await accountsWithEmail(body.email)).toBe(0);
    });

    it.each([
      ['an unknown role', { role: 'SUPERUSER' }, 'role'],
      ['a missing role', { role: undefined }, 'role'],
      ['a malformed e-mail', { email: 'not-an-email' }, 'email'],
      ['a missing e-mail', { email: undefined }, 'email'],
      ['an e-mail that is not a string', { email: 42 }, 'email'],
      ['a missing password', { password: undefined }, 'password'],
      ['a missing profile', { profile: undefined }, 'profile'],
      ['a missing first name', { profile: { lastName: 'Lovelace' } }, 'profile.firstName'],
      ['a blank last name', { profile: { firstName: 'Ada', lastName: '   ' } }, 'profile.lastName'],
      ['a first name over 100 characters', { profile: { firstName: 'x'.repeat(101), lastName: 'L' } }, 'profile.firstName'],
      ['a malformed phone', { profile: { firstName: 'Ada', lastName: 'L', phone: 'call me' } }, 'profile.phone'],
      ['an address over 500 characters', { profile: { firstName: 'Ada', lastName: 'L', address: 'x'.repeat(501) } }, 'profile.address'],
      ['an unknown field', { isAdmin: true }, 'isAdmin'],
      ['an unknown profile field', { profile: { firstName: 'Ada', lastName: 'L', nickname: 'A' } }, 'profile.nickname'],
    ])('answers 400 naming the field for %s', async (_case, overrides, field) => {
      const body = registration(overrides);
      expectFieldError(await t.http.post('/users/').send(body), field);
      if (typeof body.email === 'string' && body.email.includes('@')) expect(await accountsWithEmail(body.email)).toBe(0);
    });

    it.each([
      ['shorter than 8 bytes', 'abc', /at least 8 bytes/],
      ['shorter than 8 bytes with every class', 'Ab1!', /at least 8 bytes/],
      ['longer than 72 bytes', 'Aa1!' + 'x'.repeat(69), /at most 72 bytes/],
      ['longer than 72 bytes though only 26 characters', 'A1' + '€'.repeat(24), /at most 72 bytes/],
      ['only lower-case', 'abcdefghij', /three of/],
      ['lower-case and digits only', 'abcdefg123', /three of/],
      ['upper-case and symbols only', 'ABCDEFG!!!', /three of/],
      ['not a string', 12345678, /password/],
    ])('refuses a password %s', async (_case, password, message) => {
      const body = registration({ password });
      expectFieldError(await t.http.post('/users/').send(body), 'password', message);
      expect(await accountsWithEmail(body.email)).toBe(0);
    });

    it.each([
      ['Test123!', 'Test123!'],
      ['SecurePass123!', 'SecurePass123!'],
      ['exactly 72 bytes', 'Aa1!' + 'x'.repeat(68)],
      ['three classes without a symbol', 'abcDEF12'],
    ])('accepts the password %s, which then signs in', async (_case, password) => {
      const body = registration({ password });
      await t.http.post('/users/').send(body).expect(201);
      await login(t, body.email, password);
    });
  });

  describe('GET /users/me', () => {
    it('answers the signed-in account', async () => {
      const user = await createUser(t, Role.PROVIDER);
      const response = await t.http.get('/users/me').set(user.auth).expect(200);
      expect(response.body).toMatchObject({ id: user.id, email: user.email, role: 'PROVIDER', profile: { firstName: 'Test', lastName: 'PROVIDER' } });
      expect(response.text).not.toMatch(/password|hash/i);
    });

    it('answers 401 without a token, or with a malformed one', async () => {
      expectProblem(await t.http.get('/users/me'), 401, 'UNAUTHORIZED');
      expectProblem(await t.http.get('/users/me').set('Authorization', 'Bearer not-a-token'), 401, 'UNAUTHORIZED');
    });
  });

  describe('GET /users/:id', () => {
    it('answers your own account', async () => {
      const user = await createUser(t);
      const response = await t.http.get(`/users/${user.id}`).set(user.auth).expect(200);
      expect(response.body).toMatchObject({ id: user.id, email: user.email, role: 'CUSTOMER' });
    });

    it('answers any account to an admin', async () => {
      const user = await createUser(t, Role.PROVIDER);
      const response = await t.http.get(`/users/${user.id}`).set(admin.auth).expect(200);
      expect(response.body).toMatchObject({ id: user.id, email: user.email, role: 'PROVIDER' });
    });

    it("answers 403 for someone else's account, whoever asks", async () => {
      const customer = await createUser(t, Role.CUSTOMER);
      const provider = await createUser(t, Role.PROVIDER);
      const other = await createUser(t, Role.CUSTOMER);

      expectProblem(await t.http.get(`/users/${other.id}`).set(customer.auth), 403, 'FORBIDDEN');
      expectProblem(await t.http.get(`/users/${customer.id}`).set(provider.auth), 403, 'FORBIDDEN');
      expectProblem(await t.http.get(`/users/${admin.id}`).set(customer.auth), 403, 'FORBIDDEN');
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      expectProblem(await t.http.get('/users/not-a-uuid').set(admin.auth), 400);
      expectProblem(await t.http.get(`/users/${randomUUID()}`).set(admin.auth), 404, 'NOT_FOUND');
    });

    it('answers 401 without a token', async () => {
      const user = await createUser(t);
      expectProblem(await t.http.get(`/users/${user.id}`), 401, 'UNAUTHORIZED');
    });
  });

  describe('PUT /users/:id', () => {
    it('updates part of your own profile and keeps the rest', async () => {
      const user = await createUser(t);
      const response = await t.http
        .put(`/users/${user.id}`)
        .set(user.auth)
        .send({ profile: { firstName: ' Augusta ', phone: '+44 20 7946 0000', address: '1 Byron Way' } })
        .expect(200);
      expect(response.body).toMatchObject({
        id: user.id,
        email: user.email,
        role: 'CUSTOMER',
        profile: { firstName: 'Augusta', lastName: 'CUSTOMER', phone: '+44 20 7946 0000', address: '1 Byron Way' },
      });
      const read = await t.http.get('/users/me').set(user.auth).expect(200);
      expect(read.body).toMatchObject({ profile: { firstName: 'Augusta', lastName: 'CUSTOMER', phone: '+44 20 7946 0000', address: '1 Byron Way' } });
    });

    it("lets an admin update someone else's profile", async () => {
      const user = await createUser(t, Role.PROVIDER);
      await t.http
        .put(`/users/${user.id}`)
        .set(admin.auth)
        .send({ profile: { lastName: 'Renamed' } })
        .expect(200);
      expect((await row(user.id)).last_name).toBe('Renamed');
    });

    it("answers 403 for someone else's account and leaves it unchanged", async () => {
      const user = await createUser(t);
      const other = await createUser(t, Role.PROVIDER);
      expectProblem(
        await t.http
          .put(`/users/${other.id}`)
          .set(user.auth)
          .send({ profile: { firstName: 'Hijacked' } }),
        403,
        'FORBIDDEN',
      );
      expectProblem(
        await t.http
          .put(`/users/${admin.id}`)
          .set(user.auth)
          .send({ email: uniqueEmail('hijack') }),
        403,
        'FORBIDDEN',
      );
      expect((await row(other.id)).first_name).toBe('Test');
      expect((await row(admin.id)).email).toBe(admin.email);
    });

    it.each([
      ['an unknown field', { isAdmin: true }, 'isAdmin'],
      ['an unknown profile field', { profile: { nickname: 'A' } }, 'profile.nickname'],
      ['a blank first name', { profile: { firstName: '  ' } }, 'profile.firstName'],
      ['a malformed phone', { profile: { phone: 'call me' } }, 'profile.phone'],
      ['a malformed e-mail', { email: 'nope' }, 'email'],
      ['an unknown role', { role: 'ROOT' }, 'role'],
    ])('answers 400 naming the field for %s, and changes nothing', async (_case, body, field) => {
      const user = await createUser(t);
      expectFieldError(await t.http.put(`/users/${user.id}`).set(user.auth).send(body), field);
      expect(await row(user.id)).toMatchObject({ email: user.email, role: 'CUSTOMER', first_name: 'Test' });
    });

    it.each([
      ['first name', { profile: { firstName: null } }, 'profile.firstName'],
      ['last name', { profile: { lastName: null } }, 'profile.lastName'],
      ['e-mail', { email: null }, 'email'],
      ['role', { role: null }, 'role'],
      ['password', { password: null }, 'password'],
      ['current password', { password: 'NewPass456!', currentPassword: null }, 'currentPassword'],
    ])('answers 400, not 500, for a null %s, from the owner or an admin', async (_case, body, field) => {
      const user = await createUser(t);
      for (const caller of [user, admin]) expectFieldError(await t.http.put(`/users/${user.id}`).set(caller.auth).send(body), field);
      expect(await row(user.id)).toMatchObject({ email: user.email, role: 'CUSTOMER', first_name: 'Test', last_name: 'CUSTOMER' });
      await login(t, user.email, user.password);
    });

    it('clears phone and address with null', async () => {
      const user = await createUser(t);
      await t.http
        .put(`/users/${user.id}`)
        .set(user.auth)
        .send({ profile: { phone: '+1 555 0100', address: '1 Main St' } })
        .expect(200);
      const response = await t.http
        .put(`/users/${user.id}`)
        .set(user.auth)
        .send({ profile: { phone: null, address: null } })
        .expect(200);
      expect(response.body).toMatchObject({ profile: { firstName: 'Test', lastName: 'CUSTOMER', phone: null, address: null } });
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      expectProblem(
        await t.http
          .put('/users/123')
          .set(admin.auth)
          .send({ profile: { firstName: 'X' } }),
        400,
      );
      expectProblem(
        await t.http
          .put(`/users/${randomUUID()}`)
          .set(admin.auth)
          .send({ profile: { firstName: 'X' } }),
        404,
        'NOT_FOUND',
      );
    });

    it('answers 401 without a token', async () => {
      const user = await createUser(t);
      expectProblem(await t.http.put(`/users/${user.id}`).send({ profile: { firstName: 'X' } }), 401, 'UNAUTHORIZED');
      expect((await row(user.id)).first_name).toBe('Test');
    });

    describe('e-mail', () => {
      it('changes your own (normalized) once the new address confirms it (see email-change.e2e-spec.ts)', async () => {
        const user = await createUser(t);
        const email = uniqueEmail('renamed');
        const response = await t.http
          .put(`/users/${user.id}`)
          .set(user.auth)
          .send({ email: ` ${email.toUpperCase()} `, currentPassword: user.password })
          .expect(200);
        expect(response.body).toMatchObject({ id: user.id, email: user.email, pendingEmail: email });
        expect((await row(user.id)).email).toBe(user.email);
      });

      it("answers 409 for another account's e-mail, whatever its case, and keeps yours", async () => {
        const user = await createUser(t);
        const other = await createUser(t);
        const currentPassword = user.password;
        expectProblem(await t.http.put(`/users/${user.id}`).set(user.auth).send({ email: other.email, currentPassword }), 409, 'EMAIL_TAKEN');
        expectProblem(await t.http.put(`/users/${user.id}`).set(user.auth).send({ email: other.email.toUpperCase(), currentPassword }), 409, 'EMAIL_TAKEN');
        expectProblem(await t.http.put(`/users/${user.id}`).set(admin.auth).send({ email: other.email }), 409, 'EMAIL_TAKEN');
        expect((await row(user.id)).email).toBe(user.email);
        expect(await accountsWithEmail(other.email)).toBe(1);
      });

      it('accepts your own current e-mail', async () => {
        const user = await createUser(t);
        const response = await t.http.put(`/users/${user.id}`).set(user.auth).send({ email: user.email.toUpperCase() }).expect(200);
        expect(response.body).toMatchObject({ email: user.email });
      });
    });

    describe('role', () => {
      it.each([Role.CUSTOMER, Role.PROVIDER])('is not changed by a %s, even to their own role: 403 and the row is unchanged', async (role) => {
        const user = await createUser(t, role);
        for (const wanted of [Role.ADMIN, Role.PROVIDER, Role.CUSTOMER]) {
          const response = await t.http
            .put(`/users/${user.id}`)
            .set(user.auth)
            .send({ role: wanted, profile: { firstName: 'Sneaky' } });
          expectProblem(response, 403, 'ROLE_CHANGE_FORBIDDEN');
        }
        expect(await row(user.id)).toMatchObject({ role, first_name: 'Test' });
        const me = await t.http.get('/users/me').set(user.auth).expect(200);
        expect(me.body).toMatchObject({ role });
      });

      it('is changed by an admin, and takes effect on the next request', async () => {
        const user = await createUser(t, Role.CUSTOMER);
        const response = await t.http.put(`/users/${user.id}`).set(admin.auth).send({ role: Role.PROVIDER }).expect(200);
        expect(response.body).toMatchObject({ id: user.id, role: 'PROVIDER' });
        expect((await row(user.id)).role).toBe('PROVIDER');
        const me = await t.http.get('/users/me').set(user.auth).expect(200);
        expect(me.body).toMatchObject({ role: 'PROVIDER' });
      });

      it('lets an admin promote someone to admin, who can then read other accounts', async () => {
        const user = await createUser(t, Role.CUSTOMER);
        const other = await createUser(t, Role.PROVIDER);
        await t.http.put(`/users/${user.id}`).set(admin.auth).send({ role: Role.ADMIN }).expect(200);
        await t.http.get(`/users/${other.id}`).set(user.auth).expect(200);
      });
    });

    describe('password', () => {
      it('needs currentPassword to change your own', async () => {
        const user = await createUser(t);
        expectFieldError(await t.http.put(`/users/${user.id}`).set(user.auth).send({ password: 'NewPass456!' }), 'currentPassword', /required/);
        await login(t, user.email, user.password);
      });

      it('refuses a wrong currentPassword', async () => {
        const user = await createUser(t);
        const response = await t.http.put(`/users/${user.id}`).set(user.auth).send({ password: 'NewPass456!', currentPassword: 'Wrong123!' });
        expectFieldError(response, 'currentPassword', /incorrect/);
        await login(t, user.email, user.password);
        expectProblem(await t.http.post('/auth/login').send({ email: user.email, password: 'NewPass456!' }), 401, 'INVALID_CREDENTIALS');
      });

      it('applies the password policy to the new one', async () => {
        const user = await createUser(t);
        expectFieldError(await t.http.put(`/users/${user.id}`).set(user.auth).send({ password: 'abc', currentPassword: user.password }), 'password');
        await login(t, user.email, user.password);
      });

      it('refuses currentPassword without a new password', async () => {
        const user = await createUser(t);
        expectFieldError(await t.http.put(`/users/${user.id}`).set(user.auth).send({ currentPassword: user.password }), 'password');
      });

      it('needs currentPassword from an admin changing their own too', async () => {
        const other = await createUser(t, Role.ADMIN);
        expectFieldError(await t.http.put(`/users/${other.id}`).set(other.auth).send({ password: 'NewPass456!' }), 'currentPassword');
        await login(t, other.email, other.password);
      });

      it('changes it: the new one signs in, the old one does not, and earlier tokens are refused', async () => {
        const user = await createUser(t);
        await nextSecond();
        const response = await t.http.put(`/users/${user.id}`).set(user.auth).send({ password: 'NewPass456!', currentPassword: user.password }).expect(200);
        expect(response.text).not.toMatch(/password|hash|NewPass456!/i);

        expectProblem(await t.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
        expectProblem(await t.http.post('/auth/login').send({ email: user.email, password: user.password }), 401, 'INVALID_CREDENTIALS');
        const token = await login(t, user.email, 'NewPass456!');
        await t.http.get('/users/me').set('Authorization', `Bearer ${token}`).expect(200);
      });

      it("lets an admin set someone else's without currentPassword, which signs out that user's tokens", async () => {
        const user = await createUser(t, Role.PROVIDER);
        await nextSecond();
        await t.http.put(`/users/${user.id}`).set(admin.auth).send({ password: 'AdminSet789!' }).expect(200);

        expectProblem(await t.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
        await login(t, user.email, 'AdminSet789!');
        await t.http.get('/users/me').set(admin.auth).expect(200);
      });
    });
  });

  describe('DELETE /users/:id', () => {
    it('soft-deletes your own account: 204, no more sign-in, its tokens refused, the row kept', async () => {
      const user = await createUser(t);
      const response = await t.http.delete(`/users/${user.id}`).set(user.auth).expect(204);
      expect(response.text).toBe('');

      expectProblem(await t.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
      expectProblem(await t.http.post('/auth/login').send({ email: user.email, password: user.password }), 401, 'INVALID_CREDENTIALS');
      expectProblem(await t.http.get(`/users/${user.id}`).set(admin.auth), 404, 'NOT_FOUND');
      const deleted = await row(user.id);
      expect(deleted.email).toBe(user.email);
      expect(deleted.deleted_at).toBeInstanceOf(Date);
    });

    it("lets an admin delete someone else's account", async () => {
      const user = await createUser(t, Role.PROVIDER);
      await t.http.delete(`/users/${user.id}`).set(admin.auth).expect(204);

      expectProblem(await t.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
      expectProblem(await t.http.post('/auth/login').send({ email: user.email, password: user.password }), 401, 'INVALID_CREDENTIALS');
      expectProblem(await t.http.delete(`/users/${user.id}`).set(admin.auth), 404, 'NOT_FOUND');
      await t.http.get('/users/me').set(admin.auth).expect(200);
    });

    it('frees the e-mail for a new registration', async () => {
      const user = await createUser(t);
      await t.http.delete(`/users/${user.id}`).set(user.auth).expect(204);
      const response = await t.http
        .post('/users/')
        .send(registration({ email: user.email }))
        .expect(201);
      expect((response.body as { id: string }).id).not.toBe(user.id);
    });

    it("answers 403 for someone else's account and leaves it working", async () => {
      const user = await createUser(t);
      const other = await createUser(t, Role.PROVIDER);
      expectProblem(await t.http.delete(`/users/${other.id}`).set(user.auth), 403, 'FORBIDDEN');
      expectProblem(await t.http.delete(`/users/${admin.id}`).set(user.auth), 403, 'FORBIDDEN');
      expect((await row(other.id)).deleted_at).toBeNull();
      await t.http.get('/users/me').set(other.auth).expect(200);
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      expectProblem(await t.http.delete('/users/not-a-uuid').set(admin.auth), 400);
      expectProblem(await t.http.delete(`/users/${randomUUID()}`).set(admin.auth), 404, 'NOT_FOUND');
    });

    it('answers 401 without a token and keeps the account', async () => {
      const user = await createUser(t);
      expectProblem(await t.http.delete(`/users/${user.id}`), 401, 'UNAUTHORIZED');
      expect((await row(user.id)).deleted_at).toBeNull();
    });
  });
});
