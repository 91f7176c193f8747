import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A device token lives this long: a client that signed in within it is known to the account. */
export const DEVICE_TOKEN_TTL_SECONDS = 180 * 24 * 60 * 60;

/**
 * OWASP's "device cookie": handed to a client at a successful login and sent back on its next logins
 * (`X-Device-Token` or `device_token`), so that client is known to that account and strangers' wrong
 * guesses do not lock it out. `<accountId>.<issuedAt>.<nonce>.<HMAC-SHA256>` under SECRET_KEY: nothing is
 * stored; the nonce keys the token's own failure count.
 */
export class DeviceTokens {
  constructor(private readonly secret: string) {}

  issue(accountId: string, now = Date.now()): string {
    const body = `${accountId}.${Math.floor(now / 1000)}.${randomBytes(16).toString('base64url')}`;
    return `${body}.${this.sign(body)}`;
  }

  /** The token's nonce when it is genuine, unexpired and was issued to `accountId`; else null. */
  verify(token: string | undefined, accountId: string, now = Date.now()): string | null {
    if (!token || token.length > 200) return null;
    const parts = token.split('.');
    if (parts.length !== 4) return null;
    const [id, issuedAt, nonce, signature] = parts;
    const expected = Buffer.from(this.sign(`${id}.${issuedAt}.${nonce}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (id !== accountId) return null;
    const age = now / 1000 - Number(issuedAt);
    return age >= 0 && age <= DEVICE_TOKEN_TTL_SECONDS ? nonce : null;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(`device-token:${body}`).digest('base64url');
  }
}
