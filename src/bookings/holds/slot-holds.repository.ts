import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Sql } from '../../common/database/sql';
import { SlotHold } from './slot-hold';

const COLUMNS = 'id, customer_id, service_id, provider_id, scheduled_at, ends_at, expires_at';

interface HoldRow {
  id: string;
  customer_id: string;
  service_id: string;
  provider_id: string;
  scheduled_at: Date;
  ends_at: Date;
  expires_at: Date;
}

const fromRow = (row: HoldRow): SlotHold => ({
  id: row.id,
  customerId: row.customer_id,
  serviceId: row.service_id,
  providerId: row.provider_id,
  scheduledAt: row.scheduled_at,
  endsAt: row.ends_at,
  expiresAt: row.expires_at,
});

/**
 * Slot holds. Inserting one claims its time in `provider_time` (a trigger, with the service's buffers), where
 * the exclusion constraint it shares with bookings refuses an overlap; deleting it frees the time (cascade).
 */
@Injectable()
export class SlotHoldsRepository {
  constructor(private readonly sql: Sql) {}

  /** Serializes a customer's hold requests for the rest of the transaction, so the limit is counted once at a time. */
  async lockCustomer(manager: EntityManager, customerId: string): Promise<void> {
    await this.sql.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`slot-holds:${customerId}`], manager);
  }

  /** The customer's holds that have not expired. */
  async countStanding(manager: EntityManager, customerId: string): Promise<number> {
    const [row] = await this.sql.rows<{ count: number }>(
      'SELECT count(*)::int AS count FROM booking_holds WHERE customer_id = $1 AND expires_at > clock_timestamp()',
      [customerId],
      manager,
    );
    return row.count;
  }

  /** Holds the time for `ttlSeconds` from now (the database's clock, which every reader compares with). */
  async insert(manager: EntityManager, hold: Omit<SlotHold, 'id' | 'expiresAt'>, ttlSeconds: number): Promise<SlotHold> {
    const [row] = await this.sql.rows<HoldRow>(
      `INSERT INTO booking_holds (customer_id, service_id, provider_id, scheduled_at, ends_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, clock_timestamp() + make_interval(secs => $6))
       RETURNING ${COLUMNS}`,
      [hold.customerId, hold.serviceId, hold.providerId, hold.scheduledAt, hold.endsAt, ttlSeconds],
      manager,
    );
    return fromRow(row);
  }

  /** The customer's own hold (expired or not); another customer's is null, as if absent. */
  async findOwn(customerId: string, id: string): Promise<SlotHold | null> {
    const [row] = await this.sql.rows<HoldRow>(`SELECT ${COLUMNS} FROM booking_holds WHERE id = $1 AND customer_id = $2`, [id, customerId]);
    return row ? fromRow(row) : null;
  }

  /** Deletes the customer's hold: true when there was one. */
  async deleteOwn(customerId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.sql.query('DELETE FROM booking_holds WHERE id = $1 AND customer_id = $2', [id, customerId]);
    return rowCount === 1;
  }

  /** Turns the customer's unexpired hold into the caller's booking (same transaction): true when it was still standing. */
  async consume(manager: EntityManager, customerId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      'DELETE FROM booking_holds WHERE id = $1 AND customer_id = $2 AND expires_at > clock_timestamp()',
      [id, customerId],
      manager,
    );
    return rowCount === 1;
  }

  /** Deletes the hold if it has expired: 'cleared', 'gone' (released or booked) or 'standing' (not yet expired). */
  async deleteIfExpired(id: string): Promise<'cleared' | 'gone' | 'standing'> {
    // Both reads see the table as it was before the DELETE: `present` answers only when nothing was cleared.
    const [{ cleared, present }] = await this.sql.rows<{ cleared: boolean; present: boolean }>(
      `WITH cleared AS (DELETE FROM booking_holds WHERE id = $1 AND expires_at <= clock_timestamp() RETURNING id)
       SELECT EXISTS (SELECT 1 FROM cleared) AS cleared, EXISTS (SELECT 1 FROM booking_holds WHERE id = $1) AS present`,
      [id],
    );
    if (cleared) return 'cleared';
    return present ? 'standing' : 'gone';
  }
}
