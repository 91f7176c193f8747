import { DateTime } from 'luxon';
import { UnprocessableError } from '../../common/errors/domain.error';
import { DayInstants, dayInstants, fitsInWindow, generateSlots, Interval, Slot } from './slot-generator';
import { DateOverrides, WeeklyAvailability } from './weekly-availability';

/** The platform's rules for when anything may be booked (`bookableTime` in the configuration). */
export interface BookableTimeRules {
  /** Minimum notice: no booking starts sooner than this after now. */
  minNoticeMinutes: number;
  /** The slot grid: start times are offered every `min(interval, duration)` minutes of each window. */
  slotIntervalMinutes: number;
  /** The horizon: no booking starts later than this many days after now. */
  horizonDays: number;
}

/**
 * What a service says about its own time: weekly windows in its zone, dates with windows of their own, how long
 * one booking lasts, and its own notice, horizon and grid over the platform's (absent or null: the platform's).
 */
export interface BookableSchedule {
  availability: WeeklyAvailability;
  timezone: string;
  durationMinutes: number;
  /** Minutes kept free before and after each booking (default 0): a slot is free when its buffered range meets no busy time. */
  bufferBeforeMinutes?: number;
  bufferAfterMinutes?: number;
  dateOverrides?: DateOverrides;
  minimumNoticeMinutes?: number | null;
  bookingHorizonDays?: number | null;
  slotIntervalMinutes?: number | null;
}

/**
 * The SQL names `freeOnDaySql` applies the rule to: columns of the row being tested and the provider's busy
 * time (the caller's tables; this module knows none).
 */
export interface FreeOnDayColumns {
  /** The row's IANA zone (text). */
  timezone: string;
  durationMinutes: string;
  /** The weekly windows as `int4range[]` of minutes of the week, Monday 00:00 = 0 (`service_week_windows`). */
  weekWindows: string;
  /** A bit per weekday (Monday = 1) with a window at least `durationMinutes` long (`service_open_days`). */
  openDays: string;
  providerId: string;
  /** The row's buffers, in minutes (int): the start is free when [start - before, end + after) meets no busy time. */
  bufferBefore: string;
  bufferAfter: string;
  /** The row's id. */
  id: string;
  /** Boolean: whether the row has any of the rules below or any date override (false: the platform's rules and the weekly windows every day). */
  ownTime: string;
  /** The row's own rules (int, null: the platform's). */
  minimumNoticeMinutes: string;
  bookingHorizonDays: string;
  slotIntervalMinutes: string;
  /** A SELECT of the ids of the rows with a date override on `date` (a date SQL expression). */
  overriddenOn(date: string): string;
  /** The row's windows of its override on `date` as `int4range[]` of minutes of the week, as `weekWindows` (`{}`: closed). */
  overrideWindows(date: string): string;
  /** A SELECT of the providers with busy time overlapping [from, to) (two timestamptz SQL expressions). */
  busyProviders(from: string, to: string): string;
  /** SQL true when the row's provider is busy somewhere in [start, end). */
  busyDuring(start: string, end: string): string;
}

const DAY_INSTANTS_KEPT = 2_000;
const MINUTE_MS = 60_000;

/**
 * Bookable time, in one place: minimum notice, the horizon, the service's weekly windows and date overrides,
 * and the slot grid (notice, horizon and grid the service's own where it has them, the platform's otherwise).
 * What `/slots` and the catalog's `availableOn` filter offer, and what booking and rescheduling accept, are
 * both answered here, so they cannot drift apart: a start is bookable exactly when it is one `/slots` would
 * offer were the provider free. A new rule is a field of `BookableTimeRules`, a check in `assertBookable`
 * and a bound in `freeSlots`. Knows no domain: services/ and bookings/ call it, it calls neither.
 */
export class BookableTime {
  constructor(private readonly rules: BookableTimeRules) {}

  /** The rules for one service: its own values where it has them, the platform's otherwise. */
  rulesFor(schedule?: BookableSchedule): BookableTimeRules {
    if (!schedule) return this.rules;
    return {
      minNoticeMinutes: schedule.minimumNoticeMinutes ?? this.rules.minNoticeMinutes,
      slotIntervalMinutes: schedule.slotIntervalMinutes ?? this.rules.slotIntervalMinutes,
      horizonDays: schedule.bookingHorizonDays ?? this.rules.horizonDays,
    };
  }

  /** The earliest instant a booking may start (for the service's own notice, if it has one). */
  earliestStart(now = new Date(), schedule?: BookableSchedule): Date {
    return new Date(now.getTime() + this.rulesFor(schedule).minNoticeMinutes * 60_000);
  }

  /** The latest instant a booking may start (for the service's own horizon, if it has one). */
  latestStart(now = new Date(), schedule?: BookableSchedule): Date {
    return new Date(now.getTime() + this.rulesFor(schedule).horizonDays * 86_400_000);
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
    const earliest = this.earliestStart(now, schedule);
    if (start < earliest) {
      throw new UnprocessableError('BOOKING_NOTICE_TOO_SHORT', `Bookings must start at or after ${earliest.toISOString()}.`, [
        { field: 'scheduledAt', message: 'scheduledAt is too soon' },
      ]);
    }
    const latest = this.latestStart(now, schedule);
    if (start > latest) {
      throw new UnprocessableError(
        'BEYOND_HORIZON',
        `Bookings can start at most ${this.rulesFor(schedule).horizonDays} days ahead (by ${latest.toISOString()}).`,
        [{ field: 'scheduledAt', message: 'scheduledAt is too far ahead' }],
      );
    }
    if (!fitsInWindow(schedule.availability, schedule.timezone, start, schedule.durationMinutes, schedule.dateOverrides)) {
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
    const latest = this.latestStart(now, schedule).getTime();
    return this.grid(schedule, fromDate, toDate, this.earliestStart(now, schedule), widenedByBuffers(schedule, busy)).filter(
      (slot) => slot.start.getTime() <= latest,
    );
  }

  /**
   * "Has at least one free slot on local day `date`" (`YYYY-MM-DD`), as one SQL condition on a row, for the
   * zones in `zones` (every zone the rows may have): the walk `freeSlots` makes, in PostgreSQL. This module
   * computes each zone's clock for the day (`dayInstants`, the instants `generateSlots` uses) and the bounds
   * (notice, horizon); the SQL walks each window's grid from its opening every `min(interval, duration)`
   * minutes, keeps the starts whose slot ends inside the window, after the notice and within the horizon, and
   * asks for one clear of busy time. A row's date override that day (`overrideWindows`) stands for its weekly
   * windows, and its own notice, horizon and interval for the platform's. On a day where nothing but busy time
   * can take a slot away (one UTC offset all day, the whole day after the notice and within the horizon), for a
   * row with the platform's rules and no override that day, and for a provider with no busy time that day, the
   * answer is the row's `openDays` bit, without walking the grid. `param` adds a value and answers
   * its placeholder.
   */
  freeOnDaySql(date: string, zones: string[], columns: FreeOnDayColumns, param: (value: unknown) => string, now = new Date()): string {
    const weekday = DateTime.fromISO(date, { zone: 'UTC' }).weekday - 1;
    // Slot starts are whole minutes: bounds taken at the minute exclude and include exactly the same starts,
    // and the statement (a key of the kept totals) stays the same for a minute.
    const minute = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS);
    const notBefore = this.earliestStart(minute).getTime();
    const latest = this.latestStart(minute).getTime();
    const midnights: Array<Date | null> = [];
    const bases: Array<number | null> = [];
    const starts: Array<Date | null> = [];
    const ends: Date[] = [];
    const clean: string[] = [];
    const afterNotice: string[] = [];
    const irregular: string[] = [];
    let busyFrom = Infinity;
    let busyTo = -Infinity;
    for (const zone of zones) {
      const day = this.dayInstants(date, zone);
      if (day.regular) {
        midnights.push(new Date(day.midnightMs));
        bases.push(null);
        const dayEnd = day.midnightMs + 1440 * MINUTE_MS;
        if (dayEnd <= latest && notBefore < dayEnd) {
          // The whole day after the notice, or (today) its end: either way its grid alone decides, for a provider without busy time that day.
          (notBefore < day.midnightMs ? clean : afterNotice).push(zone);
          busyFrom = Math.min(busyFrom, day.midnightMs);
          busyTo = Math.max(busyTo, dayEnd);
        }
      } else {
        midnights.push(null);
        bases.push(starts.length);
        starts.push(...day.startMs.map((ms) => (ms === null ? null : new Date(ms))));
        ends.push(...day.endMs.map((ms) => new Date(ms)));
        irregular.push(zone);
      }
    }
    const c = columns;
    const offset = param(weekday * 1440);
    const day = `${param(date)}::date`;
    const overridden = `(${c.ownTime} AND ${c.id} IN (${c.overriddenOn(day)}))`;
    // The platform's rules and the weekday's windows that day: only for such a row do the day's bounds and its openDays bit decide as above.
    const plain = `(NOT ${c.ownTime} OR (${c.minimumNoticeMinutes} IS NULL AND ${c.bookingHorizonDays} IS NULL AND ${c.slotIntervalMinutes} IS NULL AND NOT ${overridden}))`;
    const openBit = `(${c.openDays} & ${param(1 << weekday)}) <> 0`;
    const duration = `${c.durationMinutes} * interval '1 minute'`;
    const step = `least(coalesce(${c.slotIntervalMinutes}, ${param(this.rules.slotIntervalMinutes)}::int), ${c.durationMinutes})`;
    // The row's own bounds, from the same minute: notice in minutes, the horizon in days of 24 hours (as `earliestStart`, `latestStart`).
    const minuteParam = `${param(minute)}::timestamptz`;
    const rowNotBefore = `${minuteParam} + coalesce(${c.minimumNoticeMinutes}, ${param(this.rules.minNoticeMinutes)}::int) * interval '1 minute'`;
    const rowLatest = `${minuteParam} + coalesce(${c.bookingHorizonDays}, ${param(this.rules.horizonDays)}::int) * interval '24 hours'`;
    const windows = `CASE WHEN ${overridden} THEN ${c.overrideWindows(day)} ELSE ${c.weekWindows} END`;
    const clock = `unnest(${param(zones)}::text[], ${param(midnights)}::timestamptz[], ${param(bases)}::int[]) AS c(zone, midnight, base)`;
    const shortcuts: string[] = [];
    // Only an unbuffered row: a buffer reaches past the day, where busy time the day's test does not see can take its first or last slot.
    const notBusy = () =>
      `${c.bufferBefore} = 0 AND ${c.bufferAfter} = 0 AND ${c.providerId} NOT IN (${c.busyProviders(`${param(new Date(busyFrom))}::timestamptz`, `${param(new Date(busyTo))}::timestamptz`)})`;
    // Nothing but busy time can take a slot away that day: a window holds one exactly when it is long enough.
    if (clean.length) shortcuts.push(`WHEN ${plain} AND ${c.timezone}::text = ANY(${param(clean)}::text[]) AND ${notBusy()} THEN ${openBit}`);
    // Today, the notice also: a window holds one after it exactly when its last grid start is after it.
    if (afterNotice.length) {
      shortcuts.push(`WHEN ${plain} AND ${c.timezone}::text = ANY(${param(afterNotice)}::text[]) AND ${notBusy()} THEN EXISTS (
        SELECT 1 FROM ${clock} CROSS JOIN unnest(${c.weekWindows}) AS w
         WHERE c.zone = ${c.timezone}::text AND lower(w) >= ${offset}::int AND upper(w) <= ${offset}::int + 1440
           AND upper(w) - lower(w) >= ${c.durationMinutes}
           AND c.midnight + (lower(w) - ${offset}::int + (upper(w) - lower(w) - ${c.durationMinutes}) / ${step} * ${step}) * interval '1 minute' > ${param(new Date(notBefore))}::timestamptz)`);
    }
    const exact = `EXISTS (
        SELECT 1
          FROM ${clock}
         CROSS JOIN unnest(${windows}) AS w
         CROSS JOIN LATERAL generate_series(lower(w) - ${offset}::int, upper(w) - ${offset}::int - 1, ${step}) AS m
         CROSS JOIN LATERAL (
           SELECT CASE WHEN c.base IS NULL THEN c.midnight + m * interval '1 minute' ELSE (${param(starts)}::timestamptz[])[c.base + m + 1] END AS start,
                  CASE WHEN c.base IS NULL THEN c.midnight + (upper(w) - ${offset}::int) * interval '1 minute'
                       ELSE (${param(ends)}::timestamptz[])[c.base + upper(w) - ${offset}::int + 1] END AS window_end
         ) AS t
         WHERE c.zone = ${c.timezone}::text AND lower(w) >= ${offset}::int AND upper(w) <= ${offset}::int + 1440
           AND t.start > ${rowNotBefore} AND t.start <= ${rowLatest}
           AND t.start + ${duration} <= t.window_end
           AND NOT ${c.busyDuring(`t.start - ${c.bufferBefore} * interval '1 minute'`, `t.start + ${duration} + ${c.bufferAfter} * interval '1 minute'`)})`;
    const free = shortcuts.length ? `CASE ${shortcuts.join('\n')} ELSE ${exact} END` : exact;
    return `((${openBit} OR ${c.timezone}::text = ANY(${param(irregular)}::text[]) OR ${overridden}) AND ${free})`;
  }

  private readonly instants = new Map<string, DayInstants>();

  /** `dayInstants`, kept: a day with a clock change costs 1,441 zone look-ups. */
  private dayInstants(date: string, zone: string): DayInstants {
    const key = `${zone}|${date}`;
    let day = this.instants.get(key);
    if (!day) {
      day = dayInstants(date, zone);
      if (this.instants.size >= DAY_INSTANTS_KEPT) this.instants.delete(this.instants.keys().next().value as string);
      this.instants.set(key, day);
    }
    return day;
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
      dateOverrides: schedule.dateOverrides,
      timezone: schedule.timezone,
      durationMinutes: schedule.durationMinutes,
      intervalMinutes: this.rulesFor(schedule).slotIntervalMinutes,
      fromDate,
      toDate,
      notBefore,
      busy,
    });
  }
}

/**
 * Busy time as seen by a slot of `schedule`: a slot's buffered range [start - before, end + after) meets
 * [a, b) exactly when the slot itself meets [a - after, b + before).
 */
function widenedByBuffers(schedule: BookableSchedule, busy: Interval[]): Interval[] {
  const before = (schedule.bufferBeforeMinutes ?? 0) * MINUTE_MS;
  const after = (schedule.bufferAfterMinutes ?? 0) * MINUTE_MS;
  if (!before && !after) return busy;
  return busy.map((interval) => ({ start: new Date(interval.start.getTime() - after), end: new Date(interval.end.getTime() + before) }));
}
