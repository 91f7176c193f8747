import { createHash, randomBytes } from 'node:crypto';

/**
 * A token for a link sent by e-mail (password reset, address verification, e-mail change): 32 random bytes,
 * base64url. Only its SHA-256 is stored, so a copy of the database opens no account.
 */
export function generateLinkToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashLinkToken(token) };
}

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
