import { Role } from '../../common/auth/role.enum';
import { DomainEvent } from '../../common/events/domain-event';

/** A service was deleted (soft), recorded in the deleting transaction: what was booked on it goes with it. */
export class ServiceDeletedEvent extends DomainEvent {
  static readonly eventName = 'service.deleted';
  readonly name = ServiceDeletedEvent.eventName;

  constructor(
    readonly serviceId: string,
    /** Who deleted it: its provider, or an admin. */
    readonly deletedBy: Role,
    /** The id of who deleted it (recorded in the history of the bookings it cancels). */
    readonly deletedById?: string,
  ) {
    super();
  }
}
