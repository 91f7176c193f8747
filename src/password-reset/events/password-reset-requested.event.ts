import { DomainEvent } from '../../common/events/domain-event';
import { AccountEmailRecipient } from '../../users/events/account-email.events';

/**
 * A reset link was issued: recorded in the transaction that stores the token's hash, so notifications/ queues
 * the e-mail in the outbox with it (retried until the mail server takes it). The token is only in memory and in
 * the e-mail.
 */
export class PasswordResetRequestedEvent extends DomainEvent {
  static readonly eventName = 'user.password_reset_requested';
  readonly name = PasswordResetRequestedEvent.eventName;

  constructor(
    readonly to: AccountEmailRecipient,
    readonly token: string,
    readonly ttlMinutes: number,
  ) {
    super();
  }
}
