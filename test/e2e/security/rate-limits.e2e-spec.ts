import { randomInt } from 'node:crypto';
import { Role } from '../../../src/common/auth/role.enum';
import { createUser, uniqueEmail } from '../../factories/user.factory';
import { createTestApp, describeWithRedis, e2eRedisUrl, TestApp } from '../../helpers/test-app';
import { listMail, waitForMail } from '../../helpers/mail';

/** A client address no other test uses, sent through X-Forwarded-For to an app that trusts its loopback proxy. */
const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
const limited = (env: Record<string, string>) => createTestApp({ RATE_LIMIT_ENABLED: 'true', TRUST_PROXY: 'loopback', ...env });

describe('rate limits', () => {
  describe('login per client address', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await limited({ LOGIN_RATE_LIMIT: '3/hour', LOGIN_ACCOUNT_RATE_LIMIT: '100/hour' });
    });
    afterAll(() => t.close());

    it('counts failed attempts only: past the limit 429 problem+json with Retry-After, and RateLimit headers on every response', async () => {
      const ip = randomIp();
      const user = await createUser(t, Role.CUSTOMER);
      // Successes do not count (a household signing in from one address is never refused for it).
      for (let i = 0; i < 4; i++) {
        const response = await t.http.post('/auth/login').set('x-forwarded-for', ip).send({ email: user.email, password: user.password });
        expect(response.status).toBe(200);
        // The first login from this address also counts against the account's limit for new clients (named too).
        expect(response.headers['ratelimit-policy']).toMatch(/^"login";q=3;w=3600(, "loginAccount";q=100;w=3600)?$/);
        expect(response.headers['ratelimit']).toMatch(/^"login";r=3;t=\d+/);
      }
      for (let i = 0; i < 3; i++) {
        const response = await t.http.post('/auth/login').set('x-forwarded-for', ip).send({ email: uniqueEmail(), password: 'Wrong123!' });
        expect(response.status).toBe(401);
        expect(response.headers['ratelimit']).toContain(`"login";r=${2 - i};t=`);
      }
      const blocked = await t.http.post('/auth/login').set('x-forwarded-for', ip).send({ email: uniqueEmail(), password: 'Wrong123!' });
      expect(blocked.status).toBe(429);
      expect(blocked.headers['content-type']).toContain('application/problem+json');
      expect(blocked.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(3600);
      expect(blocked.headers['ratelimit-policy']).toBe('"login";q=3;w=3600');
      expect(blocked.headers['ratelimit']).toMatch(/^"login";r=0;t=\d+$/);
      // Another client is not affected.
      await t.http.post('/auth/login').set('x-forwarded-for', randomIp()).send({ email: user.email, password: user.password }).expect(200);
    });
  });

  describe('the client address is the socket address unless TRUST_PROXY says otherwise', () => {
    it('ignores invented X-Forwarded-For headers without TRUST_PROXY', async () => {
      const t = await createTestApp({ RATE_LIMIT_ENABLED: 'true', BROWSE_RATE_LIMIT: '2/hour' });
      try {
        await t.http.get('/services/categories').set('x-forwarded-for', randomIp()).expect(200);
        await t.http.get('/services/categories').set('x-forwarded-for', randomIp()).expect(200);
        const third = await t.http.get('/services/categories').set('x-forwarded-for', randomIp());
        expect(third.status).toBe(429);
      } finally {
        await t.close();
      }
    });
  });

  describe('failed logins per account, from any address', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await limited({ LOGIN_RATE_LIMIT: '100/hour', LOGIN_ACCOUNT_RATE_LIMIT: '3/hour' });
    });
    afterAll(() => t.close());

    it('limits failures on one e-mail across addresses, without counting successes or other accounts', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      // Successes do not count.
      for (let i = 0; i < 4; i++)
        await t.http.post('/auth/login').set('x-forwarded-for', randomIp()).send({ email: user.email, password: user.password }).expect(200);
      for (let i = 0; i < 3; i++) {
        await t.http.post('/auth/login').set('x-forwarded-for', randomIp()).send({ email: user.email, password: 'Wrong123!' }).expect(401);
      }
      // Now even the right password waits for the window to end (the account is not locked for good).
      const blocked = await t.http.post('/auth/login').set('x-forwarded-for', randomIp()).send({ email: user.email, password: user.password });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      const other = await createUser(t, Role.CUSTOMER);
      await t.http.post('/auth/login').set('x-forwarded-for', randomIp()).send({ email: other.email, password: other.password }).expect(200);
    });
  });

  describe('bookings per user and browsing per address', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await limited({ BOOKING_RATE_LIMIT: '2/hour', BROWSE_RATE_LIMIT: '3/hour' });
    });
    afterAll(() => t.close());

    it('counts POST /bookings/ per user', async () => {
      const customer = await createUser(t, Role.CUSTOMER);
      const other = await createUser(t, Role.CUSTOMER);
      const attempt = (auth: Record<string, string>) => t.http.post('/bookings/').set(auth).set('x-forwarded-for', randomIp()).send({});
      expect((await attempt(customer.auth)).status).toBe(400);
      expect((await attempt(customer.auth)).status).toBe(400);
      const third = await attempt(customer.auth);
      expect(third.status).toBe(429);
      expect(third.headers['ratelimit-policy']).toBe('"booking";q=2;w=3600');
      expect((await attempt(other.auth)).status).toBe(400);
    });

    it('counts GET /services* per address', async () => {
      const ip = randomIp();
      await t.http.get('/services/').set('x-forwarded-for', ip).expect(200);
      await t.http.get('/services/categories').set('x-forwarded-for', ip).expect(200);
      await t.http.get('/services/00000000-0000-4000-8000-000000000000').set('x-forwarded-for', ip).expect(404);
      const fourth = await t.http.get('/services/').set('x-forwarded-for', ip);
      expect(fourth.status).toBe(429);
      expect(fourth.headers['ratelimit-policy']).toBe('"browse";q=3;w=3600');
    });
  });

  describe('password reset requests', () => {
    it('keeps answering 202 past the limit but sends no more e-mail', async () => {
      const t = await limited({ PASSWORD_RESET_RATE_LIMIT: '2/hour' });
      try {
        const user = await createUser(t, Role.CUSTOMER);
        for (let i = 0; i < 4; i++) {
          const response = await t.http.post('/password-reset/request').set('x-forwarded-for', randomIp()).send({ email: user.email });
          expect(response.status).toBe(202);
          expect(response.headers['ratelimit-policy']).toContain('"passwordReset";q=2;w=3600');
        }
        await waitForMail(t.mailDir, 'password_reset', user.email, 2);
        // The limited requests answered without queuing any work: once the app has shut down (which
        // waits for pending e-mails), there are still two.
        await t.close();
        expect(listMail(t.mailDir, 'password_reset', user.email)).toHaveLength(2);
      } finally {
        await t.close().catch(() => undefined);
      }
    });
  });

  describe('RATE_LIMIT_ENABLED=false', () => {
    it('turns every limit off', async () => {
      const t = await createTestApp({ RATE_LIMIT_ENABLED: 'false', LOGIN_RATE_LIMIT: '1/hour', LOGIN_ACCOUNT_RATE_LIMIT: '1/hour' });
      try {
        const email = uniqueEmail();
        for (let i = 0; i < 4; i++) {
          const response = await t.http.post('/auth/login').send({ email, password: 'Wrong123!' });
          expect(response.status).toBe(401);
          expect(response.headers['ratelimit']).toBeUndefined();
        }
      } finally {
        await t.close();
      }
    });
  });

  describeWithRedis('shared across instances through Redis', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      const env = { REDIS_URL: e2eRedisUrl(), LOGIN_RATE_LIMIT: '5/hour', LOGIN_ACCOUNT_RATE_LIMIT: '100/hour' };
      a = await limited(env);
      b = await limited(env);
    });
    afterAll(async () => {
      await a.close();
      await b.close();
    });

    it('5 failed logins spread over two instances: the 6th is 429 on either', async () => {
      const ip = randomIp();
      const email = uniqueEmail();
      for (let i = 0; i < 5; i++) {
        await (i % 2 ? a : b).http.post('/auth/login').set('x-forwarded-for', ip).send({ email, password: 'Wrong123!' }).expect(401);
      }
      expect((await a.http.post('/auth/login').set('x-forwarded-for', ip).send({ email, password: 'Wrong123!' })).status).toBe(429);
      expect((await b.http.post('/auth/login').set('x-forwarded-for', ip).send({ email, password: 'Wrong123!' })).status).toBe(429);
    });
  });
});
