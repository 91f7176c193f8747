import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { Client } from 'pg';
import { freePort } from './database';
import { APP_MAIN, FLOOR_MAIN, WORK } from './paths';
import { cpuMs, parentPid, postgresCpuMs, ServerProcess, startServer } from './processes';

/** The app and floor processes of a run: their shared settings, starting and stopping them, and waiting for quiet. */
export class BenchServers {
  readonly jwtSecret = randomBytes(36).toString('base64url'); // 48 characters
  private readonly secretKey = randomBytes(36).toString('base64url');
  private readonly running: ServerProcess[] = [];
  /** PostgreSQL's CPU time so far (0 when its server is not on this machine); see `watchPostgres`. */
  dbCpuMs: () => number = () => 0;

  constructor(
    readonly redisUrl: string | null,
    private readonly mailDir: string,
  ) {}

  private env(port: number, databaseUrl: string): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(process.env.UV_THREADPOOL_SIZE ? { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE } : {}),
      NODE_ENV: 'production',
      PORT: String(port),
      APP_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      ...(this.redisUrl ? { REDIS_URL: this.redisUrl } : {}),
      JWT_SECRET_KEY: this.jwtSecret,
      SECRET_KEY: this.secretKey,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      PAYMENT_FAILURE_RATE: '0',
      SEED_SAMPLE_DATA: 'false',
      EMAIL_OUTPUT_DIR: this.mailDir,
    };
  }

  /** `profile`: true for bench/.work/profiles, or a directory. */
  async startApp(databaseUrl: string, label: string, profile: boolean | string = false): Promise<ServerProcess> {
    const port = await freePort();
    const profileArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${typeof profile === 'string' ? profile : join(WORK, 'profiles')}`] : [];
    const server = await startServer({
      name: `app (${label})`,
      command: process.execPath,
      args: [...profileArgs, APP_MAIN],
      env: this.env(port, databaseUrl),
      port,
      readyPath: '/health',
      logFile: join(WORK, `app-${label}.log`),
    });
    this.running.push(server);
    return server;
  }

  async startFloor(databaseUrl: string, label: string, profile: boolean | string = false): Promise<ServerProcess> {
    const port = await freePort();
    const profileArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${typeof profile === 'string' ? profile : join(WORK, 'profiles-floor')}`] : [];
    const server = await startServer({
      name: `floor (${label})`,
      command: process.execPath,
      args: [...profileArgs, FLOOR_MAIN],
      env: { ...this.env(port, databaseUrl), FLOOR_PORT: String(port) },
      port,
      readyPath: '/health',
      logFile: join(WORK, `floor-${label}.log`),
    });
    this.running.push(server);
    return server;
  }

  async stop(server: ServerProcess): Promise<void> {
    await server.stop();
    this.running.splice(this.running.indexOf(server), 1);
  }

  async stopAll(): Promise<void> {
    for (const server of [...this.running]) await this.stop(server);
  }

  /** Counts PostgreSQL's CPU from now on, when its postmaster runs on this machine (the parent of a backend). */
  async watchPostgres(url: string): Promise<void> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const parent = parentPid(rows[0].pid);
      const postmaster = parent && parent > 1 ? parent : null;
      this.dbCpuMs = postmaster ? () => postgresCpuMs(postmaster) : () => 0;
    } finally {
      await client.end();
    }
  }

  /** The least CPU (ms) PostgreSQL and the running servers used in a second while settling, per set of servers. */
  private quietest = { servers: '', ms: Infinity };

  /**
   * Waits (up to 30 s) until PostgreSQL and every server of the bench have together used, in a second, under
   * 5% of a core more than they use idle (the job engines' polls): no autovacuum, checkpoint or e-mail backlog
   * left over from the previous run. Idle is the quietest second seen so far with the same servers running.
   */
  async settle(): Promise<void> {
    const used = () => this.dbCpuMs() + this.running.reduce((sum, server) => sum + cpuMs(server.pid), 0);
    const servers = this.running.map((server) => server.pid).join(',');
    if (this.quietest.servers !== servers) this.quietest = { servers, ms: Infinity };
    const deadline = Date.now() + 30_000;
    for (let before = used(); Date.now() < deadline;) {
      await sleep(1000);
      const now = used();
      const second = now - before;
      const settled = second < 50 || second < this.quietest.ms + 50;
      this.quietest.ms = Math.min(this.quietest.ms, second);
      if (settled) return;
      before = now;
    }
  }
}

export async function redisAvailable(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
