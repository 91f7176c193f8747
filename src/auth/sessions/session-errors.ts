import { UnauthorizedError } from '../../common/errors/domain.error';

/**
 * 401 for a refresh token that is unknown, expired, already rotated (the session then ends: RFC 9700
 * reuse detection) or of a session that ended. One code and one message for all: the answer tells an
 * attacker nothing about which.
 */
export class InvalidRefreshTokenError extends UnauthorizedError {
  constructor() {
    super('The refresh token is invalid, expired or already used: sign in again.', 'INVALID_REFRESH_TOKEN');
  }
}
