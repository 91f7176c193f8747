import { createHash, randomBytes } from 'node:crypto';

/**
 * An opaque bearer secret (a link sent by e-mail: password reset, address verification, e-mail change; a
 * refresh token): 32 random bytes, base64url. Only its SHA-256 is stored, so a copy of the database opens no
 * account.
 */
export function generateOpaqueToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOpaqueToken(token) };
}

/** SHA-256, hex: a token of 256 random bits needs no slow hash, and a lookup by hash is one index probe. */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
