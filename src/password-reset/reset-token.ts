import { generateLinkToken, hashLinkToken } from '../common/auth/link-token';

/** A reset token: 32 random bytes, base64url. Only its SHA-256 is stored. */
export const generateResetToken = generateLinkToken;
export const hashResetToken = hashLinkToken;
