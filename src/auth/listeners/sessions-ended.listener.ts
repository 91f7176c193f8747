import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { TransactionalEvent } from '../../common/database/unit-of-work';
import { inTransaction } from '../../common/events/domain-event';
import { SecurityLog } from '../../common/logging/security-log';
import { SessionsEndedEvent } from '../../users/events/sessions-ended.event';
import { SessionsRepository } from '../sessions/sessions.repository';

/**
 * Every session of a user ended (password change or reset, logout everywhere, deletion, ...). The credentials
 * change recorded with the event already refuses their tokens; in the same transaction this marks the
 * sessions ended, with the reason, and after commit says so in the security log.
 */
@Injectable()
export class SessionsEndedListener {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly securityLog: SecurityLog,
  ) {}

  @OnEvent(inTransaction(SessionsEndedEvent.eventName), { suppressErrors: false })
  async markEnded({ event, manager }: TransactionalEvent<SessionsEndedEvent>): Promise<void> {
    await this.sessions.endAllOf(event.userId, event.reason, manager);
  }

  @OnEvent(SessionsEndedEvent.eventName)
  logEnded(event: SessionsEndedEvent): void {
    this.securityLog.record('sessions.ended', { userId: event.userId, detail: event.reason });
  }
}
