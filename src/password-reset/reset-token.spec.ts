import { createHash } from 'node:crypto';
import { generateResetToken, hashResetToken } from './reset-token';

describe('reset tokens', () => {
  it('are 32 random bytes in base64url', () => {
    const { token } = generateResetToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('are different every time', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => generateResetToken().token));
    expect(tokens.size).toBe(1000);
  });

  it('are stored as their SHA-256, never as themselves', () => {
    const { token, hash } = generateResetToken();
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hash).not.toContain(token);
    expect(hashResetToken(token)).toBe(hash);
    expect(hashResetToken(token + 'x')).not.toBe(hash);
  });
});
