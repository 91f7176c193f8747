import { Role } from '../../common/auth/role.enum';
import { DomainEvent } from '../../common/events/domain-event';

/**
 * An account was deleted (soft): it can no longer sign in, and a provider's services leave the catalog.
 * Recorded in the deleting transaction, so what must go with the account (its open bookings) goes in it too.
 */
export class UserDeletedEvent extends DomainEvent {
  static readonly eventName = 'user.deleted';
  readonly name = UserDeletedEvent.eventName;

  constructor(
    readonly userId: string,
    /** The deleted account's role. */
    readonly role: Role,
    /** Who deleted it: the account's owner, or an admin. */
    readonly deletedBy: Role,
    /** The id of who deleted it (recorded in the history of the bookings it cancels). */
    readonly deletedById?: string,
  ) {
    super();
  }
}
