import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports';
import { TEST_JWT_SECRET } from './test-app';

const MAIN = join(resolve(__dirname, '..', '..'), 'dist', 'src', 'main.js');
const BOOT_TIMEOUT_MS = 120_000;

/** One built app (`node dist/src/main.js`) in a process of its own, as the multi-instance suites run them. */
export interface BuiltInstance {
  name: string;
  process: ChildProcess;
  baseUrl: string;
  output(): string;
  exited: Promise<unknown>;
  /** kill -9, and wait until it is gone. */
  kill(): Promise<void>;
}

/**
 * Built instances of one deployment; `stopAll` in an `afterAll` kills what is left and removes their
 * directories. The app must have been built (test/scale/cluster.ts `buildApp`).
 */
export class BuiltInstances {
  private readonly started: BuiltInstance[] = [];
  private readonly dirs: string[] = [];

  /** Starts one on `databaseUrl` with `env` on top of the test defaults, and waits until /health/ready answers 200. */
  async start(name: string, databaseUrl: string, env: Record<string, string>): Promise<BuiltInstance> {
    const port = await freePort();
    const work = mkdtempSync(join(tmpdir(), `marketplace-${name}-`));
    this.dirs.push(work);
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ['TEST_DATABASE_URL', 'E2E_DATABASE_URL', 'TEST_REDIS_URL', 'E2E_REDIS_URL', 'NODE_ENV', 'REDIS_URL']) delete base[key];
    const child = spawn(process.execPath, [MAIN], {
      cwd: work,
      env: {
        ...base,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        JWT_SECRET_KEY: TEST_JWT_SECRET,
        SECRET_KEY: TEST_JWT_SECRET,
        BCRYPT_ROUNDS: '4',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        PAYMENT_FAILURE_RATE: '0',
        RATE_LIMIT_ENABLED: 'false',
        SEED_SAMPLE_DATA: 'false',
        EMAIL_OUTPUT_DIR: join(work, 'mail'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise((done) => child.once('exit', done));
    const instance: BuiltInstance = {
      name,
      process: child,
      baseUrl: `http://127.0.0.1:${port}`,
      output: () => output,
      exited,
      kill: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
    this.started.push(instance);
    let gone = false;
    void exited.then(() => (gone = true));
    const giveUpAt = Date.now() + BOOT_TIMEOUT_MS;
    while ((await fetch(`${instance.baseUrl}/health/ready`).catch(() => null))?.status !== 200) {
      if (gone || Date.now() > giveUpAt) throw new Error(`${name} did not become ready${gone ? ' (it exited)' : ''}\n${output}`);
      await sleep(200);
    }
    return instance;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((instance) => Promise.race([instance.kill(), sleep(10_000)])));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}
