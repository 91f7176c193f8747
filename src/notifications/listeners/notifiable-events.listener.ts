import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AfterCommit, IN_TRANSACTION_BATCH, TransactionalEvents } from '../../common/database/unit-of-work';
import { isNotifiable } from '../notifiable-events';
import { NotificationDelivery } from '../notification-delivery.service';
import { NotificationRecorder } from '../notification-recorder.service';

/**
 * The notification pipeline, one handler per phase: in the transaction, once for all its events of
 * NOTIFIABLE_EVENTS (UnitOfWork awaits it, after the per-event handlers), the recorder writes their
 * notifications and e-mails in a few statements; what it wrote is handed back to UnitOfWork as the
 * after-commit step, which pushes and sends exactly those rows. An error here must roll the change back
 * rather than commit it without its notifications, hence `suppressErrors: false`.
 */
@Injectable()
export class NotifiableEventsListener {
  constructor(
    private readonly recorder: NotificationRecorder,
    private readonly delivery: NotificationDelivery,
  ) {}

  @OnEvent(IN_TRANSACTION_BATCH, { suppressErrors: false })
  async onEvents({ events, manager }: TransactionalEvents): Promise<AfterCommit | undefined> {
    const notifiable = events.filter(isNotifiable);
    if (notifiable.length === 0) return undefined;
    const recorded = await this.recorder.record(notifiable, manager);
    return () => this.delivery.deliver(notifiable.map((event) => event.name).join(', '), recorded);
  }
}
