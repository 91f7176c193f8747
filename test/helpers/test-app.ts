import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.setup';
import { parseEnvironment } from '../../src/config/environment';
import { answerLog } from './answers';
import { secretScan } from './secret-scan';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  dataSource: DataSource;
  /** Where the file mail transport writes, unique to this app. */
  mailDir: string;
  close(): Promise<void>;
}

/** The Redis the e2e suites may use, or '' when none answered (the global setup then warned, or failed in CI). */
export const e2eRedisUrl = (): string => process.env.E2E_REDIS_URL ?? '';

/** `describe` when a real Redis is available, otherwise a visibly skipped block (CI never gets here). */
export const describeWithRedis = (name: string, fn: () => void): void =>
  e2eRedisUrl() ? describe(name, fn) : describe.skip(`${name} [SKIPPED: no Redis]`, fn);

/** What superagent keeps of a request it sent, as the scanner needs it. */
interface SentRequest {
  method: string;
  url: string;
  _header?: Record<string, string>;
  _data?: unknown;
}

/** `agent` with every answer passed to the secret scanner (test/helpers/secret-scan.ts). */
function scanned(agent: TestAgent): TestAgent {
  const methods = agent as unknown as Record<string, (url: string) => request.Test>;
  for (const name of Object.keys(methods)) {
    const send = methods[name];
    methods[name] = (url: string) => {
      const test = send(url);
      test.on('response', (response: request.Response) => {
        const sent = test as unknown as SentRequest;
        secretScan.inspect({
          method: sent.method,
          url: sent.url.replace(/^https?:\/\/[^/]+/, ''),
          authorization: sent._header?.authorization,
          requestBody: sent._data,
          status: response.status,
          headers: response.headers,
          text: response.text ?? '',
        });
        answerLog.record({
          method: sent.method,
          url: sent.url,
          status: response.status,
          contentType: response.headers['content-type'],
          text: response.text ?? '',
        });
      });
      return test;
    };
  }
  return agent;
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Boots the real app in-process, the way main.ts does (same setup), on the test PostgreSQL. `env` adds
 * or overrides variables; by default Redis is off, rate limits are off and bcrypt is cheap.
 */
export async function createTestApp(env: Record<string, string | undefined> = {}, options: { databaseUrl?: string } = {}): Promise<TestApp> {
  const mailDir = mkdtempSync(join(tmpdir(), 'marketplace-mail-'));
  // A suite may bring a database of its own, migrated, when it must not share rows with suites running alongside.
  const databaseUrl = options.databaseUrl ?? process.env.E2E_DATABASE_URL;
  if (!databaseUrl) throw new Error('E2E_DATABASE_URL is not set: run the e2e suites through jest (global setup).');
  // Each app is a deployment of its own, with its own job tables (its jobs must not be run by another suite's
  // app, with another mail directory); apps meant as instances of one deployment pass the same JOBS_SCHEMA.
  const ownJobsSchema = env.JOBS_SCHEMA ? undefined : `jobs_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const raw: NodeJS.ProcessEnv = {
    ...(ownJobsSchema ? { JOBS_SCHEMA: ownJobsSchema } : {}),
    NODE_ENV: 'test',
    JWT_SECRET_KEY: TEST_JWT_SECRET,
    SECRET_KEY: TEST_JWT_SECRET,
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    PAYMENT_FAILURE_RATE: '0',
    EMAIL_OUTPUT_DIR: mailDir,
    APP_URL: 'http://localhost:8000',
    // Off unless a suite turns them on (on a database of its own): suites share one, and a pass would remind
    // or complete other suites' bookings under them.
    BOOKING_REMINDER_HOURS: '0',
    BOOKING_AUTO_COMPLETE_HOURS: '0',
    ...env,
  };
  const parsed = parseEnvironment(raw, () => undefined);
  secretScan.registerSecret(raw.JWT_SECRET_KEY);
  secretScan.registerSecret(raw.SECRET_KEY);
  secretScan.registerMailDir(mailDir);
  const app = await createApp({ env: parsed, databaseUrl });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    http: scanned(request(app.getHttpServer())),
    dataSource: app.get(DataSource),
    mailDir,
    close: async () => {
      await app.close();
      // pg-boss lets its stopped workers go on a timer of its own (a 1 s check): give it that, so it does not
      // outlive the test file (jest then tears its modules down under it).
      await sleep(1100);
      if (ownJobsSchema) await dropSchema(databaseUrl, ownJobsSchema);
    },
  };
}
