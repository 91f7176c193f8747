import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app.config';
import { MailService } from '../../mail/mail.service';
import { ClaimedEmail, EmailOutboxRepository, NewOutboxEmail } from './email-outbox.repository';
import { isPermanentMailError, retryDelayMs } from './retry-schedule';

/** How long the sweep leaves a new e-mail to the instance that committed it (which sends it at once). */
const DIRECT_WINDOW_MS = 60_000;
/** E-mails claimed per transaction, and sent at the same time within it. */
const BATCH = 20;
const CONCURRENCY = 5;
/** Past this many e-mails waiting in memory, new ones are left to the sweep (they are safe in the table). */
const MAX_QUEUED = 10_000;
const SENT_RETENTION_DAYS = 7;
const PRUNE_EVERY_MS = 3_600_000;

type Outcome = { sentId: string } | { error: unknown };

/**
 * Sends the e-mails in the outbox table (EmailOutboxRepository). Right after a commit, the instance that
 * committed sends its e-mails; a periodic sweep on every instance retries failures with backoff and picks
 * up e-mails whose instance died before sending. A sender holds its rows locked (`FOR UPDATE SKIP LOCKED`) until it has
 * recorded the outcome, so no two instances send the same e-mail. While the server is unreachable, new
 * e-mails are handed straight to the sweep, which probes with one e-mail per interval until one goes
 * through, then sends the backlog.
 */
@Injectable()
export class EmailSender implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EmailSender.name);
  private readonly intervalMs: number;
  private readonly maxDelayMs: number;
  private readonly queue: string[] = [];
  private draining: Promise<void> | null = null;
  private drainScheduled = false;
  private sweeping: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private serverReachable = true;
  private stopped = false;
  private lastPruneAt = 0;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly dataSource: DataSource,
    private readonly emails: EmailOutboxRepository,
    private readonly mail: MailService,
  ) {
    const { mailRetryIntervalMs, mailRetryMaxDelayMs } = config.get('notifications', { infer: true });
    this.intervalMs = mailRetryIntervalMs;
    this.maxDelayMs = mailRetryMaxDelayMs;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    // What is not sent by now stays in the table for the next sweep, here or on another instance.
    await Promise.allSettled([this.draining, this.sweeping]);
  }

  /** Inside the caller's transaction: the e-mail exists if and only if the transaction commits. */
  enqueue(manager: EntityManager, email: NewOutboxEmail): Promise<string> {
    return this.emails.insert(manager, email, DIRECT_WINDOW_MS);
  }

  /** After commit: sends these soon, in the background. Never throws. */
  sendSoon(ids: string[]): void {
    if (this.stopped || ids.length === 0) return;
    if (this.queue.length + ids.length > MAX_QUEUED) {
      this.logger.warn({ count: ids.length }, 'E-mail queue full; the sweep will send these');
      return;
    }
    this.queue.push(...ids);
    // A commit's e-mails arrive from one after-commit step per event, all in the same turn of the event loop: starting on
    // the next turn sends them in one transaction rather than one per event.
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** One sweep now (the timer calls it too); resolves when it is done. Never throws. */
  sweep(): Promise<void> {
    if (!this.sweeping && !this.stopped) {
      this.sweeping = this.sweepDue()
        .catch((error: unknown) => this.logger.error({ err: error }, 'E-mail sweep failed'))
        .finally(() => (this.sweeping = null));
    }
    return this.sweeping ?? Promise.resolve();
  }

  private drain(): void {
    if (this.draining || this.stopped) return;
    this.draining = this.drainQueue().finally(() => {
      this.draining = null;
      if (this.queue.length) this.drain();
    });
  }

  private async drainQueue(): Promise<void> {
    while (this.queue.length && !this.stopped) {
      const ids = this.queue.splice(0, BATCH);
      try {
        if (this.serverReachable) await this.sendClaimed((manager) => this.emails.claimByIds(manager, ids));
        else await this.emails.makeDue(ids);
      } catch (error) {
        this.logger.error({ err: error }, 'E-mail delivery failed; the sweep will retry');
      }
    }
  }

  private async sweepDue(): Promise<void> {
    await this.pruneNowAndThen();
    while (!this.stopped) {
      // While the server is unreachable, one e-mail per sweep finds out whether it is back.
      const limit = this.serverReachable ? BATCH : 1;
      const claimed = await this.sendClaimed((manager) => this.emails.claimDue(manager, limit));
      if (claimed < limit || !this.serverReachable) return;
    }
  }

  /** Claims rows, sends them and records each outcome, all in one transaction that holds the rows' locks. */
  private sendClaimed(claim: (manager: EntityManager) => Promise<ClaimedEmail[]>): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await claim(manager);
      for (let start = 0; start < rows.length; start += CONCURRENCY) {
        if (!this.serverReachable && start > 0) {
          // The server just failed: the rest wait for the sweep's probe rather than fail one by one.
          await this.emails.makeDue(
            rows.slice(start).map((row) => row.id),
            manager,
          );
          break;
        }
        const chunk = rows.slice(start, start + CONCURRENCY);
        const outcomes = await Promise.all(chunk.map((row) => this.attempt(row)));
        // One connection, one statement at a time.
        for (const [index, row] of chunk.entries()) await this.recordOutcome(manager, row, outcomes[index]);
      }
      return rows.length;
    });
  }

  private async attempt(row: ClaimedEmail): Promise<Outcome> {
    try {
      const sent = await this.mail.send({ kind: row.kind, to: row.recipient, subject: row.subject, text: row.body, id: row.id, calendar: row.calendar });
      this.serverReachable = true;
      return { sentId: sent.id };
    } catch (error) {
      // A permanent refusal still means the server is there.
      this.serverReachable = isPermanentMailError(error);
      return { error };
    }
  }

  private async recordOutcome(manager: EntityManager, row: ClaimedEmail, outcome: Outcome): Promise<void> {
    if ('sentId' in outcome) {
      await this.emails.markSent(manager, row.id, outcome.sentId);
      return;
    }
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    if (isPermanentMailError(outcome.error)) {
      this.logger.warn({ emailId: row.id, kind: row.kind, err: outcome.error }, 'E-mail refused by the server; not retrying');
      await this.emails.markFailed(manager, row.id, message);
      return;
    }
    const delayMs = retryDelayMs(row.attempts + 1, this.intervalMs, this.maxDelayMs);
    this.logger.warn({ emailId: row.id, kind: row.kind, attempts: row.attempts + 1, retryInMs: delayMs, err: outcome.error }, 'E-mail not sent; will retry');
    await this.emails.markRetry(manager, row.id, delayMs, message);
  }

  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = Date.now();
    await this.emails.pruneSent(SENT_RETENTION_DAYS);
  }
}
