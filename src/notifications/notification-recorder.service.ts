import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { UsersRepository } from '../users/users.repository';
import { EmailSender } from './email/email-sender.service';
import { draftNotifications, NotifiableEvent, notifiableOf, recipientIdsOf } from './notifiable-events';
import { NotificationEntity } from './notification.entity';
import { NotificationsRepository } from './notifications.repository';
import { Recipient, Schedule } from './templates/notification-templates';

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
  ) {}

  /** Returns what it wrote: the caller hands it to delivery after commit. */
  async record(event: NotifiableEvent, manager: EntityManager): Promise<RecordedNotifications> {
    // Deleted accounts are left out; drafts come in sorted id order, so every transaction takes users' counter locks alike.
    const recipients = new Map<string, Recipient>((await this.users.findContacts(recipientIdsOf(event), manager)).map((user) => [user.id, user]));
    const drafts = draftNotifications(event, recipients, await this.scheduleOf(event, manager));
    const recorded: RecordedNotifications = { notifications: [], emailIds: [] };
    for (const { email, ...draft } of drafts) {
      const notification = await this.notifications.insertNext(manager, draft);
      recorded.notifications.push(notification);
      if (email) recorded.emailIds.push(await this.emails.enqueue(manager, { ...email, notificationId: notification.id }));
    }
    return recorded;
  }

  /** Payment events do not say when the booking is; its row, in this transaction, does. */
  private async scheduleOf(event: NotifiableEvent, manager: EntityManager): Promise<Schedule | null> {
    const bookingId = notifiableOf(event).bookingOf?.(event);
    return bookingId ? this.notifications.bookingSchedule(manager, bookingId) : null;
  }
}
