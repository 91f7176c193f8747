import PgBoss from 'pg-boss';
import type { PoolClient } from 'pg';
import { env } from './context';

/** The same job engine and queue as the app (pg-boss, JOBS_SCHEMA): the floor enqueues and works the same jobs. */
export const boss = new PgBoss({
  connectionString: env.DATABASE_URL,
  schema: env.JOBS_SCHEMA ?? 'pgboss',
  max: 10,
  application_name: 'marketplace-bench-floor-jobs',
});
boss.on('error', (error: Error) => console.error(error));
export const EMAIL_QUEUE = 'email.send';

/** Inside the caller's transaction, through pg-boss's own insert statement (as the app's JobEngine.enqueue). */
export async function enqueueEmail(client: PoolClient, emailId: string): Promise<void> {
  await boss.send(EMAIL_QUEUE, { emailId }, { db: { executeSql: (text, values) => client.query(text, values) } });
}
