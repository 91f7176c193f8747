import { toNotificationResponse } from '../dto/notification.response';
import { NotificationEntity } from '../notification.entity';
import { formatSseEvent } from './sse';

/**
 * A notification on its way to its user's open streams: the SSE frame is built once, whatever the number
 * of streams, and travels as is between instances.
 */
export interface LiveNotification {
  userId: string;
  seq: number;
  frame: string;
}

export function toLiveNotification(notification: NotificationEntity): LiveNotification {
  return {
    userId: notification.userId,
    seq: notification.seq,
    frame: formatSseEvent({ id: notification.seq, event: notification.type, data: JSON.stringify(toNotificationResponse(notification)) }),
  };
}

export function isLiveNotification(value: unknown): value is LiveNotification {
  const candidate = value as Partial<LiveNotification> | null;
  return typeof candidate?.userId === 'string' && Number.isSafeInteger(candidate.seq) && typeof candidate.frame === 'string';
}
