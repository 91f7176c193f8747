import { Role } from '../../../src/common/auth/role.enum';
import { notify } from '../../factories/notification.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { listen } from '../../helpers/parallel';
import { OpenStreams, SseClient } from '../../helpers/sse';
import { createTestApp, describeWithRedis, e2eRedisUrl, TestApp } from '../../helpers/test-app';

interface TokenPair {
  access_token: string;
  refresh_token: string;
}

/** The bound: a stream must close within 5 s of its session's end (a deadline, not a measurement). */
const WITHIN_MS = 5_000;

const bearer = (pair: TokenPair) => ({ Authorization: `Bearer ${pair.access_token}` });
const sidOf = (pair: TokenPair) => (JSON.parse(Buffer.from(pair.access_token.split('.')[1], 'base64url').toString()) as { sid: string }).sid;

async function signIn(t: TestApp, user: TestUser): Promise<TokenPair> {
  return (await t.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(200)).body as TokenPair;
}

/** A stream that stays open still delivers: a notification made now reaches it. */
async function expectStillOpen(t: TestApp, user: TestUser, stream: SseClient): Promise<void> {
  const before = stream.events.length;
  await notify(t, user);
  await stream.waitForEvents(before + 1);
  expect(stream.ended).toBe(false);
}

describe('live streams end with the session they were opened in (one instance, no Redis)', () => {
  let t: TestApp;
  let url: string;
  const streams = new OpenStreams();

  beforeAll(async () => {
    t = await createTestApp();
    url = await listen(t);
  });
  afterEach(() => streams.closeAll());
  afterAll(() => t.close());

  it('logout closes the streams of that session; another session’s stream keeps delivering', async () => {
    const user = await createUser(t);
    const phone = await signIn(t, user);
    const onPhone = await streams.open(url, phone.access_token);
    const onPhoneInQuery = await streams.open(url, phone.access_token, { tokenInQuery: true });
    const elsewhere = await streams.open(url, user.token);

    await t.http.post('/auth/logout').set(bearer(phone)).expect(204);

    await onPhone.waitForEnd(WITHIN_MS);
    await onPhoneInQuery.waitForEnd(WITHIN_MS);
    await expectStillOpen(t, user, elsewhere);
  });

  it('DELETE /auth/sessions/{id} closes the streams of the session it ends', async () => {
    const user = await createUser(t);
    const lost = await signIn(t, user);
    const stream = await streams.open(url, lost.access_token);
    const mine = await streams.open(url, user.token);

    await t.http
      .delete(`/auth/sessions/${sidOf(lost)}`)
      .set(user.auth)
      .expect(204);

    await stream.waitForEnd(WITHIN_MS);
    await expectStillOpen(t, user, mine);
  });

  it('a reused refresh token closes the streams of the session it ends', async () => {
    const user = await createUser(t);
    const pair = await signIn(t, user);
    const stream = await streams.open(url, pair.access_token);
    await t.http.post('/auth/refresh').send({ refresh_token: pair.refresh_token }).expect(200);
    await t.http.post('/auth/refresh').send({ refresh_token: pair.refresh_token }).expect(401);

    await stream.waitForEnd(WITHIN_MS);
  });

  it('a password change closes every stream of the user, after it delivered the password_changed notification', async () => {
    const user = await createUser(t);
    const other = await createUser(t);
    const second = await signIn(t, user);
    const first = await streams.open(url, user.token);
    const next = await streams.open(url, second.access_token);
    const someoneElse = await streams.open(url, other.token);

    await t.http.put(`/users/${user.id}`).set(user.auth).send({ password: 'Changed123!', currentPassword: user.password }).expect(200);

    for (const stream of [first, next]) {
      await stream.waitForEnd(WITHIN_MS);
      expect(stream.events.map((event) => event.event)).toEqual(['password_changed']);
    }
    await expectStillOpen(t, other, someoneElse);
  });

  it('logout-all and account deletion close every stream of the user', async () => {
    const leaving = await createUser(t);
    const deleted = await createUser(t, Role.PROVIDER);
    const fromLeaving = [await streams.open(url, leaving.token), await streams.open(url, (await signIn(t, leaving)).access_token)];
    const fromDeleted = await streams.open(url, deleted.token);

    await t.http.post('/auth/logout-all').set(leaving.auth).expect(204);
    await t.http.delete(`/users/${deleted.id}`).set(deleted.auth).expect(204);

    for (const stream of [...fromLeaving, fromDeleted]) await stream.waitForEnd(WITHIN_MS);
  });
});

/** Two instances on one database and one Redis, as behind a load balancer: the end travels to the stream's instance. */
describeWithRedis('live streams end with the session on every instance (Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  let urlB: string;
  const streams = new OpenStreams();

  beforeAll(async () => {
    a = await createTestApp({ REDIS_URL: e2eRedisUrl() });
    b = await createTestApp({ REDIS_URL: e2eRedisUrl() });
    urlB = await listen(b);
  });
  afterEach(() => streams.closeAll());
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('a stream open on instance B closes after logout on instance A; the user’s other session’s stream on B stays', async () => {
    const user = await createUser(a);
    const pair = await signIn(a, user);
    const stream = await streams.open(urlB, pair.access_token);
    const other = await streams.open(urlB, user.token);

    await a.http.post('/auth/logout').set(bearer(pair)).expect(204);

    await stream.waitForEnd(WITHIN_MS);
    await expectStillOpen(a, user, other);
  });

  it('streams open on instance B close after a password change, logout-all or deletion on instance A', async () => {
    const changing = await createUser(a);
    const leaving = await createUser(a);
    const deleted = await createUser(a);
    const held = [await streams.open(urlB, changing.token), await streams.open(urlB, leaving.token), await streams.open(urlB, deleted.token)];

    await a.http.put(`/users/${changing.id}`).set(changing.auth).send({ password: 'Changed123!', currentPassword: changing.password }).expect(200);
    await a.http.post('/auth/logout-all').set(leaving.auth).expect(204);
    await a.http.delete(`/users/${deleted.id}`).set(deleted.auth).expect(204);

    for (const stream of held) await stream.waitForEnd(WITHIN_MS);
  });
});
