import Redis from 'ioredis';
import { createUser, login } from '../../factories/user.factory';
import { OwnRedis, startOwnRedis } from '../../helpers/own-servers';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const jtiOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { jti: string }).jti;

/** Revocations are recorded in PostgreSQL; Redis (a server of this suite's own, restarted empty) only caches them. */
describe('revocations survive Redis', () => {
  let redis: OwnRedis;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = await startOwnRedis();
    a = await createTestApp({ REDIS_URL: redis.url });
    b = await createTestApp({ REDIS_URL: redis.url });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.destroy();
  });

  it('a logged-out token stays refused on every instance after Redis restarts empty', async () => {
    const user = await createUser(a);
    const other = await login(a, user.email, user.password);
    // Both instances have seen (and may have cached) the token as valid.
    await a.http.get('/users/me').set(user.auth).expect(200);
    await b.http.get('/users/me').set(user.auth).expect(200);

    await a.http.post('/auth/logout').set(user.auth).expect(204);
    expectProblem(await b.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');

    // The record is in PostgreSQL, written before the logout answered.
    expect(await a.dataSource.query('SELECT 1 FROM revoked_tokens WHERE jti = $1', [jtiOf(user.token)])).toHaveLength(1);

    await redis.stop();
    await redis.start();
    const probe = new Redis(redis.url);
    try {
      expect(await probe.dbsize()).toBe(0);
    } finally {
      probe.disconnect();
    }

    for (const t of [a, b, a, b]) expectProblem(await t.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
    // Tokens that were not logged out still work.
    await a.http.get('/users/me').set(bearer(other)).expect(200);
    await b.http.get('/users/me').set(bearer(other)).expect(200);
  }, 60_000);

  it('a logout while Redis is down is recorded, and refused on every instance once Redis is back empty', async () => {
    const user = await createUser(a);
    await b.http.get('/users/me').set(user.auth).expect(200);

    await redis.stop();
    try {
      await a.http.post('/auth/logout').set(user.auth).expect(204);
      expectProblem(await a.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
      expectProblem(await b.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
    } finally {
      await redis.start();
    }
    for (const t of [a, b]) expectProblem(await t.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
  }, 60_000);
});
