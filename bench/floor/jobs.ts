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

/** Inside the caller's transaction, one statement for all of them, through pg-boss's own insert (as the app's JobEngine.enqueueMany). */
export async function enqueueEmails(client: PoolClient, emailIds: string[]): Promise<void> {
  if (emailIds.length === 0) return;
  await boss.insert(
    emailIds.map((emailId) => ({ name: EMAIL_QUEUE, data: { emailId } })),
    { db: { executeSql: (text, values) => client.query(text, values) } },
  );
}
