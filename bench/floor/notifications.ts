import { PoolClient } from 'pg';
import { enqueueEmail } from './jobs';
import { formatSseEvent } from '../../src/notifications/live/sse';
import { draftNotifications, NotifiableEvent, recipientIdsOf } from '../../src/notifications/notifiable-events';
import { redis } from './context';
import type { NotificationRow } from './rows';
import { rows } from './sql';

/** The outbox for one event, in the confirming transaction: contacts, then each notification and its e-mail. */
export async function recordEvent(
  client: PoolClient,
  event: NotifiableEvent,
  bookingId: string,
  published: NotificationRow[],
  emails: string[],
): Promise<void> {
  const contacts = await rows<{ id: string; email: string; first_name: string }>(
    client,
    { text: 'SELECT id, email, first_name FROM users WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL' },
    [recipientIdsOf(event)],
  );
  const recipients = new Map(contacts.map((c) => [c.id, { id: c.id, email: c.email, firstName: c.first_name }]));
  let schedule = null;
  if (event.name === 'payment.succeeded') {
    const [row] = await rows<{ scheduled_at: Date; timezone: string }>(
      client,
      { text: 'SELECT b.scheduled_at, s.timezone FROM bookings b JOIN services s ON s.id = b.service_id WHERE b.id = $1' },
      [bookingId],
    );
    schedule = row ? { scheduledAt: row.scheduled_at, timezone: row.timezone } : null;
  }
  for (const draft of draftNotifications(event, recipients, schedule)) {
    const [notification] = await rows<NotificationRow>(
      client,
      {
        text: `WITH next AS (
                 INSERT INTO notification_counters AS c (user_id, last_seq, unread) VALUES ($1, 1, 1)
                 ON CONFLICT (user_id) DO UPDATE SET last_seq = c.last_seq + 1, unread = c.unread + 1
                 RETURNING last_seq
               )
               INSERT INTO notifications (user_id, seq, type, title, message, data)
               SELECT $1, last_seq, $2, $3, $4, $5 FROM next
               RETURNING id, user_id, seq, type, title, message, data, read_at, created_at`,
      },
      [draft.userId, draft.type, draft.title, draft.message, draft.data],
    );
    published.push(notification);
    if (draft.email) {
      const [email] = await rows<{ id: string }>(
        client,
        {
          text: `INSERT INTO email_outbox (notification_id, kind, recipient, subject, body, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, now())
       RETURNING id`,
        },
        [notification.id, draft.email.kind, draft.email.to, draft.email.subject, draft.email.text],
      );
      await enqueueEmail(client, email.id);
      emails.push(email.id);
    }
  }
}

/** After commit: each notification to its recipient's live streams, through Redis (as the app's bus). */
export async function publishLive(published: NotificationRow[]): Promise<void> {
  for (const n of published) {
    const data = JSON.stringify({
      id: n.id,
      userId: n.user_id,
      type: n.type,
      title: n.title,
      message: n.message,
      data: n.data,
      isRead: false,
      readAt: n.read_at,
      createdAt: n.created_at,
    });
    const frame = formatSseEvent({ id: Number(n.seq), event: n.type, data });
    await redis?.publish('marketplace:notifications', JSON.stringify({ userId: n.user_id, seq: Number(n.seq), frame }));
  }
}
