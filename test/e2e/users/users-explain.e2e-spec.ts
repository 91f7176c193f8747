import { AccountStatus } from '../../../src/users/account-status.enum';
import { Role } from '../../../src/common/auth/role.enum';
import { MAX_OFFSET } from '../../../src/common/pagination/pagination';
import { AccountFilter, USERS_KEYSET, UsersRepository } from '../../../src/users/users.repository';
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
const nodesOf = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];

/**
 * The admin listing at 100,000 accounts: the first page, a page by role, and a page after a cursor deep in
 * the list each read about one page from an index in the list's order (no sequential scan of `users`, no sort).
 */
describe('GET /users plans at 100,000 accounts (EXPLAIN ANALYZE)', () => {
  let t: TestApp;
  const tag = `explain-${Date.now().toString(36)}`;

  beforeAll(async () => {
    t = await createTestApp();
    await t.dataSource.query(
      `INSERT INTO users (email, password_hash, role, first_name, last_name, created_at)
       SELECT $1 || '-' || n || '@example.com', 'x', CASE WHEN n % 10 = 0 THEN 'PROVIDER' ELSE 'CUSTOMER' END, 'Seeded', 'Account',
              now() - n * interval '1 second'
         FROM generate_series(1, $2::int) AS n`,
      [tag, ROWS],
    );
    await t.dataSource.query('VACUUM ANALYZE users');
  }, 120_000);

  // 100,000 deletions, each checked against every table that refers to accounts: a minute on a loaded machine.
  afterAll(async () => {
    await t.dataSource.query(`DELETE FROM users WHERE email LIKE $1`, [`${tag}-%`]);
    await t.close();
  }, 240_000);

  async function expectOnePage(filter: AccountFilter, offset: number, after: string[] | null): Promise<void> {
    const { text, values } = t.app.get(UsersRepository).listStatement(filter, 20, offset, after);
    const [row] = await t.dataSource.query<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
    const nodes = nodesOf(row['QUERY PLAN'][0].Plan);
    const steps = nodes.map((node) => [node['Node Type'], node['Relation Name'], node['Index Name']].filter(Boolean).join(' '));
    const context = `${text}\n${steps.join('\n')}`;
    expect({ context, seq: steps.includes('Seq Scan users') }).toEqual({ context, seq: false });
    expect({ context, sorts: steps.filter((step) => /Sort/.test(step)) }).toEqual({ context, sorts: [] });
    const touched = Math.max(...nodes.map((node) => ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * (node['Actual Loops'] ?? 1)));
    expect({ context, touched: touched <= offset + 500 }).toEqual({ context, touched: true });
  }

  it('the first page, all accounts or by role or status', async () => {
    await expectOnePage({}, 0, null);
    await expectOnePage({ role: Role.PROVIDER }, 0, null);
    await expectOnePage({ status: AccountStatus.ACTIVE }, 0, null);
  });

  it('a page after a cursor deep in the list reads one page, as the first does', async () => {
    const admin = await createUser(t, Role.ADMIN);
    const response = await t.http.get('/users').query({ offset: MAX_OFFSET }).set(admin.auth).expect(200);
    const cursor = new URL(links(response).next).searchParams.get('cursor') as string;
    const position = USERS_KEYSET.position({ cursor });
    await expectOnePage({}, 0, position.after);
    await expectOnePage({ role: Role.CUSTOMER }, 0, position.after);
  });
});
