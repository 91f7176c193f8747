import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { UnitOfWork } from '../common/database/unit-of-work';
import { AppConfig } from '../config/app.config';
import { JobEngine } from '../jobs/job-engine';
import { JobQueue } from '../jobs/job-queue';
import { BookingStatus } from './booking.entity';
import { BookingsRepository } from './bookings.repository';
import { BookingCompletedEvent, BookingReminderEvent } from './events/booking.events';
import { SYSTEM_CHANGE } from './history/booking-change';

/** Bookings one query of a pass takes; a pass goes on with the next batch until none is due. */
const BATCH = 100;

/**
 * How long one pass works before it leaves the rest to the next: well inside its queue's expiry, so a pass
 * is only ever expired (and run again elsewhere) when its instance died.
 */
const PASS_BUDGET_MS = 20_000;

/**
 * The reminder pass: stately, so one runs at a time whatever the number of instances. A pass whose instance
 * died holds the queue until it expires (60 s, then the engine's maintenance retries it): that long a delay.
 */
export const BOOKING_REMIND_QUEUE: JobQueue = { name: 'bookings.remind', policy: 'stately', retryLimit: 2, retryDelaySeconds: 1, expireInSeconds: 60 };
/** The auto-completion pass, likewise. */
export const BOOKING_AUTO_COMPLETE_QUEUE: JobQueue = {
  name: 'bookings.auto-complete',
  policy: 'stately',
  retryLimit: 2,
  retryDelaySeconds: 1,
  expireInSeconds: 60,
};

export interface PassResult {
  done: number;
  failed: number;
}

/**
 * The timed transitions of CONFIRMED bookings, as recurring passes on the job engine (at start, then every
 * BOOKING_TIMED_PASS_SECONDS, and every minute by cron should that chain break):
 *
 * - Reminders: a booking starting within BOOKING_REMINDER_HOURS whose reminder for that start is not sent
 *   gets one (`BookingReminderEvent`: both parties' notifications, e-mails and live pushes). The claim row in
 *   `booking_reminders` (booking, start) commits with the notifications, so a pass run twice (a retried job,
 *   a crash after commit, several instances) sends it once. A cancelled booking is not CONFIRMED, so none; a
 *   reschedule gives a new start, hence a new reminder, and the old start is never due again. A booking made
 *   (or moved) less than BOOKING_REMINDER_HOURS before its start gets its reminder at once, in the next pass:
 *   the provider may not have seen the confirmation, and a booking missed during downtime behaves the same.
 * - Auto-completion: a booking that ended BOOKING_AUTO_COMPLETE_HOURS ago (0: never) becomes COMPLETED by the system
 *   (compare-and-swap, history actor "system"), as if its provider had completed it.
 *
 * A sweep rather than a job per booking: bookings confirmed before this existed are covered too, and nothing
 * needs re-arming when a booking moves. Each query reads a range of a partial index of CONFIRMED bookings.
 */
@Injectable()
export class BookingTimers {
  private readonly logger = new Logger(BookingTimers.name);
  private readonly reminderBeforeMs: number;
  private readonly autoCompleteAfterMs: number;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly bookings: BookingsRepository,
    config: ConfigService<AppConfig, true>,
    jobs: JobEngine,
  ) {
    const { reminderBeforeMs, autoCompleteAfterMs, timedPassIntervalMs } = config.get('bookings', { infer: true });
    this.reminderBeforeMs = reminderBeforeMs;
    this.autoCompleteAfterMs = autoCompleteAfterMs;
    const recurring = { everyMs: timedPassIntervalMs, cron: '* * * * *' };
    jobs.register({ ...BOOKING_REMIND_QUEUE, recurring }, async (_data, job) => {
      await this.sendDueReminders(new Date(), job.stopping);
    });
    jobs.register({ ...BOOKING_AUTO_COMPLETE_QUEUE, recurring }, async (_data, job) => {
      await this.completeEnded(new Date(), job.stopping);
    });
  }

  /** One reminder pass as of `now`; a booking that fails is logged and left to the next pass. */
  async sendDueReminders(now: Date, stopping?: AbortSignal): Promise<PassResult> {
    if (this.reminderBeforeMs <= 0) return { done: 0, failed: 0 };
    const until = new Date(now.getTime() + this.reminderBeforeMs);
    const result = await this.pass(
      stopping,
      (seen) => this.bookings.listDueReminders(now, until, BATCH, seen),
      (id) =>
        this.unitOfWork.run(async (manager, record) => {
          if (!(await this.bookings.claimReminder(manager, id, now, until))) return false;
          record(new BookingReminderEvent(await this.bookings.findFacts(manager, id)));
          return true;
        }),
    );
    if (result.done) this.logger.log(`Sent the reminders of ${result.done} bookings`);
    return result;
  }

  /** One auto-completion pass as of `now`. */
  async completeEnded(now: Date, stopping?: AbortSignal): Promise<PassResult> {
    if (this.autoCompleteAfterMs <= 0) return { done: 0, failed: 0 };
    const endedBy = new Date(now.getTime() - this.autoCompleteAfterMs);
    const change = { ...SYSTEM_CHANGE, reason: `Completed automatically ${this.autoCompleteAfterMs / 3_600_000} hours after its end` };
    const result = await this.pass(
      stopping,
      (seen) => this.bookings.listDueCompletions(endedBy, BATCH, seen),
      (id) =>
        this.unitOfWork.run(async (manager, record) => {
          // Locked, then checked again: a reschedule or a cancellation may have come in since the listing.
          const booking = await this.bookings.lockById(manager, id);
          if (booking?.status !== BookingStatus.CONFIRMED || booking.endsAt > endedBy) return false;
          const moved = await this.bookings.transition(manager, id, [BookingStatus.CONFIRMED], BookingStatus.COMPLETED, change);
          if (!moved) return false;
          record(new BookingCompletedEvent(moved.facts));
          return true;
        }),
    );
    if (result.done) this.logger.log(`Completed ${result.done} ended bookings`);
    return result;
  }

  /**
   * Lists due bookings a batch at a time and handles each in its own transaction, until none is left (or the
   * instance is stopping, or its time is up). Every id listed once is left out of the next batches, so a pass always ends.
   */
  private async pass(
    stopping: AbortSignal | undefined,
    list: (seen: string[]) => Promise<string[]>,
    handle: (id: string) => Promise<boolean>,
  ): Promise<PassResult> {
    const seen: string[] = [];
    const result: PassResult = { done: 0, failed: 0 };
    const giveUpAt = Date.now() + PASS_BUDGET_MS;
    for (;;) {
      const ids = await list(seen);
      for (const id of ids) {
        if (stopping?.aborted || Date.now() > giveUpAt) return result;
        seen.push(id);
        try {
          if (await handle(id)) result.done++;
        } catch (error) {
          result.failed++;
          this.logger.error({ err: error, bookingId: id }, 'A timed transition failed; the next pass retries it');
        }
      }
      if (ids.length < BATCH) return result;
    }
  }
}
