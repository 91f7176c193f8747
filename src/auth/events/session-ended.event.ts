import { DomainEvent } from '../../common/events/domain-event';
import type { SessionEndReason } from '../sessions/session.entity';

/**
 * One session ended (logout, `DELETE /auth/sessions/{id}`, reuse of a rotated refresh token): its access and
 * refresh tokens are refused from now on, and its live streams close on every instance. When all of a user's
 * sessions end, SessionsEndedEvent says so instead.
 */
export class SessionEndedEvent extends DomainEvent {
  static readonly eventName = 'auth.session_ended';
  readonly name = SessionEndedEvent.eventName;

  constructor(
    readonly userId: string,
    readonly sessionId: string,
    readonly reason: Extract<SessionEndReason, 'logout' | 'ended_by_user' | 'refresh_token_reused'>,
  ) {
    super();
  }
}
