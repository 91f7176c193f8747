import { DateTime } from 'luxon';
import { UnprocessableError } from '../../common/errors/domain.error';
import { fitsInWindow, generateSlots, Interval, Slot } from './slot-generator';
import { WeeklyAvailability } from './weekly-availability';

/** The platform's rules for when anything may be booked (`bookableTime` in the configuration). */
export interface BookableTimeRules {
  /** Minimum notice: no booking starts sooner than this after now. */
  minNoticeMinutes: number;
  /** The slot grid: start times are offered every `min(interval, duration)` minutes of each window. */
  slotIntervalMinutes: number;
  /** The horizon: no booking starts later than this many days after now. */
  horizonDays: number;
}

/** What a service says about its own time: weekly windows in its zone, and how long one booking lasts. */
export interface BookableSchedule {
  availability: WeeklyAvailability;
  timezone: string;
  durationMinutes: number;
}

/**
 * Bookable time, in one place: minimum notice, the horizon, the service's weekly windows and the slot grid.
 * What `/slots` and the catalog's `availableOn` filter offer, and what booking and rescheduling accept, are
 * both answered here, so they cannot drift apart: a start is bookable exactly when it is one `/slots` would
 * offer were the provider free. A new rule is a field of `BookableTimeRules`, a check in `assertBookable`
 * and a bound in `freeSlots`. Knows no domain: services/ and bookings/ call it, it calls neither.
 */
export class BookableTime {
  constructor(private readonly rules: BookableTimeRules) {}

  /** The earliest instant a booking may start. */
  earliestStart(now = new Date()): Date {
    return new Date(now.getTime() + this.rules.minNoticeMinutes * 60_000);
  }

  /** The latest instant a booking may start. */
  latestStart(now = new Date()): Date {
    return new Date(now.getTime() + this.rules.horizonDays * 86_400_000);
  }

  /** The checks a start time must pass, for a new booking and a reschedule alike (422 with a stable code); answers the end. */
  assertBookable(schedule: BookableSchedule, start: Date, now = new Date()): Date {
    if (Number.isNaN(start.getTime())) {
      throw new UnprocessableError('INVALID_TIME', 'scheduledAt is not a valid instant.', [
        { field: 'scheduledAt', message: 'scheduledAt is not a valid instant' },
      ]);
    }
    if (start.getTime() <= now.getTime()) {
      throw new UnprocessableError('BOOKING_IN_PAST', 'scheduledAt must be in the future.', [
        { field: 'scheduledAt', message: 'scheduledAt must be in the future' },
      ]);
    }
    const earliest = this.earliestStart(now);
    if (start < earliest) {
      throw new UnprocessableError('BOOKING_NOTICE_TOO_SHORT', `Bookings must start at or after ${earliest.toISOString()}.`, [
        { field: 'scheduledAt', message: 'scheduledAt is too soon' },
      ]);
    }
    const latest = this.latestStart(now);
    if (start > latest) {
      throw new UnprocessableError('BEYOND_HORIZON', `Bookings can start at most ${this.rules.horizonDays} days ahead (by ${latest.toISOString()}).`, [
        { field: 'scheduledAt', message: 'scheduledAt is too far ahead' },
      ]);
    }
    if (!fitsInWindow(schedule.availability, schedule.timezone, start, schedule.durationMinutes)) {
      throw new UnprocessableError('OUTSIDE_AVAILABILITY', `The booking must lie inside one of the service's availability windows (${schedule.timezone}).`, [
        { field: 'scheduledAt', message: 'scheduledAt is outside the availability windows' },
      ]);
    }
    if (!this.isOnGrid(schedule, start)) {
      throw new UnprocessableError('OFF_SLOT_GRID', 'scheduledAt must be one of the start times GET /services/{id}/slots offers.', [
        { field: 'scheduledAt', message: 'scheduledAt is not a slot start' },
      ]);
    }
    return new Date(start.getTime() + schedule.durationMinutes * 60_000);
  }

  /** The start times offered on local days `fromDate`..`toDate` (`YYYY-MM-DD`, inclusive), clear of `busy`. */
  freeSlots(schedule: BookableSchedule, fromDate: string, toDate: string, busy: Interval[], now = new Date()): Slot[] {
    const latest = this.latestStart(now).getTime();
    return this.grid(schedule, fromDate, toDate, this.earliestStart(now), busy).filter((slot) => slot.start.getTime() <= latest);
  }

  /** Whether `start` is a start of the grid on its local day: the same walk `/slots` makes, free of notice and busy time. */
  private isOnGrid(schedule: BookableSchedule, start: Date): boolean {
    const day = DateTime.fromJSDate(start, { zone: schedule.timezone }).toISODate();
    if (!day) return false;
    return this.grid(schedule, day, day, new Date(start.getTime() - 1), []).some((slot) => slot.start.getTime() === start.getTime());
  }

  private grid(schedule: BookableSchedule, fromDate: string, toDate: string, notBefore: Date, busy: Interval[]): Slot[] {
    return generateSlots({
      availability: schedule.availability,
      timezone: schedule.timezone,
      durationMinutes: schedule.durationMinutes,
      intervalMinutes: this.rules.slotIntervalMinutes,
      fromDate,
      toDate,
      notBefore,
      busy,
    });
  }
}
