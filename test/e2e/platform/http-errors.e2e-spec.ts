import { setTimeout as sleep } from 'node:timers/promises';
import type { Response } from 'supertest';
import { Role } from '../../../src/common/auth/role.enum';
import { createUser, login, uniqueEmail } from '../../factories/user.factory';
import { resetTokenOf, waitForMail } from '../../helpers/mail';
import { createTestApp, TestApp } from '../../helpers/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ALLOWED_ORIGIN = 'https://app.example.com';
const OTHER_ALLOWED_ORIGIN = 'https://admin.example.com';
const UNKNOWN_ORIGIN = 'https://evil.example.net';

/** What must never reach a client: stack frames, SQL, driver messages, internal names. */
const LEAKS = /\bat \S+ \(|\.(ts|js):\d+|\bSELECT\b|\bUPDATE\b|\bINSERT\b|\bFROM\b|QueryFailedError|stack|canceling statement|pg_|node_modules/i;

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: Array<{ field: string; message: string }>;
}

/** An RFC 9457 answer: status, media type, exactly the documented members, the request id echoed, nothing leaked. */
function expectProblem(response: Response, status: number, code: string): ProblemBody {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = response.body as ProblemBody;
  expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'requestId', 'status', 'title', 'type', ...(body.errors ? ['errors'] : [])].sort());
  expect(body).toMatchObject({ status, code, type: `/problems/${code.toLowerCase().replace(/_/g, '-')}` });
  expect(body.title).toEqual(expect.any(String));
  expect(body.detail).toEqual(expect.any(String));
  expect(body.requestId).toBe(response.headers['x-request-id']);
  expect(response.text).not.toMatch(LEAKS);
  return body;
}

const post = (t: TestApp, path: string, json: string) => t.http.post(path).set('content-type', 'application/json').send(json);

/*
 * Blocks run one after the other, each with its own app: apps in one process share Passport's strategy
 * registry, so their lifetimes must not overlap.
 */
describe('HTTP errors, headers, CORS and request ids', () => {
  describe(`with CORS_ORIGINS=${ALLOWED_ORIGIN},${OTHER_ALLOWED_ORIGIN}`, () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ CORS_ORIGINS: `${ALLOWED_ORIGIN}, ${OTHER_ALLOWED_ORIGIN}` });
    });
    afterAll(() => t.close());

    describe('problem details', () => {
      it('validation failures list every field, nested ones with dotted paths', async () => {
        const response = await t.http
          .post('/users')
          .send({ email: 'nope', password: 'short', role: 'ADMIN', profile: { firstName: '' }, isAdmin: true })
          .expect(400);

        const problem = expectProblem(response, 400, 'VALIDATION_FAILED');
        expect(problem.title).toBe('Bad Request');
        const fields = new Set(problem.errors?.map((error) => error.field));
        expect([...fields].sort()).toEqual(['email', 'isAdmin', 'password', 'profile.firstName', 'profile.lastName', 'role']);
        for (const error of problem.errors ?? []) expect(error).toEqual({ field: expect.any(String), message: expect.any(String) });
        expect(problem.errors).toContainEqual({ field: 'isAdmin', message: 'isAdmin is not an allowed field' });
      });

      it.each([
        ['GET', '/no-such-route'],
        ['POST', '/no-such-route/deeper'],
        ['DELETE', '/auth/login'],
      ])('an unknown route (%s %s) is a 404 in the same shape', async (method, path) => {
        const response = await t.http[method.toLowerCase() as 'get' | 'post' | 'delete'](path);
        const problem = expectProblem(response, 404, 'NOT_FOUND');
        expect(problem.title).toBe('Not Found');
      });

      it('a protected route without a token is a 401 in the same shape', async () => {
        expectProblem(await t.http.get('/users/me'), 401, 'UNAUTHORIZED');
        expectProblem(await t.http.get('/users/me').set('Authorization', 'Bearer not.a.jwt'), 401, 'UNAUTHORIZED');
      });

      it('a body over 1 MB is a 413; one just under is read (and validated)', async () => {
        const over = await post(t, '/auth/login', JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1024 * 1024) }));
        expectProblem(over, 413, 'PAYLOAD_TOO_LARGE');

        const under = await post(t, '/auth/login', JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1024 * 1024 - 100) }));
        const problem = expectProblem(under, 400, 'VALIDATION_FAILED');
        expect(problem.errors).toContainEqual({ field: 'password', message: expect.stringMatching(/shorter than or equal to 200/) });
      });

      it.each([
        ['truncated', '{"email": '],
        ['trailing comma', '{"email": "a@example.com",}'],
        ['single quotes', "{'email': 'a@example.com'}"],
        ['prototype pollution', '{"__proto__": {"isAdmin": true}, "email": "a@example.com"}'],
      ])('malformed JSON (%s) is a 400', async (_, json) => {
        expectProblem(await post(t, '/password-reset/request', json), 400, 'BAD_REQUEST');
      });

      it('an unsupported media type is a 415', async () => {
        const response = await t.http.post('/password-reset/request').set('content-type', 'application/xml').send('<email>a@example.com</email>');
        expectProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
      });

      it('a malformed path parameter is a 400 naming nothing internal', async () => {
        const user = await createUser(t, Role.CUSTOMER);
        expectProblem(await t.http.get('/users/not-a-uuid').set(user.auth), 400, 'BAD_REQUEST');
      });

      it('a value PostgreSQL cannot store (a NUL character) is a 400, not a 500', async () => {
        const login = await t.http.post('/auth/login').send({ email: 'nul\u0000@example.com', password: 'Whatever-1' });
        expectProblem(login, 400, 'BAD_REQUEST');

        const register = await t.http
          .post('/users')
          .send({ email: uniqueEmail('nul'), password: 'Test123!', role: 'CUSTOMER', profile: { firstName: 'Nul\u0000', lastName: 'Byte' } });
        expectProblem(register, 400, 'BAD_REQUEST');
      });

      it('an unexpected failure is a generic 500 (no stack, no SQL) and rolls the work back', async () => {
        const user = await createUser(t, Role.CUSTOMER);
        await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
        const token = resetTokenOf((await waitForMail(t.mailDir, 'password_reset', user.email))[0].body);

        // Hold the user's row, then cancel the confirmation's statement while it waits for it: a real
        // database failure in the middle of the transaction.
        const blocker = t.dataSource.createQueryRunner();
        await blocker.connect();
        let response: Response;
        try {
          await blocker.startTransaction();
          await blocker.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
          const [{ pid: blockerPid }] = (await blocker.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
          let settled = false;
          const pending = t.http
            .post('/password-reset/confirm')
            .send({ token, newPassword: 'Never-Saved-1' })
            .then((answer) => answer)
            .finally(() => (settled = true));

          let waiting: number | undefined;
          while (waiting === undefined) {
            if (settled) throw new Error('The confirmation never waited for the locked row');
            await sleep(20);
            const rows = (await blocker.query('SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [blockerPid])) as Array<{
              pid: number;
            }>;
            waiting = rows[0]?.pid;
          }
          await blocker.query('SELECT pg_cancel_backend($1)', [waiting]);
          response = await pending;
        } finally {
          if (blocker.isTransactionActive) await blocker.rollbackTransaction();
          await blocker.release();
        }

        const problem = expectProblem(response, 500, 'INTERNAL_ERROR');
        expect(problem).toMatchObject({ title: 'Internal Server Error', detail: 'An unexpected error occurred.' });
        // The consumed token was rolled back with the rest: it still works, and the password never changed.
        await login(t, user.email, user.password);
        await t.http.post('/password-reset/confirm').send({ token, newPassword: 'Saved-This-Time-1' }).expect(200);
        await login(t, user.email, 'Saved-This-Time-1');
      });
    });

    describe('X-Request-Id', () => {
      it('echoes a sane incoming id in the header and in error bodies', async () => {
        const id = 'client-trace.42:7_A';
        const ok = await t.http.get('/health').set('X-Request-Id', id).expect(200);
        expect(ok.headers['x-request-id']).toBe(id);

        const failed = await t.http.get('/no-such-route').set('X-Request-Id', id);
        expect(expectProblem(failed, 404, 'NOT_FOUND').requestId).toBe(id);
      });

      it('generates a fresh UUID per request when none is given', async () => {
        const first = await t.http.get('/health').expect(200);
        const second = await t.http.get('/health').expect(200);
        expect(first.headers['x-request-id']).toMatch(UUID);
        expect(second.headers['x-request-id']).toMatch(UUID);
        expect(first.headers['x-request-id']).not.toBe(second.headers['x-request-id']);
      });

      it.each([
        ['spaces and markup', 'bad id <script>'],
        ['a value over 128 characters', 'a'.repeat(129)],
        ['an empty value', ''],
      ])('replaces an insane one (%s) with a generated UUID', async (_, id) => {
        const response = await t.http.get('/no-such-route').set('X-Request-Id', id);
        const problem = expectProblem(response, 404, 'NOT_FOUND');
        expect(problem.requestId).toMatch(UUID);
        expect(response.text).not.toContain('<script>');
      });
    });

    describe('security headers', () => {
      it.each([
        ['a success', '/health', 200],
        ['an error', '/no-such-route', 404],
      ])('are on %s', async (_, path, status) => {
        const response = await t.http.get(path).expect(status);
        expect(response.headers['x-content-type-options']).toBe('nosniff');
        expect(response.headers['content-security-policy']).toContain("default-src 'self'");
        expect(response.headers['content-security-policy']).toContain("object-src 'none'");
        expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(response.headers['referrer-policy']).toBe('no-referrer');
        expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
        expect(response.headers['x-powered-by']).toBeUndefined();
        expect(response.headers.server).toBeUndefined();
      });
    });

    describe('CORS', () => {
      it('answers an allowed origin with access-control-allow-origin (credentials, exposed request id)', async () => {
        for (const origin of [ALLOWED_ORIGIN, OTHER_ALLOWED_ORIGIN]) {
          const response = await t.http.get('/health').set('Origin', origin).expect(200);
          expect(response.headers['access-control-allow-origin']).toBe(origin);
          expect(response.headers['access-control-allow-credentials']).toBe('true');
          expect(response.headers['access-control-expose-headers']).toMatch(/X-Request-Id/i);
          expect(response.headers.vary).toMatch(/Origin/);
        }
      });

      it('gives an unknown origin no access-control-allow-origin', async () => {
        const response = await t.http.get('/health').set('Origin', UNKNOWN_ORIGIN).expect(200);
        expect(response.headers['access-control-allow-origin']).toBeUndefined();
        const lookalike = await t.http.get('/health').set('Origin', `${ALLOWED_ORIGIN}.evil.example.net`).expect(200);
        expect(lookalike.headers['access-control-allow-origin']).toBeUndefined();
      });

      it('lets an allowed origin preflight every method the API uses, with Authorization', async () => {
        for (const method of ['PUT', 'DELETE', 'PATCH']) {
          const response = await t.http
            .options('/users/me')
            .set('Origin', ALLOWED_ORIGIN)
            .set('Access-Control-Request-Method', method)
            .set('Access-Control-Request-Headers', 'authorization,content-type,x-request-id');
          expect(response.status).toBe(204);
          expect(response.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
          expect(response.headers['access-control-allow-methods'].split(/,\s*/)).toContain(method);
          expect(response.headers['access-control-allow-headers']).toMatch(/authorization/i);
        }
      });

      it('does not let an unknown origin preflight', async () => {
        const response = await t.http
          .options('/users/me')
          .set('Origin', UNKNOWN_ORIGIN)
          .set('Access-Control-Request-Method', 'DELETE')
          .set('Access-Control-Request-Headers', 'authorization');
        expect(response.headers['access-control-allow-origin']).toBeUndefined();
      });
    });
  });

  describe('without CORS_ORIGINS', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.close());

    it('allows no cross-origin access at all', async () => {
      const simple = await t.http.get('/health').set('Origin', ALLOWED_ORIGIN).expect(200);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();

      const preflight = await t.http.options('/users/me').set('Origin', ALLOWED_ORIGIN).set('Access-Control-Request-Method', 'GET');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
