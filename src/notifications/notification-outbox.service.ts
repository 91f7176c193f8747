import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainEvent } from '../common/events/domain-event';
import { UsersRepository } from '../users/users.repository';
import { EmailOutbox } from './email/email-outbox.service';
import { NotificationEntity } from './notification.entity';
import { NotificationsRepository } from './notifications.repository';
import { draftNotifications, NotifiableEvent, Recipient, recipientIdsOf, Schedule } from './templates/notification-templates';

/** What one event left in the outbox, for the after-commit listeners to push and send. */
export interface RecordedNotifications {
  notifications: NotificationEntity[];
  emailIds: string[];
}

/**
 * Writes the notifications (and e-mails) an event causes, with the manager of the transaction that records
 * the event: they commit, or roll back, with the change itself. After commit, `takeRecorded` hands them to
 * live delivery; the database stays the truth streams replay from and the mail sweep retries from.
 */
@Injectable()
export class NotificationOutbox {
  // Keyed by the event object, which UnitOfWork passes both before and after commit; a rolled-back event
  // is never published and its entry goes away with it.
  private readonly recorded = new WeakMap<DomainEvent, RecordedNotifications>();

  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly users: UsersRepository,
    private readonly emails: EmailOutbox,
  ) {}

  async record(event: NotifiableEvent, manager: EntityManager): Promise<void> {
    // Deleted accounts are left out; drafts come in sorted id order, so every transaction takes users' counter locks alike.
    const recipients = new Map<string, Recipient>((await this.users.findContacts(recipientIdsOf(event), manager)).map((user) => [user.id, user]));
    const drafts = draftNotifications(event, recipients, await this.scheduleOf(event, manager));
    const recorded: RecordedNotifications = { notifications: [], emailIds: [] };
    for (const { email, ...draft } of drafts) {
      const notification = await this.notifications.insertNext(manager, draft);
      recorded.notifications.push(notification);
      if (email) recorded.emailIds.push(await this.emails.enqueue(manager, { ...email, notificationId: notification.id }));
    }
    this.recorded.set(event, recorded);
  }

  /** After commit: what `record` wrote for this event, once. */
  takeRecorded(event: DomainEvent): RecordedNotifications | undefined {
    const recorded = this.recorded.get(event);
    this.recorded.delete(event);
    return recorded;
  }

  /** Payment events do not say when the booking is; its row, in this transaction, does. */
  private async scheduleOf(event: NotifiableEvent, manager: EntityManager): Promise<Schedule | null> {
    if (event.name !== 'payment.succeeded' && event.name !== 'payment.failed' && event.name !== 'payment.refunded') return null;
    const { bookingId } = event.payment;
    return bookingId ? this.notifications.bookingSchedule(manager, bookingId) : null;
  }
}
