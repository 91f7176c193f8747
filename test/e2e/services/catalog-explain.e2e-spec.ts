import { randomUUID } from 'node:crypto';
import { Role } from '../../../src/common/auth/role.enum';
import { ListingQueries, ServicesRepository } from '../../../src/services/services.repository';
import { createUser, TestUser } from '../../factories/user.factory';
import { createTestApp, TestApp } from '../../helpers/test-app';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const SERVICES = 20_000;
const CATEGORIES = 8;
const VACUUM_PATIENCE_MS = 45_000;

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The public listing reads the partial indexes, not the whole table: with 20,000 services the planner must
 * not choose a sequential scan on `services` for the page or the count, with or without a category.
 */
describe('catalog listing plans (EXPLAIN)', () => {
  let t: TestApp;
  let prefix: string;
  let providers: TestUser[];
  let captured: jest.SpyInstance<ListingQueries, Parameters<ServicesRepository['listingQueries']>>;

  beforeAll(async () => {
    t = await createTestApp();
    prefix = `explain_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    providers = await Promise.all(Array.from({ length: 4 }, () => createUser(t, Role.PROVIDER)));
    await t.dataSource.query(
      `INSERT INTO services (provider_id, title, description, category, price, currency, duration_minutes, availability, status, created_at)
       SELECT ($1::uuid[])[1 + n % 4], 'Service ' || n, 'Seeded for the plan test', $2 || '_' || (n % $3),
              round((5 + (n * 7919) % 50000 / 100.0)::numeric, 2), 'USD', 60, '{"monday": ["09:00-17:00"]}',
              CASE WHEN n % 10 = 0 THEN 'INACTIVE' ELSE 'ACTIVE' END, now() - n * interval '1 minute'
         FROM generate_series(1, $4::int) AS n`,
      [providers.map((p) => p.id), prefix, CATEGORIES, SERVICES],
    );
    // Statistics as autovacuum keeps them: the planner's estimates, and the visibility map that lets a count
    // come from an index alone (freshly inserted pages are not marked all-visible until a vacuum). VACUUM marks
    // a page only once no open transaction could still miss its rows, so a concurrent suite's transaction can
    // leave ours unmarked: vacuum again, for a bounded while, until (nearly) the whole table is.
    const giveUpAt = Date.now() + VACUUM_PATIENCE_MS;
    await t.dataSource.query('VACUUM ANALYZE services');
    while ((await allVisibleShare()) < 0.95 && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await t.dataSource.query('VACUUM ANALYZE services');
    }
    await t.dataSource.query('ANALYZE users');
    captured = jest.spyOn(t.app.get(ServicesRepository), 'listingQueries');
  }, VACUUM_PATIENCE_MS + 30_000);

  afterAll(async () => {
    captured?.mockRestore();
    if (prefix) await t.dataSource.query(`DELETE FROM services WHERE category LIKE $1 || '\\_%'`, [prefix]);
    await t.close();
  });

  /** The share of the table's pages the planner knows to be all-visible (what an index-only scan needs). */
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

  async function planOf(builder: ListingQueries['count']): Promise<PlanNode[]> {
    const [sql, parameters] = builder.getQueryAndParameters();
    const [row] = await t.dataSource.query<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(`EXPLAIN (FORMAT JSON) ${sql}`, parameters);
    return nodesOf(row['QUERY PLAN'][0].Plan);
  }

  /** No sequential scan of `services` anywhere in the plan, and at least one of its indexes read (the whole plan shows on failure). */
  function expectIndexedRead(nodes: PlanNode[]): void {
    const plan = nodes.map((node) => [node['Node Type'], node['Relation Name'], node['Index Name']].filter(Boolean).join(' '));
    expect(plan).not.toContain('Seq Scan services');
    expect(plan.filter((step) => / services_\w+$/.test(step))).not.toEqual([]);
  }

  it('seeded the catalog the test is about, vacuumed as autovacuum would', async () => {
    // Below this, a transaction left open in another session (pg_stat_activity: "idle in transaction") kept
    // VACUUM from marking the seeded rows, and the plans below would not be the ones production gets.
    expect(await allVisibleShare()).toBeGreaterThanOrEqual(0.9);
    const [{ count }] = await t.dataSource.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM services WHERE category = $1 AND status = 'ACTIVE'`,
      [`${prefix}_2`],
    );
    expect(count).toBe(2000); // 2,500 in the category, every fifth one inactive
    const response = await t.http
      .get('/services/')
      .query({ category: `${prefix}_2` })
      .expect(200);
    expect(response.headers['x-total-count']).toBe('2000');
    expect(response.body).toHaveLength(20);
  });

  it('reads the default listing (newest first) through an index, for the page and the count', async () => {
    const { count, page } = await queriesFor({});
    expect(captured.mock.calls[0]).toEqual([expect.objectContaining({ scope: { kind: 'public' } }), '-createdAt', 20, 0]);
    expectIndexedRead(await planOf(page));
    expectIndexedRead(await planOf(count));
  });

  it('reads a category through an index, for the page and the count', async () => {
    const { count, page } = await queriesFor({ category: `${prefix}_5` });
    expect(captured.mock.calls[0][0]).toMatchObject({ category: `${prefix}_5` });
    expectIndexedRead(await planOf(page));
    expectIndexedRead(await planOf(count));
  });

  it('reads a category by price through an index', async () => {
    const { page } = await queriesFor({ category: `${prefix}_2`, sort: 'price', offset: '40' });
    expectIndexedRead(await planOf(page));
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
    expect(await total(`${prefix}_0`)).toBe('2000');

    await t.http.delete(`/users/${providers[0].id}`).set(providers[0].auth).expect(204);

    expect(await total(`${prefix}_0`)).toBe('0');
    expect(await total(`${prefix}_1`)).toBe('2500');
    for (const category of [`${prefix}_0`, `${prefix}_1`, `${prefix}_4`, `${prefix}_6`]) expect(await total(category)).toBe(await plainCount(category));
  });
});
