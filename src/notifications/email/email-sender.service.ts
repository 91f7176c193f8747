import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app.config';
import { JobEngine } from '../../jobs/job-engine';
import { JobContext, JobQueue } from '../../jobs/job-queue';
import { MailService } from '../../mail/mail.service';
import { ClaimedEmail, EmailOutboxRepository, NewOutboxEmail } from './email-outbox.repository';
import { isPermanentMailError, retryDelayMs } from './retry-schedule';

const SENT_RETENTION_DAYS = 7;
/** A promise and the function that resolves it (Promise.withResolvers, which Node 20 lacks). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** How long a job waits for the server to come back before it tries anyway (well within its expiry). */
const MAX_PARK_MS = 30_000;

/** One attempt at one e-mail of the outbox. */
export const EMAIL_QUEUE: JobQueue<{ emailId: string }> = {
  name: 'email.send',
  // The handler records its own outcomes (and schedules the next attempt); these retries are for what it
  // cannot record: a database error, or its instance dying mid-send (the job expires and runs elsewhere).
  retryLimit: 10,
  retryDelaySeconds: 5,
  retryBackoff: true,
  expireInSeconds: 120,
  deadLetter: 'email.dead',
  // A worker takes the e-mails waiting together (a booking's three, say) and claims them in one statement.
  batchSize: 10,
};
/** A sender's claim on its batch lasts as long as its job may run: past both, another instance takes it. */
const CLAIM_SECONDS = EMAIL_QUEUE.expireInSeconds!;
/** E-mails the server refused for good (5xx), and attempts that kept failing: kept for inspection, never worked. */
export const EMAIL_DEAD_QUEUE: JobQueue<{ emailId: string; error?: string }> = { name: 'email.dead', retryLimit: 0 };
/** Forgets sent e-mails after SENT_RETENTION_DAYS, hourly, on one instance at a time. */
export const EMAIL_PRUNE_QUEUE: JobQueue = { name: 'email.prune', policy: 'stately', retryLimit: 1, recurring: { everyMs: 3_600_000, cron: '7 * * * *' } };

/**
 * Sends the e-mails of the outbox table (EmailOutboxRepository), one job per e-mail. `enqueue` writes the
 * row and its job in the caller's transaction; a worker on any instance then takes the jobs waiting (up to
 * a batch), claims their rows in one statement (for as long as its jobs may run, so no two instances send
 * one e-mail while its sender lives), sends each with the row's id as Message-ID and writes its outcome at
 * once. A failure for now records the attempt and, in the same transaction, enqueues the next one after a
 * doubling delay (MAIL_RETRY_INTERVAL_MS up to MAIL_RETRY_MAX_DELAY_MS); a permanent refusal (5xx) marks
 * the row FAILED and hands it to `email.dead`. While the server is unreachable, an instance tries one
 * e-mail per MAIL_RETRY_INTERVAL_MS (a probe); its other workers wait for the probe's answer instead of
 * failing one e-mail after another, the rest of a batch waits for the next probe untried, and the jobs not
 * fetched wait in the table; once a probe goes through, they all go. A sender that dies mid-batch leaves
 * what it sent marked SENT; its jobs expire and run again, and take the others once its claim has run out.
 */
@Injectable()
export class EmailSender {
  private readonly logger = new Logger(EmailSender.name);
  private readonly intervalMs: number;
  private readonly maxDelayMs: number;
  /** What this instance knows of the server: reachable, or down with the next probe due at `nextProbeAt`. */
  private serverDown = false;
  private probing = false;
  private nextProbeAt = 0;
  private serverBack = signal();

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly dataSource: DataSource,
    private readonly emails: EmailOutboxRepository,
    private readonly mail: MailService,
    private readonly jobs: JobEngine,
  ) {
    const { mailRetryIntervalMs, mailRetryMaxDelayMs } = config.get('notifications', { infer: true });
    this.intervalMs = mailRetryIntervalMs;
    this.maxDelayMs = mailRetryMaxDelayMs;
    jobs.registerBatch({ ...EMAIL_QUEUE, concurrency: config.get('jobs', { infer: true }).concurrency }, (batch) =>
      this.sendBatch(
        batch.map(({ data }) => data.emailId),
        batch[0].job,
      ),
    );
    jobs.register(EMAIL_DEAD_QUEUE);
    jobs.register(EMAIL_PRUNE_QUEUE, () => this.pruneSent());
  }

  /** Inside the caller's transaction: the e-mail and its job exist if and only if the transaction commits. */
  async enqueue(manager: EntityManager, email: NewOutboxEmail): Promise<string> {
    const id = await this.emails.insert(manager, email);
    await this.jobs.enqueue(manager, EMAIL_QUEUE, { emailId: id });
    return id;
  }

  /** Several e-mails and their jobs, in two statements inside the caller's transaction; returns their ids in the order given. */
  async enqueueMany(manager: EntityManager, emails: NewOutboxEmail[]): Promise<string[]> {
    const ids = await this.emails.insertMany(manager, emails);
    await this.jobs.enqueueMany(
      manager,
      EMAIL_QUEUE,
      ids.map((emailId) => ({ emailId })),
    );
    return ids;
  }

  /** After commit: this instance's e-mail workers look for these now rather than at their next poll. Never throws. */
  sendSoon(ids: string[]): void {
    if (ids.length) this.jobs.wake(EMAIL_QUEUE);
  }

  /** One attempt at each e-mail of a batch, each outcome written as soon as it is known. */
  private async sendBatch(emailIds: string[], job: JobContext): Promise<void> {
    await this.waitForServer(job.stopping);
    const { claimed, held } = await this.emails.claim(emailIds, CLAIM_SECONDS);
    // Another sender holds these (a job that expired while its instance was still sending): tried again when its
    // claim runs out, one insert per claim (a dead sender's batch shares one end).
    const heldUntil = new Map<number, Array<{ emailId: string }>>();
    for (const { id, until } of held) heldUntil.set(until.getTime(), [...(heldUntil.get(until.getTime()) ?? []), { emailId: id }]);
    for (const [until, jobs] of heldUntil) await this.jobs.enqueueMany(this.dataSource.manager, EMAIL_QUEUE, jobs, { startAfter: new Date(until) });
    // The least tried first: while the server is down only the first of a batch is tried (the probe), and the
    // same oldest e-mail must not be the probe every time while the others wait untried behind it.
    const queue = [...claimed].sort((a, b) => a.attempts - b.attempts);
    for (const [i, row] of queue.entries()) {
      const probe = this.serverDown;
      if (probe) this.probing = true;
      let transportId: string;
      try {
        transportId = (await this.mail.send({ kind: row.kind, to: row.recipient, subject: row.subject, text: row.body, id: row.id, calendar: row.calendar }))
          .id;
      } catch (error) {
        // A permanent refusal still means the server is there; anything else: the rest of the batch waits for the next probe.
        const permanent = isPermanentMailError(error);
        if (permanent) this.serverReached();
        else this.serverUnreachable();
        const untried = permanent ? [] : queue.slice(i + 1).map((other) => other.id);
        await this.dataSource.transaction(async (manager) => {
          await this.recordFailure(manager, row, error);
          if (!untried.length) return;
          await this.emails.release(manager, untried);
          await this.jobs.enqueueMany(
            manager,
            EMAIL_QUEUE,
            untried.map((emailId) => ({ emailId })),
            { startAfter: new Date(this.nextProbeAt) },
          );
        });
        if (untried.length) return;
        continue;
      } finally {
        if (probe) this.probing = false;
      }
      this.serverReached();
      await this.emails.markSent(row.id, transportId);
    }
  }

  /** While the server is down, returns when this job may try: it is the next probe, the server is back, or it waited long enough. */
  private async waitForServer(stopping: AbortSignal): Promise<void> {
    const giveUpAt = Date.now() + MAX_PARK_MS;
    while (this.serverDown && !stopping.aborted) {
      const now = Date.now();
      if (now >= giveUpAt || (!this.probing && now >= this.nextProbeAt)) return;
      const waitMs = Math.max(10, Math.min(giveUpAt, this.probing ? now + this.intervalMs : this.nextProbeAt) - now);
      await Promise.race([this.serverBack.promise, sleep(waitMs, undefined, { signal: stopping }).catch(() => undefined)]);
    }
  }

  private serverReached(): void {
    if (!this.serverDown) return;
    this.serverDown = false;
    this.serverBack.resolve();
    this.serverBack = signal();
  }

  private serverUnreachable(): void {
    this.serverDown = true;
    this.nextProbeAt = Date.now() + this.intervalMs;
  }

  private async recordFailure(manager: EntityManager, row: ClaimedEmail, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    if (isPermanentMailError(error)) {
      this.logger.warn({ emailId: row.id, kind: row.kind, err: error }, 'E-mail refused by the server; not retrying');
      await this.emails.markFailed(manager, row.id, message);
      await this.jobs.enqueue(manager, EMAIL_DEAD_QUEUE, { emailId: row.id, error: message.slice(0, 300) });
      return;
    }
    const delayMs = retryDelayMs(row.attempts + 1, this.intervalMs, this.maxDelayMs);
    this.logger.warn({ emailId: row.id, kind: row.kind, attempts: row.attempts + 1, retryInMs: delayMs, err: error }, 'E-mail not sent; will retry');
    await this.emails.markRetry(manager, row.id, delayMs, message);
    await this.jobs.enqueue(manager, EMAIL_QUEUE, { emailId: row.id }, { startAfter: new Date(Date.now() + delayMs) });
  }

  private async pruneSent(): Promise<void> {
    while ((await this.emails.pruneSent(SENT_RETENTION_DAYS)) > 0);
  }
}
