/**
 * The floor: what scenarios 1, 2 and 4 cost with nothing between HTTP and PostgreSQL but bare Fastify and
 * `pg` (no Nest, no ORM, no validation library, no logging). It issues the same SQL statements as the app, in
 * the same order and transactions (the bench checks this on the wire), reuses the app's pure domain functions
 * (availability check, notification texts, SSE frames) so that the domain work is the same, does the same
 * after-commit work (Redis publishes and e-mail files from the outbox) and sends the same response headers
 * (helmet's policy is about 700 bytes of a 1.6 KB answer by id: the client parses them too).
 *
 * Environment: FLOOR_PORT, DATABASE_URL, REDIS_URL (optional), JWT_SECRET_KEY, EMAIL_OUTPUT_DIR.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { FastifyReply } from 'fastify';
import Redis from 'ioredis';
import { Pool, PoolClient, QueryResultRow } from 'pg';
import type { FactsRow } from '../src/bookings/bookings.repository';
import { securityHeaders } from '../src/common/http/security-headers';
import type { ServiceRow as AppServiceRow } from '../src/services/services.repository';
import { BookingCreatedEvent, BookingFacts } from '../src/bookings/events/booking.events';
import { formatSseEvent } from '../src/notifications/live/sse';
import { draftNotifications, NotifiableEvent, recipientIdsOf } from '../src/notifications/notifiable-events';
import { PaymentSucceededEvent } from '../src/payments/events/payment.events';
import { fitsInWindow } from '../src/services/availability/slot-generator';

const env = process.env;
const pool = new Pool({ connectionString: env.DATABASE_URL, max: 20, application_name: 'marketplace-bench-floor' });
const redis = env.REDIS_URL ? new Redis(env.REDIS_URL) : null;
const secret = Buffer.from(env.JWT_SECRET_KEY ?? '');
const mailDir = env.EMAIL_OUTPUT_DIR ?? '/tmp/floor-mail';

// ---------------------------------------------------------------------------------------------- SQL

const prepared = (text: string) => ({ name: `s_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`, text });
const SERVICE_COLUMNS =
  's.id, s.provider_id, s.title, s.description, s.category, s.price, s.currency, s.duration_minutes, s.availability, s.images, s.timezone, s.status, s.created_at, s.updated_at, s.deleted_at';
const PROVIDER_ACTIVE = 'EXISTS (SELECT 1 FROM users u WHERE u.id = s.provider_id AND u.deleted_at IS NULL)';
const SERVICE_BY_ID = prepared(`SELECT ${SERVICE_COLUMNS}, ${PROVIDER_ACTIVE} AS provider_active FROM services s WHERE s.id = $1`);
const ACCOUNT = prepared('SELECT id, email, role, credentials_changed_at FROM users WHERE id = $1 AND deleted_at IS NULL');
const BOOKING_COLUMNS =
  'id, customer_id, service_id, provider_id, status, scheduled_at, ends_at, duration_minutes, total_amount, currency, notes, created_at, updated_at';
const PAYMENT_COLUMNS =
  'id, booking_id, service_id, customer_id, provider_id, status, amount, refunded_amount, currency, transaction_id, payment_method, failure_reason, created_at, updated_at';

function listing(category: string | undefined) {
  const filter = `s.status = 'ACTIVE'${category ? ' AND s.category = $1' : ''} AND s.deleted_at IS NULL`;
  const page = `s.status = 'ACTIVE' AND ${PROVIDER_ACTIVE}${category ? ' AND s.category = $1' : ''} AND s.deleted_at IS NULL`;
  return {
    count: prepared(
      `SELECT ((SELECT count(*) FROM services s WHERE ${filter}) - COALESCE(SUM((SELECT count(*) FROM services s WHERE ${filter} AND s.provider_id = u.id)), 0))::int AS total FROM users u WHERE u.deleted_at IS NOT NULL`,
    ),
    page: (limit: number, offset: number) => {
      const text = `SELECT ${SERVICE_COLUMNS} FROM services s WHERE ${page} ORDER BY s.created_at DESC, s.id DESC LIMIT ${limit} OFFSET ${offset}`;
      return limit === 20 && offset === 0 ? prepared(text) : { text };
    },
  };
}
const LISTINGS = { all: listing(undefined), category: listing('x') };

async function rows<T extends QueryResultRow>(db: Pool | PoolClient, statement: { name?: string; text: string }, values: unknown[]): Promise<T[]> {
  return (await db.query<T>({ ...statement, values })).rows;
}

// ---------------------------------------------------------------------------------------------- responses

// The status as text: the enum lives in the entity's module, which would load TypeORM.
type ServiceRow = Omit<AppServiceRow, 'status'> & { status: string; provider_active?: boolean };

const serviceResponse = (row: ServiceRow) => ({
  id: row.id,
  providerId: row.provider_id,
  title: row.title,
  description: row.description,
  category: row.category,
  price: Number(row.price),
  currency: row.currency,
  durationMinutes: row.duration_minutes,
  availability: row.availability,
  images: row.images,
  timezone: row.timezone,
  status: row.status,
  isActive: row.status === 'ACTIVE',
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const problem = (reply: FastifyReply, status: number, detail: string) => reply.code(status).type('application/problem+json').send({ status, detail });

// ---------------------------------------------------------------------------------------------- auth

interface Account {
  id: string;
  email: string;
  role: string;
}

/** HS256 signature, expiry and claims; then the deny-list and the account, as the app checks them. */
async function authenticate(header: string | undefined): Promise<Account | null> {
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

// ---------------------------------------------------------------------------------------------- e-mail outbox

const mailQueue: string[] = [];
let draining = false;

/** After commit: claim the e-mails, write them as files, mark them sent, 20 per transaction (as the app's outbox). */
function sendSoon(ids: string[]): void {
  mailQueue.push(...ids);
  if (draining) return;
  draining = true;
  void (async () => {
    while (mailQueue.length) {
      const batch = mailQueue.splice(0, 20);
      const client = await pool.connect();
      try {
        await client.query('START TRANSACTION');
        const claimed = await rows<{ id: string; kind: string; recipient: string; subject: string; body: string }>(
          client,
          {
            text: `SELECT id, kind, recipient, subject, body, attempts FROM email_outbox
                    WHERE id = ANY($1::uuid[]) AND status = 'PENDING'
                    ORDER BY created_at, id
                    FOR UPDATE SKIP LOCKED`,
          },
          [batch],
        );
        for (let start = 0; start < claimed.length; start += 5) {
          const chunk = claimed.slice(start, start + 5);
          await Promise.all(
            chunk.map(async (email) => {
              await mkdir(mailDir, { recursive: true });
              const stamp = new Date().toISOString().replace(/[-:.]/g, '');
              await writeFile(join(mailDir, `${email.kind}_${stamp}_${email.id}.txt`), `To: ${email.recipient}\nSubject: ${email.subject}\n\n${email.body}\n`, {
                flag: 'wx',
              });
            }),
          );
          for (const email of chunk) {
            await client.query(
              `UPDATE email_outbox SET status = 'SENT', attempts = attempts + 1, sent_at = now(), transport_message_id = $2, last_error = NULL WHERE id = $1`,
              [email.id, email.id],
            );
          }
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        console.error(error);
      } finally {
        client.release();
      }
    }
    draining = false;
  })();
}

// ---------------------------------------------------------------------------------------------- booking

interface BookingBody {
  serviceId: string;
  scheduledAt: string;
  notes?: string;
  payment: { amount: number; currency: string; paymentMethod: { type: string; brand: string; last4: string } };
}

interface NotificationRow {
  id: string;
  user_id: string;
  seq: string;
  type: string;
  title: string;
  message: string;
  data: Record<string, unknown>;
  read_at: Date | null;
  created_at: Date;
}

/** The outbox for one event, in the confirming transaction: contacts, then each notification and its e-mail. */
async function recordEvent(client: PoolClient, event: NotifiableEvent, bookingId: string, published: NotificationRow[], emails: string[]): Promise<void> {
  const contacts = await rows<{ id: string; email: string; first_name: string }>(
    client,
    { text: 'SELECT id, email, first_name FROM users WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL' },
    [recipientIdsOf(event)],
  );
  const recipients = new Map(contacts.map((c) => [c.id, { id: c.id, email: c.email, firstName: c.first_name }]));
  let schedule = null;
  if (event.name === 'payment.succeeded') {
    const [row] = await rows<{ scheduled_at: Date; timezone: string }>(
      client,
      { text: 'SELECT b.scheduled_at, s.timezone FROM bookings b JOIN services s ON s.id = b.service_id WHERE b.id = $1' },
      [bookingId],
    );
    schedule = row ? { scheduledAt: row.scheduled_at, timezone: row.timezone } : null;
  }
  for (const draft of draftNotifications(event, recipients, schedule)) {
    const [notification] = await rows<NotificationRow>(
      client,
      {
        text: `WITH next AS (
                 INSERT INTO notification_counters AS c (user_id, last_seq) VALUES ($1, 1)
                 ON CONFLICT (user_id) DO UPDATE SET last_seq = c.last_seq + 1
                 RETURNING last_seq
               )
               INSERT INTO notifications (user_id, seq, type, title, message, data)
               SELECT $1, last_seq, $2, $3, $4, $5 FROM next
               RETURNING id, user_id, seq, type, title, message, data, read_at, created_at`,
      },
      [draft.userId, draft.type, draft.title, draft.message, draft.data],
    );
    published.push(notification);
    if (draft.email) {
      const [email] = await rows<{ id: string }>(
        client,
        {
          text: `INSERT INTO email_outbox (notification_id, kind, recipient, subject, body, next_attempt_at)
                 VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::double precision / 1000))
                 RETURNING id`,
        },
        [notification.id, draft.email.kind, draft.email.to, draft.email.subject, draft.email.text, 60_000],
      );
      emails.push(email.id);
    }
  }
}

async function transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('START TRANSACTION');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const lockSchedule = (client: PoolClient, providerId: string) =>
  client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`provider-schedule:${providerId}`]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------------- routes

const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
// The app's response headers (a request id, helmet's policy), so that both send the same bytes.
const security = securityHeaders();
app.addHook('onRequest', (_request, reply, done) => {
  void reply.header('x-request-id', randomUUID()).headers(security);
  done();
});
const totals = new Map<string, { total: Promise<number>; expiresAt: number }>();

app.get('/health', () => ({ status: 'ok' }));

app.get('/services/', async (request, reply) => {
  const query = request.query as { category?: string; limit?: string; offset?: string };
  const limit = Number(query.limit ?? 20);
  const offset = Number(query.offset ?? 0);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !Number.isInteger(offset) || offset < 0) return problem(reply, 400, 'bad paging');
  const statements = query.category ? LISTINGS.category : LISTINGS.all;
  const values = query.category ? [query.category] : [];
  // The public total kept 5 s per filter from the moment its count starts, as the app keeps it.
  const key = `${statements.count.text}\n${JSON.stringify(values)}`;
  let kept = totals.get(key);
  if (!kept || kept.expiresAt <= Date.now()) {
    kept = { total: rows<{ total: number }>(pool, statements.count, values).then(([row]) => row?.total ?? 0), expiresAt: Date.now() + 5_000 };
    totals.set(key, kept);
  }
  const total = await kept.total;
  const items = total > offset ? await rows<ServiceRow>(pool, statements.page(limit, offset), values) : [];
  const links: string[] = [];
  const at = (from: number) =>
    `<${env.APP_URL}/services/?${query.category ? `category=${encodeURIComponent(query.category)}&` : ''}limit=${limit}&offset=${from}>`;
  if (offset + limit < total) links.push(`${at(offset + limit)}; rel="next"`);
  if (offset > 0) links.push(`${at(Math.max(0, offset - limit))}; rel="prev"`);
  void reply.header('x-total-count', String(total));
  if (links.length) void reply.header('link', links.join(', '));
  return items.map(serviceResponse);
});

app.get('/services/:id', async (request, reply) => {
  const { id } = request.params as { id: string };
  if (!UUID.test(id)) return problem(reply, 400, 'id must be a UUID');
  const [row] = await rows<ServiceRow>(pool, SERVICE_BY_ID, [id]);
  if (!row || row.status !== 'ACTIVE' || row.deleted_at || !row.provider_active) return problem(reply, 404, 'Service not found');
  return serviceResponse(row);
});

app.post('/bookings/', async (request, reply) => {
  const customer = await authenticate(request.headers.authorization);
  if (!customer) return problem(reply, 401, 'A valid bearer token is required.');
  if (customer.role !== 'CUSTOMER') return problem(reply, 403, 'Your role does not allow this action.');
  const body = request.body as BookingBody;
  if (!body || !UUID.test(body.serviceId) || typeof body.scheduledAt !== 'string' || typeof body.payment?.amount !== 'number')
    return problem(reply, 400, 'invalid body');
  const [service] = await rows<ServiceRow>(pool, SERVICE_BY_ID, [body.serviceId]);
  if (!service || service.status !== 'ACTIVE' || service.deleted_at || !service.provider_active) return problem(reply, 404, 'Service not found');
  const start = new Date(body.scheduledAt);
  if (
    Number.isNaN(start.getTime()) ||
    start.getTime() <= Date.now() ||
    !fitsInWindow(service.availability, service.timezone, start, service.duration_minutes)
  ) {
    return problem(reply, 422, 'not bookable then');
  }
  const end = new Date(start.getTime() + service.duration_minutes * 60_000);
  if (Math.round(body.payment.amount * 100) !== Math.round(Number(service.price) * 100) || body.payment.currency !== service.currency.trim()) {
    return problem(reply, 422, 'amount or currency mismatch');
  }

  // 1. Hold the slot: a PENDING booking and a PENDING payment.
  let payment: { id: string; booking_id: string; amount: string; currency: string; payment_method: unknown };
  try {
    payment = await transaction(async (client) => {
      await lockSchedule(client, service.provider_id);
      const [booking] = await rows<{ id: string }>(
        client,
        {
          text: `INSERT INTO bookings (customer_id, service_id, provider_id, status, scheduled_at, ends_at, duration_minutes, total_amount, currency, notes)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 RETURNING ${BOOKING_COLUMNS}`,
        },
        [
          customer.id,
          service.id,
          service.provider_id,
          'PENDING',
          start,
          end,
          service.duration_minutes,
          Number(service.price),
          service.currency,
          body.notes ?? null,
        ],
      );
      const { type, brand, last4 } = body.payment.paymentMethod;
      const [row] = await rows<typeof payment>(
        client,
        {
          text: `INSERT INTO payments (booking_id, service_id, customer_id, provider_id, status, amount, refunded_amount, currency, transaction_id, payment_method, failure_reason)
                 VALUES ($1, $2, $3, $4, $5, $6, 0, $7, NULL, $8, NULL)
                 RETURNING ${PAYMENT_COLUMNS}`,
        },
        [booking.id, service.id, customer.id, service.provider_id, 'PENDING', Number(service.price), service.currency, { type, brand, last4 }],
      );
      return row;
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23P01') return problem(reply, 409, 'The provider is already booked at that time.');
    throw error;
  }

  // 2. Charge (the simulated processor's record, as the app's gateway writes it).
  const [charge] = await rows<{ approved: boolean; transaction_id: string }>(
    pool,
    {
      text: `WITH inserted AS (
               INSERT INTO simulated_gateway_operations (idempotency_key, kind, approved, transaction_id, amount_minor, currency, decline_reason)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (idempotency_key) DO NOTHING
               RETURNING approved, transaction_id, decline_reason)
             SELECT * FROM inserted
             UNION ALL
             SELECT approved, transaction_id, decline_reason FROM simulated_gateway_operations WHERE idempotency_key = $1
             LIMIT 1`,
    },
    [
      `charge:${payment.id}`,
      'charge',
      true,
      `sim_ch_${createHash('md5').update(payment.id).digest('hex')}`,
      Math.round(Number(payment.amount) * 100),
      payment.currency,
      null,
    ],
  );

  // 3. Confirm both, with the notifications and e-mails in the same transaction.
  const published: NotificationRow[] = [];
  const emails: string[] = [];
  const booking = await transaction(async (client) => {
    await lockSchedule(client, service.provider_id);
    await client.query('UPDATE bookings SET status = $3, updated_at = CURRENT_TIMESTAMP WHERE id = $1 AND status = ANY($2::varchar[])', [
      payment.booking_id,
      ['PENDING'],
      'CONFIRMED',
    ]);
    await client.query('UPDATE payments SET status = $3, transaction_id = $2, updated_at = CURRENT_TIMESTAMP WHERE id = $1 AND status = $4', [
      payment.id,
      charge.transaction_id,
      'SUCCESS',
      'PENDING',
    ]);
    const [facts] = await rows<FactsRow>(
      client,
      {
        text: `SELECT b.id, b.service_id, s.title, s.timezone, b.customer_id, b.provider_id, b.scheduled_at,
                      b.duration_minutes, b.total_amount, b.currency
                 FROM bookings b JOIN services s ON s.id = b.service_id
                WHERE b.id = $1`,
      },
      [payment.booking_id],
    );
    const [confirmed] = await rows<Record<string, unknown>>(client, { text: `SELECT ${BOOKING_COLUMNS} FROM bookings WHERE id = $1` }, [payment.booking_id]);
    const bookingFacts: BookingFacts = {
      bookingId: facts.id,
      serviceId: facts.service_id,
      serviceTitle: facts.title,
      serviceTimezone: facts.timezone,
      customerId: facts.customer_id,
      providerId: facts.provider_id,
      scheduledAt: facts.scheduled_at,
      durationMinutes: facts.duration_minutes,
      amount: Number(facts.total_amount),
      currency: facts.currency.trim(),
    };
    await recordEvent(client, new BookingCreatedEvent(bookingFacts, payment.id), payment.booking_id, published, emails);
    const paymentFacts = {
      paymentId: payment.id,
      bookingId: payment.booking_id,
      serviceId: service.id,
      serviceTitle: facts.title,
      customerId: customer.id,
      providerId: service.provider_id,
      amount: Number(payment.amount),
      currency: payment.currency.trim(),
    };
    await recordEvent(client, new PaymentSucceededEvent(paymentFacts, charge.transaction_id), payment.booking_id, published, emails);
    return confirmed;
  });

  // After commit: live notifications through Redis, then the e-mails.
  void (async () => {
    for (const n of published) {
      const data = JSON.stringify({
        id: n.id,
        userId: n.user_id,
        type: n.type,
        title: n.title,
        message: n.message,
        data: n.data,
        isRead: false,
        readAt: n.read_at,
        createdAt: n.created_at,
      });
      const frame = formatSseEvent({ id: Number(n.seq), event: n.type, data });
      await redis?.publish('marketplace:notifications', JSON.stringify({ userId: n.user_id, seq: Number(n.seq), frame }));
    }
    sendSoon(emails);
  })();

  return reply.code(201).send({
    id: booking.id,
    customerId: booking.customer_id,
    serviceId: booking.service_id,
    providerId: booking.provider_id,
    status: booking.status,
    scheduledAt: booking.scheduled_at,
    duration: booking.duration_minutes,
    totalAmount: Number(booking.total_amount),
    currency: String(booking.currency).trim(),
    notes: booking.notes,
    createdAt: booking.created_at,
    updatedAt: booking.updated_at,
  });
});

app.listen({ port: Number(env.FLOOR_PORT), host: '127.0.0.1' }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
process.once('SIGTERM', () => {
  void app.close().then(async () => {
    await pool.end();
    redis?.disconnect();
    process.exit(0);
  });
});
