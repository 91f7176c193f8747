import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { Client } from 'pg';
import { Role } from '../../../src/common/auth/role.enum';
import { runMigrations } from '../../../src/database/migrate';
import { SERVICE_SORTS } from '../../../src/services/dto/list-services.query';
import { ListingQueries, ServicesRepository, SqlStatement } from '../../../src/services/services.repository';
import { createUser, TestUser } from '../../factories/user.factory';
import { createTestApp, TestApp } from '../../helpers/test-app';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const SERVICES = 100_000;
const CATEGORIES = 8;
const BOOKINGS = 2_000;
const VACUUM_PATIENCE_MS = 60_000;
/** Tables a catalog request must never read whole. */
const NEVER_SCANNED = ['services', 'bookings', 'provider_time', 'notifications'];

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The public listing reads indexes, not whole tables: with 100,000 services (and 2,000 bookings) in a
 * database of its own, the planner must not choose a sequential scan on `services`, `bookings` or
 * `notifications` for any statement of any filter (category, search with a common and a rare word, price
 * range, availableOn, with and without a category, deep offsets) in any sort.
 */
describe('catalog listing plans (EXPLAIN) at 100,000 services', () => {
  const database = `${new URL(process.env.E2E_DATABASE_URL as string).pathname.slice(1)}_explain_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const serverUrl = (name: string) => {
    const url = new URL(process.env.E2E_DATABASE_URL as string);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const onServer = async (sql: string) => {
    const client = new Client({ connectionString: serverUrl('postgres') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const prefix = 'explain';
  const day = DateTime.utc().plus({ days: 14 });
  const availableOn = day.toISODate();
  let t: TestApp;
  let providers: TestUser[];
  let captured: jest.SpyInstance<ListingQueries, Parameters<ServicesRepository['listingQueries']>>;

  beforeAll(async () => {
    await onServer(`CREATE DATABASE "${database}"`);
    await runMigrations(serverUrl(database));
    t = await createTestApp({}, { databaseUrl: serverUrl(database) });
    providers = await Promise.all(Array.from({ length: 4 }, () => createUser(t, Role.PROVIDER)));
    const customer = await createUser(t, Role.CUSTOMER);
    await t.dataSource.query(
      `INSERT INTO services (provider_id, title, description, category, price, currency, duration_minutes, availability, timezone, status, created_at,
                            date_overrides, minimum_notice_minutes, slot_interval_minutes)
       SELECT ($1::uuid[])[1 + n % 4], 'Service ' || n || CASE WHEN n = 77777 THEN ' zebrawood' ELSE '' END,
              CASE WHEN n % 10 < 3 THEN 'Deep cleaning, seeded for the plan test' ELSE 'Seeded for the plan test' END,
              $2 || '_' || (n % $3), round((5 + (n * 7919) % 50000 / 100.0)::numeric, 2), 'USD', 60,
              CASE WHEN n % 3 = 0 THEN '{"monday": ["09:00-17:00"], "wednesday": ["09:00-12:00"]}'
                   ELSE '{"monday": ["09:00-17:00"], "tuesday": ["08:00-18:00"], "wednesday": ["09:00-17:00"], "thursday": ["09:00-17:00"], "friday": ["09:00-17:00"], "saturday": ["10:00-14:00"], "sunday": ["10:00-14:00"]}' END::jsonb,
              (ARRAY['UTC', 'Europe/Berlin', 'America/New_York'])[1 + n % 3],
              CASE WHEN n % 10 = 0 THEN 'INACTIVE' ELSE 'ACTIVE' END, now() - n * interval '1 minute',
              -- A few with dates of their own (the day asked among them, closed or not) and rules of their own.
              CASE WHEN n % 50 = 1 THEN jsonb_build_object($5::text, CASE WHEN n % 100 = 1 THEN '[]' ELSE '["10:00-12:00"]' END::jsonb, '2031-01-01', '[]'::jsonb)
                   ELSE '{}' END,
              CASE WHEN n % 40 = 3 THEN 120 END, CASE WHEN n % 40 = 7 THEN 15 END
         FROM generate_series(1, $4::int) AS n`,
      [providers.map((p) => p.id), prefix, CATEGORIES, SERVICES, availableOn],
    );
    // Each provider's bookings, one every three hours around the day asked (and weeks before and after it).
    await t.dataSource.query(
      `INSERT INTO bookings (customer_id, service_id, provider_id, status, scheduled_at, ends_at, duration_minutes, total_amount, currency)
       SELECT $1, (SELECT s.id FROM services s WHERE s.provider_id = ($2::uuid[])[1 + n % 4] LIMIT 1), ($2::uuid[])[1 + n % 4],
              CASE WHEN n % 5 = 0 THEN 'CANCELLED' ELSE 'CONFIRMED' END,
              $3::timestamptz + (n / 4) * interval '3 hours', $3::timestamptz + (n / 4) * interval '3 hours' + interval '60 minutes', 60, 10, 'USD'
         FROM generate_series(0, $4::int - 1) AS n`,
      [customer.id, providers.map((p) => p.id), day.minus({ hours: (BOOKINGS / 8) * 3 }).toISO(), BOOKINGS],
    );
    // Statistics and the visibility map as autovacuum keeps them (what index-only scans need).
    const giveUpAt = Date.now() + VACUUM_PATIENCE_MS;
    await t.dataSource.query('VACUUM ANALYZE');
    while ((await allVisibleShare()) < 0.95 && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await t.dataSource.query('VACUUM ANALYZE services');
    }
    captured = jest.spyOn(t.app.get(ServicesRepository), 'listingQueries');
  }, VACUUM_PATIENCE_MS + 120_000);

  afterAll(async () => {
    captured?.mockRestore();
    await t?.close();
    await onServer(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });

  async function allVisibleShare(): Promise<number> {
    const [{ share }] = await t.dataSource.query<Array<{ share: number }>>(
      `SELECT relallvisible::float8 / greatest(relpages, 1) AS share FROM pg_class WHERE relname = 'services'`,
    );
    return share;
  }

  /** Sends the request, then returns the statements the app built for it. */
  async function queriesFor(query: Record<string, string>): Promise<ListingQueries> {
    captured.mockClear();
    await t.http.get('/services/').query(query).expect(200);
    expect(captured).toHaveBeenCalledTimes(1);
    return captured.mock.results[0].value as ListingQueries;
  }

  async function planOf(statement: SqlStatement): Promise<string[]> {
    const [sql, parameters] = statement.getQueryAndParameters();
    const [row] = await t.dataSource.query<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(`EXPLAIN (FORMAT JSON) ${sql}`, parameters);
    return nodesOf(row['QUERY PLAN'][0].Plan).map((node) => [node['Node Type'], node['Relation Name'], node['Index Name']].filter(Boolean).join(' '));
  }

  /** No sequential scan of the catalog's tables anywhere in the plan, and one of the services indexes read (the plan shows on failure). */
  async function expectIndexed(statement: SqlStatement | undefined): Promise<void> {
    if (!statement) return;
    const plan = await planOf(statement);
    for (const table of NEVER_SCANNED) expect(plan).not.toContain(`Seq Scan ${table}`);
    expect(plan.filter((step) => / services_\w+$/.test(step))).not.toEqual([]);
  }

  it('seeded the catalog the test is about, vacuumed as autovacuum would', async () => {
    expect(await allVisibleShare()).toBeGreaterThanOrEqual(0.9);
    const response = await t.http
      .get('/services/')
      .query({ category: `${prefix}_2` })
      .expect(200);
    expect(response.headers['x-total-count']).toBe('10000'); // 12,500 in the category, every fifth one inactive
    expect(response.body).toHaveLength(20);
  });

  const FILTERS: Array<[string, Record<string, string>]> = [
    ['no filter', {}],
    ['a category', { category: `${prefix}_5` }],
    ['a common word', { q: 'cleaning' }],
    ['a common word in a category', { q: 'cleaning', category: `${prefix}_3` }],
    ['a rare word', { q: 'zebrawood' }],
    ['a price range', { minPrice: '100', maxPrice: '120' }],
    ['a narrow price range', { minPrice: '100', maxPrice: '100.5' }],
    ['a price range in a category', { minPrice: '100', maxPrice: '300', category: `${prefix}_1` }],
    ['availableOn', { availableOn }],
    ['availableOn in a category', { availableOn, category: `${prefix}_6` }],
    ['availableOn today', { availableOn: DateTime.utc().toISODate() }],
    ['offset 5000', { offset: '5000' }],
    ['offset 5000 in a category', { offset: '5000', category: `${prefix}_4` }],
  ];

  describe.each(FILTERS)('%s', (_name, filter) => {
    it.each(SERVICE_SORTS.map((sort) => [sort]))('sorted by %s: the count and the page read indexes only', async (sort) => {
      const { count, page, pageFromMatches } = await queriesFor({ ...filter, sort });
      await expectIndexed(count);
      await expectIndexed(page);
      await expectIndexed(pageFromMatches);
    });
  });

  it('answers a rare word from its match (the search index first), not by walking the newest services', async () => {
    const response = await t.http.get('/services/').query({ q: 'zebrawood' }).expect(200);
    expect((response.body as Array<{ title: string }>).map((s) => s.title)).toEqual(['Service 77777 zebrawood']);
    const { pageFromMatches } = await queriesFor({ q: 'zebrawood' });
    const plan = await planOf(pageFromMatches!);
    expect(plan.some((step) => /services_(listed_)?search_idx/.test(step))).toBe(true);
  });

  it('counts exactly what the plain query counts, leaving out a deleted provider’s services', async () => {
    // Provider k offers the services with n % 4 = k, so category 0 (n % 8 = 0) is all provider 0's, category 1 all provider 1's.
    const total = async (category: string) => (await t.http.get('/services/').query({ category }).expect(200)).headers['x-total-count'];
    const plainCount = async (category: string): Promise<string> => {
      const [{ count }] = await t.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM services s JOIN users u ON u.id = s.provider_id
          WHERE s.category = $1 AND s.status = 'ACTIVE' AND s.deleted_at IS NULL AND u.deleted_at IS NULL`,
        [category],
      );
      return String(count);
    };
    expect(await total(`${prefix}_0`)).toBe('10000');

    await t.http.delete(`/users/${providers[0].id}`).set(providers[0].auth).expect(204);

    expect(await total(`${prefix}_0`)).toBe('0');
    expect(await total(`${prefix}_1`)).toBe('12500');
    for (const category of [`${prefix}_0`, `${prefix}_1`, `${prefix}_4`, `${prefix}_6`]) expect(await total(category)).toBe(await plainCount(category));
  });
});
