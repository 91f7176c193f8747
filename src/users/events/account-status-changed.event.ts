import { Role } from '../../common/auth/role.enum';
import { DomainEvent } from '../../common/events/domain-event';
import { AccountStatus } from '../account-status.enum';

/**
 * An admin suspended or reactivated an account. Recorded in the changing transaction: a suspension cancels
 * the account's open bookings there as a deletion by an admin does (bookings' party-departures listener),
 * and its services leave the public catalog (the catalog lists only services of ACTIVE accounts).
 */
export class AccountStatusChangedEvent extends DomainEvent {
  static readonly eventName = 'user.status_changed';
  readonly name = AccountStatusChangedEvent.eventName;

  constructor(
    readonly userId: string,
    /** The account's role. */
    readonly role: Role,
    readonly status: AccountStatus,
  ) {
    super();
  }
}
