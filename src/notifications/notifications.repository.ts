import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, MoreThan, Repository } from 'typeorm';
import { Sql } from '../common/database/sql';
import { Keyset, KeysetPosition } from '../common/pagination/keyset';
import { NotificationData, NotificationEntity } from './notification.entity';
import { NotificationType } from './notification-type';

export interface NewNotification {
  userId: string;
  type: NotificationType;
  title: string;
  message: string;
  data: NotificationData;
}

interface NotificationRow {
  id: string;
  user_id: string;
  seq: string;
  type: NotificationType;
  title: string;
  message: string;
  data: NotificationData;
  read_at: Date | null;
  created_at: Date;
}

const fromRow = (row: NotificationRow): NotificationEntity =>
  Object.assign(new NotificationEntity(), {
    id: row.id,
    userId: row.user_id,
    seq: Number(row.seq),
    type: row.type,
    title: row.title,
    message: row.message,
    data: row.data,
    readAt: row.read_at,
    createdAt: row.created_at,
  });

const RETURNED = 'id, user_id, seq, type, title, message, data, read_at, created_at';

/**
 * Lists go newest first by the user's position (unique per user): on `notifications_user_seq_key` (all) or
 * `notifications_user_unread_idx` (unread), a page costs the same at any depth.
 */
export const NOTIFICATIONS_KEYSET = new Keyset<NotificationRow>('notifications', [{ sql: 'seq', kind: 'int' }], true, (row) => [row.seq]);

@Injectable()
export class NotificationsRepository {
  constructor(
    @InjectRepository(NotificationEntity) private readonly notifications: Repository<NotificationEntity>,
    private readonly sql: Sql,
  ) {}

  /**
   * Stores a notification as the user's next one, inside the caller's transaction. Taking the number locks
   * the user's counter row until that transaction ends, so the user's notifications commit in number order.
   */
  async insertNext(manager: EntityManager, notification: NewNotification): Promise<NotificationEntity> {
    const [row] = await this.sql.rows<NotificationRow>(
      `WITH next AS (
         INSERT INTO notification_counters AS c (user_id, last_seq, unread) VALUES ($1, 1, 1)
         ON CONFLICT (user_id) DO UPDATE SET last_seq = c.last_seq + 1, unread = c.unread + 1
         RETURNING last_seq
       )
       INSERT INTO notifications (user_id, seq, type, title, message, data)
       SELECT $1, last_seq, $2, $3, $4, $5 FROM next
       RETURNING ${RETURNED}`,
      [notification.userId, notification.type, notification.title, notification.message, notification.data],
      manager,
    );
    return fromRow(row);
  }

  /**
   * Stores several notifications in one statement, each as its user's next one, inside the caller's
   * transaction: each user's counter moves once by their count (locked in user id order, as insertNext's
   * callers take them), and their notifications are numbered in the order given. Ids are chosen here, so the
   * caller can refer to the rows (their e-mails) without reading them back. Returns them in the order given.
   */
  async insertMany(manager: EntityManager, notifications: NewNotification[]): Promise<NotificationEntity[]> {
    if (notifications.length === 0) return [];
    const drafts = notifications.map((n, ord) => ({
      id: randomUUID(),
      ord,
      user_id: n.userId,
      type: n.type,
      title: n.title,
      message: n.message,
      data: n.data,
    }));
    const rows = await this.sql.rows<NotificationRow>(
      `WITH drafts AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb)
           AS d(id uuid, ord int, user_id uuid, type varchar, title varchar, message varchar, data jsonb)
       ), next AS (
         INSERT INTO notification_counters AS c (user_id, last_seq, unread)
         SELECT user_id, count(*), count(*) FROM drafts GROUP BY user_id ORDER BY user_id
         ON CONFLICT (user_id) DO UPDATE SET last_seq = c.last_seq + EXCLUDED.last_seq, unread = c.unread + EXCLUDED.unread
         RETURNING user_id, last_seq
       )
       INSERT INTO notifications (id, user_id, seq, type, title, message, data)
       SELECT d.id, d.user_id,
              next.last_seq - count(*) OVER (PARTITION BY d.user_id) + row_number() OVER (PARTITION BY d.user_id ORDER BY d.ord),
              d.type, d.title, d.message, d.data
         FROM drafts d JOIN next ON next.user_id = d.user_id
        ORDER BY d.ord
       RETURNING ${RETURNED}`,
      [JSON.stringify(drafts)],
      manager,
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return drafts.map((draft) => fromRow(byId.get(draft.id)!));
  }

  /** When a booking starts and in which zone (read from the bookings and services tables, in the caller's transaction). */
  async bookingSchedule(manager: EntityManager, bookingId: string): Promise<{ scheduledAt: Date; timezone: string } | null> {
    const [row] = await this.sql.rows<{ scheduled_at: Date; timezone: string }>(
      'SELECT b.scheduled_at, s.timezone FROM bookings b JOIN services s ON s.id = b.service_id WHERE b.id = $1',
      [bookingId],
      manager,
    );
    return row ? { scheduledAt: row.scheduled_at, timezone: row.timezone } : null;
  }

  /** The number of the user's latest committed notification (0 before the first). */
  async lastSeq(userId: string): Promise<number> {
    const [row] = await this.sql.rows<{ last_seq: string }>('SELECT last_seq FROM notification_counters WHERE user_id = $1', [userId]);
    return row ? Number(row.last_seq) : 0;
  }

  /** The user's notifications numbered after `seq`, oldest first: what a resuming stream missed. */
  listAfter(userId: string, seq: number, limit: number): Promise<NotificationEntity[]> {
    return this.notifications.find({ where: { userId, seq: MoreThan(seq) }, order: { seq: 'ASC' }, take: limit });
  }

  /**
   * One page, newest first, by offset or after a cursor (`position`). The total is the user's counter row
   * (how many they have: their last position, positions having no gaps; how many are unread: kept by the
   * writes below), so it costs the same for 100 notifications as for 100,000.
   */
  async listForUser(
    userId: string,
    options: { unreadOnly: boolean; limit: number; offset: number },
    position: KeysetPosition,
  ): Promise<{ items: NotificationEntity[]; total: number; nextCursor: string | null }> {
    const { text, values } = this.listStatement(userId, options, position.after);
    const [rows, counts] = await Promise.all([this.sql.rows<NotificationRow>(text, values), this.counts(userId)]);
    const page = NOTIFICATIONS_KEYSET.page(rows, options.limit, position);
    return { items: page.items.map(fromRow), total: options.unreadOnly ? counts.unread : counts.all, nextCursor: page.nextCursor };
  }

  /** The statement of one page as `listForUser` runs it: `limit + 1` rows (the EXPLAIN test reads it). */
  listStatement(userId: string, options: { unreadOnly: boolean; limit: number; offset: number }, after: string[] | null): { text: string; values: unknown[] } {
    const values: unknown[] = [userId];
    const where = options.unreadOnly ? 'user_id = $1 AND read_at IS NULL' : 'user_id = $1';
    return { text: NOTIFICATIONS_KEYSET.select(`${RETURNED} FROM notifications`, where, values, { ...options, after }), values };
  }

  /** How many notifications the user has, and how many of them are unread, from their counter row. */
  async counts(userId: string): Promise<{ all: number; unread: number }> {
    const [row] = await this.sql.rows<{ last_seq: string; unread: string }>('SELECT last_seq, unread FROM notification_counters WHERE user_id = $1', [userId]);
    return row ? { all: Number(row.last_seq), unread: Number(row.unread) } : { all: 0, unread: 0 };
  }

  /**
   * Marks one of the user's notifications read, keeping the first read time; null when the user has no such
   * notification. The unread counter goes down in the same statement, only when this call made it read.
   */
  async markRead(userId: string, id: string): Promise<NotificationEntity | null> {
    const [changed] = await this.sql.rows<NotificationRow>(
      `WITH changed AS (
         UPDATE notifications SET read_at = now() WHERE id = $1 AND user_id = $2 AND read_at IS NULL
         RETURNING ${RETURNED}
       ), counted AS (
         UPDATE notification_counters SET unread = GREATEST(unread - 1, 0) WHERE user_id = $2 AND EXISTS (SELECT 1 FROM changed)
       )
       SELECT * FROM changed`,
      [id, userId],
    );
    if (changed) return fromRow(changed);
    const [row] = await this.sql.rows<NotificationRow>(`SELECT ${RETURNED} FROM notifications WHERE id = $1 AND user_id = $2`, [id, userId]);
    return row ? fromRow(row) : null;
  }

  /** Marks every unread notification of the user read; returns how many changed (and takes them off the unread counter). */
  async markAllRead(userId: string): Promise<number> {
    const [row] = await this.sql.rows<{ updated: number }>(
      `WITH changed AS (
         UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL RETURNING 1
       ), counted AS (
         UPDATE notification_counters SET unread = GREATEST(unread - (SELECT count(*) FROM changed), 0) WHERE user_id = $1
       )
       SELECT count(*)::int AS updated FROM changed`,
      [userId],
    );
    return row.updated;
  }
}
