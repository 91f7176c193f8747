/** A user's password was changed (by themself, an admin, or a reset link). */
export class PasswordChangedEvent {
  static readonly eventName = 'user.password_changed';

  constructor(
    readonly userId: string,
    readonly email: string,
    readonly via: 'profile' | 'reset',
  ) {}
}
