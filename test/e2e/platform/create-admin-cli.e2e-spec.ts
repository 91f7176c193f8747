import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Role } from '../../../src/common/auth/role.enum';
import { createUser, login, uniqueEmail } from '../../factories/user.factory';
import { createTestApp, TestApp } from '../../helpers/test-app';

const ROOT = join(__dirname, '../../..');
const run = promisify(execFile);

/** `npm run create-admin -- --email E --password P`, i.e. the built CLI, against the test database. */
async function createAdmin(args: string[]): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, DATABASE_URL: process.env.E2E_DATABASE_URL, BCRYPT_ROUNDS: '4', NODE_ENV: 'test' };
  try {
    const { stdout, stderr } = await run(process.execPath, ['dist/src/cli.js', 'create-admin', ...args], { cwd: ROOT, env });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('npm run create-admin', () => {
  let t: TestApp;
  beforeAll(async () => {
    await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    t = await createTestApp();
  }, 180_000);
  afterAll(() => t.close());

  it('creates an admin account that can sign in', async () => {
    const email = uniqueEmail('ops');
    const { code, output } = await createAdmin(['--email', email, '--password', 'Str0ng!Pass']);
    expect(code).toBe(0);
    expect(output).toContain(`Created admin ${email}`);
    const token = await login(t, email, 'Str0ng!Pass');
    const me = await t.http.get('/users/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body).toMatchObject({ email, role: Role.ADMIN });
  });

  it('promotes an existing account (and sets the given password)', async () => {
    const customer = await createUser(t, Role.CUSTOMER);
    const { code, output } = await createAdmin(['--email', customer.email.toUpperCase(), '--password', 'N3w!Password']);
    expect(code).toBe(0);
    expect(output).toContain(`Promoted admin ${customer.email}`);
    const token = await login(t, customer.email, 'N3w!Password');
    const me = await t.http.get(`/users/${customer.id}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body.role).toBe(Role.ADMIN);
    const [{ count }] = await t.dataSource.query<Array<{ count: string }>>('SELECT count(*) FROM users WHERE email = $1', [customer.email]);
    expect(Number(count)).toBe(1);
  });

  it('refuses a weak password and missing arguments, creating nothing', async () => {
    const email = uniqueEmail('weak');
    const weak = await createAdmin(['--email', email, '--password', 'abc']);
    expect(weak.code).not.toBe(0);
    expect(weak.output).toMatch(/password must be at least 8 bytes/);
    const usage = await createAdmin(['--email', email]);
    expect(usage.code).not.toBe(0);
    expect(usage.output).toMatch(/Usage: npm run create-admin -- --email E --password P/);
    const rows = await t.dataSource.query<unknown[]>('SELECT 1 FROM users WHERE email = $1', [email]);
    expect(rows).toHaveLength(0);
  });
});
