import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { JwtService } from '@nestjs/jwt';
import { Role } from '../../../src/common/auth/role.enum';
import { IN_TRANSACTION_BATCH } from '../../../src/common/database/unit-of-work';
import { DomainEvent } from '../../../src/common/events/domain-event';
import { NotificationRecorder } from '../../../src/notifications/notification-recorder.service';
import type { NotificationResponse } from '../../../src/notifications/dto/notification.response';
import { MAX_STREAMS_PER_USER, NotificationHub } from '../../../src/notifications/live/notification-hub';
import { bookingCreated, listNotifications, notify, recordEvents } from '../../factories/notification.factory';
import { createUser, login, TestUser } from '../../factories/user.factory';
import { listMail, readMailFile, resetTokenOf, waitForMail } from '../../helpers/mail';
import { listen } from '../../helpers/parallel';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { OpenStreams, SseClient } from '../../helpers/sse';
import { createTestApp, TestApp } from '../../helpers/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const parse = (data: string) => JSON.parse(data) as NotificationResponse;

interface OutboxRow {
  id: string;
  recipient: string;
  status: string;
  attempts: number;
}

/** Polls the e-mail outbox until every row to these recipients has `status`; ordered by kind. */
async function waitForOutbox(t: TestApp, recipients: string[], status: string, deadlineMs = 10_000): Promise<OutboxRow[]> {
  const giveUpAt = Date.now() + deadlineMs;
  for (;;) {
    const rows = await t.dataSource.query<OutboxRow[]>(
      'SELECT id, recipient, status, attempts FROM email_outbox WHERE recipient = ANY($1) AND notification_id IS NOT NULL ORDER BY kind',
      [recipients],
    );
    if (rows.length && rows.every((row) => row.status === status)) return rows;
    if (Date.now() > giveUpAt) throw new Error(`Outbox rows not all ${status}: ${JSON.stringify(rows)}`);
    await sleep(20);
  }
}

describe('notifications', () => {
  let t: TestApp;
  let baseUrl: string;
  const streams = new OpenStreams();

  /** Opens a stream for `user` on this app and remembers it, so every test leaves none open. */
  const openStream = (user: TestUser, options: { lastEventId?: string; tokenInQuery?: boolean } = {}): Promise<SseClient> =>
    streams.open(baseUrl, user.token, options);

  beforeAll(async () => {
    t = await createTestApp({ SSE_HEARTBEAT_SECONDS: '1' });
    baseUrl = await listen(t);
  });
  afterEach(() => streams.closeAll());
  afterAll(() => t.close());

  describe('REST: each user reads and marks their own', () => {
    let alice: TestUser;
    let bob: TestUser;

    beforeEach(async () => {
      alice = await createUser(t, Role.CUSTOMER);
      bob = await createUser(t, Role.PROVIDER);
      await notify(t, alice, 3);
      await notify(t, bob, 2);
    });

    it('lists only the caller’s notifications, newest first, in the documented shape', async () => {
      const response = await t.http.get('/notifications/').set(alice.auth).expect(200);
      const items = response.body as NotificationResponse[];
      expect(response.headers['x-total-count']).toBe('3');
      expect(items).toHaveLength(3);
      expect(items.every((item) => item.userId === alice.id)).toBe(true);
      expect(Object.keys(items[0]).sort()).toEqual(['createdAt', 'data', 'id', 'isRead', 'message', 'readAt', 'title', 'type', 'userId']);
      expect(items[0]).toMatchObject({
        id: expect.stringMatching(UUID),
        type: 'password_changed',
        title: 'Password changed',
        data: { via: 'profile' },
        isRead: false,
        readAt: null,
      });
      expect(items[0].createdAt).toMatch(ISO);
      // Newest first: the rows' positions decrease down the list.
      const positions = await t.dataSource.query<Array<{ id: string; seq: string }>>('SELECT id, seq FROM notifications WHERE user_id = $1', [alice.id]);
      const seqOf = new Map(positions.map((row) => [row.id, Number(row.seq)]));
      expect(items.map((item) => seqOf.get(item.id))).toEqual([3, 2, 1]);

      const bobs = await listNotifications(t, bob);
      expect(bobs).toHaveLength(2);
      expect(bobs.every((item) => item.userId === bob.id)).toBe(true);
    });

    it('pages with limit and offset, X-Total-Count and Link headers', async () => {
      const first = await t.http.get('/notifications/?limit=2').set(alice.auth).expect(200);
      expect(first.body).toHaveLength(2);
      expect(first.headers['x-total-count']).toBe('3');
      expect(first.headers.link).toMatch(/^<http:\/\/localhost:8000\/notifications\/\?limit=2&cursor=[\w-]+>; rel="next"$/);
      const second = await t.http.get('/notifications/?limit=2&offset=2').set(alice.auth).expect(200);
      expect(second.body).toHaveLength(1);
      expect(second.headers.link).toBe('<http://localhost:8000/notifications/?limit=2&offset=0>; rel="prev"');
      const all = [...(first.body as NotificationResponse[]), ...(second.body as NotificationResponse[])].map((item) => item.id);
      expect(new Set(all).size).toBe(3);

      expectFieldError(await t.http.get('/notifications/?limit=101').set(alice.auth), 'limit');
      expectFieldError(await t.http.get('/notifications/?limit=0').set(alice.auth), 'limit');
      expectFieldError(await t.http.get('/notifications/?unread=maybe').set(alice.auth), 'unread');
    });

    it('defaults to 20 per page', async () => {
      await notify(t, alice, 19);
      const response = await t.http.get('/notifications/').set(alice.auth).expect(200);
      expect(response.body).toHaveLength(20);
      expect(response.headers['x-total-count']).toBe('22');
    });

    it('marks one read (idempotently), filters unread and counts per user', async () => {
      const [newest, middle] = await listNotifications(t, alice);
      const read = await t.http.put(`/notifications/${middle.id}/read`).set(alice.auth).expect(200);
      expect(read.body).toMatchObject({ id: middle.id, userId: alice.id, isRead: true, readAt: expect.stringMatching(ISO) });
      const again = await t.http.put(`/notifications/${middle.id}/read`).set(alice.auth).expect(200);
      expect(again.body).toEqual(read.body);

      const unread = await t.http.get('/notifications/?unread=true').set(alice.auth).expect(200);
      expect((unread.body as NotificationResponse[]).map((item) => item.id)).not.toContain(middle.id);
      expect(unread.headers['x-total-count']).toBe('2');
      expect((unread.body as NotificationResponse[])[0].id).toBe(newest.id);
      expect((await t.http.get('/notifications/?unread=false').set(alice.auth).expect(200)).headers['x-total-count']).toBe('3');

      expect((await t.http.get('/notifications/unread/count').set(alice.auth).expect(200)).body).toEqual({ count: 2 });
      expect((await t.http.get('/notifications/unread/count').set(bob.auth).expect(200)).body).toEqual({ count: 2 });
    });

    it('answers 404 for someone else’s notification, and leaves it unread', async () => {
      const [bobs] = await listNotifications(t, bob);
      expectProblem(await t.http.put(`/notifications/${bobs.id}/read`).set(alice.auth), 404, 'NOT_FOUND');
      expectProblem(await t.http.put(`/notifications/${randomUUID()}/read`).set(alice.auth), 404, 'NOT_FOUND');
      expectProblem(await t.http.put('/notifications/not-a-uuid/read').set(alice.auth), 400);
      expect((await listNotifications(t, bob)).find((item) => item.id === bobs.id)?.isRead).toBe(false);
    });

    it('marks all of the caller’s read, and only theirs', async () => {
      const [first] = await listNotifications(t, alice);
      await t.http.put(`/notifications/${first.id}/read`).set(alice.auth).expect(200);
      expect((await t.http.put('/notifications/read-all').set(alice.auth).expect(200)).body).toEqual({ updated: 2 });
      expect((await t.http.put('/notifications/read-all').set(alice.auth).expect(200)).body).toEqual({ updated: 0 });
      expect((await t.http.get('/notifications/unread/count').set(alice.auth).expect(200)).body).toEqual({ count: 0 });
      expect((await listNotifications(t, alice)).every((item) => item.isRead)).toBe(true);
      // The first one keeps the time it was first read.
      expect((await listNotifications(t, alice)).find((item) => item.id === first.id)?.readAt).toBe(
        (await t.http.put(`/notifications/${first.id}/read`).set(alice.auth).expect(200)).body.readAt,
      );
      expect((await t.http.get('/notifications/unread/count').set(bob.auth).expect(200)).body).toEqual({ count: 2 });
    });

    it('refuses every route without a valid token', async () => {
      const id = randomUUID();
      for (const [method, path] of [
        ['get', '/notifications/'],
        ['get', '/notifications/unread/count'],
        ['put', '/notifications/read-all'],
        ['put', `/notifications/${id}/read`],
        ['get', '/notifications/stream'],
      ] as const) {
        expectProblem(await t.http[method](path), 401, 'UNAUTHORIZED');
        expectProblem(await t.http[method](path).set('Authorization', 'Bearer not.a.token'), 401, 'UNAUTHORIZED');
      }
    });
  });

  describe('password changes', () => {
    it('PUT /users/{id} with a new password pushes password_changed to the open stream and stores it', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      const stream = await openStream(user);
      await t.http.put(`/users/${user.id}`).set(user.auth).send({ password: 'Changed123!', currentPassword: user.password }).expect(200);

      const [event] = await stream.waitForEvents(1);
      expect(event.event).toBe('password_changed');
      expect(event.id).toBe('1');
      const pushed = parse(event.data);
      expect(pushed).toMatchObject({
        userId: user.id,
        type: 'password_changed',
        title: 'Password changed',
        data: { via: 'profile' },
        isRead: false,
        readAt: null,
      });

      // The new password is in force; the stored notification is the one that was pushed.
      const token = await login(t, user.email, 'Changed123!');
      const stored = await t.http.get('/notifications/').set('Authorization', `Bearer ${token}`).expect(200);
      expect(stored.body).toEqual([pushed]);
    });

    it('a profile change without a new password notifies nobody', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      await t.http
        .put(`/users/${user.id}`)
        .set(user.auth)
        .send({ profile: { firstName: 'Renamed' } })
        .expect(200);
      expect(await listNotifications(t, user)).toEqual([]);
    });

    it('the reset flow stores password_changed (via reset) in the same transaction as the new password', async () => {
      const user = await createUser(t, Role.PROVIDER);
      const stream = await openStream(user);
      await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
      const [mail] = await waitForMail(t.mailDir, 'password_reset', user.email);
      await t.http
        .post('/password-reset/confirm')
        .send({ token: resetTokenOf(mail.body), newPassword: 'Reset1234!' })
        .expect(200);

      const [event] = await stream.waitForEvents(1);
      expect(event.event).toBe('password_changed');
      expect(parse(event.data).data).toEqual({ via: 'reset' });
      const token = await login(t, user.email, 'Reset1234!');
      const stored = (await t.http.get('/notifications/').set('Authorization', `Bearer ${token}`).expect(200)).body as NotificationResponse[];
      expect(stored.map((item) => item.type)).toEqual(['password_changed']);
    });
  });

  describe('the stream', () => {
    it('is text/event-stream with the request id, a retry hint and a first comment', async () => {
      const user = await createUser(t);
      const stream = await openStream(user);
      expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
      expect(stream.headers['x-request-id']).toEqual(expect.any(String));
      expect(stream.headers['x-content-type-options']).toBe('nosniff');
      await stream.waitForComment('connected');
      expect(stream.retry).toBe(2000);
    });

    it('sends a heartbeat comment every SSE_HEARTBEAT_SECONDS', async () => {
      const stream = await openStream(await createUser(t));
      await stream.waitForComment('ping');
      expect(stream.events).toEqual([]);
    });

    it('accepts ?access_token= on this route only', async () => {
      const user = await createUser(t);
      const stream = await openStream(user, { tokenInQuery: true });
      await notify(t, user);
      expect((await stream.waitForEvents(1))[0].event).toBe('password_changed');

      expectProblem(await t.http.get(`/notifications/?access_token=${user.token}`), 401, 'UNAUTHORIZED');
      expectProblem(await t.http.get(`/notifications/unread/count?access_token=${user.token}`), 401, 'UNAUTHORIZED');
      expectProblem(await t.http.get(`/users/me?access_token=${user.token}`), 401, 'UNAUTHORIZED');
      const forged = await SseClient.open(baseUrl, '/notifications/stream', { token: 'not.a.token', tokenInQuery: true });
      expect(forged.status).toBe(401);
      expect(JSON.parse(await forged.body)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    });

    it('refuses a Last-Event-ID that is not a position', async () => {
      const user = await createUser(t);
      const stream = await SseClient.open(baseUrl, '/notifications/stream', { token: user.token, lastEventId: 'abc' });
      expect(stream.status).toBe(400);
      expect(JSON.parse(await stream.body)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'Last-Event-ID' }] });
    });

    it('carries only the user’s own notifications, in order, numbered from 1', async () => {
      const alice = await createUser(t, Role.CUSTOMER);
      const bob = await createUser(t, Role.PROVIDER);
      const aliceStream = await openStream(alice);
      const bobStream = await openStream(bob);
      const aliceAgain = await openStream(alice);
      for (let i = 0; i < 3; i++) {
        await notify(t, alice);
        await notify(t, bob);
      }
      await notify(t, bob);

      for (const stream of [aliceStream, aliceAgain]) {
        const events = await stream.waitForEvents(3);
        expect(events.map((event) => event.id)).toEqual(['1', '2', '3']);
        expect(events.every((event) => parse(event.data).userId === alice.id)).toBe(true);
      }
      const bobs = await bobStream.waitForEvents(4);
      expect(bobs.map((event) => event.id)).toEqual(['1', '2', '3', '4']);
      expect(bobs.every((event) => parse(event.data).userId === bob.id)).toBe(true);
      // Nothing else arrives: one more for alice is her 4th, and bob's stream stays at 4.
      await notify(t, alice);
      await aliceStream.waitForEvents(4);
      expect(aliceStream.events).toHaveLength(4);
      expect(bobStream.events).toHaveLength(4);
    });

    it('resumes after a disconnect with exactly the missed notifications, then live ones', async () => {
      const user = await createUser(t);
      const first = await openStream(user);
      await notify(t, user, 3);
      await first.waitForEvents(3);
      await first.close();
      expect(first.lastEventId).toBe('3');

      await notify(t, user, 4); // while disconnected: 4, 5, 6, 7
      const resumed = await openStream(user, { lastEventId: first.lastEventId });
      const replayed = await resumed.waitForEvents(4);
      expect(replayed.map((event) => event.id)).toEqual(['4', '5', '6', '7']);
      expect(replayed.map((event) => parse(event.data).id)).toEqual((await listNotifications(t, user, '?limit=4')).map((item) => item.id).reverse());

      await notify(t, user);
      expect((await resumed.waitForEvents(5)).map((event) => event.id)).toEqual(['4', '5', '6', '7', '8']);

      // Last-Event-ID: 0 replays everything; one ahead of the user's position replays nothing.
      const fromStart = await openStream(user, { lastEventId: '0' });
      expect((await fromStart.waitForEvents(8)).map((event) => event.id)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
      const ahead = await openStream(user, { lastEventId: '999' });
      await notify(t, user);
      expect((await ahead.waitForEvents(1)).map((event) => event.id)).toEqual(['9']);
    });

    it('releases a closed connection', async () => {
      const user = await createUser(t);
      const hub = t.app.get(NotificationHub);
      const one = await openStream(user);
      const two = await openStream(user);
      expect(hub.count(user.id)).toBe(2);
      await one.close();
      for (let i = 0; hub.count(user.id) !== 1 && i < 500; i++) await sleep(10);
      expect(hub.count(user.id)).toBe(1);
      await two.close();
      for (let i = 0; hub.count(user.id) !== 0 && i < 500; i++) await sleep(10);
      expect(hub.count(user.id)).toBe(0);
      // A notification for nobody listening is still stored.
      await notify(t, user);
      expect(await listNotifications(t, user)).toHaveLength(1);
    });
  });

  describe('stream lifetime', () => {
    it('ends a stream when the token that opened it expires, and that token opens no other', async () => {
      const user = await createUser(t);
      const shortLived = await t.app.get(JwtService).signAsync({ role: user.role }, { subject: user.id, jwtid: randomUUID(), expiresIn: 2 });
      const stream = await streams.open(baseUrl, shortLived);
      await stream.waitForEnd();
      expect(t.app.get(NotificationHub).count(user.id)).toBe(0);
      const again = await SseClient.open(baseUrl, '/notifications/stream', { token: shortLived });
      expect(again.status).toBe(401);
    });

    it(`keeps at most ${MAX_STREAMS_PER_USER} streams per user on an instance: the oldest gives way`, async () => {
      const user = await createUser(t);
      const opened: SseClient[] = [];
      for (let i = 0; i <= MAX_STREAMS_PER_USER; i++) opened.push(await openStream(user));
      await opened[0].waitForEnd();
      expect(t.app.get(NotificationHub).count(user.id)).toBe(MAX_STREAMS_PER_USER);
      await notify(t, user);
      for (const stream of opened.slice(1)) expect((await stream.waitForEvents(1))[0].id).toBe('1');
      expect(opened[0].events).toEqual([]);
    });
  });

  describe('outbox', () => {
    /** An event whose presence fails the transaction, once the notifications of the events beside it are written. */
    class ExplodingEvent extends DomainEvent {
      readonly name = 'test.exploding';
    }
    let written: Array<Promise<unknown>> = [];

    beforeAll(() => {
      // UnitOfWork awaits the batch listeners (emitAsync, the recorder's first): this one waits for what the
      // recorder writes, then fails the transaction.
      const explode = async ({ events }: { events: DomainEvent[] }): Promise<void> => {
        if (!events.some((event) => event instanceof ExplodingEvent)) return;
        await Promise.allSettled(written);
        throw new Error('boom before commit');
      };
      t.app.get(EventEmitter2).on(IN_TRANSACTION_BATCH, explode as (payload: { events: DomainEvent[] }) => void);
    });

    it('a transaction that throws after recording an event leaves no notification, no e-mail and no push', async () => {
      const customer = await createUser(t, Role.CUSTOMER);
      const provider = await createUser(t, Role.PROVIDER);
      const stream = await openStream(provider);
      const recorder = t.app.get(NotificationRecorder);
      const record = recorder.record.bind(recorder);
      const writer = jest.spyOn(recorder, 'record').mockImplementation((...args) => {
        const writing = record(...args);
        written.push(writing);
        return writing;
      });
      const event = bookingCreated(customer, provider);

      await expect(recordEvents(t, event, new ExplodingEvent())).rejects.toThrow('boom before commit');
      written = [];
      // The notifications were written in the transaction, which then rolled back.
      expect(writer).toHaveBeenCalledWith([event], expect.anything());
      // It resolved (wrote both parties' rows and e-mails) and returned them for delivery after a commit that never came.
      await expect(writer.mock.results[0].value).resolves.toEqual({
        notifications: [customer.id, provider.id].sort().map((userId) => expect.objectContaining({ userId, seq: 1 })),
        emailIds: [expect.any(String), expect.any(String)],
      });
      writer.mockRestore();

      const rows = await t.dataSource.query<Array<{ count: string }>>('SELECT count(*) FROM notifications WHERE user_id = ANY($1)', [
        [customer.id, provider.id],
      ]);
      expect(rows[0].count).toBe('0');
      const emails = await t.dataSource.query<Array<{ count: string }>>(
        'SELECT count(*) FROM email_outbox WHERE recipient = ANY($1) AND notification_id IS NOT NULL',
        [[customer.email, provider.email]],
      );
      expect(emails[0].count).toBe('0');
      expect(await listNotifications(t, provider)).toEqual([]);

      // The rolled-back position is not lost: the next committed notification is number 1, and the first pushed.
      await notify(t, provider);
      const [pushed] = await stream.waitForEvents(1);
      expect(pushed).toMatchObject({ id: '1', event: 'password_changed' });
      expect(stream.events).toHaveLength(1);
    });

    it('a committed booking event stores both parties’ notifications and writes the two e-mails, once each', async () => {
      const customer = await createUser(t, Role.CUSTOMER);
      const provider = await createUser(t, Role.PROVIDER);
      const event = bookingCreated(customer, provider);
      const { bookingId, serviceId } = event.booking;
      await recordEvents(t, event);

      const [toCustomer] = await listNotifications(t, customer);
      expect(toCustomer).toMatchObject({
        type: 'booking_created',
        title: 'Booking confirmed',
        data: { bookingId, serviceId, paymentId: event.paymentId, amount: 89.5, currency: 'USD', scheduledAt: '2030-01-07T08:00:00.000Z' },
      });
      const [toProvider] = await listNotifications(t, provider);
      expect(toProvider).toMatchObject({ type: 'booking_created', title: 'New booking', data: { bookingId, serviceId } });

      const [confirmation] = await waitForMail(t.mailDir, 'booking_confirmation', customer.email);
      const [notice] = await waitForMail(t.mailDir, 'booking_notification_provider', provider.email);
      expect(confirmation.file).toMatch(/^booking_confirmation_\d{8}T\d{9}Z_[0-9a-f-]{36}\.txt$/);
      expect(notice.file).toMatch(/^booking_notification_provider_\d{8}T\d{9}Z_[0-9a-f-]{36}\.txt$/);
      for (const [mail, subject] of [
        [confirmation, 'Booking confirmed: Deep home cleaning on 7 Jan 2030, 09:00'],
        [notice, 'New booking: Deep home cleaning on 7 Jan 2030, 09:00'],
      ] as const) {
        const file = readMailFile(t.mailDir, mail.file);
        expect(file.subject).toBe(subject);
        expect(file.body).toContain('Deep home cleaning');
        expect(file.body).toContain('Monday 7 January 2030, 09:00 (Europe/Berlin)');
        expect(file.body).toContain('$89.50');
        expect(file.body).toContain(bookingId);
      }
      expect(confirmation.body).toMatch(/^Hello Test,\n/);

      // Sent once: the outbox rows are SENT after one attempt (recorded just after the file is written), and
      // each file carries its row's id.
      const sent = await waitForOutbox(t, [customer.email, provider.email], 'SENT');
      expect(sent.map(({ recipient, status, attempts }) => ({ recipient, status, attempts }))).toEqual([
        { recipient: customer.email, status: 'SENT', attempts: 1 },
        { recipient: provider.email, status: 'SENT', attempts: 1 },
      ]);
      expect(confirmation.file).toContain(sent[0].id);
      expect(notice.file).toContain(sent[1].id);
      await sleep(300);
      expect(listMail(t.mailDir, 'booking_confirmation', customer.email)).toHaveLength(1);
      expect(listMail(t.mailDir, 'booking_notification_provider', provider.email)).toHaveLength(1);
    });
  });

  it('ends open streams when the app shuts down', async () => {
    const other = await createTestApp();
    const url = await listen(other);
    const user = await createUser(other);
    const stream = await SseClient.open(url, '/notifications/stream', { token: user.token });
    expect(stream.status).toBe(200);
    await other.close();
    await stream.waitForEnd();
    expect(stream.ended).toBe(true);
  });
});
