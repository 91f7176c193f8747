import { DomainEvent } from '../../common/events/domain-event';

/**
 * Events that e-mail an account's owner a link about their address, recorded in the transaction that stores the
 * link's token hash: notifications/ queues the e-mail in the outbox in that transaction, so the link is sent
 * (and retried until sent) if and only if the token exists. The token itself is only in this event, in memory,
 * and in the e-mail: never in a notification the API shows, where a stolen access token could read it.
 */

/** Whom an account e-mail goes to. */
export interface AccountEmailRecipient {
  userId: string;
  /** The address the e-mail is sent to. */
  email: string;
  firstName: string;
}

/** A new account (or one asking again) is sent a link that proves it reads its address. */
export class EmailVerificationRequestedEvent extends DomainEvent {
  static readonly eventName = 'user.email_verification_requested';
  readonly name = EmailVerificationRequestedEvent.eventName;

  constructor(
    readonly to: AccountEmailRecipient,
    readonly token: string,
    readonly ttlHours: number,
  ) {
    super();
  }
}

/** The owner asked to move the account to `to.email`: that address is sent the link that confirms it. */
export class EmailChangeRequestedEvent extends DomainEvent {
  static readonly eventName = 'user.email_change_requested';
  readonly name = EmailChangeRequestedEvent.eventName;

  constructor(
    readonly to: AccountEmailRecipient,
    readonly token: string,
    readonly ttlHours: number,
  ) {
    super();
  }
}

/**
 * The account moved from `to.email` (the old address, told) to `newEmail`. A change the owner confirmed comes
 * with a link that reverts it (`revertToken`); an admin's change comes without one.
 */
export class EmailChangedEvent extends DomainEvent {
  static readonly eventName = 'user.email_changed';
  readonly name = EmailChangedEvent.eventName;

  constructor(
    readonly to: AccountEmailRecipient,
    readonly newEmail: string,
    readonly revert: { token: string; ttlHours: number } | null,
  ) {
    super();
  }
}
