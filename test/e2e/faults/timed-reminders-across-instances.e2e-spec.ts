import { Client } from 'pg';
import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import { AROUND_THE_CLOCK, book, gridStartIn } from '../../factories/booking.factory';
import { createMarketplace, Marketplace } from '../../factories/marketplace.factory';
import { BuiltInstance, BuiltInstances } from '../../helpers/built-instances';
import { createOwnDatabase, OwnDatabase } from '../../helpers/own-database';
import { startSmtpServer, TestSmtpServer } from '../../helpers/smtp';
import { createTestApp, TestApp } from '../../helpers/test-app';
import { waitUntil } from '../../helpers/wait';
import { buildApp } from '../../scale/cluster';

/** Not due when booked (reminders go 48 hours ahead); the test moves them into the window when it wants them due. */
const NOT_DUE_YET = 100;

/**
 * Reminders with several built instances (`node dist/src/main.js`, each its own process) of one deployment
 * on a database of their own and one SMTP server: each reminder is recorded and e-mailed once, whatever the
 * number of instances, and an instance killed (kill -9) in the middle of one leaves it to be sent once by the
 * others.
 */
describe('booking reminders across instances, and an instance killed mid-reminder', () => {
  let db: OwnDatabase;
  let smtp: TestSmtpServer;
  /** In-process on the same database, reminders off (the default): books and reads. */
  let t: TestApp;
  const instances = new BuiltInstances();
  let env: Record<string, string>;

  beforeAll(async () => {
    await buildApp();
    db = await createOwnDatabase('marketplace_reminders');
    smtp = await startSmtpServer({ disabledCommands: ['STARTTLS'], disableReverseLookup: true });
    t = await createTestApp({}, { databaseUrl: db.url });
    env = {
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      JOBS_SCHEMA: 'pgboss',
      JOB_POLL_INTERVAL_MS: '500',
      BOOKING_REMINDER_HOURS: '48',
      BOOKING_AUTO_COMPLETE_HOURS: '0',
      BOOKING_TIMED_PASS_SECONDS: '0.5',
    };
  }, 240_000);

  afterAll(async () => {
    await instances.stopAll();
    await t?.close();
    await smtp?.close();
    await db?.drop();
  }, 60_000);

  const startThree = (prefix: string): Promise<BuiltInstance[]> =>
    Promise.all(['a', 'b', 'c'].map((name) => instances.start(`${prefix}-${name}`, db.url, env)));
  const marketplace = (): Promise<Marketplace> => createMarketplace(t, { service: { availability: AROUND_THE_CLOCK, durationMinutes: 30 } });
  const reminderMails = (email: string) => smtp.received.filter((mail) => mail.rcptTo.includes(email) && mail.headers['x-mail-kind'] === 'booking_reminder');

  async function tally(ids: string[]): Promise<{ claims: number; notifications: number; mails: number }> {
    const [row] = await t.dataSource.query<Array<{ claims: number; notifications: number }>>(
      `SELECT (SELECT count(*) FROM booking_reminders WHERE booking_id = ANY($1::uuid[]))::int AS claims,
              (SELECT count(*) FROM notifications WHERE type = 'booking_reminder' AND data->>'bookingId' = ANY($1::text[]))::int AS notifications`,
      [ids],
    );
    const outbox = await t.dataSource.query<Array<{ id: string }>>(
      `SELECT o.id FROM email_outbox o JOIN notifications n ON n.id = o.notification_id WHERE n.type = 'booking_reminder' AND n.data->>'bookingId' = ANY($1::text[])`,
      [ids],
    );
    const messageIds = new Set(outbox.map((row) => row.id));
    const mails = smtp.received.filter((mail) => [...messageIds].some((id) => mail.headers['message-id']?.includes(id))).length;
    return { ...row, mails };
  }

  /** Waits until the deployment has completed `passes` more reminder passes than now. */
  async function morePasses(passes = 3): Promise<void> {
    const completed = async () => {
      const [row] = await t.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'bookings.remind' AND state = 'completed'`,
      );
      return row.n;
    };
    const before = await completed();
    await waitUntil(async () => (await completed()) >= before + passes, `${passes} more reminder passes`, 60_000);
  }

  /** Brings bookings into the reminder window at once: due together for every instance's pass. */
  const makeDue = (ids: string[]) =>
    t.dataSource.query(
      `UPDATE bookings SET scheduled_at = scheduled_at - interval '80 hours', ends_at = ends_at - interval '80 hours' WHERE id = ANY($1::uuid[])`,
      [ids],
    );

  it('three instances: each reminder recorded and e-mailed exactly once, to both parties', async () => {
    await startThree('first');
    const { customer, provider, service } = await marketplace();
    const bookings: BookingResponse[] = [];
    for (let i = 0; i < 20; i++) bookings.push(await book(t, customer, service, gridStartIn(NOT_DUE_YET + i)));
    const ids = bookings.map((booking) => booking.id);
    await makeDue(ids);

    await waitUntil(async () => (await tally(ids)).mails >= 40, 'every reminder e-mailed', 60_000);
    await morePasses();

    expect(await tally(ids)).toEqual({ claims: 20, notifications: 40, mails: 40 });
    expect(reminderMails(customer.email)).toHaveLength(20);
    expect(reminderMails(provider.email)).toHaveLength(20);
  }, 240_000);

  it('an instance killed (kill -9) in the middle of a reminder: the others send it once', async () => {
    const { customer, provider, service } = await marketplace();
    const booking = await book(t, customer, service, gridStartIn(NOT_DUE_YET));
    // Holds the parties' notification counters: the pass that meets the booking claims its reminder, then
    // waits inside its transaction for these rows.
    const blocker = new Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM notification_counters WHERE user_id = ANY($1::uuid[]) FOR UPDATE', [[customer.id, provider.id]]);
      await makeDue([booking.id]);
      const blockedPass = async () => {
        const [row] = await t.dataSource.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%notification_counters%'`,
        );
        return row.n > 0;
      };
      await waitUntil(blockedPass, 'a pass waiting inside its reminder transaction', 60_000);
      // Every instance dies, the one in the middle of the reminder among them.
      await instances.stopAll();
      await blocker.query('ROLLBACK');
    } finally {
      await blocker.end();
    }
    // The dead instance's transaction never committed: nothing of the reminder is left.
    const deadBackends = async () => {
      const [row] = await t.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
      );
      return row.n;
    };
    await waitUntil(async () => (await deadBackends()) === 0, 'the dead backends gone', 60_000);
    expect(await tally([booking.id])).toEqual({ claims: 0, notifications: 0, mails: 0 });

    // Fresh instances pick the pass up once the dead one's job expires, and send the reminder once.
    await startThree('second');
    await waitUntil(async () => (await tally([booking.id])).mails >= 2, 'the reminder e-mailed', 180_000);
    await morePasses();
    expect(await tally([booking.id])).toEqual({ claims: 1, notifications: 2, mails: 2 });
  }, 420_000);
});
