import { Role } from '../../../src/common/auth/role.enum';
import { PreparedStatement, Sql } from '../../../src/common/database/sql';
import { MAX_OFFSET } from '../../../src/common/pagination/pagination';
import { createMarketplace, Marketplace } from '../../factories/marketplace.factory';
import { seedBookings, seedNotifications, seedPayments } from '../../factories/history.factory';
import { createUser } from '../../factories/user.factory';
import { links } from '../../helpers/links';
import { createTestApp, TestApp } from '../../helpers/test-app';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

const ROWS = 100_000;
const PROVIDER_BOOKINGS = 5_000;
const HISTORY_TABLES = ['bookings', 'provider_time', 'payments', 'notifications'];

const nodesOf = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];

/**
 * A user with 100,000 bookings, payments and notifications of their own: every statement behind a history page
 * (first, deep by cursor, at the offset cap), its total and the unread count reads an index in the list's order
 * (no sequential scan of the history tables, no sort of the user's rows) and touches about one page of rows
 * (the offset page: the offset's rows), never the whole history. The same for a provider's slots with 5,000
 * bookings behind them.
 */
describe('history plans at 100,000 rows (EXPLAIN ANALYZE)', () => {
  let t: TestApp;
  let market: Marketplace;
  let busy: Marketplace;
  let others: Marketplace[] = [];
  let captured: jest.SpyInstance;

  beforeAll(async () => {
    t = await createTestApp();
    market = await createMarketplace(t);
    busy = await createMarketplace(t);
    // Other users' rows beside the big one's, as in production, where no user owns most of a table.
    others = await Promise.all(Array.from({ length: 3 }, () => createMarketplace(t)));
    await Promise.all([
      // Before every other booking of the test database (1990 on): see expectFlat on the shared index.
      seedBookings(t, market.customer, market.service, ROWS, -350_000),
      seedPayments(t, market.customer, market.service, ROWS),
      seedNotifications(t, market.customer, ROWS, 4), // 25,000 unread
      // Theirs start after the big user's bookings and are older than the big user's payments: an index shared
      // by everyone (the admins') reads the big user's rows first, as the planner expects of such a user.
      ...others.flatMap((other) => [
        seedBookings(t, other.customer, other.service, ROWS / 10, 1_000_000),
        seedPayments(t, other.customer, other.service, ROWS / 10, '2001-01-01 00:00:00+00'),
        seedNotifications(t, other.customer, ROWS / 10),
      ]),
    ]);
    // The busy provider: 5,000 past bookings (one an hour, CONFIRMED: they are in the exclusion constraint).
    await t.dataSource.query(
      `INSERT INTO bookings (customer_id, service_id, provider_id, status, scheduled_at, ends_at, duration_minutes, total_amount, currency)
       SELECT $1, $2, $3, 'CONFIRMED', at, at + make_interval(mins => $4), $4, 10, 'USD'
         FROM (SELECT date_trunc('hour', now()) - n * interval '1 hour' AS at FROM generate_series(1, $5::int) AS n) starts`,
      [busy.customer.id, busy.service.id, busy.provider.id, busy.service.durationMinutes, PROVIDER_BOOKINGS],
    );
    for (const table of HISTORY_TABLES) await t.dataSource.query(`VACUUM ANALYZE ${table}`);
    await t.dataSource.query('ANALYZE notification_counters');
    captured = jest.spyOn(t.app.get(Sql), 'query');
  }, 300_000);

  afterAll(async () => {
    captured?.mockRestore();
    if (market) {
      const users = [market.customer.id, busy.customer.id, ...others.map((other) => other.customer.id)];
      await t.dataSource.query('DELETE FROM notifications WHERE user_id = ANY($1::uuid[])', [users]);
      await t.dataSource.query('DELETE FROM payments WHERE customer_id = ANY($1::uuid[])', [users]);
      await t.dataSource.query('DELETE FROM bookings WHERE customer_id = ANY($1::uuid[])', [users]);
    }
    await t.close();
  }, 120_000);

  /** Sends the request and returns the plans (with actual row counts) of the statements it ran on the history tables. */
  async function plansOf(path: string, auth: Record<string, string>): Promise<Array<{ sql: string; nodes: PlanNode[] }>> {
    captured.mockClear();
    await t.http.get(path).set(auth).expect(200);
    const statements = (captured.mock.calls as Array<[string | PreparedStatement, unknown[]]>)
      .map(([statement, values]) => ({ sql: typeof statement === 'string' ? statement : statement.text, values }))
      .filter(({ sql }) => HISTORY_TABLES.some((table) => new RegExp(`\\b${table}\\b`).test(sql)) || /notification_counters/.test(sql));
    expect(statements.length).toBeGreaterThan(0);
    const plans = [];
    for (const { sql, values } of statements) {
      const [row] = await t.dataSource.query<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values);
      plans.push({ sql, nodes: nodesOf(row['QUERY PLAN'][0].Plan) });
    }
    return plans;
  }

  /**
   * No sequential scan of a history table, no sort, and no node that touches more than `maxRows` rows. The
   * bounds have room for a plan that filters a shared index (here the big user owns most rows, unlike
   * production, so the planner may walk `bookings_scheduled_idx` expecting three rows in four to match; the
   * big user's rows come first in it, as the planner assumes, and the other suites' bookings after them):
   * what they catch is a read of the whole history (100,000 rows).
   */
  async function expectFlat(path: string, auth: Record<string, string>, maxRows = 2_500, { seqScanOk = false } = {}): Promise<void> {
    for (const { sql, nodes } of await plansOf(path, auth)) {
      const steps = nodes.map((node) => [node['Node Type'], node['Relation Name'], node['Index Name']].filter(Boolean).join(' '));
      const context = `${path}\n${sql}\n${steps.join('\n')}`;
      if (!seqScanOk) for (const table of HISTORY_TABLES) expect({ context, seq: steps.includes(`Seq Scan ${table}`) }).toEqual({ context, seq: false });
      expect({ context, sorts: steps.filter((step) => /Sort/.test(step)) }).toEqual({ context, sorts: [] });
      const touched = Math.max(...nodes.map((node) => ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * (node['Actual Loops'] ?? 1)));
      expect({ context, touched: touched <= maxRows }).toEqual({ context, touched: true });
    }
  }

  /** The path of the rel="next" link of the page at the offset cap (deep in the history). */
  async function deepCursorPath(path: string, auth: Record<string, string>): Promise<string> {
    const response = await t.http
      .get(path)
      .query({ offset: MAX_OFFSET / 2 })
      .set(auth)
      .expect(200);
    const next = new URL(links(response).next);
    return `${next.pathname}${next.search}`;
  }

  it('seeded the history the test is about', async () => {
    const response = await t.http.get('/notifications/').set(market.customer.auth).expect(200);
    expect(response.headers['x-total-count']).toBe(String(ROWS));
    const bookings = await t.http.get('/bookings/').set(market.customer.auth).expect(200);
    // Past the counting cap: a lower bound, said so.
    expect([bookings.headers['x-total-count'], bookings.headers['x-total-count-capped']]).toEqual(['1000', 'true']);
  });

  it.each(['/bookings/', '/payments/', '/notifications/', '/notifications/?unread=true'])('%s: first page, deep page by cursor', async (path) => {
    await expectFlat(path, market.customer.auth);
    await expectFlat(await deepCursorPath(path, market.customer.auth), market.customer.auth);
  });

  // (Not the unread list: 10,000 of 25,000 unread rows deep, the planner rightly reads them all in a bitmap and sorts.)
  it.each(['/bookings/', '/payments/', '/notifications/'])('%s: the page at the offset cap reads the offset, not the history', async (path) => {
    await expectFlat(`${path}${path.includes('?') ? '&' : '?'}offset=${MAX_OFFSET}`, market.customer.auth, 2 * MAX_OFFSET + 500);
  });

  it('the provider’s bookings, and the unread count', async () => {
    await expectFlat('/bookings/', market.provider.auth);
    await expectFlat('/notifications/unread/count', market.customer.auth);
  });

  it('a provider’s slots for 4 weeks read the window’s bookings, not the 5,000 before it', async () => {
    const from = new Date().toISOString().slice(0, 10);
    const to = new Date(Date.now() + 27 * 86_400_000).toISOString().slice(0, 10);
    await expectFlat(`/services/${busy.service.id}/slots?from=${from}&to=${to}`, {}, 100);
  });

  it('admins’ lists (every row) read about one page too', async () => {
    // Counting the first 1,001 of every row may well be a sequential scan that stops there: as cheap.
    const admin = await createUser(t, Role.ADMIN);
    await expectFlat('/bookings/', admin.auth, 2_500, { seqScanOk: true });
    await expectFlat('/payments/', admin.auth, 2_500, { seqScanOk: true });
  });
});
