import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app.config';
import { REDIS, RedisClient } from '../redis/redis.module';
import { UsersModule } from '../users/users.module';
import { EmailOutboxRepository } from './email/email-outbox.repository';
import { EmailSender } from './email/email-sender.service';
import { OutboxEmailEntity } from './email/outbox-email.entity';
import { AccountEmailsListener } from './listeners/account-emails.listener';
import { NotifiableEventsListener } from './listeners/notifiable-events.listener';
import { SessionEndingsListener } from './listeners/session-endings.listener';
import { LocalNotificationBus, NotificationBus, RedisNotificationBus } from './live/notification-bus';
import { NotificationHub } from './live/notification-hub';
import { NotificationStreamsService } from './live/notification-streams.service';
import { NotificationEntity } from './notification.entity';
import { NotificationDelivery } from './notification-delivery.service';
import { NotificationRecorder } from './notification-recorder.service';
import { NotificationsController } from './notifications.controller';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';
import { BookingCalendar } from '../bookings/calendar/booking-calendar';

@Module({
  imports: [TypeOrmModule.forFeature([NotificationEntity, OutboxEmailEntity]), UsersModule],
  controllers: [NotificationsController],
  providers: [
    NotificationsRepository,
    NotificationsService,
    NotificationRecorder,
    BookingCalendar,
    NotificationDelivery,
    NotifiableEventsListener,
    SessionEndingsListener,
    AccountEmailsListener,
    EmailOutboxRepository,
    EmailSender,
    NotificationHub,
    NotificationStreamsService,
    {
      provide: NotificationBus,
      inject: [REDIS, ConfigService, NotificationHub],
      useFactory: (redis: RedisClient, config: ConfigService<AppConfig, true>, hub: NotificationHub): NotificationBus => {
        const { url } = config.get('redis', { infer: true });
        return redis && url ? new RedisNotificationBus(redis, url, hub) : new LocalNotificationBus(hub);
      },
    },
  ],
})
export class NotificationsModule {}
