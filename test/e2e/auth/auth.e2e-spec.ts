import { createHmac, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import jwt, { JwtPayload } from 'jsonwebtoken';
import type { Response } from 'supertest';
import { Role } from '../../../src/common/auth/role.enum';
import { createUser, login, TestUser, uniqueEmail } from '../../factories/user.factory';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, describeWithRedis, e2eRedisUrl, TEST_JWT_SECRET, TestApp } from '../../helpers/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface AccessClaims extends JwtPayload {
  sub: string;
  role: Role;
  jti: string;
  iat: number;
  exp: number;
  sid?: string;
}

const base64url = (value: object | string): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Builds a JWT by hand, so header and payload can be anything; `secret` null leaves the signature empty. */
function handMadeToken(header: object, payload: object | string, secret: string | null, hmac = 'sha256'): string {
  const unsigned = `${base64url(header)}.${base64url(payload)}`;
  return `${unsigned}.${secret === null ? '' : createHmac(hmac, secret).update(unsigned).digest('base64url')}`;
}

const decode = (token: string) => jwt.decode(token, { complete: true }) as unknown as { header: jwt.JwtHeader; payload: AccessClaims };
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);
const withoutRequestId = ({ requestId: _, ...rest }: Record<string, unknown>) => rest;

describe('auth', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe('POST /auth/login', () => {
    const expectTokenResponse = (response: Response): string => {
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({
        access_token: expect.any(String),
        token_type: 'bearer',
        expires_in: 1800,
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        refresh_expires_in: 30 * 86_400,
      });
      return (response.body as { access_token: string }).access_token;
    };

    it('takes the OAuth2 password flow form (username, password and the optional OAuth2 fields)', async () => {
      const user = await createUser(t);
      const response = await t.http
        .post('/auth/login')
        .type('form')
        .send({ grant_type: 'password', username: user.email, password: user.password, scope: '', client_id: 'swagger-ui' });
      const token = expectTokenResponse(response);
      const me = await t.http.get('/users/me').set(bearer(token)).expect(200);
      expect(me.body).toMatchObject({ id: user.id });
    });

    it('takes JSON with email', async () => {
      const user = await createUser(t, Role.PROVIDER);
      const token = expectTokenResponse(await t.http.post('/auth/login').send({ email: user.email, password: user.password }));
      expect(decode(token).payload).toMatchObject({ sub: user.id, role: 'PROVIDER' });
    });

    it('takes JSON with username, the e-mail matched case-insensitively and trimmed', async () => {
      const user = await createUser(t);
      const token = expectTokenResponse(await t.http.post('/auth/login').send({ username: ` ${user.email.toUpperCase()} `, password: user.password }));
      expect(decode(token).payload.sub).toBe(user.id);
    });

    it('issues an HS256 JWT signed with the configured secret, with sub, role, jti, iat, exp and its session (sid)', async () => {
      const user = await createUser(t);
      const token = await login(t, user.email, user.password);
      const { header, payload } = decode(token);

      expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(payload).toEqual({
        sub: user.id,
        role: 'CUSTOMER',
        jti: expect.stringMatching(UUID),
        iat: expect.any(Number),
        exp: expect.any(Number),
        sid: expect.stringMatching(UUID),
      });
      expect(payload.exp - payload.iat).toBe(1800);
      expect(Math.abs(payload.iat - now())).toBeLessThanOrEqual(60);
      expect(() => jwt.verify(token, TEST_JWT_SECRET, { algorithms: ['HS256'] })).not.toThrow();
    });

    it('gives every token its own jti', async () => {
      const user = await createUser(t);
      const first = decode(await login(t, user.email, user.password)).payload.jti;
      const second = decode(await login(t, user.email, user.password)).payload.jti;
      expect(first).not.toBe(second);
    });

    it('follows JWT_ACCESS_TOKEN_EXPIRE_MINUTES', async () => {
      const short = await createTestApp({ JWT_ACCESS_TOKEN_EXPIRE_MINUTES: '5' });
      try {
        const user = await createUser(short);
        const response = await short.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(200);
        expect(response.body).toMatchObject({ expires_in: 300 });
        const { payload } = decode((response.body as { access_token: string }).access_token);
        expect(payload.exp - payload.iat).toBe(300);
      } finally {
        await short.close();
      }
    });

    it('answers a wrong e-mail, a wrong password and a deleted account with the same 401', async () => {
      const user = await createUser(t);
      const deleted = await createUser(t);
      await t.http.delete(`/users/${deleted.id}`).set(deleted.auth).expect(204);

      const wrongEmail = await t.http.post('/auth/login').send({ email: uniqueEmail('nobody'), password: user.password });
      const wrongPassword = await t.http.post('/auth/login').send({ email: user.email, password: 'Wrong123!' });
      const wrongPasswordForm = await t.http.post('/auth/login').type('form').send({ username: user.email, password: 'Wrong123!' });
      const deletedAccount = await t.http.post('/auth/login').send({ email: deleted.email, password: deleted.password });

      const expected = withoutRequestId(expectProblem(wrongEmail, 401, 'INVALID_CREDENTIALS') as unknown as Record<string, unknown>);
      for (const response of [wrongPassword, wrongPasswordForm, deletedAccount]) {
        expectProblem(response, 401, 'INVALID_CREDENTIALS');
        expect(withoutRequestId(response.body as Record<string, unknown>)).toEqual(expected);
        expect(response.headers['content-type']).toBe(wrongEmail.headers['content-type']);
      }
      expect((wrongEmail.body as { detail: string }).detail).not.toMatch(/exist|unknown|not found/i);
    });

    it('answers 400 without a username or e-mail, or without a password', async () => {
      expectFieldError(await t.http.post('/auth/login').send({ password: 'Test123!' }), 'username');
      expectFieldError(await t.http.post('/auth/login').send({ email: uniqueEmail() }), 'password');
      expectFieldError(await t.http.post('/auth/login').type('form').send({ username: uniqueEmail() }), 'password');
    });

    it('answers 400 for an unknown field', async () => {
      const user = await createUser(t);
      expectFieldError(await t.http.post('/auth/login').send({ email: user.email, password: user.password, admin: true }), 'admin');
    });
  });

  describe('POST /auth/logout', () => {
    it('answers 204 and refuses that token from then on, while other tokens of the user still work', async () => {
      const user = await createUser(t);
      const other = await login(t, user.email, user.password);

      const response = await t.http.post('/auth/logout').set(user.auth).expect(204);
      expect(response.text).toBe('');

      expectProblem(await t.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
      expectProblem(await t.http.post('/auth/logout').set(user.auth), 401, 'UNAUTHORIZED');
      const me = await t.http.get('/users/me').set(bearer(other)).expect(200);
      expect(me.body).toMatchObject({ id: user.id });
    });

    it('answers 401 without a token', async () => {
      expectProblem(await t.http.post('/auth/logout'), 401, 'UNAUTHORIZED');
    });

    it('without Redis, records the jti in revoked_tokens until the token would have expired, for every instance', async () => {
      const user = await createUser(t);
      const { jti, exp } = decode(user.token).payload;
      const revoked = () => t.dataSource.query<{ expires_at: Date }[]>('SELECT expires_at FROM revoked_tokens WHERE jti = $1', [jti]);
      expect(await revoked()).toEqual([]);

      await t.http.post('/auth/logout').set(user.auth).expect(204);

      const rows = await revoked();
      expect(rows).toHaveLength(1);
      expect(rows[0].expires_at.getTime()).toBe(exp * 1000);

      const second = await createTestApp();
      try {
        expectProblem(await second.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
      } finally {
        await second.close();
      }
    });
  });

  describe('authenticated requests', () => {
    it('resolve each concurrent request to its own caller', async () => {
      const users = await Promise.all([createUser(t), createUser(t, Role.PROVIDER), createUser(t)]);
      const callers = Array.from({ length: 30 }, (_, i) => users[i % users.length]);
      const responses = await Promise.all(callers.map((user) => t.http.get('/users/me').set(user.auth)));
      expect(responses.map((response) => [response.status, (response.body as { id: string }).id])).toEqual(callers.map((user) => [200, user.id]));
    });
  });

  describe('several instances in one process', () => {
    it('each verifies with its own secret and keeps working when another closes', async () => {
      const other = await createTestApp({ JWT_SECRET_KEY: 'another-secret-that-is-long-enough-for-hs256-9876543210' });
      try {
        const foreign = await createUser(other);
        const own = await createUser(t);
        expectProblem(await t.http.get('/users/me').set(foreign.auth), 401, 'UNAUTHORIZED');
        expectProblem(await other.http.get('/users/me').set(own.auth), 401, 'UNAUTHORIZED');
        await other.http.get('/users/me').set(foreign.auth).expect(200);
      } finally {
        await other.close();
      }
      const after = await createUser(t);
      await t.http.get('/users/me').set(after.auth).expect(200);
    });
  });

  describe('forged and malformed tokens', () => {
    let victim: TestUser;
    let other: TestUser;

    beforeAll(async () => {
      victim = await createUser(t);
      other = await createUser(t, Role.PROVIDER);
    });

    const claims = (overrides: Record<string, unknown> = {}) => {
      const iat = now();
      return { sub: victim.id, role: 'CUSTOMER', jti: randomUUID(), iat, exp: iat + 1800, ...overrides };
    };
    const without = (...keys: string[]) => Object.fromEntries(Object.entries(claims()).filter(([key]) => !keys.includes(key)));
    const hs256 = (payload: object) => handMadeToken({ alg: 'HS256', typ: 'JWT' }, payload, TEST_JWT_SECRET);
    /** Swaps the payload of a genuine token and keeps its signature. */
    const edited = (token: string, change: Record<string, unknown>) => {
      const [header, payload, signature] = token.split('.');
      const claimsOf = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object;
      return `${header}.${base64url({ ...claimsOf, ...change })}.${signature}`;
    };

    it('accepts a hand-made HS256 token with every claim and the right secret (so the refusals below are about the forgery)', async () => {
      const response = await t.http
        .get('/users/me')
        .set(bearer(hs256(claims())))
        .expect(200);
      expect(response.body).toMatchObject({ id: victim.id });
      await t.http
        .get('/users/me')
        .set(bearer(jwt.sign(claims(), TEST_JWT_SECRET, { algorithm: 'HS256' })))
        .expect(200);
    });

    it.each<[string, () => string]>([
      ['alg none, unsigned', () => handMadeToken({ alg: 'none', typ: 'JWT' }, claims(), null)],
      ['alg none, with a signature', () => handMadeToken({ alg: 'none', typ: 'JWT' }, claims(), TEST_JWT_SECRET)],
      ['alg HS512 with the right secret', () => jwt.sign(claims(), TEST_JWT_SECRET, { algorithm: 'HS512' })],
      ['alg HS384 with the right secret', () => handMadeToken({ alg: 'HS384', typ: 'JWT' }, claims(), TEST_JWT_SECRET, 'sha384')],
      ['HS256 with a wrong secret', () => jwt.sign(claims(), 'not-the-secret-but-just-as-long-0123456789abcdef', { algorithm: 'HS256' })],
      ['HS256 signed with an empty secret', () => handMadeToken({ alg: 'HS256', typ: 'JWT' }, claims(), '')],
      ['expired', () => hs256(claims({ iat: now() - 3600, exp: now() - 1800 }))],
      ['without exp', () => hs256(without('exp'))],
      ['without sub', () => hs256(without('sub'))],
      ['without jti', () => hs256(without('jti'))],
      ['without role', () => hs256(without('role'))],
      ['without iat', () => hs256(without('iat'))],
      ['with an unknown role', () => hs256(claims({ role: 'ROOT' }))],
      ['with a sub that is not a uuid', () => hs256(claims({ sub: 'admin' }))],
      ['with a jti that is not a uuid', () => hs256(claims({ jti: 'not-a-uuid' }))],
      ['with claims of the wrong type', () => hs256(claims({ exp: String(now() + 1800) }))],
      ['for an account that does not exist', () => hs256(claims({ sub: randomUUID() }))],
      ['with a sid that is not a uuid', () => hs256(claims({ sid: 'session-1' }))],
      ['with a sid naming no session', () => hs256(claims({ sid: randomUUID() }))],
      ['with a sid of another account’s session', () => hs256(claims({ sid: decode(other.token).payload.sid }))],
      ['a genuine token with role edited to ADMIN', () => edited(victim.token, { role: 'ADMIN' })],
      ['a genuine token with sub edited to another account', () => edited(victim.token, { sub: other.id })],
      ['a genuine token with exp pushed back', () => edited(victim.token, { exp: now() + 365 * 86400 })],
      ['a genuine token with its signature removed', () => victim.token.split('.').slice(0, 2).join('.') + '.'],
      ['garbage', () => 'garbage'],
      ['three garbage segments', () => 'a.b.c'],
      ['a JSON payload that is not an object', () => handMadeToken({ alg: 'HS256', typ: 'JWT' }, '"just a string"', TEST_JWT_SECRET)],
    ])('refuses %s with a 401 problem', async (_case, token) => {
      const response = await t.http.get('/users/me').set(bearer(token()));
      expectProblem(response, 401, 'UNAUTHORIZED');
      expect(response.text).not.toContain(victim.email);
    });

    it.each([
      ['no scheme', (token: string) => token],
      ['another scheme', (token: string) => `Basic ${token}`],
      ['an empty bearer', () => 'Bearer '],
    ])('refuses a token sent with %s', async (_case, header) => {
      expectProblem(await t.http.get('/users/me').set('Authorization', header(victim.token)), 401, 'UNAUTHORIZED');
    });

    it('still accepts the genuine token the forgeries were made from', async () => {
      await t.http.get('/users/me').set(victim.auth).expect(200);
    });
  });

  describeWithRedis('deny-list in Redis', () => {
    let a: TestApp;
    let b: TestApp;
    let redis: Redis;

    beforeAll(async () => {
      a = await createTestApp({ REDIS_URL: e2eRedisUrl() });
      b = await createTestApp({ REDIS_URL: e2eRedisUrl() });
      redis = new Redis(e2eRedisUrl());
    });
    afterAll(async () => {
      await Promise.all([a.close(), b.close()]);
      await redis.quit();
    });

    /** The deny-list keys naming this jti, whatever the prefix. */
    const keysFor = async (jti: string): Promise<string[]> => {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `*${jti}*`, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      return keys;
    };

    it('a logout on one instance is honoured by another instance sharing the Redis', async () => {
      const user = await createUser(a);
      const other = await login(a, user.email, user.password);
      await b.http.get('/users/me').set(user.auth).expect(200);

      await a.http.post('/auth/logout').set(user.auth).expect(204);

      expectProblem(await b.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
      expectProblem(await a.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
      await b.http.get('/users/me').set(bearer(other)).expect(200);
    });

    it('records the revocation in PostgreSQL and caches it in Redis, expiring no later than the token would', async () => {
      const user = await createUser(a);
      const { jti, exp } = decode(user.token).payload;
      expect(await keysFor(jti)).toEqual([]);

      // The token's remaining life when the logout began bounds any TTL the server may have set.
      const remainingMs = exp * 1000 - Date.now();
      await b.http.post('/auth/logout').set(user.auth).expect(204);

      const keys = await keysFor(jti);
      expect(keys).toHaveLength(1);
      const ttlMs = await redis.pttl(keys[0]);
      expect(ttlMs).toBeGreaterThan(0);
      expect(ttlMs).toBeLessThanOrEqual(remainingMs);
      // Not so short that the token would come back to life early (generous slack: this is not a timing test).
      expect(ttlMs).toBeGreaterThan(remainingMs - 60_000);
      // PostgreSQL is the record (Redis may restart empty); the cache only spares it the reads.
      expect(await a.dataSource.query('SELECT 1 FROM revoked_tokens WHERE jti = $1', [jti])).toHaveLength(1);
    });
  });
});
