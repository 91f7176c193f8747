import { DomainEvent } from '../../common/events/domain-event';

/**
 * Every session of an account ended (password changed or reset, e-mail change reverted, account suspended
 * or deleted, logout everywhere). Ending them is one write, in the transaction of the change that causes it:
 * `credentials_changed_at` set to now, which refuses every access and refresh token issued before. This event,
 * recorded in that transaction, tells the live streams (on every instance) to close.
 */
export class SessionsEndedEvent extends DomainEvent {
  static readonly eventName = 'user.sessions_ended';
  readonly name = SessionsEndedEvent.eventName;

  constructor(
    readonly userId: string,
    readonly reason: 'password_changed' | 'email_change_reverted' | 'suspended' | 'deleted' | 'logout_all',
  ) {
    super();
  }
}
