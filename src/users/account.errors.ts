import { ForbiddenError } from '../common/errors/domain.error';

/** The password was right, but an admin suspended the account (told only to whoever knows the password). */
export class AccountSuspendedError extends ForbiddenError {
  constructor() {
    super('This account is suspended. Contact support.', 'ACCOUNT_SUSPENDED');
  }
}

/** An admin suspending their own account would lock them out (and maybe the last admin with them). */
export class CannotSuspendSelfError extends ForbiddenError {
  constructor() {
    super('You cannot suspend your own account.', 'CANNOT_SUSPEND_SELF');
  }
}

export class StatusChangeForbiddenError extends ForbiddenError {
  constructor() {
    super('Only an admin can change an account status.', 'STATUS_CHANGE_FORBIDDEN');
  }
}
