import { e2eRedisUrl, TEST_JWT_SECRET } from './test-app';

/**
 * The bench's floor server reads its settings from the environment when its modules load: a suite imports
 * this before them, so that the floor runs on the suite's database and Redis with the test apps' secret.
 */
Object.assign(process.env, { DATABASE_URL: process.env.E2E_DATABASE_URL, REDIS_URL: e2eRedisUrl(), JWT_SECRET_KEY: TEST_JWT_SECRET });
