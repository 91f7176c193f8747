import { randomInt, randomUUID } from 'node:crypto';
import { IncomingHttpHeaders, request } from 'node:http';
import { DataSource } from 'typeorm';
import type { BookingResponse } from '../../src/bookings/dto/booking.response';
import type { ServiceResponse } from '../../src/services/dto/service.response';
import { bookingBody, countRows, nextLocal } from '../factories/booking.factory';
import { validServiceBody } from '../factories/service.factory';
import { uniqueEmail } from '../factories/user.factory';
import { secretScan } from '../helpers/secret-scan';
import { SseClient, SseEvent } from '../helpers/sse';
import type { TestApp } from '../helpers/test-app';
import { buildApp, Cluster, findNginx, startCluster } from './cluster';

/**
 * Several instances behave as one: three built instances behind Debian's nginx with the repository's proxy
 * rules (docker/nginx/proxy.conf), one PostgreSQL database and one Redis between them, everything on
 * loopback. Every request of these tests goes through the proxy unless it says it targets one instance.
 */
const JWT_SECRET = `scale-jwt-${randomUUID()}-${randomUUID()}`;
const SECRET = `scale-secret-${randomUUID()}-${randomUUID()}`;
const PASSWORD = 'Scale123!';
/** A simulated payment round trip, so that requests are in flight long enough to kill an instance under them. */
const GATEWAY_LATENCY_MS = 3000;
/** Client addresses of this run (127.0.0.0/8 is all loopback), so rate-limit counters of earlier runs do not count. */
const NET = `127.${randomInt(1, 255)}.${randomInt(1, 255)}`;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  requestId: string;
}

/** One HTTP request from a given local address (`from`), with an X-Request-Id to find it in nginx's log. */
function call(url: string, init: { method?: string; token?: string; body?: unknown; from?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const requestId = `scale-${randomUUID()}`;
  const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
  const headers: Record<string, string> = { 'x-request-id': requestId, ...init.headers };
  if (payload) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers, localAddress: init.from, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = text;
        }
        secretScan.inspect({
          method: init.method ?? 'GET',
          url,
          authorization: headers.authorization,
          requestBody: init.body,
          status: response.statusCode ?? 0,
          headers: response.headers,
          text,
        });
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, requestId });
      });
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

interface Account {
  id: string;
  email: string;
  token: string;
}

/** 60-minute slots that never overlap for one provider: seven a Monday, week after week. */
const TIMES = ['09:00', '10:00', '11:00', '13:00', '14:00', '15:00', '16:00'];
const slot = (index: number) => nextLocal('UTC', 'monday', TIMES[index % TIMES.length], { weeksLater: Math.floor(index / TIMES.length) });

describe('three instances behind nginx behave as one', () => {
  let cluster: Cluster;
  let db: DataSource;
  let serverUrl: string;
  let databaseName: string;
  let proxy: string;
  /** Each account logs in from a loopback address of its own. */
  let nextHost = 20;

  async function register(role: 'CUSTOMER' | 'PROVIDER'): Promise<Account> {
    const email = uniqueEmail(`scale-${role.toLowerCase()}`);
    const from = `${NET}.${nextHost++}`;
    const created = await call(`${proxy}/users/`, {
      method: 'POST',
      from,
      body: { email, password: PASSWORD, role, profile: { firstName: 'Scale', lastName: role } },
    });
    expect(created.status).toBe(201);
    const login = await call(`${proxy}/auth/login`, { method: 'POST', from, body: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    return { id: (created.body as { id: string }).id, email, token: (login.body as { access_token: string }).access_token };
  }

  async function offer(provider: Account): Promise<ServiceResponse> {
    const response = await call(`${proxy}/services/`, { method: 'POST', token: provider.token, body: validServiceBody({ timezone: 'UTC' }) });
    expect(response.status).toBe(201);
    return response.body as ServiceResponse;
  }

  const bookVia = (base: string, customer: Account, service: ServiceResponse, at: string) =>
    call(`${base}/bookings/`, { method: 'POST', token: customer.token, body: bookingBody(service, at) });

  /** nginx's record of a request: the upstream(s) it tried, in order, and the status it answered (written just after answering). */
  async function logged(requestId: string): Promise<{ upstreams: string[]; status: number }> {
    const giveUpAt = Date.now() + 10_000;
    for (;;) {
      const line = cluster.accessLog().find((entry) => entry.requestId === requestId);
      if (line) return line;
      if (Date.now() > giveUpAt) throw new Error(`nginx did not log ${requestId}:\n${cluster.nginxErrors()}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  /** Every stream opened, closed at the end even when a test fails half-way. */
  const opened: SseClient[] = [];
  async function openStream(token: string, lastEventId?: string): Promise<SseClient> {
    const stream = await SseClient.open(proxy, '/notifications/stream', { token, lastEventId });
    opened.push(stream);
    return stream;
  }

  const upstreamOf = (answer: { headers: IncomingHttpHeaders }) => String(answer.headers['x-upstream']);

  beforeAll(async () => {
    findNginx();
    const testDatabase = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
    const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;
    if (!testDatabase || !redisUrl) throw new Error('npm run test:scale needs a PostgreSQL (TEST_DATABASE_URL) and a Redis (TEST_REDIS_URL)');
    const server = new URL(testDatabase);
    databaseName = `${server.pathname.slice(1)}_scale`;
    server.pathname = '/postgres';
    serverUrl = server.toString();
    const admin = await new DataSource({ type: 'postgres', url: serverUrl }).initialize();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${databaseName}"`);
    await admin.destroy();
    server.pathname = `/${databaseName}`;
    const databaseUrl = server.toString();

    await buildApp();
    secretScan.registerSecret(JWT_SECRET);
    secretScan.registerSecret(SECRET);
    cluster = await startCluster({
      size: 3,
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        JWT_SECRET_KEY: JWT_SECRET,
        SECRET_KEY: SECRET,
        // nginx is the one hop in front: the client is the last X-Forwarded-For entry, the one nginx adds.
        TRUST_PROXY: '1',
        BCRYPT_ROUNDS: '4',
        LOG_LEVEL: 'warn',
        PAYMENT_FAILURE_RATE: '0',
        PAYMENT_GATEWAY_LATENCY_MS: String(GATEWAY_LATENCY_MS),
        SSE_HEARTBEAT_SECONDS: '1',
        RATE_LIMIT_ENABLED: 'true',
        LOGIN_RATE_LIMIT: '1000/hour',
        LOGIN_ACCOUNT_RATE_LIMIT: '1000/hour',
        BOOKING_RATE_LIMIT: '1000/hour',
        BROWSE_RATE_LIMIT: '3/hour',
      },
    });
    proxy = cluster.proxyUrl;
    db = await new DataSource({ type: 'postgres', url: databaseUrl }).initialize();
  }, 400_000);

  afterAll(async () => {
    await Promise.all(opened.map((stream) => stream.close()));
    await db?.destroy();
    await cluster?.stop();
    if (serverUrl) {
      const admin = await new DataSource({ type: 'postgres', url: serverUrl }).initialize();
      await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
      await admin.destroy();
    }
  }, 60_000);

  it('spreads requests over the three instances', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => call(`${proxy}/health`)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(new Set(answers.map(upstreamOf))).toEqual(new Set(cluster.instances.map((instance) => instance.upstream)));
  });

  it('gives one slot raced for through every instance to exactly one customer, charged once', async () => {
    const provider = await register('PROVIDER');
    const service = await offer(provider);
    const customers = await Promise.all(Array.from({ length: 9 }, () => register('CUSTOMER')));
    const at = slot(0);

    const answers = await Promise.all(customers.map((customer) => bookVia(proxy, customer, service, at)));

    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409]);
    expect(new Set(answers.filter((answer) => answer.status === 409).map((answer) => (answer.body as { code: string }).code))).toEqual(new Set(['SLOT_TAKEN']));
    // The race was run on every instance, not on one.
    expect(new Set(answers.map(upstreamOf)).size).toBe(3);
    expect(await countRows({ dataSource: db } as unknown as TestApp, service.id)).toEqual({ bookings: 1, payments: 1, charges: 1, succeeded: 1 });
  });

  it('honours a logout on one instance on every instance', async () => {
    const customer = await register('CUSTOMER');
    for (const instance of cluster.instances) expect((await call(`${instance.url}/users/me`, { token: customer.token })).status).toBe(200);

    const logout = await call(`${proxy}/auth/logout`, { method: 'POST', token: customer.token });
    expect(logout.status).toBe(204);
    expect(cluster.instances.map((instance) => instance.upstream)).toContain(upstreamOf(logout));

    for (const instance of cluster.instances) expect((await call(`${instance.url}/users/me`, { token: customer.token })).status).toBe(401);
    const throughProxy = await Promise.all(Array.from({ length: 3 }, () => call(`${proxy}/users/me`, { token: customer.token })));
    expect(throughProxy.map((answer) => answer.status)).toEqual([401, 401, 401]);
    expect(new Set(throughProxy.map(upstreamOf)).size).toBe(3);
  });

  it('streams an event caused on one instance to a stream opened through the proxy on another; a reconnect resumes without gap or duplicate', async () => {
    const provider = await register('PROVIDER');
    const service = await offer(provider);
    const customer = await register('CUSTOMER');
    const newBookings = (events: SseEvent[]) =>
      events.filter((event) => event.event === 'booking_created').map((event) => (JSON.parse(event.data) as { data: { bookingId: string } }).data.bookingId);

    const stream = await openStream(provider.token);
    expect(stream.status).toBe(200);
    const streamedBy = String(stream.headers['x-upstream']);
    const others = cluster.instances.filter((instance) => instance.upstream !== streamedBy);
    expect(others).toHaveLength(2);
    // Heartbeats pass the proxy as they are written (proxy_buffering off; SSE_HEARTBEAT_SECONDS=1 here).
    await stream.waitForComment('ping');

    const first = await bookVia(others[0].url, customer, service, slot(0));
    expect(first.status).toBe(201);
    await stream.waitForEvents(1);
    expect(newBookings(stream.events)).toEqual([(first.body as BookingResponse).id]);
    const lastSeen = stream.lastEventId;
    await stream.close();

    // Missed while disconnected, caused on both other instances.
    const missed = [await bookVia(others[1].url, customer, service, slot(1)), await bookVia(others[0].url, customer, service, slot(2))];
    expect(missed.map((answer) => answer.status)).toEqual([201, 201]);

    const resumed = await openStream(provider.token, lastSeen);
    expect(resumed.status).toBe(200);
    await resumed.waitForEvents(2);
    const live = await bookVia(proxy, customer, service, slot(3));
    expect(live.status).toBe(201);
    await resumed.waitForEvents(3);
    await resumed.close();

    expect(newBookings(resumed.events)).toEqual([...missed, live].map((answer) => (answer.body as BookingResponse).id));
    // Consecutive positions right after the last one seen: nothing skipped, nothing repeated.
    const ids = [lastSeen, ...resumed.events.map((event) => event.id)].map(Number);
    expect(ids).toEqual([ids[0], ids[0] + 1, ids[0] + 2, ids[0] + 3]);
  });

  it('rate-limits by the client address nginx forwards, not by the proxy address', async () => {
    const client = `${NET}.2`;
    const neighbour = `${NET}.3`;
    const browse = (from: string, headers: Record<string, string> = {}) => call(`${proxy}/services/categories`, { from, headers });

    const allowed = [await browse(client), await browse(client), await browse(client)];
    expect(allowed.map((answer) => answer.status)).toEqual([200, 200, 200]);
    // One counter for the three instances (in Redis): the fourth is refused whichever instance takes it.
    expect(new Set(allowed.map(upstreamOf)).size).toBe(3);
    const refused = await browse(client);
    expect(refused.status).toBe(429);
    expect((refused.body as { code: string }).code).toBe('RATE_LIMITED');
    // An address the client invents is not believed: nginx appends the real one, and that one counts.
    expect((await browse(client, { 'x-forwarded-for': `${NET}.99` })).status).toBe(429);
    // Another client behind the same proxy is not affected.
    expect((await browse(neighbour)).status).toBe(200);
  });

  it('survives an instance killed mid-run: only its requests in flight fail, new ones succeed on the others', async () => {
    const provider = await register('PROVIDER');
    const service = await offer(provider);
    const customer = await register('CUSTOMER');

    // One live stream on each instance, through the proxy.
    const streams: SseClient[] = [];
    while (new Set(streams.map((stream) => String(stream.headers['x-upstream']))).size < 3) {
      const stream = await openStream(provider.token);
      expect(stream.status).toBe(200);
      if (streams.some((open) => open.headers['x-upstream'] === stream.headers['x-upstream'])) await stream.close();
      else streams.push(stream);
    }
    const victim = cluster.instances[1];
    const streamOn = (instance: { upstream: string }) => streams.find((stream) => stream.headers['x-upstream'] === instance.upstream) as SseClient;

    // Bookings that each wait GATEWAY_LATENCY_MS on the simulated gateway. Each has committed its pending
    // payment before calling the gateway: once all six have, all six are in flight, two on each instance.
    const inFlight = Promise.all(Array.from({ length: 6 }, (_, index) => bookVia(proxy, customer, service, slot(index))));
    for (;;) {
      const [{ pending }] = await db.query<Array<{ pending: number }>>(
        `SELECT count(*)::int AS pending FROM payments WHERE service_id = $1 AND status = 'PENDING'`,
        [service.id],
      );
      if (pending === 6) break;
      await new Promise((done) => setTimeout(done, 20));
    }
    process.kill(victim.process.pid as number, 'SIGKILL');
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const answers = await inFlight;

    for (const answer of answers) {
      const { upstreams, status } = await logged(answer.requestId);
      expect(status).toBe(answer.status);
      // A request fails only when the instance that had it died: the others answer as usual.
      expect({ status: answer.status, servedBy: upstreams.at(-1) }).toEqual(
        upstreams.at(-1) === victim.upstream ? { status: 502, servedBy: victim.upstream } : { status: 201, servedBy: upstreams.at(-1) },
      );
    }
    expect(answers.filter((answer) => answer.status === 502).length).toBeGreaterThan(0);
    // The stream the victim held is cut; the other two stay open.
    await streamOn(victim).waitForEnd();
    const survivors = cluster.instances.filter((instance) => instance !== victim);
    for (const instance of survivors) expect(streamOn(instance).ended).toBe(false);

    // New requests all succeed, on the two instances left.
    const after = await Promise.all([
      ...Array.from({ length: 6 }, () => call(`${proxy}/users/me`, { token: customer.token })),
      ...Array.from({ length: 3 }, (_, index) => bookVia(proxy, customer, service, slot(10 + index))),
    ]);
    expect(after.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200, 201, 201, 201]);
    for (const answer of after) expect(survivors.map((instance) => instance.upstream)).toContain(upstreamOf(answer).split(', ').at(-1));

    // And the streams left receive what happens next.
    const booked = after.slice(6).map((answer) => (answer.body as BookingResponse).id);
    for (const instance of survivors) {
      const stream = streamOn(instance);
      await stream.waitForEvents(booked.length + answers.filter((answer) => answer.status === 201).length);
      expect(stream.events.map((event) => (JSON.parse(event.data) as { data: { bookingId: string } }).data.bookingId)).toEqual(expect.arrayContaining(booked));
      await stream.close();
    }
    // Every booking the API confirmed is in the database with its one successful charge.
    const confirmed = [...answers, ...after.slice(6)].filter((answer) => answer.status === 201).map((answer) => (answer.body as BookingResponse).id);
    const rows = await db.query<Array<{ id: string }>>(
      `SELECT b.id FROM bookings b JOIN payments p ON p.booking_id = b.id AND p.status = 'SUCCESS' WHERE b.id = ANY($1::uuid[])`,
      [confirmed],
    );
    expect(rows.map((row) => row.id).sort()).toEqual([...confirmed].sort());
  });
});
