import { createHmac, timingSafeEqual } from 'node:crypto';
import { pool, redis, secret } from './context';
import type { Account } from './rows';
import { ACCOUNT, OPEN_SESSION, REVOKED_TOKEN, rows } from './sql';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLES = new Set(['CUSTOMER', 'PROVIDER', 'ADMIN']);
/** As the app's TokenDenyList: '1' revoked, '0' checked and not revoked (for 30 s), nothing: ask PostgreSQL. */
const REVOKED = '1';
const NOT_REVOKED_CACHE_MS = 30_000;

interface Claims {
  sub?: unknown;
  jti?: unknown;
  iat?: unknown;
  exp?: unknown;
  nbf?: unknown;
  role?: unknown;
  sid?: unknown;
}

/** The app's deny-list for a token without a session: the Redis answer when there is one, else PostgreSQL's, cached. */
async function isRevoked(jti: string): Promise<boolean> {
  const cached = redis ? await redis.get(`auth:revoked:${jti}`).catch(() => null) : null;
  if (cached !== null) return cached === REVOKED;
  const [row] = await rows<{ RevokedTokenEntity_expires_at: Date }>(pool, REVOKED_TOKEN, [jti, new Date()]);
  if (redis) {
    const key = `auth:revoked:${jti}`;
    if (row) await redis.set(key, REVOKED, 'PX', Math.ceil(row.RevokedTokenEntity_expires_at.getTime() - Date.now())).catch(() => undefined);
    else await redis.set(key, '0', 'PX', NOT_REVOKED_CACHE_MS, 'NX').catch(() => undefined);
  }
  return row !== undefined;
}

/**
 * What the app's JwtStrategy checks, in the same order and with the same outcome for the same token: HS256
 * signature, expiry and not-before, every claim with its type; then at once the account, the session (a
 * token with `sid`) or the deny-list (a token without); refused for a missing, deleted or suspended account,
 * a token issued before the credentials last changed, or a session ended, expired or begun before that change.
 */
export async function authenticate(header: string | undefined): Promise<Account | null> {
  const match = /^bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return null;
  const [head, body, signature, extra] = match[1].split('.');
  if (!signature || extra !== undefined) return null;
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let claims: Claims;
  try {
    if ((JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: unknown }).alg !== 'HS256') return null;
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
  } catch {
    return null;
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || now >= claims.exp) return null;
  if (typeof claims.nbf === 'number' && now < claims.nbf) return null;
  const { sub, jti, iat, role, sid } = claims;
  if (typeof sub !== 'string' || typeof jti !== 'string' || typeof iat !== 'number' || typeof role !== 'string' || !ROLES.has(role)) return null;
  if (sid !== undefined && (typeof sid !== 'string' || !UUID.test(sid))) return null;
  const [[account], [session], revoked] = await Promise.all([
    rows<Account & { status: string; credentials_changed_at: Date }>(pool, ACCOUNT, [sub]),
    sid ? rows<{ user_id: string; created_at: Date; expires_at: Date }>(pool, OPEN_SESSION, [sid]) : Promise.resolve([]),
    sid ? Promise.resolve(false) : isRevoked(jti),
  ]);
  if (!account || revoked || account.status === 'SUSPENDED') return null;
  const changedAt = account.credentials_changed_at.getTime();
  if (iat < Math.floor(changedAt / 1000)) return null;
  if (sid && !(session && session.user_id === account.id && session.expires_at.getTime() > Date.now() && session.created_at.getTime() >= changedAt)) {
    return null;
  }
  return { id: account.id, email: account.email, role: account.role };
}
