import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { Role } from '../../../src/common/auth/role.enum';
import { book, nextLocal } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TEST_JWT_SECRET, TestApp } from '../../helpers/test-app';

interface UserBody {
  id: string;
  email: string;
  role: Role;
  status?: string;
}

interface AuditBody {
  accountId: string;
  actorId: string | null;
  action: string;
  details: Record<string, unknown>;
  requestId: string | null;
  at: string;
}

describe('admins manage accounts', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, Role.ADMIN);
  });
  afterAll(() => t.close());

  const suspend = (user: TestUser, by: TestUser = admin) => t.http.put(`/users/${user.id}`).set(by.auth).send({ status: 'SUSPENDED' });
  const reactivate = (user: TestUser) => t.http.put(`/users/${user.id}`).set(admin.auth).send({ status: 'ACTIVE' });
  /**
   * Waits for the clock's next second. Token times (`iat`) count whole seconds, so a token issued in the
   * second of a suspension is not older than it; the test's token must be, as a real session's is.
   */
  const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  const auditOf = async (user: TestUser): Promise<AuditBody[]> => (await t.http.get(`/users/${user.id}/audit`).set(admin.auth).expect(200)).body as AuditBody[];

  describe('GET /users', () => {
    it('searches e-mail and names, filters by role and status, and pages like the catalog (newest first)', async () => {
      const tag = `adm${randomUUID().slice(0, 8)}`;
      const created: UserBody[] = [];
      for (const [index, role] of [Role.CUSTOMER, Role.PROVIDER, Role.CUSTOMER].entries()) {
        const response = await t.http
          .post('/users/')
          .send({ email: `${tag}-${index}@example.com`, password: 'Test123!', role, profile: { firstName: 'Grace', lastName: `Hopper${tag}` } })
          .expect(201);
        created.push(response.body as UserBody);
      }
      expect(created[0].status).toBe('ACTIVE');

      const all = await t.http.get('/users').query({ q: tag.toUpperCase() }).set(admin.auth).expect(200);
      expect(all.headers['x-total-count']).toBe('3');
      expect((all.body as UserBody[]).map((user) => user.id)).toEqual(created.map((user) => user.id).reverse());

      const byName = await t.http
        .get('/users')
        .query({ q: `grace hopper${tag}` })
        .set(admin.auth)
        .expect(200);
      expect(byName.headers['x-total-count']).toBe('3');

      const providers = await t.http.get('/users').query({ q: tag, role: 'PROVIDER' }).set(admin.auth).expect(200);
      expect((providers.body as UserBody[]).map((user) => user.id)).toEqual([created[1].id]);

      const first = await t.http.get('/users').query({ q: tag, limit: 2 }).set(admin.auth).expect(200);
      expect(first.body).toHaveLength(2);
      expect(first.headers['x-total-count']).toBe('3');
      expect(first.headers.link).toContain('rel="next"');
      expect(first.headers.link).toMatch(/[?&]cursor=[\w-]+/);
      const second = await t.http.get('/users').query({ q: tag, limit: 2, offset: 2 }).set(admin.auth).expect(200);
      expect((second.body as UserBody[]).map((user) => user.id)).toEqual([created[0].id]);
      expect(second.headers.link).toContain('rel="prev"');

      await t.http.put(`/users/${created[2].id}`).set(admin.auth).send({ status: 'SUSPENDED' }).expect(200);
      const suspended = await t.http.get('/users').query({ q: tag, status: 'SUSPENDED' }).set(admin.auth).expect(200);
      expect((suspended.body as UserBody[]).map((user) => [user.id, user.status])).toEqual([[created[2].id, 'SUSPENDED']]);
    });

    it('takes LIKE wildcards in q literally', async () => {
      const response = await t.http.get('/users').query({ q: '%_%' }).set(admin.auth).expect(200);
      expect(response.headers['x-total-count']).toBe('0');
    });

    it('is for admins only: other roles get 403, anonymous callers 401; bad filters 400', async () => {
      const customer = await createUser(t, Role.CUSTOMER);
      const provider = await createUser(t, Role.PROVIDER);
      expectProblem(await t.http.get('/users').set(customer.auth), 403, 'FORBIDDEN');
      expectProblem(await t.http.get('/users').set(provider.auth), 403, 'FORBIDDEN');
      expectProblem(await t.http.get('/users'), 401);
      expectProblem(await t.http.get(`/users/${customer.id}/audit`).set(customer.auth), 403, 'FORBIDDEN');
      expectProblem(await t.http.get('/users').query({ status: 'GONE' }).set(admin.auth), 400, 'VALIDATION_FAILED');
      expectProblem(await t.http.get('/users').query({ limit: 1000 }).set(admin.auth), 400, 'VALIDATION_FAILED');
    });
  });

  describe('suspension', () => {
    it('refuses login with 403 ACCOUNT_SUSPENDED only to whoever knows the password, refuses the old token, and reactivation lets them back in', async () => {
      const customer = await createUser(t, Role.CUSTOMER);
      await nextSecond();
      const response = await suspend(customer).expect(200);
      expect((response.body as UserBody).status).toBe('SUSPENDED');

      expectProblem(await t.http.post('/auth/login').send({ email: customer.email, password: customer.password }), 403, 'ACCOUNT_SUSPENDED');
      expectProblem(await t.http.post('/auth/login').send({ email: customer.email, password: 'Wrong123!' }), 401, 'INVALID_CREDENTIALS');
      expectProblem(await t.http.get('/users/me').set(customer.auth), 401);

      await reactivate(customer).expect(200);
      expectProblem(await t.http.get('/users/me').set(customer.auth), 401); // a suspension ended that session for good
      const login = await t.http.post('/auth/login').send({ email: customer.email, password: customer.password }).expect(200);
      const me = await t.http
        .get('/users/me')
        .set('Authorization', `Bearer ${(login.body as { access_token: string }).access_token}`)
        .expect(200);
      expect((me.body as UserBody).status).toBe('ACTIVE');
    });

    it("takes a provider's services out of the catalog and cancels and refunds their upcoming bookings; reactivation lists the services again", async () => {
      const { provider, customer, service } = await createMarketplace(t);
      const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
      const listed = async () => {
        const response = await t.http.get('/services/').query({ providerId: provider.id }).expect(200);
        return { ids: (response.body as Array<{ id: string }>).map((item) => item.id), total: response.headers['x-total-count'] };
      };
      expect(await listed()).toEqual({ ids: [service.id], total: '1' });

      await suspend(provider).expect(200);

      expect(await listed()).toEqual({ ids: [], total: '0' });
      await t.http.get(`/services/${service.id}`).expect(404);
      const after = await t.http.get(`/bookings/${booking.id}`).set(customer.auth).expect(200);
      expect(after.body).toMatchObject({ status: 'CANCELLED' });
      const [payment] = await t.dataSource.query<Array<{ status: string; refunded_amount: string }>>(
        'SELECT status, refunded_amount FROM payments WHERE booking_id = $1',
        [booking.id],
      );
      expect(payment).toEqual({ status: 'REFUNDED', refunded_amount: '89.50' });
      const notices = await t.dataSource.query<Array<{ data: { cancelledBy: string } }>>(
        `SELECT data FROM notifications WHERE user_id = $1 AND type = 'booking_cancelled' AND data->>'bookingId' = $2`,
        [customer.id, booking.id],
      );
      expect(notices).toEqual([{ data: expect.objectContaining({ cancelledBy: 'ADMIN' }) }]);

      await reactivate(provider).expect(200);
      expect(await listed()).toEqual({ ids: [service.id], total: '1' });
      expect((await t.http.get(`/bookings/${booking.id}`).set(customer.auth).expect(200)).body).toMatchObject({ status: 'CANCELLED' });
    });

    it("cancels a suspended customer's upcoming bookings with a refund", async () => {
      const { customer, service } = await createMarketplace(t);
      const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '11:00', { minDaysAhead: 3 }));
      await suspend(customer).expect(200);
      const [row] = await t.dataSource.query<Array<{ status: string; refunded: string }>>(
        'SELECT b.status, p.refunded_amount AS refunded FROM bookings b JOIN payments p ON p.booking_id = b.id WHERE b.id = $1',
        [booking.id],
      );
      expect(row).toEqual({ status: 'CANCELLED', refunded: '89.50' });
    });

    it('refuses the one-time sign-in link of a suspended account too', async () => {
      const customer = await createUser(t, Role.CUSTOMER);
      await suspend(customer).expect(200);
      // A link as SignInLinks e-mails it to an owner whose account is under attack (signed with SECRET_KEY).
      const token = await t.app
        .get(JwtService)
        .signAsync({ purpose: 'sign-in-link' }, { secret: TEST_JWT_SECRET, subject: customer.id, jwtid: randomUUID(), expiresIn: 900 });
      expectProblem(await t.http.post('/auth/sign-in-link').send({ token }), 403, 'ACCOUNT_SUSPENDED');
    });

    it('is for admins, and not on their own account', async () => {
      const customer = await createUser(t, Role.CUSTOMER);
      const other = await createUser(t, Role.CUSTOMER);
      expectProblem(await suspend(customer, customer), 403, 'STATUS_CHANGE_FORBIDDEN');
      expectProblem(await suspend(other, customer), 403, 'FORBIDDEN');
      expectProblem(await suspend(admin), 403, 'CANNOT_SUSPEND_SELF');
      expectProblem(await t.http.put(`/users/${customer.id}`).set(admin.auth).send({ status: 'BANNED' }), 400, 'VALIDATION_FAILED');
      expectProblem(await suspend({ ...customer, id: randomUUID() }), 404, 'NOT_FOUND');
      await t.http.get('/users/me').set(admin.auth).expect(200);
    });
  });

  describe('GET /users/{id}/audit', () => {
    it('records every admin change with who, what, when and the request id, newest first, without secrets', async () => {
      const customer = await createUser(t, Role.CUSTOMER);
      const requestId = `audit-${randomUUID()}`;
      const changed = await t.http
        .put(`/users/${customer.id}`)
        .set(admin.auth)
        .set('X-Request-Id', requestId)
        .send({ role: 'PROVIDER', password: 'Adm1nSet!Pass', profile: { phone: '+1 555 0100' } })
        .expect(200);
      expect(changed.headers['x-request-id']).toBe(requestId);
      const suspended = await suspend(customer).expect(200);

      const entries = await auditOf(customer);
      // Newest first; the three changes of one request share its time.
      expect(entries.map((entry) => entry.action)).toEqual([
        'status.changed',
        ...['role.changed', 'password.changed', 'profile.changed'].map(() => expect.any(String)),
      ]);
      expect(
        entries
          .slice(1)
          .map((entry) => entry.action)
          .sort(),
      ).toEqual(['password.changed', 'profile.changed', 'role.changed']);
      expect(entries[0]).toMatchObject({
        accountId: customer.id,
        actorId: admin.id,
        details: { from: 'ACTIVE', to: 'SUSPENDED' },
        requestId: suspended.headers['x-request-id'],
      });
      expect(entries.slice(1).every((entry) => entry.requestId === requestId)).toBe(true);
      const byAction = new Map(entries.map((entry) => [entry.action, entry]));
      expect(byAction.get('role.changed')?.details).toEqual({ from: 'CUSTOMER', to: 'PROVIDER' });
      expect(byAction.get('profile.changed')?.details).toEqual({ fields: ['phone'] });
      expect(byAction.get('password.changed')?.details).toEqual({});
      expect(JSON.stringify(entries)).not.toMatch(/Adm1nSet|\$2[aby]\$/);
      expect(new Date(entries[0].at).getTime()).toBeGreaterThanOrEqual(new Date(entries[1].at).getTime());

      const page = await t.http.get(`/users/${customer.id}/audit`).query({ limit: 1, offset: 1 }).set(admin.auth).expect(200);
      expect(page.headers['x-total-count']).toBe('4');
      expect((page.body as AuditBody[]).map((entry) => entry.action)).toEqual([entries[1].action]);
    });

    it("records an admin's deletion (the trail outlives the account), and nothing for what users do to their own accounts", async () => {
      const customer = await createUser(t, Role.CUSTOMER);
      await t.http
        .put(`/users/${customer.id}`)
        .set(customer.auth)
        .send({ profile: { firstName: 'Self' } })
        .expect(200);
      expect(await auditOf(customer)).toEqual([]);
      await t.http.delete(`/users/${customer.id}`).set(admin.auth).expect(204);
      const entries = await auditOf(customer);
      expect(entries).toEqual([expect.objectContaining({ action: 'account.deleted', actorId: admin.id, details: { role: 'CUSTOMER' } })]);
      expectProblem(await t.http.get(`/users/${randomUUID()}/audit`).set(admin.auth), 404, 'NOT_FOUND');
    });
  });
});
