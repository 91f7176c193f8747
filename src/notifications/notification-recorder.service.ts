import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { UsersRepository } from '../users/users.repository';
import { EmailSender } from './email/email-sender.service';
import { NewOutboxEmail } from './email/email-outbox.repository';
import { draftNotifications, NotifiableEvent, notifiableOf, recipientIdsOf } from './notifiable-events';
import { NotificationEntity } from './notification.entity';
import { NotificationsRepository } from './notifications.repository';
import { InviteDraft, Recipient, Schedule } from './templates/notification-templates';
import { BookingCalendar } from '../bookings/calendar/booking-calendar';
import { MailCalendar } from '../mail/mail-message';

/** What one event wrote, for NotificationDelivery to push and send once the transaction has committed. */
export interface RecordedNotifications {
  notifications: NotificationEntity[];
  emailIds: string[];
}

/**
 * Writes the notifications (and queues the e-mails) an event causes, with the manager of the transaction
 * that records the event: they commit, or roll back, with the change itself. The database stays the truth
 * that streams replay from and the mail sweep retries from.
 */
@Injectable()
export class NotificationRecorder {
  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly users: UsersRepository,
    private readonly emails: EmailSender,
    private readonly calendar: BookingCalendar,
  ) {}

  /**
   * Writes what all these events (one transaction's) cause, in a fixed number of statements whatever their
   * number: one read of the recipients, the schedules events do not carry (one read per booking no event of
   * the batch describes), one insert of the notifications, one of the e-mails and one of their jobs. Returns
   * what it wrote: the caller hands it to delivery after commit.
   */
  async record(events: NotifiableEvent[], manager: EntityManager): Promise<RecordedNotifications> {
    // Deleted accounts are left out; drafts come in sorted id order per event, and the counters are locked in id order.
    const ids = [...new Set(events.flatMap((event) => recipientIdsOf(event)))].sort();
    const recipients = new Map<string, Recipient>((await this.users.findContacts(ids, manager)).map((user) => [user.id, user]));
    const schedules = await this.schedulesOf(events, manager);
    const drafts = events.flatMap((event) => draftNotifications(event, recipients, this.scheduleOf(event, schedules)));
    const notifications = await this.notifications.insertMany(
      manager,
      drafts.map(({ email: _email, ...draft }) => draft),
    );
    const stamp = new Date();
    const emails: NewOutboxEmail[] = [];
    drafts.forEach(({ email }, i) => {
      if (!email) return;
      const { invite, ...message } = email;
      const recipient = recipients.get(drafts[i].userId);
      const calendar = invite && recipient ? this.inviteFor(invite, recipient, stamp) : null;
      emails.push({ ...message, calendar, notificationId: notifications[i].id });
    });
    return { notifications, emailIds: await this.emails.enqueueMany(manager, emails) };
  }

  /** The booking's event as this recipient's calendar gets it: they are its attendee. */
  private inviteFor(invite: InviteDraft, to: Recipient, stamp: Date): MailCalendar {
    const attendee = { name: to.firstName, email: to.email };
    return { method: invite.method, filename: 'booking.ics', content: this.calendar.render(invite.booking, invite.method, [attendee], stamp) };
  }

  /**
   * When each booking these events concern starts: from the events that say it (a booking's own events),
   * else read in this transaction (payment events do not carry it).
   */
  private async schedulesOf(events: NotifiableEvent[], manager: EntityManager): Promise<Map<string, Schedule | null>> {
    const schedules = new Map<string, Schedule | null>();
    for (const event of events) {
      const known = notifiableOf(event).scheduleOf?.(event);
      if (known) schedules.set(known.bookingId, known.schedule);
    }
    for (const event of events) {
      const bookingId = notifiableOf(event).bookingOf?.(event);
      if (bookingId && !schedules.has(bookingId)) schedules.set(bookingId, await this.notifications.bookingSchedule(manager, bookingId));
    }
    return schedules;
  }

  private scheduleOf(event: NotifiableEvent, schedules: ReadonlyMap<string, Schedule | null>): Schedule | null {
    const bookingId = notifiableOf(event).bookingOf?.(event);
    return bookingId ? (schedules.get(bookingId) ?? null) : null;
  }
}
