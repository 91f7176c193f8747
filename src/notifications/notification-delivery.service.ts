import { Injectable, Logger } from '@nestjs/common';
import { EmailSender } from './email/email-sender.service';
import { toLiveNotification } from './live/live-notification';
import { NotificationBus } from './live/notification-bus';
import { RecordedNotifications } from './notification-recorder.service';

/** After commit, off the request's path: pushes what NotificationRecorder wrote to open streams and starts its e-mails. */
@Injectable()
export class NotificationDelivery {
  private readonly logger = new Logger(NotificationDelivery.name);

  constructor(
    private readonly bus: NotificationBus,
    private readonly emails: EmailSender,
  ) {}

  /** Never throws: the rows are committed, so a stream replays them and the sweep sends the e-mails. */
  async deliver(eventName: string, recorded: RecordedNotifications): Promise<void> {
    try {
      this.emails.sendSoon(recorded.emailIds);
      for (const notification of recorded.notifications) await this.bus.publish(toLiveNotification(notification));
    } catch (error) {
      this.logger.error({ err: error, event: eventName }, 'Live delivery of notifications failed');
    }
  }
}
