import { randomUUID } from 'node:crypto';
import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Role } from '../../../src/common/auth/role.enum';
import { DomainEvent, inTransaction } from '../../../src/common/events/domain-event';
import type { AppConfig } from '../../../src/config/app.config';
import { AROUND_THE_CLOCK, book, gridStartIn } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { bookingCreated, recordEvents } from '../../factories/notification.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';
import { waitUntil } from '../../helpers/wait';

/** An event whose in-transaction handler fails after the e-mail handlers of earlier events ran. */
class ExplodingEvent extends DomainEvent {
  readonly name = 'test.jobs-exploding';
}

interface JobRow {
  id: string;
  name: string;
  state: string;
  data: { emailId?: string };
}

/**
 * The job engine as the rest of the app sees it: jobs enqueued in the transaction of the change that causes
 * them (checked in pg-boss's own tables), the admin listing and retry, and readiness.
 */
describe('background jobs (pg-boss)', () => {
  let t: TestApp;
  let schema: string;
  let admin: TestUser;

  const jobs = (name: string): Promise<JobRow[]> => t.dataSource.query<JobRow[]>(`SELECT id, name, state, data FROM ${schema}.job WHERE name = $1`, [name]);
  const outboxIds = async (emails: string[]): Promise<string[]> =>
    (
      await t.dataSource.query<Array<{ id: string }>>("SELECT id FROM email_outbox WHERE recipient = ANY($1) AND kind <> 'email_verification' ORDER BY id", [
        emails,
      ])
    ).map((row) => row.id);

  beforeAll(async () => {
    t = await createTestApp();
    schema = t.app.get(ConfigService<AppConfig, true>).get('jobs', { infer: true }).schema;
    admin = await createUser(t, Role.ADMIN);
    const explode = (): Promise<void> => Promise.reject(new Error('boom before commit'));
    t.app.get(EventEmitter2).on(inTransaction('test.jobs-exploding'), explode as () => void);
  });

  afterAll(() => t?.close());

  it('a committed booking has exactly its jobs: one per e-mail it caused, each run once', async () => {
    const { customer, provider, service } = await createMarketplace(t, { service: { availability: AROUND_THE_CLOCK, durationMinutes: 30 } });
    const earlier = await outboxIds([customer.email, provider.email]);
    await book(t, customer, service, gridStartIn(30));

    // The booking's e-mails (the confirmation, the provider's notice, the receipt).
    const ids = (await outboxIds([customer.email, provider.email])).filter((id) => !earlier.includes(id));
    expect(ids.length).toBeGreaterThanOrEqual(2);
    await waitUntil(
      async () => (await jobs('email.send')).filter((job) => ids.includes(job.data.emailId ?? '')).every((job) => job.state === 'completed'),
      'both jobs ran',
    );
    const mine = (await jobs('email.send')).filter((job) => ids.includes(job.data.emailId ?? ''));
    expect(mine.map((job) => job.data.emailId).sort()).toEqual(ids);
    expect(mine.every((job) => job.state === 'completed')).toBe(true);
  });

  it('a transaction that rolls back after enqueueing leaves no job (and no e-mail)', async () => {
    const customer = await createUser(t, Role.CUSTOMER);
    const provider = await createUser(t, Role.PROVIDER);
    const before = (await jobs('email.send')).length;

    await expect(recordEvents(t, bookingCreated(customer, provider), new ExplodingEvent())).rejects.toThrow('boom before commit');

    expect(await outboxIds([customer.email, provider.email])).toEqual([]);
    expect(await jobs('email.send')).toHaveLength(before);
    // The same events committed: their two jobs are there.
    await recordEvents(t, bookingCreated(customer, provider));
    const ids = await outboxIds([customer.email, provider.email]);
    expect((await jobs('email.send')).filter((job) => ids.includes(job.data.emailId ?? ''))).toHaveLength(2);
  });

  it('GET /admin/jobs lists every queue with its counts (admins only)', async () => {
    const response = await t.http.get('/admin/jobs').set(admin.auth).expect(200);
    const queues = (response.body as { queues: Array<Record<string, unknown>> }).queues;
    expect(queues.map((queue) => queue.name)).toEqual(
      expect.arrayContaining(['email.send', 'email.dead', 'email.prune', 'payments.reconcile', 'idempotency.prune']),
    );
    const email = queues.find((queue) => queue.name === 'email.send');
    expect(email).toEqual({
      name: 'email.send',
      queued: expect.any(Number),
      active: expect.any(Number),
      completed: expect.any(Number),
      failed: 0,
      deadLettered: 0,
    });
    expect(email?.completed).toBeGreaterThanOrEqual(2);

    const customer = await createUser(t, Role.CUSTOMER);
    await t.http.get('/admin/jobs').set(customer.auth).expect(403);
  });

  it('POST /admin/jobs/{queue}/retry runs the failed jobs of that queue again', async () => {
    const [failed] = await t.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO ${schema}.job (name, data, state, retry_limit, retry_count, started_on, completed_on)
       VALUES ('email.send', $1, 'failed', 0, 0, now(), now()) RETURNING id`,
      [{ emailId: randomUUID() }],
    );
    const listed = (await t.http.get('/admin/jobs').set(admin.auth).expect(200)).body as { queues: Array<{ name: string; failed: number }> };
    expect(listed.queues.find((queue) => queue.name === 'email.send')?.failed).toBe(1);

    const response = await t.http.post('/admin/jobs/email.send/retry').set(admin.auth).expect(200);
    expect(response.body).toEqual({ queue: 'email.send', retried: 1 });
    // Run again (its e-mail does not exist: the attempt has nothing to send, and completes).
    await waitUntil(async () => (await jobs('email.send')).find((job) => job.id === failed.id)?.state === 'completed', 'the retried job ran');

    expectProblem(await t.http.post('/admin/jobs/no.such.queue/retry').set(admin.auth), 404, 'NOT_FOUND');
  });

  it('/health/ready includes the job engine', async () => {
    const response = await t.http.get('/health/ready').expect(200);
    expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, jobs: { status: 'up' } } });
  });
});
