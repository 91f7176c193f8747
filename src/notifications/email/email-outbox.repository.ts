import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Sql } from '../../common/database/sql';
import { MailCalendar } from '../../mail/mail-message';
import { OutboxEmailStatus } from './outbox-email.entity';

export interface NewOutboxEmail {
  notificationId: string | null;
  kind: string;
  to: string;
  subject: string;
  text: string;
  /** A calendar invite to attach, rendered now so that every attempt sends the same bytes. */
  calendar?: MailCalendar | null;
}

/** What a sender needs of a claimed row. */
export interface ClaimedEmail {
  id: string;
  kind: string;
  recipient: string;
  subject: string;
  body: string;
  calendar: MailCalendar | null;
  attempts: number;
}

const CLAIMED_COLUMNS = 'id, kind, recipient, subject, body, calendar, attempts';

/**
 * The `email_outbox` table: e-mails written in the transaction that caused them, claimed and marked by the
 * sender. Every statement goes through `Sql`; given a transaction's manager, it runs on that transaction.
 */
@Injectable()
export class EmailOutboxRepository {
  constructor(private readonly sql: Sql) {}

  /** Writes an e-mail inside the caller's transaction (its job is enqueued beside it, by EmailSender). */
  async insert(manager: EntityManager, email: NewOutboxEmail): Promise<string> {
    const [row] = await this.sql.rows<{ id: string }>(
      `INSERT INTO email_outbox (notification_id, kind, recipient, subject, body, next_attempt_at, calendar)
       VALUES ($1, $2, $3, $4, $5, now(), $6::jsonb)
       RETURNING id`,
      [email.notificationId, email.kind, email.to, email.subject, email.text, email.calendar ? JSON.stringify(email.calendar) : null],
      manager,
    );
    return row.id;
  }

  /** Writes several e-mails in one statement inside the caller's transaction; returns their ids in the order given. */
  async insertMany(manager: EntityManager, emails: NewOutboxEmail[]): Promise<string[]> {
    if (emails.length === 0) return [];
    const rows = emails.map((email) => ({
      id: randomUUID(),
      notification_id: email.notificationId,
      kind: email.kind,
      recipient: email.to,
      subject: email.subject,
      body: email.text,
      calendar: email.calendar ?? null,
    }));
    await this.sql.query(
      `INSERT INTO email_outbox (id, notification_id, kind, recipient, subject, body, next_attempt_at, calendar)
       SELECT id, notification_id, kind, recipient, subject, body, now(), calendar
         FROM jsonb_to_recordset($1::jsonb)
           AS e(id uuid, notification_id uuid, kind varchar, recipient varchar, subject varchar, body text, calendar jsonb)`,
      [JSON.stringify(rows)],
      manager,
    );
    return rows.map((row) => row.id);
  }

  /**
   * Claims these pending e-mails for `seconds`, in one statement: the ones free (never claimed, or their
   * claim ran out because its sender died) are returned to send; the ones another sender holds come back as
   * `held` with the end of its claim; sent, refused and unknown ones are not returned at all.
   */
  async claim(ids: string[], seconds: number): Promise<{ claimed: ClaimedEmail[]; held: Array<{ id: string; until: Date }> }> {
    const rows = await this.sql.rows<ClaimedEmail & { held_until: Date | null; created_at: Date }>(
      `WITH claimed AS (
         UPDATE email_outbox SET claimed_until = now() + make_interval(secs => $2)
          WHERE id = ANY($1::uuid[]) AND status = 'PENDING' AND (claimed_until IS NULL OR claimed_until <= now())
         RETURNING ${CLAIMED_COLUMNS}, created_at)
       SELECT ${CLAIMED_COLUMNS}, created_at, NULL::timestamptz AS held_until FROM claimed
       UNION ALL
       SELECT id, NULL, NULL, NULL, NULL, NULL, NULL, created_at, claimed_until FROM email_outbox
        WHERE id = ANY($1::uuid[]) AND status = 'PENDING' AND claimed_until > now()
       ORDER BY created_at, id`,
      [ids, seconds],
    );
    return {
      claimed: rows.filter((row) => row.held_until === null).map(({ held_until: _held, created_at: _created, ...row }) => row),
      held: rows.filter((row) => row.held_until !== null).map((row) => ({ id: row.id, until: row.held_until! })),
    };
  }

  /** The e-mail went out: written at once, on its own (a sender killed later in its batch does not send it again). */
  async markSent(id: string, transportMessageId: string): Promise<void> {
    await this.sql.query(
      `UPDATE email_outbox SET status = 'SENT', attempts = attempts + 1, sent_at = now(), transport_message_id = $2, last_error = NULL, claimed_until = NULL
        WHERE id = $1`,
      [id, transportMessageId.slice(0, 300)],
    );
  }

  async markRetry(manager: EntityManager, id: string, delayMs: number, error: string): Promise<void> {
    await this.sql.query(
      `UPDATE email_outbox
          SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000), last_error = $3, claimed_until = NULL
        WHERE id = $1`,
      [id, delayMs, error.slice(0, 1000)],
      manager,
    );
  }

  async markFailed(manager: EntityManager, id: string, error: string): Promise<void> {
    await this.sql.query(
      `UPDATE email_outbox SET status = 'FAILED', attempts = attempts + 1, last_error = $2, claimed_until = NULL WHERE id = $1`,
      [id, error.slice(0, 1000)],
      manager,
    );
  }

  /** Gives up the claim on e-mails not tried (the server went away before their turn): no attempt is counted. */
  async release(manager: EntityManager, ids: string[]): Promise<void> {
    await this.sql.query(`UPDATE email_outbox SET claimed_until = NULL WHERE id = ANY($1::uuid[])`, [ids], manager);
  }

  /** Forgets sent e-mails older than `days`, a batch at a time; returns how many. */
  async pruneSent(days: number, batch = 1000): Promise<number> {
    const { rowCount } = await this.sql.query(
      `DELETE FROM email_outbox WHERE id IN (
         SELECT id FROM email_outbox WHERE status = $1 AND sent_at < now() - make_interval(days => $2) LIMIT $3)`,
      [OutboxEmailStatus.SENT, days, batch],
    );
    return rowCount ?? 0;
  }
}
