import { Injectable } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { NotFoundError } from '../common/errors/domain.error';
import { Page } from '../common/pagination/pagination';
import { ListNotificationsQuery } from './dto/list-notifications.query';
import { NotificationResponse, ReadAllResponse, toNotificationResponse, UnreadCountResponse } from './dto/notification.response';
import { NOTIFICATIONS_KEYSET, NotificationsRepository } from './notifications.repository';

/** A user's own notifications: reading them and marking them read. Everyone sees only their own. */
@Injectable()
export class NotificationsService {
  constructor(private readonly notifications: NotificationsRepository) {}

  async list(caller: AuthUser, query: ListNotificationsQuery): Promise<Page<NotificationResponse>> {
    const options = { unreadOnly: query.unread === true, limit: query.limit, offset: query.offset };
    const page = await this.notifications.listForUser(caller.id, options, NOTIFICATIONS_KEYSET.position(query));
    return { ...page, items: page.items.map(toNotificationResponse), limit: query.limit, offset: query.offset };
  }

  /** Idempotent: reading a read notification changes nothing. Someone else's is "not found". */
  async markRead(caller: AuthUser, id: string): Promise<NotificationResponse> {
    const notification = await this.notifications.markRead(caller.id, id);
    if (!notification) throw new NotFoundError('Notification');
    return toNotificationResponse(notification);
  }

  async markAllRead(caller: AuthUser): Promise<ReadAllResponse> {
    return { updated: await this.notifications.markAllRead(caller.id) };
  }

  async unreadCount(caller: AuthUser): Promise<UnreadCountResponse> {
    return { count: (await this.notifications.counts(caller.id)).unread };
  }
}
