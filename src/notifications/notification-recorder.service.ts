import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { UsersRepository } from '../users/users.repository';
import { EmailSender } from './email/email-sender.service';
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

  /** Returns what it wrote: the caller hands it to delivery after commit. */
  async record(event: NotifiableEvent, manager: EntityManager): Promise<RecordedNotifications> {
    // Deleted accounts are left out; drafts come in sorted id order, so every transaction takes users' counter locks alike.
    const recipients = new Map<string, Recipient>((await this.users.findContacts(recipientIdsOf(event), manager)).map((user) => [user.id, user]));
    const drafts = draftNotifications(event, recipients, await this.scheduleOf(event, manager));
    const recorded: RecordedNotifications = { notifications: [], emailIds: [] };
    const stamp = new Date();
    for (const { email, ...draft } of drafts) {
      const notification = await this.notifications.insertNext(manager, draft);
      recorded.notifications.push(notification);
      if (email) {
        const { invite, ...message } = email;
        const recipient = recipients.get(draft.userId);
        const calendar = invite && recipient ? this.inviteFor(invite, recipient, stamp) : null;
        recorded.emailIds.push(await this.emails.enqueue(manager, { ...message, calendar, notificationId: notification.id }));
      }
    }
    return recorded;
  }

  /** The booking's event as this recipient's calendar gets it: they are its attendee. */
  private inviteFor(invite: InviteDraft, to: Recipient, stamp: Date): MailCalendar {
    const attendee = { name: to.firstName, email: to.email };
    return { method: invite.method, filename: 'booking.ics', content: this.calendar.render(invite.booking, invite.method, [attendee], stamp) };
  }

  /** Payment events do not say when the booking is; its row, in this transaction, does. */
  private async scheduleOf(event: NotifiableEvent, manager: EntityManager): Promise<Schedule | null> {
    const bookingId = notifiableOf(event).bookingOf?.(event);
    return bookingId ? this.notifications.bookingSchedule(manager, bookingId) : null;
  }
}
