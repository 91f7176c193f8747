import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { Client } from 'pg';
import { freePort } from './ports';

/**
 * PostgreSQL and Redis servers of a suite's own, on free ports, that it may stop and restart (the shared
 * ones never are). Fault suites use them; each `stop`/`start` acts on the process this suite started.
 */

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

export interface OwnRedis {
  url: string;
  port: number;
  /** Starts the server, empty (no persistence), and waits until it answers. */
  start(): Promise<void>;
  /** Kills the server by its pid and waits for it to exit: everything it held is gone. */
  stop(): Promise<void>;
  /** Stops it if running and removes its directory. */
  destroy(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'own-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const answers = async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  };
  const redis: OwnRedis = {
    url,
    port,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
      await until(`redis-server on ${port}`, answers);
    },
    async stop() {
      if (!child?.pid) return;
      const running = child;
      child = null;
      process.kill(running.pid!, 'SIGKILL');
      await exited(running);
    },
    async destroy() {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}

export interface OwnPostgres {
  /** A URL to the `marketplace` database on this server. */
  url: string;
  port: number;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: sessions are terminated (57P01) and new connections refused. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/** initdb refuses to run as root; as root, the server runs as the `postgres` account. */
const asPostgresUser = (command: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];

async function pgTool(tool: string, args: string[]): Promise<void> {
  const [command, argv] = asPostgresUser(join(PG_BIN, tool), args);
  await run(command, argv, { timeout: 180_000 });
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'own-pg-'));
  chmodSync(dir, 0o777);
  if (process.getuid?.() === 0) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), -1);
  const data = join(dir, 'data');
  await pgTool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const url = `postgres://postgres@127.0.0.1:${port}/marketplace`;
  const serverUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const answers = async () => {
    const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  let running = false;
  const postgres: OwnPostgres = {
    url,
    port,
    async start() {
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      await pgTool('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '120', 'start']);
      running = true;
      await until(`PostgreSQL on ${port}`, answers);
    },
    async stop() {
      if (!running) return;
      running = false;
      await pgTool('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '120', 'stop']);
    },
    async destroy() {
      await postgres.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await postgres.start();
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  await client.query('CREATE DATABASE marketplace');
  await client.end();
  return postgres;
}
