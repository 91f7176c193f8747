import { ConflictError, ForbiddenError, ValidationFailedError } from '../common/errors/domain.error';

/** The errors of account addresses: taken, already verified, not verified, and a link that does not work. */
export const emailTaken = () => new ConflictError('EMAIL_TAKEN', 'An account with this e-mail already exists.');

export const emailAlreadyVerified = () => new ConflictError('EMAIL_ALREADY_VERIFIED', 'Your e-mail address is already verified.');

export const emailNotVerified = () =>
  new ForbiddenError('Verify your e-mail address first: open the link we e-mailed you, or ask for a new one.', 'EMAIL_NOT_VERIFIED');

export const invalidEmailLink = () =>
  new ValidationFailedError([{ field: 'token', message: 'token is invalid, expired or already used' }], 'The link is invalid, expired or already used.');
