import { generateOpaqueToken, hashOpaqueToken } from '../common/auth/opaque-token';

/** A reset token: 32 random bytes, base64url. Only its SHA-256 is stored. */
export const generateResetToken = generateOpaqueToken;
export const hashResetToken = hashOpaqueToken;
