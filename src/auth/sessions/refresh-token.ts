import { createHash, randomBytes } from 'node:crypto';

/** A refresh token: 32 random bytes, base64url (opaque to clients). Only its SHA-256 is stored. */
export function generateRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

/** SHA-256, hex: a token of 256 random bits needs no slow hash, and a lookup by hash is one index probe. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
