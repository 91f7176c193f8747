import { randomUUID } from 'node:crypto';
import { PoolClient } from 'pg';
import { renderCalendarEvent } from '../../src/common/calendar/icalendar';
import { formatSseEvent } from '../../src/notifications/live/sse';
import { draftNotifications, NotifiableEvent, recipientIdsOf } from '../../src/notifications/notifiable-events';
import type { InviteDraft, Recipient, Schedule } from '../../src/notifications/templates/notification-templates';
import { enqueueEmails } from './jobs';
import { env, redis } from './context';
import type { NotificationRow } from './rows';
import { rows } from './sql';

const UID_DOMAIN = new URL(env.APP_URL ?? 'http://localhost:3000').hostname || 'marketplace.local';
const ORGANIZER = { name: 'Service Marketplace', email: 'no-reply@marketplace.local' };

/** The invite a booking e-mail carries, rendered as the app's BookingCalendar does (the same work per e-mail). */
function inviteFor(invite: InviteDraft, to: Recipient, stamp: Date) {
  const { booking } = invite;
  const start = new Date(booking.scheduledAt);
  const content = renderCalendarEvent({
    uid: `${booking.bookingId}@${UID_DOMAIN}`,
    sequence: booking.calendarSequence ?? 0,
    method: invite.method,
    status: invite.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED',
    start,
    end: new Date(start.getTime() + booking.durationMinutes * 60_000),
    stamp,
    summary: booking.serviceTitle,
    description: `Booking ID: ${booking.bookingId}`,
    organizer: ORGANIZER,
    attendees: [{ name: to.firstName, email: to.email }],
  });
  return { method: invite.method, filename: 'booking.ics', content };
}

/**
 * The outbox for a transaction's events, as the app's NotificationRecorder writes it: the contacts once,
 * then every notification in one statement, every e-mail in one, and their jobs in one. `schedule`: when the
 * booking is, as the booking's own event says it (the app reads nothing more for the payment's; the booking's
 * templates do not use it).
 */
export async function recordEvents(
  client: PoolClient,
  events: NotifiableEvent[],
  schedule: Schedule,
  published: NotificationRow[],
  emails: string[],
): Promise<void> {
  const ids = [...new Set(events.flatMap((event) => recipientIdsOf(event)))].sort();
  const contacts = await rows<{ id: string; email: string; first_name: string }>(
    client,
    { text: 'SELECT id, email, first_name FROM users WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL' },
    [ids],
  );
  const recipients = new Map(contacts.map((c) => [c.id, { id: c.id, email: c.email, firstName: c.first_name }]));
  const drafts = events.flatMap((event) => draftNotifications(event, recipients, schedule));
  const notifications = drafts.map((d, ord) => ({ id: randomUUID(), ord, user_id: d.userId, type: d.type, title: d.title, message: d.message, data: d.data }));
  const inserted = await rows<NotificationRow>(
    client,
    {
      text: `WITH drafts AS (
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
       RETURNING id, user_id, seq, type, title, message, data, read_at, created_at`,
    },
    [JSON.stringify(notifications)],
  );
  const byId = new Map(inserted.map((row) => [row.id, row]));
  published.push(...notifications.map((n) => byId.get(n.id)!));
  const stamp = new Date();
  const outbox = drafts.flatMap(({ email, userId }, i) => {
    if (!email) return [];
    const { invite, ...message } = email;
    const recipient = recipients.get(userId);
    return [
      {
        id: randomUUID(),
        notification_id: notifications[i].id,
        kind: message.kind,
        recipient: message.to,
        subject: message.subject,
        body: message.text,
        calendar: invite && recipient ? inviteFor(invite, recipient, stamp) : null,
      },
    ];
  });
  if (outbox.length) {
    await client.query(
      `INSERT INTO email_outbox (id, notification_id, kind, recipient, subject, body, next_attempt_at, calendar)
       SELECT id, notification_id, kind, recipient, subject, body, now(), calendar
         FROM jsonb_to_recordset($1::jsonb)
           AS e(id uuid, notification_id uuid, kind varchar, recipient varchar, subject varchar, body text, calendar jsonb)`,
      [JSON.stringify(outbox)],
    );
    await enqueueEmails(
      client,
      outbox.map((email) => email.id),
    );
    emails.push(...outbox.map((email) => email.id));
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
