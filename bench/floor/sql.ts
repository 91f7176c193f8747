import { createHash } from 'node:crypto';
import { Pool, PoolClient, QueryResultRow } from 'pg';
import { pool } from './context';

/** The app's statements, text for text (the bench compares both servers' statements on the wire). */
export const prepared = (text: string) => ({ name: `s_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`, text });
const SERVICE_COLUMNS =
  's.id, s.provider_id, s.title, s.description, s.category, s.price, s.currency, s.duration_minutes, s.availability, s.date_overrides, s.minimum_notice_minutes, s.booking_horizon_days, s.slot_interval_minutes, s.images, s.timezone, s.buffer_before_minutes, s.buffer_after_minutes, s.status, s.instant_booking, s.created_at, s.updated_at, s.deleted_at';
/** As the app's by-id read: a suspended provider's services are not shown either. */
const PROVIDER_ACTIVE_BY_ID = "EXISTS (SELECT 1 FROM users u WHERE u.id = s.provider_id AND u.deleted_at IS NULL AND u.status = 'ACTIVE')";
export const SERVICE_BY_ID = prepared(`SELECT ${SERVICE_COLUMNS}, ${PROVIDER_ACTIVE_BY_ID} AS provider_active FROM services s WHERE s.id = $1`);
export const ACCOUNT = prepared('SELECT id, email, role, status, credentials_changed_at FROM users WHERE id = $1 AND deleted_at IS NULL');
export const OPEN_SESSION = prepared('SELECT user_id, created_at, expires_at FROM sessions WHERE id = $1 AND ended_at IS NULL');
/** The app's deny-list read (TypeORM's findOne, unnamed as TypeORM sends it). */
export const REVOKED_TOKEN = {
  text: 'SELECT "RevokedTokenEntity"."expires_at" AS "RevokedTokenEntity_expires_at", "RevokedTokenEntity"."jti" AS "RevokedTokenEntity_jti" FROM "revoked_tokens" "RevokedTokenEntity" WHERE (("RevokedTokenEntity"."jti" = $1) AND ("RevokedTokenEntity"."expires_at" > $2)) LIMIT 1',
};
export const BOOKING_COLUMNS =
  'id, customer_id, service_id, provider_id, status, scheduled_at, earliest_scheduled_at, ends_at, duration_minutes, total_amount, currency, notes, calendar_sequence, request_expires_at, created_at, updated_at';
export const QUALIFIED_BOOKING_COLUMNS = BOOKING_COLUMNS.split(', ')
  .map((column) => `b.${column}`)
  .join(', ');
export const PAYMENT_COLUMNS =
  'id, booking_id, service_id, scheduled_at, customer_id, provider_id, status, amount, refunded_amount, currency, transaction_id, payment_method, failure_reason, authorize_only, capture_requested_at, voided_at, created_at, updated_at';

function listing(category: string | undefined) {
  // The app's public listing: literals the partial indexes match, the provider's state kept on the row.
  const filter = `s.status = 'ACTIVE' AND s.deleted_at IS NULL AND NOT s.provider_deleted${category ? ' AND s.category = $1' : ''}`;
  return {
    count: prepared(`SELECT count(*)::int AS total FROM services s WHERE ${filter}`),
    page: (limit: number, offset: number) => {
      const text = `SELECT ${SERVICE_COLUMNS} FROM services s WHERE ${filter} ORDER BY s.created_at DESC, s.id DESC LIMIT ${limit} OFFSET ${offset}`;
      return limit === 20 && offset === 0 ? prepared(text) : { text };
    },
  };
}
export const LISTINGS = { all: listing(undefined), category: listing('x') };

export async function rows<T extends QueryResultRow>(db: Pool | PoolClient, statement: { name?: string; text: string }, values: unknown[]): Promise<T[]> {
  return (await db.query<T>({ ...statement, values })).rows;
}

export async function transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('START TRANSACTION');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
