import { createHmac, timingSafeEqual } from 'node:crypto';
import { pool, redis, secret } from './context';
import type { Account } from './rows';
import { ACCOUNT, rows } from './sql';

/** HS256 signature, expiry and claims; then the deny-list and the account, as the app checks them. */
export async function authenticate(header: string | undefined): Promise<Account | null> {
  const match = /^bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return null;
  const [head, body, signature] = match[1].split('.');
  if (!signature) return null;
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { sub?: string; jti?: string; iat?: number; exp?: number; role?: string };
  if (!claims.sub || !claims.jti || typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return null;
  const [revoked, [account]] = await Promise.all([
    redis ? redis.exists(`auth:revoked:${claims.jti}`) : Promise.resolve(0),
    rows<Account & { credentials_changed_at: Date }>(pool, ACCOUNT, [claims.sub]),
  ]);
  if (revoked || !account || claims.iat < Math.floor(account.credentials_changed_at.getTime() / 1000)) return null;
  return account;
}
