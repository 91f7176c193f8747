import '../../helpers/floor-env';
import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { TokenDenyList } from '../../../src/auth/token-deny-list';
import { Role } from '../../../src/common/auth/role.enum';
import { createUser, TestUser } from '../../factories/user.factory';
import { createTestApp, e2eRedisUrl, TEST_JWT_SECRET, TestApp } from '../../helpers/test-app';
import { authenticate } from '../../../bench/floor/auth';
import { pool, redis } from '../../../bench/floor/context';

/**
 * The bench's floor server answers a bearer token as the app does: the same token is accepted by both or
 * refused by both. The floor once took the app's cached "not revoked" answer in Redis for a revocation, and
 * refused the tokens the app had just accepted (401s that flattered the floor's rate).
 */
describe('bench floor: the same answer as the app for the same token', () => {
  let t: TestApp;
  const jwt = new JwtService({ secret: TEST_JWT_SECRET, signOptions: { algorithm: 'HS256' } });
  /** A token as the bench signs them: no session, valid for hours. */
  const benchToken = (user: TestUser) => jwt.sign({ role: user.role }, { subject: user.id, jwtid: randomUUID(), expiresIn: 3600 });

  beforeAll(async () => {
    t = await createTestApp({ REDIS_URL: e2eRedisUrl() || undefined });
  });
  afterAll(async () => {
    await pool.end();
    redis?.disconnect();
    await t.close();
  });

  async function answers(token: string): Promise<{ app: boolean; floor: boolean }> {
    const response = await t.http.get('/notifications/unread/count').set('Authorization', `Bearer ${token}`);
    const floor = await authenticate(`Bearer ${token}`);
    return { app: response.status === 200, floor: floor !== null };
  }

  it('accepts a valid token the app has just checked (its "not revoked" answer cached), as the app does, every time', async () => {
    const customer = await createUser(t, Role.CUSTOMER);
    const token = benchToken(customer);
    expect(await answers(token)).toEqual({ app: true, floor: true });
    expect(await answers(token)).toEqual({ app: true, floor: true });
    expect(await answers(customer.token)).toEqual({ app: true, floor: true });
  });

  it('refuses a logged-out token, a suspended account and a token from before the credentials changed, as the app does', async () => {
    const [revoked, suspended, changed] = await Promise.all([createUser(t), createUser(t), createUser(t)]);
    const revokedToken = benchToken(revoked);
    expect(await answers(revokedToken)).toEqual({ app: true, floor: true });
    await t.app.get(TokenDenyList).revoke(JSON.parse(Buffer.from(revokedToken.split('.')[1], 'base64url').toString()).jti, new Date(Date.now() + 3600_000));
    expect(await answers(revokedToken)).toEqual({ app: false, floor: false });

    const suspendedToken = benchToken(suspended);
    await t.dataSource.query(`UPDATE users SET status = 'SUSPENDED' WHERE id = $1`, [suspended.id]);
    expect(await answers(suspendedToken)).toEqual({ app: false, floor: false });

    const changedToken = benchToken(changed);
    await t.dataSource.query(`UPDATE users SET credentials_changed_at = now() + interval '2 seconds' WHERE id = $1`, [changed.id]);
    expect(await answers(changedToken)).toEqual({ app: false, floor: false });
  });

  it('refuses a forged or malformed token, as the app does', async () => {
    const customer = await createUser(t);
    const forged = new JwtService({ secret: 'another-secret-that-is-long-enough-0123456789', signOptions: { algorithm: 'HS256' } }).sign(
      { role: customer.role },
      { subject: customer.id, jwtid: randomUUID(), expiresIn: 3600 },
    );
    const noJti = jwt.sign({ role: customer.role }, { subject: customer.id, expiresIn: 3600 });
    const badRole = jwt.sign({ role: 'ROOT' }, { subject: customer.id, jwtid: randomUUID(), expiresIn: 3600 });
    for (const token of [forged, noJti, badRole, 'not-a-token']) expect(await answers(token)).toEqual({ app: false, floor: false });
  });
});
