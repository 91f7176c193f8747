import { DateTime } from 'luxon';
import { WEEKDAYS, WeeklyAvailability, windowsOn } from './weekly-availability';

export interface Interval {
  start: Date;
  end: Date;
}

export interface Slot {
  start: Date;
  end: Date;
  /** Local wall-clock start and end in the service's zone, ISO 8601 with offset. */
  localStart: string;
  localEnd: string;
}

export interface SlotRequest {
  availability: WeeklyAvailability;
  timezone: string;
  durationMinutes: number;
  intervalMinutes: number;
  /** Local calendar days, inclusive, `YYYY-MM-DD`. */
  fromDate: string;
  toDate: string;
  /** Slots must start after this instant. */
  notBefore: Date;
  /** The provider's busy time (PENDING and CONFIRMED bookings on any of their services). */
  busy: Interval[];
}

/**
 * Converts a local wall-clock time to an instant, or null when that time does not exist in the zone
 * (the hour skipped when clocks go forward). A repeated local time (clocks going back) maps to its first
 * occurrence only, so it is never offered twice.
 */
export function localToInstant(date: DateTime, minuteOfDay: number, zone: string): DateTime | null {
  const local = DateTime.fromObject(
    { year: date.year, month: date.month, day: date.day, hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60 },
    { zone },
  );
  if (minuteOfDay === 1440) return date.plus({ days: 1 }).setZone(zone, { keepLocalTime: true }).startOf('day');
  const sameWallClock = (candidate: DateTime) =>
    candidate.day === date.day && candidate.hour === Math.floor(minuteOfDay / 60) && candidate.minute === minuteOfDay % 60;
  if (!sameWallClock(local)) return null;
  // When the clocks go back, Luxon picks the later of the two instants; take the first (shifts are 60 or 30 minutes).
  for (const shift of [60, 30]) {
    const earlier = local.minus({ minutes: shift });
    if (sameWallClock(earlier)) return earlier;
  }
  return local;
}

function overlapsAny(start: number, end: number, busy: Interval[]): boolean {
  return busy.some((b) => start < b.end.getTime() && b.start.getTime() < end);
}

/** Day index 0 = monday, as in WEEKDAYS. */
function weekdayOf(date: DateTime) {
  return WEEKDAYS[date.weekday - 1];
}

/**
 * The bookable slots: every `min(interval, duration)` minutes of local time inside each window, ending
 * inside the same window, in the future, and clear of the provider's busy time.
 */
export function generateSlots(request: SlotRequest): Slot[] {
  const step = Math.min(request.intervalMinutes, request.durationMinutes);
  const durationMs = request.durationMinutes * 60_000;
  const notBefore = request.notBefore.getTime();
  const last = DateTime.fromISO(request.toDate, { zone: request.timezone });
  const slots: Slot[] = [];
  for (let day = DateTime.fromISO(request.fromDate, { zone: request.timezone }); day <= last; day = day.plus({ days: 1 })) {
    for (const window of windowsOn(request.availability, weekdayOf(day))) {
      const windowEnd = localToInstant(day, window.end, request.timezone) ?? nextExisting(day, window.end, request.timezone);
      // Walk wall-clock time; the end is checked in real time, since a window is an hour shorter or
      // longer on the days the clocks change.
      for (let minute = window.start; minute < window.end; minute += step) {
        const start = localToInstant(day, minute, request.timezone);
        if (!start) continue;
        const startMs = start.toMillis();
        const endMs = startMs + durationMs;
        if (endMs > windowEnd.toMillis()) break;
        if (startMs <= notBefore || overlapsAny(startMs, endMs, request.busy)) continue;
        const end = DateTime.fromMillis(endMs, { zone: request.timezone });
        slots.push({ start: new Date(startMs), end: new Date(endMs), localStart: start.toISO() as string, localEnd: end.toISO() as string });
      }
    }
  }
  return slots.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** A window ending at a skipped local time ends at the first minute that exists after it. */
function nextExisting(day: DateTime, minuteOfDay: number, zone: string): DateTime {
  for (let minute = minuteOfDay; minute <= 1440; minute++) {
    const instant = localToInstant(day, minute, zone);
    if (instant) return instant;
  }
  return day.plus({ days: 1 }).startOf('day');
}

/** The UTC span that covers local days `fromDate`..`toDate` in the zone. */
export function utcSpan(fromDate: string, toDate: string, zone: string): Interval {
  return {
    start: DateTime.fromISO(fromDate, { zone }).startOf('day').toJSDate(),
    end: DateTime.fromISO(toDate, { zone }).plus({ days: 1 }).startOf('day').toJSDate(),
  };
}

/**
 * Whether `[start, start + duration)` lies inside one availability window, in the zone's local time
 * (real elapsed time, so a booking across a clock change is measured correctly).
 */
export function fitsInWindow(availability: WeeklyAvailability, zone: string, start: Date, durationMinutes: number): boolean {
  const local = DateTime.fromJSDate(start, { zone });
  const day = local.startOf('day');
  const startMs = start.getTime();
  const endMs = startMs + durationMinutes * 60_000;
  return windowsOn(availability, weekdayOf(day)).some((window) => {
    const opens = localToInstant(day, window.start, zone) ?? nextExisting(day, window.start, zone);
    const closes = localToInstant(day, window.end, zone) ?? nextExisting(day, window.end, zone);
    return opens.toMillis() <= startMs && endMs <= closes.toMillis();
  });
}
