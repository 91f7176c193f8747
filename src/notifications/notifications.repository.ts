import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, MoreThan, Repository } from 'typeorm';
import { Sql } from '../common/database/sql';
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
         INSERT INTO notification_counters AS c (user_id, last_seq) VALUES ($1, 1)
         ON CONFLICT (user_id) DO UPDATE SET last_seq = c.last_seq + 1
         RETURNING last_seq
       )
       INSERT INTO notifications (user_id, seq, type, title, message, data)
       SELECT $1, last_seq, $2, $3, $4, $5 FROM next
       RETURNING id, user_id, seq, type, title, message, data, read_at, created_at`,
      [notification.userId, notification.type, notification.title, notification.message, notification.data],
      manager,
    );
    return fromRow(row);
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

  /** Newest first. */
  listForUser(userId: string, options: { unreadOnly: boolean; limit: number; offset: number }): Promise<[NotificationEntity[], number]> {
    return this.notifications.findAndCount({
      where: { userId, ...(options.unreadOnly ? { readAt: IsNull() } : {}) },
      order: { seq: 'DESC' },
      take: options.limit,
      skip: options.offset,
    });
  }

  countUnread(userId: string): Promise<number> {
    return this.notifications.count({ where: { userId, readAt: IsNull() } });
  }

  /** Marks one of the user's notifications read, keeping the first read time; null when the user has no such notification. */
  async markRead(userId: string, id: string): Promise<NotificationEntity | null> {
    // UPDATE ... RETURNING answers [rows, count] through TypeORM's query().
    const [rows]: [NotificationRow[], number] = await this.notifications.query(
      `UPDATE notifications SET read_at = COALESCE(read_at, now())
        WHERE id = $1 AND user_id = $2
        RETURNING id, user_id, seq, type, title, message, data, read_at, created_at`,
      [id, userId],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /** Marks every unread notification of the user read; returns how many changed. */
  async markAllRead(userId: string): Promise<number> {
    const result = await this.notifications.update({ userId, readAt: IsNull() }, { readAt: () => 'now()' });
    return result.affected ?? 0;
  }
}
