import { QueryFailedError } from 'typeorm';
import type { Response } from 'supertest';
import { BookingsRepository } from '../../../src/bookings/bookings.repository';
import { Role } from '../../../src/common/auth/role.enum';
import { ServicesService } from '../../../src/services/services.service';
import { book, nextLocal } from '../../factories/booking.factory';
import { createService } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

const ALLOWED_ORIGIN = 'https://app.example.com';

/** What an internal failure carries and no answer may: its SQL, a column, a hash, the parameters, the stack. */
const INTERNAL_SQL = 'SELECT id, email, password_hash FROM users WHERE id = $1';
const INTERNAL_PARAMETER = 'param-7f3a9c1e-internal';
const INTERNAL_HASH = `$2b$10$${'x'.repeat(53)}`;
const LEAKS = [
  /SELECT/i,
  /password_hash/i,
  /FROM users/i,
  /QueryFailedError/,
  /\bat \S+ \(/,
  /\.ts:\d+/,
  /node_modules/,
  new RegExp(INTERNAL_PARAMETER),
  /\$2b\$/,
];

/** An error as the pg driver and TypeORM would throw it, SQL, parameters and stack included. */
function databaseFailure(): QueryFailedError {
  const driverError = Object.assign(new Error(`relation "users_secret" does not exist; ${INTERNAL_SQL}; ${INTERNAL_HASH}`), { code: '42P01' });
  return new QueryFailedError(INTERNAL_SQL, [INTERNAL_PARAMETER], driverError);
}

function expectNoLeak(response: Response): void {
  const everything = `${JSON.stringify(response.headers)}\n${response.text}`;
  for (const leak of LEAKS) expect(everything).not.toMatch(leak);
}

/*
 * Blocks run one after the other, each with its own app: apps in one process share Passport's strategy
 * registry, so their lifetimes must not overlap.
 */
describe('misconfiguration', () => {
  describe('an internal failure', () => {
    let t: TestApp;
    let provider: TestUser;
    let customer: TestUser;

    beforeAll(async () => {
      t = await createTestApp();
      [provider, customer] = await Promise.all([createUser(t, Role.PROVIDER), createUser(t, Role.CUSTOMER)]);
    });
    afterEach(() => jest.restoreAllMocks());
    afterAll(() => t.close());

    it.each([
      ['a database error (SQL, parameters, hash)', databaseFailure],
      ['a plain Error quoting SQL', () => new Error(`${INTERNAL_SQL}; password_hash=${INTERNAL_HASH}`)],
      ['a thrown string', () => `${INTERNAL_SQL} ${INTERNAL_PARAMETER}`],
    ])('on a public route (%s) is a generic 500 problem: no stack, no SQL', async (_, failure) => {
      const service = await createService(t, provider);
      jest.spyOn(t.app.get(ServicesService), 'get').mockRejectedValue(failure());
      const response = await t.http.get(`/services/${service.id}`);
      expect(expectProblem(response, 500, 'INTERNAL_ERROR')).toMatchObject({ title: 'Internal Server Error', detail: 'An unexpected error occurred.' });
      expect(Object.keys(response.body as object).sort()).toEqual(['code', 'detail', 'requestId', 'status', 'title', 'type']);
      expectNoLeak(response);
    });

    it('on a signed-in route (a booking read) is the same generic 500, and the next request works', async () => {
      const service = await createService(t, provider, { timezone: 'UTC' });
      const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
      const spy = jest.spyOn(t.app.get(BookingsRepository), 'findById').mockRejectedValueOnce(databaseFailure());
      const response = await t.http.get(`/bookings/${booking.id}`).set(customer.auth);
      expectProblem(response, 500, 'INTERNAL_ERROR');
      expectNoLeak(response);
      expect(spy).toHaveBeenCalled();
      await t.http.get(`/bookings/${booking.id}`).set(customer.auth).expect(200);
    });
  });

  describe(`CORS with CORS_ORIGINS=${ALLOWED_ORIGIN}`, () => {
    let t: TestApp;
    let customer: TestUser;

    beforeAll(async () => {
      t = await createTestApp({ CORS_ORIGINS: ALLOWED_ORIGIN });
      customer = await createUser(t, Role.CUSTOMER);
    });
    afterAll(() => t.close());

    it('grants the allowed origin, on a success and on an error', async () => {
      const ok = await t.http.get('/users/me').set(customer.auth).set('Origin', ALLOWED_ORIGIN).expect(200);
      expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      const refused = await t.http.get('/users/me').set('Origin', ALLOWED_ORIGIN);
      expectProblem(refused, 401, 'UNAUTHORIZED');
      expect(refused.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    });

    it.each([
      'https://evil.example.net',
      'null',
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://app.example.com.evil.example.net',
      'https://evilapp.example.com',
    ])('grants %s nothing, not even a wildcard, on a read or a preflight', async (origin) => {
      const read = await t.http.get('/users/me').set(customer.auth).set('Origin', origin).expect(200);
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await t.http
        .options('/users/me')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'DELETE')
        .set('Access-Control-Request-Headers', 'authorization');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      // @fastify/cors still lists methods and headers; without Allow-Origin a browser shares nothing.
    });
  });

  describe('unsupported methods', () => {
    let t: TestApp;
    let customer: TestUser;
    let serviceId: string;

    beforeAll(async () => {
      t = await createTestApp();
      customer = await createUser(t, Role.CUSTOMER);
      serviceId = (await createService(t, await createUser(t, Role.PROVIDER))).id;
    });
    afterAll(() => t.close());

    it.each([
      ['PATCH', '/users/{customer}'],
      ['POST', '/users/{customer}'],
      ['DELETE', '/services/'],
      ['PUT', '/services/'],
      ['PATCH', '/services/{service}'],
      ['PATCH', '/bookings/{service}'],
      ['DELETE', '/payments/{service}'],
      ['TRACE', '/'],
      ['TRACE', '/users/me'],
    ])('%s %s is a 404 or 405 problem, signed in or not', async (method, template) => {
      const path = template.replace('{customer}', customer.id).replace('{service}', serviceId);
      for (const auth of [{}, customer.auth]) {
        const response = await t.http[method.toLowerCase() as 'patch'](path).set(auth);
        expect([404, 405]).toContain(response.status);
        expectProblem(response, response.status);
        expect(response.text).not.toContain(customer.email);
      }
    });

    it('PATCH /users/{id} with a role changes nothing', async () => {
      const before = await t.dataSource.query('SELECT * FROM users WHERE id = $1', [customer.id]);
      const response = await t.http.patch(`/users/${customer.id}`).set(customer.auth).send({ role: Role.ADMIN });
      expect([404, 405]).toContain(response.status);
      expect(await t.dataSource.query('SELECT * FROM users WHERE id = $1', [customer.id])).toEqual(before);
    });
  });
});
