import { ApiProperty } from '@nestjs/swagger';
import { NotificationData, NotificationEntity } from '../notification.entity';
import { NotificationType } from '../notification-type';

export class NotificationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ enum: NotificationType }) type: NotificationType;
  @ApiProperty({ example: 'Booking confirmed', maxLength: 200 }) title: string;
  @ApiProperty({ maxLength: 2000 }) message: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The ids and amounts the notification is about (bookingId, serviceId, paymentId, amount, currency...)',
    example: { bookingId: '7d0c6d5e-5d2f-4a53-9a0b-3f3c8f7d1c2a', amount: 89.5, currency: 'USD' },
  })
  data: NotificationData;
  @ApiProperty() isRead: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) readAt: Date | null;
  @ApiProperty() createdAt: Date;
}

export class UnreadCountResponse {
  @ApiProperty({ example: 3 }) count: number;
}

export class ReadAllResponse {
  @ApiProperty({ description: 'How many notifications were unread and are now read', example: 3 }) updated: number;
}

export function toNotificationResponse(notification: NotificationEntity): NotificationResponse {
  return {
    id: notification.id,
    userId: notification.userId,
    type: notification.type,
    title: notification.title,
    message: notification.message,
    data: notification.data,
    isRead: notification.readAt !== null,
    readAt: notification.readAt,
    createdAt: notification.createdAt,
  };
}
