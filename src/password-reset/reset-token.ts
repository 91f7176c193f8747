import { createHash, randomBytes } from 'node:crypto';

/** A reset token: 32 random bytes, base64url. Only its SHA-256 is stored. */
export function generateResetToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashResetToken(token) };
}

export function hashResetToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
