import { generateOpaqueToken, hashOpaqueToken } from '../../common/auth/opaque-token';

/** A refresh token: an opaque token (32 random bytes, base64url) of which only the SHA-256 is stored. */
export const generateRefreshToken = generateOpaqueToken;
export const hashRefreshToken = hashOpaqueToken;
