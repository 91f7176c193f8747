import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Role } from '../../../src/common/auth/role.enum';
import { bookingBody, nextLocal } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { createService } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { RawResponse, send } from '../../helpers/parallel';
import { createTestApp, TEST_JWT_SECRET, TestApp } from '../../helpers/test-app';

/**
 * Checkouts whose process is paused (SIGSTOP: a GC pause, a VM freeze) past the reconciler's cut-off, or
 * killed (SIGKILL) mid-way, on two built instances (`node dist/src/main.js`) over one PostgreSQL and one
 * Redis. The database is checked afterwards: no approved charge stands without a CONFIRMED booking, and no
 * Idempotency-Key is executed twice. `FAULT_SUITE_APP_DIR` runs the suite against another checkout's build
 * (e.g. an older commit, to see it fail).
 */
const ROOT = resolve(__dirname, '../../..');
const APP_DIR = process.env.FAULT_SUITE_APP_DIR ? resolve(process.env.FAULT_SUITE_APP_DIR) : ROOT;
const MAIN = join(APP_DIR, 'dist', 'src', 'main.js');
const BOOT_TIMEOUT_MS = 90_000;
const RECONCILE_AFTER_SECONDS = 3;
/** Long enough that a request is surely inside its gateway call when the test pauses or kills its process. */
const SLOW_GATEWAY_MS = 15_000;

interface Instance {
  name: string;
  process: ChildProcess;
  baseUrl: string;
  output(): string;
  exited: Promise<unknown>;
}

const instances: Instance[] = [];
const tempDirs: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** One built instance on the suite's database and Redis, with its own port, latency and mail directory. */
async function startInstance(name: string, overrides: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const work = mkdtempSync(join(tmpdir(), `marketplace-fault-${name}-`));
  tempDirs.push(work);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['TEST_DATABASE_URL', 'E2E_DATABASE_URL', 'TEST_REDIS_URL', 'E2E_REDIS_URL', 'NODE_ENV']) delete env[key];
  Object.assign(env, {
    DATABASE_URL: process.env.E2E_DATABASE_URL,
    REDIS_URL: process.env.E2E_REDIS_URL || undefined,
    PORT: String(port),
    JWT_SECRET_KEY: TEST_JWT_SECRET,
    SECRET_KEY: TEST_JWT_SECRET,
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    PAYMENT_FAILURE_RATE: '0',
    PAYMENT_RECONCILE_AFTER_SECONDS: String(RECONCILE_AFTER_SECONDS),
    RATE_LIMIT_ENABLED: 'false',
    SEED_SAMPLE_DATA: 'false',
    EMAIL_OUTPUT_DIR: join(work, 'mail'),
    ...overrides,
  });
  const child = spawn(process.execPath, [MAIN], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise((done) => child.once('exit', done));
  const instance: Instance = { name, process: child, baseUrl: `http://127.0.0.1:${port}`, output: () => output, exited };
  instances.push(instance);
  await until(`${name} ready`, async () => (await fetch(`${instance.baseUrl}/health/ready`).catch(() => null))?.status === 200, BOOT_TIMEOUT_MS, instance);
  return instance;
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number, instance?: Instance): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}${instance ? `\n--- ${instance.name}\n${instance.output()}` : ''}`);
    await sleep(200);
  }
}

describe('checkouts whose process is paused or killed (two built instances)', () => {
  let t: TestApp;
  /** Books slowly: a SIGSTOP or SIGKILL lands while its requests wait for the gateway. */
  let a: Instance;
  /** The survivor, whose reconciler settles what A left behind. */
  let b: Instance;

  beforeAll(async () => {
    if (!process.env.FAULT_SUITE_APP_DIR) {
      await promisify(execFile)(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    }
    if (!existsSync(MAIN)) throw new Error(`no build at ${MAIN}`);
    // In-process, for the factories and the database checks; its own reconciler stays out of the way.
    t = await createTestApp({ PAYMENT_RECONCILE_AFTER_SECONDS: '86400' });
    [a, b] = await Promise.all([
      startInstance('a', { PAYMENT_GATEWAY_LATENCY_MS: String(SLOW_GATEWAY_MS) }),
      startInstance('b', { PAYMENT_GATEWAY_LATENCY_MS: '0' }),
    ]);
  }, 240_000);

  afterAll(async () => {
    for (const instance of instances) {
      if (instance.process.exitCode === null && instance.process.signalCode === null) {
        instance.process.kill('SIGCONT');
        instance.process.kill('SIGKILL');
      }
    }
    await Promise.all(instances.map((instance) => Promise.race([instance.exited, sleep(10_000)])));
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    await t?.close();
  }, 30_000);

  /** Payments of these customers, by status, with `all` their number. */
  async function paymentStatuses(customerIds: string[]): Promise<Record<string, number>> {
    const rows = await t.dataSource.query<Array<{ status: string; n: number }>>(
      `SELECT status, count(*)::int AS n FROM payments WHERE customer_id = ANY($1::uuid[]) GROUP BY status`,
      [customerIds],
    );
    return Object.fromEntries([...rows.map((row) => [row.status, row.n]), ['all', rows.reduce((sum, row) => sum + row.n, 0)]]);
  }

  /**
   * Money lost: charges the gateway approved for these customers whose payment has no CONFIRMED booking and
   * whose amount the gateway has not paid back (a voided or refunded charge is not lost).
   */
  async function approvedChargesWithoutBooking(customerIds: string[]): Promise<number> {
    const [row] = await t.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n
         FROM payments p
         JOIN simulated_gateway_operations g ON g.idempotency_key = 'charge:' || p.id AND g.kind = 'charge' AND g.approved
         LEFT JOIN bookings b ON b.id = p.booking_id AND b.status = 'CONFIRMED'
        WHERE p.customer_id = ANY($1::uuid[]) AND b.id IS NULL
          AND g.amount_minor > (SELECT coalesce(sum(r.amount_minor), 0) FROM refunds f
                                  JOIN simulated_gateway_operations r ON r.idempotency_key = CASE f.kind WHEN 'void' THEN 'refund:void-' || f.payment_id ELSE 'refund:' || f.id END AND r.kind = 'refund'
                                 WHERE f.payment_id = p.id)`,
      [customerIds],
    );
    return row.n;
  }

  it('refuses a charge that arrives after the reconciler gave up on its attempt: no customer charged without a booking', async () => {
    const attempts = await Promise.all(Array.from({ length: 3 }, () => createMarketplace(t)));
    const customerIds = attempts.map(({ customer }) => customer.id);
    const answers = attempts.map(({ customer, service }) =>
      send(`${a.baseUrl}/bookings/`, { method: 'POST', headers: customer.auth, body: bookingBody(service, nextLocal('UTC', 'monday', '10:00')) }),
    );
    // Every attempt holds its slot and waits for the gateway: pause A past the cut-off.
    await until('the holds on A', async () => (await paymentStatuses(customerIds)).all === 3, 30_000, a);
    a.process.kill('SIGSTOP');
    try {
      await until('B failing the abandoned attempts', async () => (await paymentStatuses(customerIds)).FAILED === 3, 60_000, b);
    } finally {
      a.process.kill('SIGCONT');
    }
    const responses = await Promise.all(answers);

    // Told 402, and indeed not charged: the gateway refused the late charges.
    expect(responses.map((r) => [r.status, r.body?.code])).toEqual(Array.from({ length: 3 }, () => [402, 'PAYMENT_DECLINED']));
    expect(await approvedChargesWithoutBooking(customerIds)).toBe(0);
    expect(await paymentStatuses(customerIds)).toEqual({ FAILED: 3, all: 3 });
    const [slots] = await t.dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM bookings WHERE customer_id = ANY($1::uuid[])`, [
      customerIds,
    ]);
    expect(slots.n).toBe(0);
  }, 120_000);

  it('answers every key of checkouts killed in flight with its settled outcome once the survivor has settled them, executing none twice', async () => {
    const count = 24;
    const provider = await createUser(t, Role.PROVIDER);
    const service = await createService(t, provider, { timezone: 'UTC' });
    const customers: TestUser[] = await Promise.all(Array.from({ length: count }, () => createUser(t, Role.CUSTOMER)));
    const customerIds = customers.map((customer) => customer.id);
    const requests = customers.map((customer, i) => ({
      customer,
      key: `crash-${randomUUID()}`,
      body: bookingBody(service, nextLocal('UTC', 'monday', '10:00', { weeksLater: i })),
    }));
    const post = (base: string, { customer, key, body }: (typeof requests)[number]): Promise<RawResponse | null> =>
      send(`${base}/bookings/`, { method: 'POST', headers: { ...customer.auth, 'Idempotency-Key': key }, body }).catch(() => null);

    const inFlight = requests.map((request) => post(a.baseUrl, request));
    await until('the holds on A', async () => (await paymentStatuses(customerIds)).all === count, 60_000, a);
    // Freeze A, let the processor charge every other card (its answer never reaches A), then kill A. A charge
    // key B's reconciler cancelled first stays uncharged: the processor's first outcome for a key stands.
    a.process.kill('SIGSTOP');
    const payments = await t.dataSource.query<Array<{ id: string; customer_id: string; amount: string; currency: string }>>(
      `SELECT id, customer_id, amount, currency FROM payments WHERE customer_id = ANY($1::uuid[])`,
      [customerIds],
    );
    const charged = new Set<string>();
    for (const payment of payments.filter((p) => customerIds.indexOf(p.customer_id) % 2 === 0)) {
      const inserted = await t.dataSource.query<unknown[]>(
        `INSERT INTO simulated_gateway_operations (idempotency_key, kind, approved, transaction_id, amount_minor, currency, decline_reason)
         VALUES ($1, 'charge', true, $2, $3, $4, NULL) ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1`,
        [`charge:${payment.id}`, `sim_ch_${randomUUID().replace(/-/g, '')}`, Math.round(Number(payment.amount) * 100), payment.currency],
      );
      if (inserted.length) charged.add(payment.customer_id);
    }
    expect(charged.size).toBeGreaterThan(0);
    a.process.kill('SIGKILL');
    await a.exited;
    expect((await Promise.all(inFlight)).filter((response) => response !== null)).toEqual([]);

    await until('B settling every attempt', async () => (await paymentStatuses(customerIds)).PENDING === undefined, 60_000, b);
    // Half the retries come after the 5 minutes in which a key of a dead request used to be released.
    const late = new Set(customerIds.filter((_, i) => Math.floor(i / 2) % 2 === 0));
    await t.dataSource.query(`UPDATE idempotency_keys SET locked_at = now() - interval '6 minutes' WHERE user_id = ANY($1::uuid[])`, [[...late]]);

    const retries = await Promise.all(requests.map((request) => post(b.baseUrl, request)));
    // Count what was lost or done twice: payments (so charge attempts) per key, and charges without a booking.
    const [tally] = await t.dataSource.query<Array<{ keys: number; payments: number; reexecuted: number; confirmed: number }>>(
      `SELECT (SELECT count(*) FROM idempotency_keys WHERE user_id = ANY($1::uuid[]) AND resource_id IS NOT NULL)::int AS keys,
              (SELECT count(*) FROM payments WHERE customer_id = ANY($1::uuid[]))::int AS payments,
              (SELECT count(*) FROM (SELECT customer_id FROM payments WHERE customer_id = ANY($1::uuid[]) GROUP BY customer_id HAVING count(*) > 1) x)::int AS reexecuted,
              (SELECT count(*) FROM bookings WHERE customer_id = ANY($1::uuid[]) AND status = 'CONFIRMED')::int AS confirmed`,
      [customerIds],
    );
    expect(tally).toEqual({ keys: count, payments: count, reexecuted: 0, confirmed: charged.size });
    expect(await approvedChargesWithoutBooking(customerIds)).toBe(0);
    const outcomes = retries.map((response, i) => ({
      charged: charged.has(requests[i].customer.id),
      status: response?.status,
      code: response?.body?.code as string | undefined,
      bookingStatus: response?.body?.status as string | undefined,
      replayed: response?.headers.get('idempotent-replayed'),
    }));
    const expected = requests.map(({ customer }) =>
      charged.has(customer.id)
        ? { charged: true, status: 201, code: undefined, bookingStatus: 'CONFIRMED', replayed: 'true' }
        : { charged: false, status: 402, code: 'PAYMENT_DECLINED', bookingStatus: 402, replayed: 'true' },
    );
    expect(outcomes).toEqual(expected);
    // A second retry replays the very same bytes.
    const again = await Promise.all(requests.map((request) => post(b.baseUrl, request)));
    expect(again.map((response) => response?.text)).toEqual(retries.map((response) => response?.text));

    // Each replayed booking is the one the payment confirmed.
    for (const [i, response] of retries.entries()) {
      if (!charged.has(requests[i].customer.id)) continue;
      const [row] = await t.dataSource.query<Array<{ booking_id: string }>>(`SELECT booking_id FROM payments WHERE customer_id = $1`, [
        requests[i].customer.id,
      ]);
      expect(response?.body?.id).toBe(row.booking_id);
    }
  }, 180_000);
});
