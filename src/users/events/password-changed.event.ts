import { DomainEvent } from '../../common/events/domain-event';

/** A user's password was changed (by themself, an admin, or a reset link). */
export class PasswordChangedEvent extends DomainEvent {
  static readonly eventName = 'user.password_changed';
  readonly name = PasswordChangedEvent.eventName;

  constructor(
    readonly userId: string,
    readonly email: string,
    readonly via: 'profile' | 'reset',
  ) {
    super();
  }
}
