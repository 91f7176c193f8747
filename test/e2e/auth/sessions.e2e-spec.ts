import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import jwt from 'jsonwebtoken';
import type { Test } from 'supertest';
import { SignInLinks } from '../../../src/auth/sign-in-link.service';
import { SecurityLog } from '../../../src/common/logging/security-log';
import { createUser, TestUser } from '../../factories/user.factory';
import { resetTokenOf, waitForMail } from '../../helpers/mail';
import { fireAtOnce, listen, send, statusCounts } from '../../helpers/parallel';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, TEST_JWT_SECRET, TestApp } from '../../helpers/test-app';

interface TokenPair {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const bearer = (pair: Pick<TokenPair, 'access_token'>) => ({ Authorization: `Bearer ${pair.access_token}` });
const sidOf = (pair: Pick<TokenPair, 'access_token'>) => (jwt.decode(pair.access_token) as { sid: string }).sid;

describe('sessions: refresh tokens, logout, logout everywhere, the list of sessions', () => {
  let t: TestApp;
  /** The app on a real port: requests truly at once, over connections of their own. */
  let url: string;

  beforeAll(async () => {
    t = await createTestApp();
    url = await listen(t);
  });
  afterAll(() => t.close());

  const signIn = async (user: Pick<TestUser, 'email' | 'password'>, userAgent = 'sessions-e2e'): Promise<TokenPair> =>
    (await t.http.post('/auth/login').set('User-Agent', userAgent).send({ email: user.email, password: user.password }).expect(200)).body as TokenPair;
  const refresh = (refreshToken: string): Test => t.http.post('/auth/refresh').send({ refresh_token: refreshToken });
  const refreshed = async (refreshToken: string): Promise<TokenPair> => (await refresh(refreshToken).expect(200)).body as TokenPair;
  const expectRefused = async (refreshToken: string) => expectProblem(await refresh(refreshToken), 401, 'INVALID_REFRESH_TOKEN');
  const expectSignedOut = async (pair: TokenPair) => {
    expectProblem(await t.http.get('/users/me').set(bearer(pair)), 401, 'UNAUTHORIZED');
    await expectRefused(pair.refresh_token);
  };
  const sessionsOf = async (pair: TokenPair): Promise<SessionView[]> =>
    (await t.http.get('/auth/sessions').set(bearer(pair)).expect(200)).body as SessionView[];
  const sessionRow = async (id: string) =>
    (await t.dataSource.query<Array<{ ended_at: Date | null; end_reason: string | null }>>('SELECT ended_at, end_reason FROM sessions WHERE id = $1', [id]))[0];

  describe('POST /auth/login and POST /auth/refresh', () => {
    it('login opens a session; refresh answers a new pair in the same session and spends the refresh token', async () => {
      const user = await createUser(t);
      const first = await signIn(user);
      expect(first).toEqual({
        access_token: expect.any(String),
        token_type: 'bearer',
        expires_in: 1800,
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        refresh_expires_in: 30 * 86_400,
      });
      expect(sidOf(first)).toMatch(UUID);

      const second = await refreshed(first.refresh_token);
      expect(second).toEqual({
        access_token: expect.any(String),
        token_type: 'bearer',
        expires_in: 1800,
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        refresh_expires_in: expect.any(Number),
      });
      // Refreshing never extends the session: its end is fixed at the sign-in.
      expect(second.refresh_expires_in).toBeLessThanOrEqual(first.refresh_expires_in);
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.access_token).not.toBe(first.access_token);
      expect(sidOf(second)).toBe(sidOf(first));
      const me = await t.http.get('/users/me').set(bearer(second)).expect(200);
      expect(me.body).toMatchObject({ id: user.id });

      // Only the hash is stored: the token itself appears nowhere in the database.
      const stored = await t.dataSource.query<Array<{ token_hash: string }>>('SELECT token_hash FROM refresh_tokens WHERE session_id = $1', [sidOf(first)]);
      expect(stored).toHaveLength(2);
      expect(stored.map((row) => row.token_hash)).not.toContain(first.refresh_token);

      // The new refresh token works in turn.
      await refreshed(second.refresh_token);
    });

    it('a rotated refresh token presented again ends its whole session: every access and refresh token of it answers 401', async () => {
      const user = await createUser(t);
      const first = await signIn(user);
      const second = await refreshed(first.refresh_token);
      const other = await signIn(user);

      await expectRefused(first.refresh_token);

      expectProblem(await t.http.get('/users/me').set(bearer(first)), 401, 'UNAUTHORIZED');
      expectProblem(await t.http.get('/users/me').set(bearer(second)), 401, 'UNAUTHORIZED');
      await expectRefused(second.refresh_token);
      expect(await sessionRow(sidOf(first))).toEqual({ ended_at: expect.any(Date), end_reason: 'refresh_token_reused' });
      // The user's other session is not touched.
      await t.http.get('/users/me').set(bearer(other)).expect(200);
      await refreshed(other.refresh_token);
    });

    it('two refreshes of the same token at once: exactly one wins, the other is a reuse that ends the session', async () => {
      const user = await createUser(t);
      const pair = await signIn(user);
      const answers = await fireAtOnce(2, () => send(`${url}/auth/refresh`, { method: 'POST', body: { refresh_token: pair.refresh_token } }));

      expect(statusCounts(answers)).toEqual({ 200: 1, 401: 1 });
      const loser = answers.find((answer) => answer.status === 401);
      expect(loser?.body).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });
      const winner = answers.find((answer) => answer.status === 200)?.body as TokenPair;
      // RFC 9700: the session is ended, so the pair the winner received is refused too.
      await expectSignedOut(winner);
      expect(await sessionRow(sidOf(pair))).toMatchObject({ end_reason: 'refresh_token_reused' });
    });

    it('takes the OAuth2 refresh grant form too (grant_type=refresh_token)', async () => {
      const user = await createUser(t);
      const pair = await signIn(user);
      const response = await t.http.post('/auth/refresh').type('form').send({ grant_type: 'refresh_token', refresh_token: pair.refresh_token }).expect(200);
      expect(sidOf(response.body as TokenPair)).toBe(sidOf(pair));
      expectFieldError(await t.http.post('/auth/refresh').type('form').send({ grant_type: 'password', refresh_token: pair.refresh_token }), 'grant_type');
    });

    it('answers 401 INVALID_REFRESH_TOKEN for a token it never issued and 400 without one', async () => {
      await expectRefused('x'.repeat(43));
      await expectRefused(randomUUID());
      expectFieldError(await t.http.post('/auth/refresh').send({}), 'refresh_token');
      expectFieldError(await t.http.post('/auth/refresh').send({ refresh_token: 42 }), 'refresh_token');
    });

    it('refuses the refresh token of a deleted account', async () => {
      const user = await createUser(t);
      const pair = await signIn(user);
      await t.http.delete(`/users/${user.id}`).set(bearer(pair)).expect(204);
      await expectRefused(pair.refresh_token);
      expect(await sessionRow(sidOf(pair))).toMatchObject({ end_reason: 'deleted' });
    });
  });

  describe('POST /auth/logout and POST /auth/logout-all', () => {
    it('logout ends the session of the token: its access and refresh tokens answer 401, other sessions go on', async () => {
      const user = await createUser(t);
      const pair = await signIn(user);
      const rotated = await refreshed(pair.refresh_token);
      const other = await signIn(user);

      await t.http.post('/auth/logout').set(bearer(pair)).expect(204);

      await expectSignedOut(rotated);
      expectProblem(await t.http.get('/users/me').set(bearer(pair)), 401, 'UNAUTHORIZED');
      expect(await sessionRow(sidOf(pair))).toEqual({ ended_at: expect.any(Date), end_reason: 'logout' });
      await t.http.get('/users/me').set(bearer(other)).expect(200);
      await refreshed(other.refresh_token);
    });

    it('logout-all ends every session of the caller, and only theirs; a new sign-in works', async () => {
      const user = await createUser(t);
      const someoneElse = await createUser(t);
      const sessions = [await signIn(user), await signIn(user), await signIn(user)];

      await t.http.post('/auth/logout-all').set(bearer(sessions[1])).expect(204);

      for (const pair of sessions) await expectSignedOut(pair);
      expectProblem(await t.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
      for (const pair of sessions) expect(await sessionRow(sidOf(pair))).toMatchObject({ end_reason: 'logout_all' });
      await t.http.get('/users/me').set(someoneElse.auth).expect(200);

      const fresh = await signIn(user);
      await t.http.get('/users/me').set(bearer(fresh)).expect(200);
      expect((await sessionsOf(fresh)).map((session) => session.id)).toEqual([sidOf(fresh)]);
      await refreshed(fresh.refresh_token);
    });

    it('a token from before sessions (no sid) keeps working until it expires, and logout still revokes it', async () => {
      const user = await createUser(t);
      const iat = Math.floor(Date.now() / 1000);
      const legacy = { access_token: jwt.sign({ sub: user.id, role: 'CUSTOMER', jti: randomUUID(), iat, exp: iat + 600 }, TEST_JWT_SECRET) };
      await t.http.get('/users/me').set(bearer(legacy)).expect(200);
      expect((await t.http.get('/auth/sessions').set(bearer(legacy)).expect(200)).body).toEqual(
        expect.arrayContaining([expect.objectContaining({ current: false })]),
      );
      await t.http.post('/auth/logout').set(bearer(legacy)).expect(204);
      expectProblem(await t.http.get('/users/me').set(bearer(legacy)), 401, 'UNAUTHORIZED');
      await t.http.get('/users/me').set(user.auth).expect(200);
    });
  });

  describe('GET /auth/sessions and DELETE /auth/sessions/{id}', () => {
    it('lists the caller’s live sessions, most recently used first, with client details and the current one marked', async () => {
      const user = await createUser(t);
      const stranger = await createUser(t);
      const strangers = await signIn(stranger);
      const phone = await signIn(user, 'Phone/1.0');
      const laptop = await signIn(user, 'Laptop/2.0');
      const ended = await signIn(user, 'Old/0.1');
      await t.http.post('/auth/logout').set(bearer(ended)).expect(204);
      // Used after the laptop signed in: first in the list.
      const phoneAgain = await refreshed(phone.refresh_token);

      const list = await sessionsOf(laptop);
      const mine = list.filter((session) => [sidOf(phone), sidOf(laptop)].includes(session.id));
      expect(mine).toEqual([
        {
          id: sidOf(phone),
          createdAt: expect.any(String),
          lastUsedAt: expect.any(String),
          expiresAt: expect.any(String),
          userAgent: 'Phone/1.0',
          ip: expect.stringMatching(/127\.0\.0\.1/),
          current: false,
        },
        expect.objectContaining({ id: sidOf(laptop), userAgent: 'Laptop/2.0', current: true }),
      ]);
      // The sign-in of createUser is a live session too; the ended one and the stranger's are not listed.
      expect(list.map((session) => session.id)).not.toContain(sidOf(ended));
      expect(list.map((session) => session.id)).not.toContain(sidOf(strangers));
      expect(list).toHaveLength(3);
      expect(Date.parse(mine[0].lastUsedAt)).toBeGreaterThan(Date.parse(mine[0].createdAt));
      expect(Date.parse(mine[1].expiresAt) - Date.parse(mine[1].createdAt)).toBe(30 * 86_400_000);
      // Seen from the phone's session, the phone is current.
      expect((await sessionsOf(phoneAgain)).find((session) => session.current)?.id).toBe(sidOf(phone));
    });

    it('DELETE ends one session of the caller (its tokens answer 401); the caller’s own goes on', async () => {
      const user = await createUser(t);
      const lost = await signIn(user, 'Lost phone');
      const here = await signIn(user);

      const response = await t.http
        .delete(`/auth/sessions/${sidOf(lost)}`)
        .set(bearer(here))
        .expect(204);
      expect(response.text).toBe('');

      await expectSignedOut(lost);
      expect(await sessionRow(sidOf(lost))).toMatchObject({ end_reason: 'ended_by_user' });
      await t.http.get('/users/me').set(bearer(here)).expect(200);
      expect((await sessionsOf(here)).map((session) => session.id)).not.toContain(sidOf(lost));
      // Ended already: nothing to end.
      expectProblem(await t.http.delete(`/auth/sessions/${sidOf(lost)}`).set(bearer(here)), 404, 'NOT_FOUND');
    });

    it('answers 404 for another user’s session (which goes on) and for an unknown id', async () => {
      const owner = await createUser(t);
      const other = await createUser(t);
      const ownerPair = await signIn(owner);

      expectProblem(await t.http.delete(`/auth/sessions/${sidOf(ownerPair)}`).set(other.auth), 404, 'NOT_FOUND');
      expectProblem(await t.http.delete(`/auth/sessions/${randomUUID()}`).set(other.auth), 404, 'NOT_FOUND');
      await t.http.get('/users/me').set(bearer(ownerPair)).expect(200);
      await refreshed(ownerPair.refresh_token);
    });

    it('every session route needs a valid bearer token', async () => {
      for (const request of [t.http.get('/auth/sessions'), t.http.post('/auth/logout-all'), t.http.delete(`/auth/sessions/${randomUUID()}`)]) {
        expectProblem(await request, 401, 'UNAUTHORIZED');
      }
    });
  });

  describe('a password change or reset ends every session', () => {
    it('PUT /users/{id} with a new password: every access and refresh token of the user answers 401', async () => {
      const user = await createUser(t);
      const sessions = [await signIn(user), await signIn(user)];
      await t.http.put(`/users/${user.id}`).set(bearer(sessions[0])).send({ password: 'Changed123!', currentPassword: user.password }).expect(200);

      for (const pair of sessions) await expectSignedOut(pair);
      for (const pair of sessions) expect(await sessionRow(sidOf(pair))).toMatchObject({ end_reason: 'password_changed' });
      const fresh = await signIn({ email: user.email, password: 'Changed123!' });
      await refreshed(fresh.refresh_token);
    });

    it('POST /password-reset/confirm: every access and refresh token of the user answers 401', async () => {
      const user = await createUser(t);
      const pair = await signIn(user);
      await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
      const [mail] = await waitForMail(t.mailDir, 'password_reset', user.email);
      await t.http
        .post('/password-reset/confirm')
        .send({ token: resetTokenOf(mail.body), newPassword: 'Reset-Pass-42' })
        .expect(200);

      await expectSignedOut(pair);
      expectProblem(await t.http.get('/users/me').set(user.auth), 401, 'UNAUTHORIZED');
    });
  });

  describe('the seam other flows end sessions with, sign-in links, pruning and the security log', () => {
    it('credentials_changed_at moved past a session’s start refuses its tokens, even with the row not marked ended', async () => {
      const user = await createUser(t);
      const pair = await signIn(user);
      // What any flow ending every session does first (e-mail change reverted, suspension...), here on its own.
      await t.dataSource.query('UPDATE users SET credentials_changed_at = now() WHERE id = $1', [user.id]);

      await expectSignedOut(pair);
      expect(await sessionRow(sidOf(pair))).toEqual({ ended_at: null, end_reason: null });
      const fresh = await signIn(user);
      expect((await sessionsOf(fresh)).map((session) => session.id)).toEqual([sidOf(fresh)]);
    });

    it('a sign-in link opens a session too', async () => {
      const user = await createUser(t);
      t.app.get(SignInLinks).offer({ id: user.id, email: user.email, firstName: 'Links' });
      const [mail] = await waitForMail(t.mailDir, 'sign_in_link', user.email);
      const token = /\/sign-in\?token=([A-Za-z0-9_.-]+)/.exec(mail.body)?.[1];
      const pair = (await t.http.post('/auth/sign-in-link').send({ token }).expect(200)).body as TokenPair;

      expect(pair).toMatchObject({ refresh_token: expect.any(String), refresh_expires_in: 30 * 86_400 });
      expect((await sessionsOf(pair)).find((session) => session.current)?.id).toBe(sidOf(pair));
      await refreshed(pair.refresh_token);
    });

    it('a sign-in prunes sessions past their lifetime and those ended longer ago than an access token lives', async () => {
      const user = await createUser(t);
      const [expired, endedLongAgo, endedJustNow] = await Promise.all(
        [
          `INSERT INTO sessions (user_id, created_at, last_used_at, expires_at) VALUES ($1, now() - interval '31 days', now() - interval '31 days', now() - interval '1 day') RETURNING id`,
          `INSERT INTO sessions (user_id, created_at, last_used_at, expires_at, ended_at, end_reason) VALUES ($1, now() - interval '2 days', now() - interval '2 days', now() + interval '28 days', now() - interval '1 day', 'logout') RETURNING id`,
          `INSERT INTO sessions (user_id, expires_at, ended_at, end_reason) VALUES ($1, now() + interval '30 days', now(), 'logout') RETURNING id`,
        ].map(async (statement) => (await t.dataSource.query<Array<{ id: string }>>(statement, [user.id]))[0].id),
      );

      await signIn(user);

      const left = await t.dataSource.query<Array<{ id: string }>>('SELECT id FROM sessions WHERE id = ANY($1::uuid[])', [
        [expired, endedLongAgo, endedJustNow],
      ]);
      expect(left.map((row) => row.id)).toEqual([endedJustNow]);
    });

    it('records login.succeeded, login.failed, logout, session.ended, sessions.ended and refresh_token.reused', async () => {
      const log = jest.spyOn(t.app.get(SecurityLog), 'record');
      try {
        const user = await createUser(t);
        await t.http.post('/auth/login').send({ email: user.email, password: 'Wrong123!' }).expect(401);
        const pair = await signIn(user);
        const other = await signIn(user);
        await refreshed(pair.refresh_token);
        await expectRefused(pair.refresh_token);
        await t.http
          .delete(`/auth/sessions/${sidOf(other)}`)
          .set(user.auth)
          .expect(204);
        await t.http.post('/auth/logout').set(user.auth).expect(204);
        const last = await signIn(user);
        await t.http.post('/auth/logout-all').set(bearer(last)).expect(204);

        const lines = log.mock.calls.filter(([, fields]) => fields?.userId === user.id).map(([event, fields]) => [event, fields?.detail]);
        expect(lines).toEqual([
          ['login.succeeded', 'password'],
          ['login.failed', 'wrong password'],
          ['login.succeeded', 'password'],
          ['login.succeeded', 'password'],
          ['refresh_token.reused', `session ${sidOf(pair)} ended`],
          ['session.ended', `session ${sidOf(other)}`],
          ['logout', `session ${sidOf({ access_token: user.token })}`],
          ['login.succeeded', 'password'],
          // Told by the event after commit, before the route's own line.
          ['sessions.ended', 'logout_all'],
          ['logout', 'every session'],
        ]);
        // Each line names the client: its address and the request.
        const reused = log.mock.calls.find(([event]) => event === 'refresh_token.reused')?.[1];
        expect(reused?.client).toEqual({ ip: expect.any(String), requestId: expect.any(String), userAgent: null });
      } finally {
        log.mockRestore();
      }
    });
  });

  it('records login.refused when the login limits refuse a client', async () => {
    const limited = await createTestApp({ RATE_LIMIT_ENABLED: 'true', LOGIN_RATE_LIMIT: '1/hour' });
    const log = jest.spyOn(limited.app.get(SecurityLog), 'record');
    try {
      const user = await createUser(limited);
      await limited.http.post('/auth/login').send({ email: user.email, password: 'Wrong123!' }).expect(401);
      expectProblem(await limited.http.post('/auth/login').send({ email: user.email, password: user.password }), 429, 'RATE_LIMITED');
      const refused = log.mock.calls.filter(([event]) => event === 'login.refused');
      expect(refused).toEqual([
        ['login.refused', expect.objectContaining({ userId: user.id, detail: 'login', client: expect.objectContaining({ ip: expect.any(String) }) })],
      ]);
    } finally {
      log.mockRestore();
      await limited.close();
    }
  });

  describe('JWT_REFRESH_TOKEN_EXPIRE_DAYS: the absolute lifetime', () => {
    it('a session ends at its lifetime whatever the refreshes; its access tokens never outlive it', async () => {
      // 0.00003 days: about 2.6 seconds.
      const short = await createTestApp({ JWT_REFRESH_TOKEN_EXPIRE_DAYS: '0.00003' });
      try {
        const user = await createUser(short);
        const login = (await short.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(200)).body as TokenPair;
        expect(login.refresh_expires_in).toBe(3);
        expect(login.expires_in).toBeLessThanOrEqual(3);
        const next = (await short.http.post('/auth/refresh').send({ refresh_token: login.refresh_token }).expect(200)).body as TokenPair;
        expect(next.refresh_expires_in).toBeLessThanOrEqual(3);

        // Past the session's end (the clock, not a timing assertion: the wait only has to be long enough).
        await sleep(3_500);
        expectProblem(await short.http.post('/auth/refresh').send({ refresh_token: next.refresh_token }), 401, 'INVALID_REFRESH_TOKEN');
        expectProblem(await short.http.get('/users/me').set(bearer(next)), 401, 'UNAUTHORIZED');
        expect(
          (
            await short.http
              .get('/auth/sessions')
              .set(bearer(await signInTo(short, user)))
              .expect(200)
          ).body,
        ).toHaveLength(1);
      } finally {
        await short.close();
      }
    });
  });
});

async function signInTo(app: TestApp, user: Pick<TestUser, 'email' | 'password'>): Promise<TokenPair> {
  return (await app.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(200)).body as TokenPair;
}
