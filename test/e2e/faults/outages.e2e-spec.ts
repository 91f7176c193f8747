import type { Response, Test } from 'supertest';
import { Role } from '../../../src/common/auth/role.enum';
import { runMigrations } from '../../../src/database/migrate';
import { book, nextLocal } from '../../factories/booking.factory';
import { createService } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { OwnPostgres, OwnRedis, startOwnPostgres, startOwnRedis } from '../../helpers/own-servers';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

interface Answer {
  kind: string;
  /** Sent with a valid bearer token (one that was never logged out). */
  loggedIn: boolean;
  status: number;
  retryAfter?: string;
  contentType?: string;
  code?: string;
}

interface Probe {
  kind: string;
  loggedIn: boolean;
  send(): Test;
}

/**
 * A stream of requests from a few concurrent clients, round-robin over `probes`, each answer recorded. The
 * suite moves on by the number of answers seen, never by the clock.
 */
class Load {
  readonly answers: Answer[] = [];
  private running = false;
  private workers: Array<Promise<void>> = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];
  private next = 0;

  constructor(private readonly probes: Probe[]) {}

  start(concurrency = 4): void {
    this.running = true;
    this.workers = Array.from({ length: concurrency }, () => this.work());
  }

  async stop(): Promise<Answer[]> {
    this.running = false;
    await Promise.all(this.workers);
    return this.answers;
  }

  /** Resolves once `more` answers beyond those recorded so far have come in. */
  more(more: number): Promise<void> {
    const count = this.answers.length + more;
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private async work(): Promise<void> {
    while (this.running) {
      const probe = this.probes[this.next++ % this.probes.length];
      let response: Response;
      try {
        response = await probe.send();
      } catch (error) {
        // A connection the app dropped would be an answer no client can use: record it as such.
        this.record({ kind: probe.kind, loggedIn: probe.loggedIn, status: -1, code: String(error) });
        continue;
      }
      const body = response.body as { code?: string } | undefined;
      this.record({
        kind: probe.kind,
        loggedIn: probe.loggedIn,
        status: response.status,
        retryAfter: response.headers['retry-after'],
        contentType: response.headers['content-type'],
        code: body?.code,
      });
    }
  }

  private record(answer: Answer): void {
    this.answers.push(answer);
    this.waiters = this.waiters.filter((waiter) => (this.answers.length >= waiter.count ? (waiter.resolve(), false) : true));
  }
}

const statuses = (answers: Answer[]) =>
  answers.reduce<Record<string, number>>((counts, { kind, status }) => ({ ...counts, [`${kind} ${status}`]: (counts[`${kind} ${status}`] ?? 0) + 1 }), {});

/**
 * PostgreSQL and Redis of this suite's own are stopped and started again under a stream of logged-in and
 * public requests. A dependency that is down never turns a valid token into a 401 nor any request into a
 * 500: without Redis the service serves (degraded); without PostgreSQL it answers 503 with Retry-After.
 */
describe('outages of PostgreSQL and Redis', () => {
  let postgres: OwnPostgres;
  let redis: OwnRedis;
  let t: TestApp;
  let customer: TestUser;
  let provider: TestUser;
  let serviceId: string;
  let probes: Probe[];

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startOwnPostgres(), startOwnRedis()]);
    await runMigrations(postgres.url);
    t = await createTestApp(
      {
        REDIS_URL: redis.url,
        // Limits on, high enough never to refuse this suite: their counting must survive the outages too.
        RATE_LIMIT_ENABLED: 'true',
        LOGIN_RATE_LIMIT: '100000/hour',
        LOGIN_ACCOUNT_RATE_LIMIT: '100000/hour',
        BROWSE_RATE_LIMIT: '100000/hour',
        BOOKING_RATE_LIMIT: '100000/hour',
      },
      { databaseUrl: postgres.url },
    );
    customer = await createUser(t, Role.CUSTOMER);
    provider = await createUser(t, Role.PROVIDER);
    serviceId = (await createService(t, provider)).id;
    probes = [
      { kind: 'GET /users/me', loggedIn: true, send: () => t.http.get('/users/me').set(customer.auth) },
      { kind: 'GET /bookings/', loggedIn: true, send: () => t.http.get('/bookings/').set(customer.auth) },
      { kind: 'GET /notifications/unread/count', loggedIn: true, send: () => t.http.get('/notifications/unread/count').set(customer.auth) },
      { kind: 'GET /services/ (provider)', loggedIn: true, send: () => t.http.get('/services/').set(provider.auth) },
      { kind: 'GET /services/', loggedIn: false, send: () => t.http.get('/services/') },
      { kind: 'GET /services/categories', loggedIn: false, send: () => t.http.get('/services/categories') },
      { kind: 'GET /services/:id', loggedIn: false, send: () => t.http.get(`/services/${serviceId}`) },
      { kind: 'POST /auth/login', loggedIn: false, send: () => t.http.post('/auth/login').send({ email: customer.email, password: customer.password }) },
    ];
  }, 300_000);

  afterAll(async () => {
    await t?.close();
    await Promise.all([redis?.destroy(), postgres?.destroy()]);
  }, 120_000);

  it('Redis stopped and restarted: logged-in and public requests, login and booking keep answering 2xx', async () => {
    const load = new Load(probes);
    load.start();
    await load.more(16);
    await redis.stop();
    try {
      await load.more(48);
      // While Redis is down: a fresh login, a booking (rate limited per user) and a logout all work.
      const login = await t.http.post('/auth/login').send({ email: customer.email, password: customer.password }).expect(200);
      const fresh = { Authorization: `Bearer ${(login.body as { access_token: string }).access_token}` };
      const service = await createService(t, provider);
      await book(t, { ...customer, auth: fresh }, service, nextLocal('UTC', 'monday', '10:00'));
      await t.http.post('/auth/logout').set(fresh).expect(204);
      expectProblem(await t.http.get('/users/me').set(fresh), 401, 'UNAUTHORIZED');
      // Readiness says how it is serving, and stays ready.
      const ready = await t.http.get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({ status: 'degraded', info: { database: { status: 'up' }, redis: { status: 'degraded' } } });
    } finally {
      await redis.start();
    }
    await load.more(48);
    const answers = await load.stop();

    expect(statuses(answers.filter(({ status }) => status < 200 || status >= 300))).toEqual({});
    await t.http.get('/users/me').set(customer.auth).expect(200);
  }, 180_000);

  it('PostgreSQL stopped and restarted: 503 with Retry-After, never 401 for a valid token nor 500; then 200 again', async () => {
    const load = new Load(probes);
    load.start();
    await load.more(16);
    await postgres.stop();
    try {
      await load.more(64);
      const ready = await t.http.get('/health/ready');
      expectProblem(ready, 503, 'SERVICE_UNAVAILABLE');
      expect(Number(ready.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await postgres.start();
    }
    // Recovery: the pool opens new connections to the restarted server.
    for (let attempt = 0; (await t.http.get('/users/me').set(customer.auth)).status !== 200; attempt++) {
      if (attempt > 200) throw new Error('the app did not recover after PostgreSQL restarted');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await load.more(32);
    const answers = await load.stop();

    // The outage was seen, and answered 503 problem+json with Retry-After.
    const unavailable = answers.filter(({ status }) => status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const answer of unavailable) {
      expect(answer).toMatchObject({ code: 'SERVICE_UNAVAILABLE', contentType: expect.stringMatching(/^application\/problem\+json/) });
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    // Nothing else than success or 503: no 401 for the valid tokens, no 500, no dropped connection.
    expect(statuses(answers.filter(({ status }) => status !== 503 && (status < 200 || status >= 300)))).toEqual({});
    expect(answers.filter(({ loggedIn, status }) => loggedIn && status === 401)).toEqual([]);

    // After the restart every kind of request answers 200 again.
    for (const probe of probes) expect({ kind: probe.kind, status: (await probe.send()).status }).toEqual({ kind: probe.kind, status: 200 });
  }, 180_000);
});
