import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { SessionEndedEvent } from '../../auth/events/session-ended.event';
import { AfterCommit, TransactionalEvent } from '../../common/database/unit-of-work';
import { inTransaction } from '../../common/events/domain-event';
import { SessionsEndedEvent } from '../../users/events/sessions-ended.event';
import { NotificationBus } from '../live/notification-bus';

/**
 * Live streams end with the session they were opened in, on every instance: one session's when it ends,
 * all of the user's when all of them end (password change or reset, logout everywhere, deletion...).
 * Heard in the transaction only to hand UnitOfWork the closing as after-commit work, which it starts after
 * the steps recorded before it: the notifications the same change caused (the password change's) are
 * pushed first, so the stream carries them before it closes.
 */
@Injectable()
export class SessionEndingsListener {
  constructor(private readonly bus: NotificationBus) {}

  @OnEvent(inTransaction(SessionEndedEvent.eventName))
  onSessionEnded({ event }: TransactionalEvent<SessionEndedEvent>): AfterCommit {
    return () => this.bus.endStreams({ userId: event.userId, sessionId: event.sessionId });
  }

  @OnEvent(inTransaction(SessionsEndedEvent.eventName))
  onSessionsEnded({ event }: TransactionalEvent<SessionsEndedEvent>): AfterCommit {
    return () => this.bus.endStreams({ userId: event.userId });
  }
}
