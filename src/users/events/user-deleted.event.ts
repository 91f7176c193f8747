import { DomainEvent } from '../../common/events/domain-event';

/** An account was deleted (soft): it can no longer sign in, and a provider's services leave the catalog. */
export class UserDeletedEvent extends DomainEvent {
  static readonly eventName = 'user.deleted';
  readonly name = UserDeletedEvent.eventName;

  constructor(readonly userId: string) {
    super();
  }
}
