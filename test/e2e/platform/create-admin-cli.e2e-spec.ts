import { ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Role } from '../../../src/common/auth/role.enum';
import { createUser, login, uniqueEmail } from '../../factories/user.factory';
import { createTestApp, TestApp } from '../../helpers/test-app';

const ROOT = join(__dirname, '../../..');
const run = promisify(execFile);
const CLI = ['dist/src/cli.js', 'create-admin'];

interface Outcome {
  code: number | null;
  output: string;
}

const cliEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  DATABASE_URL: process.env.E2E_DATABASE_URL,
  BCRYPT_ROUNDS: '4',
  NODE_ENV: 'test',
  ...extra,
});

function finished(child: ChildProcess, output: () => string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output: output() }));
  });
}

/** `npm run create-admin -- <args>`, i.e. the built CLI, against the test database; `stdin` piped to it (then closed). */
async function createAdmin(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<Outcome> {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env: cliEnv(options.env), stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(options.stdin ?? '');
  return finished(child, () => output);
}

/**
 * The CLI on a real pseudo-terminal (util-linux `script` gives the child one), typing each answer only once
 * its prompt is on the screen, as a person would.
 */
async function createAdminOnTerminal(email: string, answers: string[]): Promise<Outcome> {
  const command = [process.execPath, ...CLI, '--email', email].map((part) => `'${part}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: cliEnv({ TERM: 'dumb' }), stdio: 'pipe' });
  let output = '';
  const pending = [...answers];
  let prompts = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const seen = (output.match(/Password for .*?: |Repeat it: /g) ?? []).length;
    while (prompts < seen && pending.length) {
      prompts++;
      child.stdin.write(`${pending.shift()}\r`);
    }
  });
  const outcome = await finished(child, () => output);
  return outcome;
}

describe('npm run create-admin', () => {
  let t: TestApp;
  beforeAll(async () => {
    await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    t = await createTestApp();
  }, 180_000);
  afterAll(() => t.close());

  const accountsWith = async (email: string): Promise<number> =>
    (await t.dataSource.query<unknown[]>('SELECT 1 FROM users WHERE email = $1', [email.toLowerCase()])).length;

  it('creates an admin account that can sign in, the password from ADMIN_PASSWORD', async () => {
    const email = uniqueEmail('ops');
    const { code, output } = await createAdmin(['--email', email], { env: { ADMIN_PASSWORD: 'Str0ng!Pass' } });
    expect(output).toContain(`Created admin ${email}`);
    expect(code).toBe(0);
    const token = await login(t, email, 'Str0ng!Pass');
    const me = await t.http.get('/users/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body).toMatchObject({ email, role: Role.ADMIN });
  });

  it('promotes an existing account (and sets the given password)', async () => {
    const customer = await createUser(t, Role.CUSTOMER);
    const { code, output } = await createAdmin(['--email', customer.email.toUpperCase()], { env: { ADMIN_PASSWORD: 'N3w!Password' } });
    expect(code).toBe(0);
    expect(output).toContain(`Promoted admin ${customer.email}`);
    const token = await login(t, customer.email, 'N3w!Password');
    const me = await t.http.get(`/users/${customer.id}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body.role).toBe(Role.ADMIN);
    expect(await accountsWith(customer.email)).toBe(1);
    // Audited like an admin's change, with no actor (the operator's command line), and the old sessions ended.
    const audit = await t.http.get(`/users/${customer.id}/audit`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(audit.body.map((entry: { action: string; actorId: string | null; details: unknown }) => [entry.action, entry.actorId, entry.details])).toEqual(
      expect.arrayContaining([
        ['role.changed', null, { from: Role.CUSTOMER, to: Role.ADMIN, via: 'create-admin' }],
        ['password.changed', null, { via: 'create-admin' }],
      ]),
    );
    await t.http.get(`/users/${customer.id}`).set(customer.auth).expect(401);
  });

  it('reads the password from a pipe when standard input is not a terminal, without a prompt', async () => {
    const email = uniqueEmail('piped');
    const { code, output } = await createAdmin(['--email', email], { stdin: 'P1ped!Password\n' });
    expect(code).toBe(0);
    expect(output).not.toContain('P1ped!Password');
    await login(t, email, 'P1ped!Password');
  });

  it('asks on a terminal, twice, without echoing what is typed', async () => {
    const email = uniqueEmail('typed');
    const { code, output } = await createAdminOnTerminal(email, ['Typ3d!Password', 'Typ3d!Password']);
    expect(output).toContain(`Password for ${email}: `);
    expect(output).toContain('Repeat it: ');
    expect(output).not.toContain('Typ3d!Password');
    expect(output).toContain(`Created admin ${email}`);
    expect(code).toBe(0);
    await login(t, email, 'Typ3d!Password');
  });

  it('on a terminal, two different answers change nothing', async () => {
    const email = uniqueEmail('typo');
    const { code, output } = await createAdminOnTerminal(email, ['Typ3d!Password', 'Typ0d!Password']);
    expect(code).not.toBe(0);
    expect(output).toContain('The two passwords differ');
    expect(await accountsWith(email)).toBe(0);
  });

  it('refuses --password on the command line (shell history, ps), saying why, and creates nothing', async () => {
    const email = uniqueEmail('argv');
    for (const args of [
      ['--email', email, '--password', 'Str0ng!Pass'],
      ['--email', email, '--password=Str0ng!Pass'],
    ]) {
      const { code, output } = await createAdmin(args, { env: { ADMIN_PASSWORD: 'Str0ng!Pass' } });
      expect(code).not.toBe(0);
      expect(output).toMatch(/--password is refused: a password on the command line stays in the shell history and shows in `ps`/);
      expect(output).toContain('ADMIN_PASSWORD');
    }
    expect(await accountsWith(email)).toBe(0);
  });

  it('refuses a weak password, no password and a missing e-mail, creating nothing', async () => {
    const email = uniqueEmail('weak');
    const weak = await createAdmin(['--email', email], { env: { ADMIN_PASSWORD: 'abc' } });
    expect(weak.code).not.toBe(0);
    expect(weak.output).toMatch(/password must be at least 8 bytes/);
    const none = await createAdmin(['--email', email]);
    expect(none.code).not.toBe(0);
    expect(none.output).toMatch(/No password given/);
    const usage = await createAdmin([], { env: { ADMIN_PASSWORD: 'Str0ng!Pass' } });
    expect(usage.code).not.toBe(0);
    expect(usage.output).toMatch(/Usage: npm run create-admin -- --email E/);
    expect(await accountsWith(email)).toBe(0);
  });
});
