import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Role } from '../../common/auth/role.enum';
import { Sql } from '../../common/database/sql';
import { BookingStatus } from '../booking.entity';
import { BookingChange, ChangeActor, HistoryAction } from './booking-change';

/** One history row as written by a booking's write (BookingsRepository) in the same transaction. */
export interface HistoryEntry {
  action: HistoryAction;
  from: BookingStatus | null;
  to: BookingStatus | null;
  change: BookingChange;
  details?: Record<string, unknown> | null;
}

/** One history row as read back. */
export interface HistoryRecord {
  at: Date;
  action: HistoryAction;
  from: BookingStatus | null;
  to: BookingStatus | null;
  actor: ChangeActor;
  reason: string | null;
  requestId: string | null;
  details: Record<string, unknown> | null;
}

/** The most rows a booking's history answers (a booking changes a handful of times; this only bounds the answer). */
export const MAX_HISTORY_ENTRIES = 1000;

interface HistoryRow {
  at: Date;
  action: HistoryAction;
  from_status: BookingStatus | null;
  to_status: BookingStatus | null;
  actor_id: string | null;
  actor_role: Role | null;
  reason: string | null;
  request_id: string | null;
  details: Record<string, unknown> | null;
}

const fromRow = (row: HistoryRow): HistoryRecord => ({
  at: row.at,
  action: row.action,
  from: row.from_status,
  to: row.to_status,
  actor: row.actor_id && row.actor_role ? { id: row.actor_id, role: row.actor_role } : 'system',
  reason: row.reason,
  requestId: row.request_id,
  details: row.details,
});

/**
 * The `booking_history` table. Rows are written only by BookingsRepository's writes, inside the transaction
 * of the change (a rolled-back change leaves none); a booking's rows read back in the order they were written.
 */
@Injectable()
export class BookingHistoryRepository {
  constructor(private readonly sql: Sql) {}

  async append(manager: EntityManager, bookingId: string, entry: HistoryEntry): Promise<void> {
    const { actor, requestId, reason } = entry.change;
    await this.sql.query(
      `INSERT INTO booking_history (booking_id, action, from_status, to_status, actor_id, actor_role, reason, request_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        bookingId,
        entry.action,
        entry.from,
        entry.to,
        actor === 'system' ? null : actor.id,
        actor === 'system' ? null : actor.role,
        reason ? reason.slice(0, 500) : null,
        requestId ? requestId.slice(0, 128) : null,
        entry.details ? JSON.stringify(entry.details) : null,
      ],
      manager,
    );
  }

  async listFor(bookingId: string): Promise<HistoryRecord[]> {
    const rows = await this.sql.rows<HistoryRow>(
      `SELECT at, action, from_status, to_status, actor_id, actor_role, reason, request_id, details
         FROM booking_history WHERE booking_id = $1 ORDER BY id LIMIT $2`,
      [bookingId, MAX_HISTORY_ENTRIES],
    );
    return rows.map(fromRow);
  }
}
