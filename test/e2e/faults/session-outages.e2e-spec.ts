import { runMigrations } from '../../../src/database/migrate';
import { createUser, TestUser } from '../../factories/user.factory';
import { OwnPostgres, OwnRedis, startOwnPostgres, startOwnRedis } from '../../helpers/own-servers';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

interface TokenPair {
  access_token: string;
  refresh_token: string;
}

const bearer = (pair: TokenPair) => ({ Authorization: `Bearer ${pair.access_token}` });

/**
 * Sessions while PostgreSQL or Redis (servers of this suite's own) are down: a valid session is never
 * answered 401 because a dependency cannot answer (503 with Retry-After instead), a refresh token is not
 * spent by a refresh that failed, and an ended session stays ended whatever Redis forgets.
 */
describe('sessions through outages of PostgreSQL and Redis', () => {
  let postgres: OwnPostgres;
  let redis: OwnRedis;
  let a: TestApp;
  let b: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startOwnPostgres(), startOwnRedis()]);
    await runMigrations(postgres.url);
    a = await createTestApp({ REDIS_URL: redis.url }, { databaseUrl: postgres.url });
    b = await createTestApp({ REDIS_URL: redis.url }, { databaseUrl: postgres.url });
    user = await createUser(a);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all([redis?.destroy(), postgres?.destroy()]);
  }, 120_000);

  const signIn = async (): Promise<TokenPair> =>
    (await a.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(200)).body as TokenPair;

  it('PostgreSQL down: refresh, a session’s access token and logout answer 503, never 401; afterwards the same refresh token works', async () => {
    const pair = await signIn();
    // Both instances have seen (and may have cached) the session as open.
    await a.http.get('/users/me').set(bearer(pair)).expect(200);
    await b.http.get('/users/me').set(bearer(pair)).expect(200);

    await postgres.stop();
    try {
      for (const response of [
        await a.http.post('/auth/refresh').send({ refresh_token: pair.refresh_token }),
        await b.http.get('/users/me').set(bearer(pair)),
        await a.http.get('/auth/sessions').set(bearer(pair)),
        await b.http.post('/auth/logout').set(bearer(pair)),
      ]) {
        expectProblem(response, 503, 'SERVICE_UNAVAILABLE');
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      }
    } finally {
      await postgres.start();
    }
    // The pool reconnects to the restarted server.
    for (let attempt = 0; (await a.http.get('/users/me').set(bearer(pair))).status !== 200; attempt++) {
      if (attempt > 200) throw new Error('the app did not recover after PostgreSQL restarted');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The failed refresh spent nothing: the token is still the session's current one.
    const next = (await a.http.post('/auth/refresh').send({ refresh_token: pair.refresh_token }).expect(200)).body as TokenPair;
    await b.http.get('/users/me').set(bearer(next)).expect(200);
  }, 120_000);

  it('Redis down: sign-in, refresh and logout work, and the ended session stays refused on every instance after Redis restarts empty', async () => {
    const pair = await signIn();
    const other = await signIn();
    await b.http.get('/users/me').set(bearer(pair)).expect(200);

    await redis.stop();
    let rotated: TokenPair;
    try {
      rotated = (await b.http.post('/auth/refresh').send({ refresh_token: pair.refresh_token }).expect(200)).body as TokenPair;
      await a.http.post('/auth/logout').set(bearer(rotated)).expect(204);
      for (const t of [a, b]) {
        expectProblem(await t.http.get('/users/me').set(bearer(pair)), 401, 'UNAUTHORIZED');
        expectProblem(await t.http.get('/users/me').set(bearer(rotated)), 401, 'UNAUTHORIZED');
      }
    } finally {
      await redis.start();
    }
    for (const t of [a, b]) {
      expectProblem(await t.http.get('/users/me').set(bearer(rotated)), 401, 'UNAUTHORIZED');
      expectProblem(await t.http.post('/auth/refresh').send({ refresh_token: rotated.refresh_token }), 401, 'INVALID_REFRESH_TOKEN');
      await t.http.get('/users/me').set(bearer(other)).expect(200);
    }
  }, 120_000);
});
