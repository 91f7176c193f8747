import type { BookingHistoryEntryResponse } from '../../../src/bookings/dto/booking-history.response';
import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import { BookingStatus } from '../../../src/bookings/booking.entity';
import { BookingTimers } from '../../../src/bookings/booking-timers.service';
import { JobEngine } from '../../../src/jobs/job-engine';
import type { NotificationResponse } from '../../../src/notifications/dto/notification.response';
import { NotificationType } from '../../../src/notifications/notification-type';
import { formatLocalTime } from '../../../src/notifications/templates/format';
import { AROUND_THE_CLOCK, book, gridStartIn } from '../../factories/booking.factory';
import { createMarketplace, Marketplace } from '../../factories/marketplace.factory';
import { listNotifications } from '../../factories/notification.factory';
import { TestUser } from '../../factories/user.factory';
import { createOwnDatabase, OwnDatabase } from '../../helpers/own-database';
import { listen } from '../../helpers/parallel';
import { startSmtpServer, TestSmtpServer } from '../../helpers/smtp';
import { OpenStreams, SseClient } from '../../helpers/sse';
import { createTestApp, TestApp } from '../../helpers/test-app';
import { waitUntil } from '../../helpers/wait';

/** Reminders go out 48 hours ahead here: bookings 100 hours out are not due yet, 24 hours out are. */
const REMINDER_HOURS = 48;
const NOT_DUE_YET = 100;

/**
 * Timed transitions of CONFIRMED bookings: the reminder before the start (notification, SMTP e-mail and live
 * push to both parties, once) and the completion by the system after the end. The app runs its passes every
 * half second, on a database of its own (a pass acts on every booking it finds due).
 */
describe('timed transitions (reminders and auto-completion)', () => {
  let db: OwnDatabase;
  let smtp: TestSmtpServer;
  let t: TestApp;
  let baseUrl: string;
  const streams = new OpenStreams();

  beforeAll(async () => {
    db = await createOwnDatabase('marketplace_timed');
    smtp = await startSmtpServer({ disabledCommands: ['STARTTLS'], disableReverseLookup: true });
    t = await createTestApp(
      {
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        BOOKING_REMINDER_HOURS: String(REMINDER_HOURS),
        BOOKING_AUTO_COMPLETE_HOURS: '24',
        BOOKING_TIMED_PASS_SECONDS: '0.5',
        JOB_POLL_INTERVAL_MS: '500',
        RESCHEDULE_MIN_NOTICE_HOURS: '0',
      },
      { databaseUrl: db.url },
    );
    baseUrl = await listen(t);
  });
  afterEach(() => streams.closeAll());
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
    await db?.drop();
  });

  const marketplace = (): Promise<Marketplace> => createMarketplace(t, { service: { availability: AROUND_THE_CLOCK, durationMinutes: 30 } });
  const reminders = async (user: TestUser): Promise<NotificationResponse[]> =>
    (await listNotifications(t, user, '?limit=100')).filter((notification) => notification.type === NotificationType.BOOKING_REMINDER);
  const reminderMails = (user: TestUser) =>
    smtp.received.filter((mail) => mail.rcptTo.includes(user.email) && mail.headers['x-mail-kind'] === 'booking_reminder');
  const claims = (bookingId: string) =>
    t.dataSource.query<Array<{ scheduled_at: Date }>>('SELECT scheduled_at FROM booking_reminders WHERE booking_id = $1 ORDER BY scheduled_at', [bookingId]);
  const pushed = (stream: SseClient) => stream.events.filter((event) => event.event === 'booking_reminder');

  /** Waits until the engine has finished `passes` more reminder passes than now: whatever was due then has been handled. */
  async function morePasses(passes = 2): Promise<void> {
    const completed = async () => (await t.app.get(JobEngine).queues()).find((queue) => queue.name === 'bookings.remind')?.completed ?? 0;
    const before = await completed();
    await waitUntil(async () => (await completed()) >= before + passes, `${passes} more reminder passes`);
  }

  it('reminds both parties once, by notification, e-mail and live push, however many passes meet the booking', async () => {
    const { customer, provider, service } = await marketplace();
    const [customerStream, providerStream] = [await streams.open(baseUrl, customer.token), await streams.open(baseUrl, provider.token)];
    const booking = await book(t, customer, service, gridStartIn(24));

    await waitUntil(
      async () =>
        reminderMails(customer).length > 0 && reminderMails(provider).length > 0 && pushed(customerStream).length > 0 && pushed(providerStream).length > 0,
      'the reminder reached both parties',
    );
    // More passes, from the job and by hand, five at once: the booking is due for all of them.
    await Promise.all(Array.from({ length: 5 }, () => t.app.get(BookingTimers).sendDueReminders(new Date())));
    await morePasses();

    for (const user of [customer, provider]) {
      const [reminder, ...others] = await reminders(user);
      expect(others).toEqual([]);
      expect(reminder).toMatchObject({ title: 'Booking reminder', data: { bookingId: booking.id, scheduledAt: booking.scheduledAt } });
      expect(reminderMails(user)).toHaveLength(1);
      expect(reminderMails(user)[0].text).toContain(formatLocalTime(new Date(booking.scheduledAt), service.timezone));
    }
    expect(pushed(customerStream)).toHaveLength(1);
    expect(pushed(providerStream)).toHaveLength(1);
    expect(JSON.parse(pushed(customerStream)[0].data)).toMatchObject({ type: 'booking_reminder', data: { bookingId: booking.id } });
    expect(await claims(booking.id)).toEqual([{ scheduled_at: new Date(booking.scheduledAt) }]);
  });

  it('sends each reminder once when many passes find the same bookings due at the same moment', async () => {
    const { customer, provider, service } = await marketplace();
    const bookings: BookingResponse[] = [];
    for (let i = 0; i < 6; i++) bookings.push(await book(t, customer, service, gridStartIn(NOT_DUE_YET + 2 * i)));
    const ids = bookings.map((booking) => booking.id);
    // All due at once (as at the hour that brings them into the window), met by eight passes together and the job's.
    await t.dataSource.query(
      `UPDATE bookings SET scheduled_at = scheduled_at - interval '90 hours', ends_at = ends_at - interval '90 hours' WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const passes = await Promise.all(Array.from({ length: 8 }, () => t.app.get(BookingTimers).sendDueReminders(new Date())));
    await morePasses();
    await waitUntil(async () => reminderMails(customer).length >= 6 && reminderMails(provider).length >= 6, 'the e-mails sent');

    expect(passes.reduce((sum, pass) => sum + pass.done, 0)).toBeLessThanOrEqual(ids.length);
    expect(passes.every((pass) => pass.failed === 0)).toBe(true);
    for (const user of [customer, provider]) {
      const sent = await reminders(user);
      expect(sent.map((reminder) => reminder.data.bookingId).sort()).toEqual([...ids].sort());
      expect(reminderMails(user)).toHaveLength(ids.length);
    }
  });

  it('sends none for a cancelled booking', async () => {
    const { customer, provider, service } = await marketplace();
    const booking = await book(t, customer, service, gridStartIn(NOT_DUE_YET));
    await t.http.delete(`/bookings/${booking.id}`).set(customer.auth).expect(200);
    // Its start comes within the reminder window; it is no longer CONFIRMED.
    await t.dataSource.query(
      `UPDATE bookings SET scheduled_at = now() + interval '24 hours', ends_at = now() + interval '24 hours' + make_interval(mins => duration_minutes) WHERE id = $1`,
      [booking.id],
    );
    expect(await t.app.get(BookingTimers).sendDueReminders(new Date())).toMatchObject({ failed: 0 });
    await morePasses();

    expect(await claims(booking.id)).toEqual([]);
    expect(await reminders(customer)).toEqual([]);
    expect(await reminders(provider)).toEqual([]);
    expect(reminderMails(customer)).toEqual([]);
  });

  it('a reschedule re-arms the reminder for the new time, and the old time never gets one', async () => {
    const { customer, provider, service } = await marketplace();
    const original = gridStartIn(NOT_DUE_YET);
    const booking = await book(t, customer, service, original);
    const moves = [gridStartIn(30), gridStartIn(40)];
    for (const [i, scheduledAt] of moves.entries()) {
      await t.http.put(`/bookings/${booking.id}`).set(customer.auth).send({ scheduledAt }).expect(200);
      await waitUntil(async () => (await reminders(provider)).length === i + 1 && reminderMails(customer).length === i + 1, `the reminder for move ${i + 1}`);
    }
    await morePasses();

    for (const user of [customer, provider]) {
      const sent = (await reminders(user)).reverse();
      expect(sent.map((reminder) => reminder.data.scheduledAt)).toEqual(moves.map((at) => new Date(at).toISOString()));
      const mails = reminderMails(user);
      expect(mails).toHaveLength(2);
      mails.forEach((mail, i) => expect(mail.text).toContain(formatLocalTime(new Date(moves[i]), service.timezone)));
      expect(mails.some((mail) => mail.text.includes(formatLocalTime(new Date(original), service.timezone)))).toBe(false);
    }
    expect((await claims(booking.id)).map((row) => row.scheduled_at.toISOString())).toEqual(moves.map((at) => new Date(at).toISOString()));
  });

  it('completes a CONFIRMED booking BOOKING_AUTO_COMPLETE_HOURS after its end, as the system, and not one that ended more recently', async () => {
    const { customer, provider, service } = await marketplace();
    const ended = await book(t, customer, service, gridStartIn(NOT_DUE_YET));
    const recent = await book(t, customer, service, gridStartIn(NOT_DUE_YET + 2));
    // Booked before (the API books no past): one ended 29 hours ago, one an hour ago.
    await t.dataSource.query(
      `UPDATE bookings SET scheduled_at = now() - make_interval(hours => h), ends_at = now() - make_interval(hours => h) + interval '30 minutes'
         FROM (VALUES ($1::uuid, 30), ($2::uuid, 2)) AS moved (id, h) WHERE bookings.id = moved.id`,
      [ended.id, recent.id],
    );
    const status = async (id: string) => ((await t.http.get(`/bookings/${id}`).set(customer.auth).expect(200)).body as BookingResponse).status;
    await waitUntil(async () => (await status(ended.id)) === BookingStatus.COMPLETED, 'the ended booking completed');

    expect(await status(recent.id)).toBe('CONFIRMED');
    const history = (await t.http.get(`/bookings/${ended.id}/history`).set(provider.auth).expect(200)).body as BookingHistoryEntryResponse[];
    expect(history.at(-1)).toMatchObject({ action: 'completed', from: 'CONFIRMED', to: 'COMPLETED', actor: 'system', requestId: null });
    expect(history.filter((entry) => entry.action === 'completed')).toHaveLength(1);
    await waitUntil(async () => (await listNotifications(t, provider)).some((n) => n.type === NotificationType.BOOKING_COMPLETED), 'the provider told');
    expect((await listNotifications(t, customer)).filter((n) => n.type === NotificationType.BOOKING_COMPLETED).map((n) => n.data.bookingId)).toEqual([
      ended.id,
    ]);
  });
});
