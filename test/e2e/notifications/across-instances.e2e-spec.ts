import { Role } from '../../../src/common/auth/role.enum';
import type { NotificationResponse } from '../../../src/notifications/dto/notification.response';
import { listNotifications, notify, passwordChanged, recordEvents } from '../../factories/notification.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { listen } from '../../helpers/parallel';
import { OpenStreams, SseClient, SseEvent } from '../../helpers/sse';
import { createTestApp, describeWithRedis, e2eRedisUrl, TestApp } from '../../helpers/test-app';

const parse = (event: SseEvent) => JSON.parse(event.data) as NotificationResponse;

/** Two instances of the app on one database and one Redis, each on its own port, as behind a load balancer. */
describeWithRedis('notifications across instances (Redis pub/sub)', () => {
  let a: TestApp;
  let b: TestApp;
  let urlA: string;
  let urlB: string;
  const streams = new OpenStreams();
  const openStream = (baseUrl: string, user: TestUser, lastEventId?: string): Promise<SseClient> => streams.open(baseUrl, user.token, { lastEventId });

  beforeAll(async () => {
    a = await createTestApp({ REDIS_URL: e2eRedisUrl() });
    b = await createTestApp({ REDIS_URL: e2eRedisUrl() });
    urlA = await listen(a);
    urlB = await listen(b);
  });
  afterEach(() => streams.closeAll());
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('a stream on instance A receives what a request on instance B caused, and only its user does', async () => {
    const user = await createUser(b, Role.CUSTOMER);
    const other = await createUser(a, Role.PROVIDER);
    const onA = await openStream(urlA, user);
    const otherOnA = await openStream(urlA, other);
    const otherOnB = await openStream(urlB, other);

    await b.http.put(`/users/${user.id}`).set(user.auth).send({ password: 'Changed123!', currentPassword: user.password }).expect(200);
    const [event] = await onA.waitForEvents(1);
    expect(event).toMatchObject({ id: '1', event: 'password_changed' });
    expect(parse(event).userId).toBe(user.id);

    // The other user's streams, on both instances, hear only their own.
    await notify(a, other);
    for (const stream of [otherOnA, otherOnB]) {
      const events = await stream.waitForEvents(1);
      expect(events.map((e) => [e.id, parse(e).userId])).toEqual([['1', other.id]]);
    }
    expect(onA.events).toHaveLength(1);
  });

  it('1,000 notifications made on B reach a client on A across 10 reconnects: no gap, no duplicate, in order', async () => {
    const TOTAL = 1000;
    const RECONNECTS = 10;
    const user = await createUser(a, Role.CUSTOMER);

    // The client is connected to A before the first one is made; it drops the connection after every
    // ~91 events and reconnects to A with Last-Event-ID, keeping what it received.
    let stream = await openStream(urlA, user);

    // Made on B by 8 concurrent writers: they commit in position order (the counter lock), but their
    // messages may reach A in any order.
    let made = 0;
    const making = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (made < TOTAL) {
          made++;
          await recordEvents(b, passwordChanged(user));
        }
      }),
    );

    const received: SseEvent[] = [];
    for (let reconnects = 0; ; reconnects++) {
      const target = reconnects < RECONNECTS ? Math.round(((reconnects + 1) * TOTAL) / (RECONNECTS + 1)) : TOTAL;
      await stream.waitForEvents(target - received.length, 60_000);
      await stream.close();
      received.push(...stream.events);
      if (reconnects === RECONNECTS) break;
      stream = await openStream(urlA, user, received[received.length - 1].id);
    }
    await making;

    const ids = received.map((event) => Number(event.id));
    expect(ids).toHaveLength(TOTAL);
    expect(ids).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    expect(new Set(received.map((event) => parse(event).id)).size).toBe(TOTAL);
    expect(received.every((event) => event.event === 'password_changed' && parse(event).userId === user.id)).toBe(true);
    // What was streamed is what is stored.
    const stored = await a.dataSource.query<Array<{ id: string }>>('SELECT id FROM notifications WHERE user_id = $1 ORDER BY seq', [user.id]);
    expect(received.map((event) => parse(event).id)).toEqual(stored.map((row) => row.id));
  }, 120_000);

  it('a notification made on A while the client is connected to B arrives live, and REST reads the same on both', async () => {
    const user = await createUser(a);
    const onB = await openStream(urlB, user);
    await notify(a, user, 3);
    expect((await onB.waitForEvents(3)).map((event) => event.id)).toEqual(['1', '2', '3']);
    expect(await listNotifications(a, user)).toEqual(await listNotifications(b, user));
  });
});
