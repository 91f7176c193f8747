import { ConfigService } from '@nestjs/config';
import { Client } from 'pg';
import { AppConfig } from '../../../src/config/app.config';
import { AROUND_THE_CLOCK, bookingBody, gridStartIn } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { createTestApp, TestApp } from '../../helpers/test-app';
import { waitUntil } from '../../helpers/wait';

/** One statement as a connection sent it. */
interface Sent {
  client: Client;
  text: string;
  values: unknown[];
}

const textOf = (query: unknown): string => (typeof query === 'string' ? query : ((query as { text?: string } | null)?.text ?? '')).replace(/\s+/g, ' ').trim();

/** Each transaction the connections ran, as the list of its statements from START TRANSACTION to COMMIT. */
function transactionsOf(sent: Sent[]): string[][] {
  const open = new Map<Client, string[]>();
  const done: string[][] = [];
  for (const { client, text } of sent) {
    if (text === 'START TRANSACTION') open.set(client, [text]);
    else if (open.has(client)) {
      open.get(client)!.push(text);
      if (text === 'COMMIT' || text === 'ROLLBACK') {
        done.push(open.get(client)!);
        open.delete(client);
      }
    }
  }
  return done;
}

/**
 * A booking with payment keeps every guarantee (the hold, the charge keyed by the payment, the settlement
 * with its notifications, e-mails and their jobs in one transaction) in the fewest statements: several
 * recipients' rows in one insert per table, and nothing written read back.
 */
describe('booking checkout statements', () => {
  let t: TestApp;
  let sent: Sent[] = [];
  const original: unknown = Client.prototype.query;

  beforeAll(async () => {
    t = await createTestApp();
    // Every statement any connection sends (TypeORM's, the repositories', pg-boss's), with the connection that sent it.
    Object.defineProperty(Client.prototype, 'query', {
      configurable: true,
      writable: true,
      value: function (this: Client, ...args: unknown[]): unknown {
        const values = Array.isArray(args[1]) ? args[1] : ((args[0] as { values?: unknown[] } | null)?.values ?? []);
        sent.push({ client: this, text: textOf(args[0]), values });
        return (original as (...values: unknown[]) => unknown).apply(this, args);
      },
    });
  });
  afterAll(async () => {
    Object.defineProperty(Client.prototype, 'query', { configurable: true, writable: true, value: original });
    await t.close();
  });

  it('holds the slot in one transaction of 4 statements and settles in one of 8, reading back nothing it wrote', async () => {
    const { customer, service } = await createMarketplace(t, { service: { availability: AROUND_THE_CLOCK, durationMinutes: 30, price: 80 } });
    sent = [];
    await t.http
      .post('/bookings/')
      .set(customer.auth)
      .send(bookingBody(service, gridStartIn(48)))
      .expect(201);
    const transactions = transactionsOf(sent);

    const hold = transactions.find((statements) => statements.some((text) => text.startsWith('INSERT INTO bookings')));
    expect(hold?.slice(1, -1).map((text) => text.slice(0, 30))).toEqual([
      'SELECT lock_provider_schedule(',
      'INSERT INTO bookings (customer',
      'INSERT INTO booking_history (b',
      'INSERT INTO payments (booking_',
    ]);

    const settle = transactions.find((statements) => statements.some((text) => text.includes('UPDATE bookings b')));
    expect(settle).toBeDefined();
    const body = settle!.slice(1, -1);
    expect(body).toHaveLength(8);
    // The move answers the booking and its facts: no re-read of the booking, its service or its schedule.
    expect(body.filter((text) => /FROM bookings/.test(text) && !text.includes('UPDATE bookings b'))).toEqual([]);
    // The recipients once for both events; both parties' notifications, their e-mails and the e-mails' jobs in one insert each.
    expect(body.filter((text) => text.includes('FROM users WHERE id = ANY'))).toHaveLength(1);
    expect(body.filter((text) => text.includes('INSERT INTO notifications'))).toHaveLength(1);
    expect(body.filter((text) => text.includes('INSERT INTO email_outbox'))).toHaveLength(1);
    expect(body.filter((text) => /INSERT INTO \S+\.job/.test(text))).toHaveLength(1);

    // And they were all written: three notifications (the booking to both parties, the payment to the customer), three e-mails, three jobs.
    const { schema } = t.app.get(ConfigService<AppConfig, true>).get('jobs', { infer: true });
    const [counts] = await t.dataSource.query<Array<{ notifications: string; emails: string; jobs: string }>>(
      `SELECT (SELECT count(*) FROM notifications WHERE data->>'bookingId' = b.id::text) AS notifications,
              (SELECT count(*) FROM email_outbox e JOIN notifications n ON n.id = e.notification_id WHERE n.data->>'bookingId' = b.id::text) AS emails,
              (SELECT count(*) FROM ${schema}.job j JOIN email_outbox e ON j.data->>'emailId' = e.id::text
                 JOIN notifications n ON n.id = e.notification_id WHERE n.data->>'bookingId' = b.id::text) AS jobs
         FROM bookings b WHERE b.customer_id = $1`,
      [customer.id],
    );
    expect(counts).toEqual({ notifications: '3', emails: '3', jobs: '3' });
  });
  it("sends the booking's three e-mails with one claim, a mark as each goes out, and one completion of their jobs", async () => {
    const { customer, provider, service } = await createMarketplace(t, { service: { availability: AROUND_THE_CLOCK, durationMinutes: 30, price: 80 } });
    // This test's e-mails only (the table is shared with the other suites of a run).
    const pending = async () =>
      (
        await t.dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM email_outbox WHERE status = 'PENDING' AND recipient = ANY($1)`, [
          [customer.email, provider.email],
        ])
      )[0].n;
    // The sign-ups' verification e-mails first: only the booking's are counted.
    await waitUntil(async () => (await pending()) === 0, 'the sign-up e-mails were sent');
    sent = [];
    await t.http
      .post('/bookings/')
      .set(customer.auth)
      .send(bookingBody(service, gridStartIn(72)))
      .expect(201);
    await waitUntil(async () => (await pending()) === 0, "the booking's e-mails were sent");
    const { schema } = t.app.get(ConfigService<AppConfig, true>).get('jobs', { infer: true });
    // The booking's three e-mails and their jobs (other tests' e-mails may be sent meanwhile: only these are counted).
    const ids = (
      await t.dataSource.query<Array<{ id: string }>>(`SELECT id FROM email_outbox WHERE recipient = ANY($1) AND kind <> 'email_verification'`, [
        [customer.email, provider.email],
      ])
    ).map((row) => row.id);
    expect(ids).toHaveLength(3);
    const jobIds = (await t.dataSource.query<Array<{ id: string }>>(`SELECT id FROM ${schema}.job WHERE data->>'emailId' = ANY($1)`, [ids])).map(
      (row) => row.id,
    );
    const touches = (value: unknown, wanted: string[]) => (Array.isArray(value) ? value : [value]).some((item) => wanted.includes(String(item)));
    const completions = () =>
      sent.filter(
        ({ text, values }) => text.includes(`UPDATE ${schema}.job SET completed_on = now()`) && values[0] === 'email.send' && touches(values[1], jobIds),
      );
    await waitUntil(async () => completions().length > 0, 'their jobs were completed');

    const outbox = sent.filter(({ text, values }) => /^(UPDATE|WITH claimed AS \( UPDATE) email_outbox/.test(text) && touches(values[0], ids));
    const claims = outbox.filter(({ text }) => text.includes('SET claimed_until = now() +'));
    expect(claims).toHaveLength(1);
    expect(claims[0].values[0]).toEqual(expect.arrayContaining(ids));
    expect(outbox.filter(({ text }) => text.includes("SET status = 'SENT'"))).toHaveLength(3);
    expect(outbox).toHaveLength(4);
    // No transaction held across the sends: each outcome is written on its own.
    const texts = outbox.map(({ text }) => text);
    expect(transactionsOf(sent).filter((statements) => statements.some((text) => texts.includes(text)))).toEqual([]);
    expect(completions()).toHaveLength(1);
    expect(completions()[0].values[1]).toEqual(expect.arrayContaining(jobIds));
  });
});
