import { applyDecorators, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AfterCommit, TransactionalEvent } from '../../common/database/unit-of-work';
import { inTransaction } from '../../common/events/domain-event';
import { NOTIFIABLE_EVENT_NAMES, NotifiableEvent } from '../notifiable-events';
import { NotificationDelivery } from '../notification-delivery.service';
import { NotificationRecorder } from '../notification-recorder.service';

/**
 * Subscribes a handler to the in-transaction phase of every event in NOTIFIABLE_EVENTS (UnitOfWork awaits
 * it). An error there must roll the change back rather than commit it without its notifications, hence
 * `suppressErrors: false`.
 */
const OnEveryNotifiableEvent = (): MethodDecorator =>
  applyDecorators(...NOTIFIABLE_EVENT_NAMES.map((name) => OnEvent(inTransaction(name), { suppressErrors: false })));

/**
 * The notification pipeline, one handler per phase: in the event's transaction the recorder writes the
 * notifications and e-mails; what it wrote is handed back to UnitOfWork as the after-commit step, which
 * pushes and sends exactly those rows.
 */
@Injectable()
export class NotifiableEventsListener {
  constructor(
    private readonly recorder: NotificationRecorder,
    private readonly delivery: NotificationDelivery,
  ) {}

  @OnEveryNotifiableEvent()
  async onNotifiableEvent({ event, manager }: TransactionalEvent<NotifiableEvent>): Promise<AfterCommit> {
    const recorded = await this.recorder.record(event, manager);
    return () => this.delivery.deliver(event.name, recorded);
  }
}
