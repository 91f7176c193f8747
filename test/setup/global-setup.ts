import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { parseEnvironment } from '../../src/config/environment';
import { ensureDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrations } from '../../src/database/migrate';
import { ANSWERS_DIR_VARIABLE } from '../helpers/answers';

const TEST_DATABASE = 'marketplace_test';

async function redisReachable(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Once per `npm test`: a real PostgreSQL (TEST_DATABASE_URL, else DATABASE_URL, else an embedded one that
 * lives as long as this Jest process), migrated; and a real Redis when one answers. Workers read the
 * results from E2E_DATABASE_URL and E2E_REDIS_URL.
 */
export default async function globalSetup(): Promise<void> {
  // Everything a run writes to the temporary folder (the embedded PostgreSQL's data, mail directories,
  // browser profiles, built apps) goes into one directory that global teardown removes: os.tmpdir() reads
  // TMPDIR, which the workers and the processes they start inherit.
  const runDir = mkdtempSync(join(tmpdir(), 'marketplace-test-run-'));
  // Open like /tmp itself: as root, the embedded PostgreSQL runs as a `postgres` user that must read its files here.
  chmodSync(runDir, 0o1777);
  (globalThis as { __TEST_RUN_DIR__?: { dir: string; previous?: string } }).__TEST_RUN_DIR__ = { dir: runDir, previous: process.env.TMPDIR };
  process.env.TMPDIR = runDir;

  const env = parseEnvironment(process.env, () => undefined);
  let url = env.TEST_DATABASE_URL ?? env.DATABASE_URL;
  if (url) {
    const server = new URL(url);
    const database = server.pathname.slice(1);
    server.pathname = '/postgres';
    await ensureDatabase(server.toString(), database);
  } else {
    const dataDir = mkdtempSync(join(runDir, 'pg-'));
    const embedded = await startEmbeddedPostgres({ dataDir, port: 54330 + (process.pid % 500), database: TEST_DATABASE });
    url = embedded.url;
    (globalThis as { __EMBEDDED_PG__?: { stop(): Promise<void> } }).__EMBEDDED_PG__ = embedded;
  }
  await runMigrations(url);
  process.env.E2E_DATABASE_URL = url;
  // The instances suites start as processes (built app) inherit these: timed transitions stay off on the shared
  // database, where a pass would remind or complete other suites' bookings (test/helpers/test-app.ts does the same).
  process.env.BOOKING_REMINDER_HOURS ??= '0';
  process.env.BOOKING_AUTO_COMPLETE_HOURS ??= '0';
  // The answers every suite receives, checked against the OpenAPI document by the global teardown.
  process.env[ANSWERS_DIR_VARIABLE] = mkdtempSync(join(tmpdir(), 'marketplace-answers-'));

  const redisUrl = process.env.TEST_REDIS_URL ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisReachable(redisUrl)) {
    process.env.E2E_REDIS_URL = redisUrl;
  } else if (process.env.CI) {
    throw new Error(`CI needs a Redis for the Redis-backed suites, and none answers at ${redisUrl}`);
  } else {
    console.warn(`\n*** No Redis at ${redisUrl}: the Redis-backed suites are SKIPPED (set TEST_REDIS_URL). CI never skips them. ***\n`);
    process.env.E2E_REDIS_URL = '';
  }
}
