import { DateTime, Zone } from 'luxon';
import { DateOverrides, WEEKDAYS, WeeklyAvailability, Window, windowsOnDate } from './weekly-availability';

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
  /** Local dates with their own windows instead of the weekday's. */
  dateOverrides?: DateOverrides;
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

/** The windows of local day `day`: its date override, or its weekday's weekly windows. */
function windowsOfDay(availability: WeeklyAvailability, overrides: DateOverrides | undefined, day: DateTime): Window[] {
  return windowsOnDate(availability, overrides, day.toISODate() as string, WEEKDAYS[day.weekday - 1]);
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
    const windows = windowsOfDay(request.availability, request.dateOverrides, day);
    if (!windows.length) continue;
    const clock = dayClock(day, request.timezone);
    for (const window of windows) {
      const windowEnd = clock.at(window.end) ?? nextExisting(day, window.end, request.timezone).toMillis();
      // Walk wall-clock time; the end is checked in real time, since a window is an hour shorter or
      // longer on the days the clocks change.
      for (let minute = window.start; minute < window.end; minute += step) {
        const startMs = clock.at(minute);
        if (startMs === null) continue;
        const endMs = startMs + durationMs;
        if (endMs > windowEnd) break;
        if (startMs <= notBefore || overlapsAny(startMs, endMs, request.busy)) continue;
        slots.push({ start: new Date(startMs), end: new Date(endMs), localStart: clock.iso(startMs), localEnd: clock.iso(endMs) });
      }
    }
  }
  return slots.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** Local wall-clock minutes of one local day as instants, and instants as local ISO 8601 with offset. */
interface DayClock {
  /** True when the day has one UTC offset throughout: `at` is then `midnight + minute`. */
  regular: boolean;
  /** Minute of the day (0..1440) to an instant in ms, or null when that local time does not exist (clocks going forward). */
  at(minute: number): number | null;
  /** As Luxon's `toISO()` writes it in the zone: `2030-01-07T09:00:00.000+01:00`. */
  iso(ms: number): string;
}

const HOUR_MS = 3_600_000;
const offsetSuffixes = new Map<string, string>();
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * On a day whose UTC offset is the same from before its start to after its end (every day but the few
 * with a clock change), local time is UTC shifted by one offset: plain arithmetic, no time-zone lookups per
 * slot. Other days (and unknown zones) go through Luxon and `localToInstant`'s rules.
 */
function dayClock(day: DateTime, zone: string): DayClock {
  const luxonClock: DayClock = {
    regular: false,
    at: (minute) => localToInstant(day, minute, zone)?.toMillis() ?? null,
    iso: (ms) => DateTime.fromMillis(ms, { zone }).toISO() as string,
  };
  const tz = day.zone;
  if (!day.isValid || !tz.isValid) return luxonClock;
  // Local midnight lies within [-14 h, +12 h] of UTC midnight: sample the offset well around the whole day.
  const utcMidnight = Date.UTC(day.year, day.month - 1, day.day);
  const offset = tz.offset(utcMidnight + 12 * HOUR_MS);
  if (tz.offset(utcMidnight - 15 * HOUR_MS) !== offset || tz.offset(utcMidnight + 39 * HOUR_MS) !== offset) return luxonClock;
  const offsetMs = offset * 60_000;
  const midnight = utcMidnight - offsetMs;
  const key = `${zone}|${offset}`;
  let suffix = offsetSuffixes.get(key);
  if (suffix === undefined) {
    // Luxon writes `Z` for UTC itself and `+00:00` for a zone that merely sits at UTC: ask it once per zone and offset.
    suffix = (DateTime.fromMillis(midnight, { zone }).toISO() as string).slice('2030-01-07T00:00:00.000'.length);
    offsetSuffixes.set(key, suffix);
  }
  const iso = (ms: number) => {
    const local = new Date(ms + offsetMs);
    return (
      `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T` +
      `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}${suffix}`
    );
  };
  return { regular: true, at: (minute) => midnight + minute * 60_000, iso };
}

/** A window ending at a skipped local time ends at the first minute that exists after it. */
function nextExisting(day: DateTime, minuteOfDay: number, zone: string): DateTime {
  for (let minute = minuteOfDay; minute <= 1440; minute++) {
    const instant = localToInstant(day, minute, zone);
    if (instant) return instant;
  }
  return day.plus({ days: 1 }).startOf('day');
}

/**
 * The instants `generateSlots` gives the wall-clock minutes of local day `date` in the zone, for a caller
 * that applies the same walk elsewhere (the catalog's `availableOn`, in SQL): on a day with one offset
 * throughout, local midnight (minute `m` is `midnight + m` minutes); on a day with a clock change, for each
 * minute 0..1440 its instant as a slot start (`null`: that time does not exist) and as a window end.
 */
export type DayInstants = { regular: true; midnightMs: number } | { regular: false; startMs: Array<number | null>; endMs: number[] };

export function dayInstants(date: string, zone: string): DayInstants {
  const day = DateTime.fromISO(date, { zone });
  const clock = dayClock(day, zone);
  if (clock.regular) return { regular: true, midnightMs: clock.at(0) as number };
  // Luxon's own rule (`localToInstant`) for each minute costs a zone look-up or three: a day's worth blocked the
  // event loop for half a second. A wall-clock minute that exactly one of the day's offsets maps back to has
  // that one instant (which is what `localToInstant` answers); only the minutes of a gap or an overlap, none or
  // several, go through `localToInstant`.
  const utcMidnight = Date.UTC(day.year, day.month - 1, day.day);
  const offsetAt = offsetsAround(day.zone, utcMidnight - 15 * HOUR_MS, utcMidnight + 39 * HOUR_MS);
  const offsets = [...new Set(offsetAt.changes.flatMap((change) => [change.before, change.after]))];
  const startMs: Array<number | null> = [];
  for (let minute = 0; minute < 1440; minute++) {
    const local = utcMidnight + minute * 60_000;
    const instants = offsets.map((offset) => local - offset * 60_000).filter((ms, i) => offsetAt(ms) === offsets[i]);
    startMs.push(instants.length === 1 ? instants[0] : clock.at(minute));
  }
  startMs.push(clock.at(1440));
  // A window ending at a time that does not exist ends at the next one that does (`nextExisting`); 24:00 always exists.
  const endMs: number[] = new Array<number>(1441);
  for (let minute = 1440; minute >= 0; minute--) endMs[minute] = startMs[minute] ?? endMs[minute + 1];
  return { regular: false, startMs, endMs };
}

/** The zone's UTC offset (minutes) at any instant of [from, to], from its changes found by sampling hourly and bisecting to the minute. */
function offsetsAround(zone: Zone, from: number, to: number): ((ms: number) => number) & { changes: Array<{ at: number; before: number; after: number }> } {
  const changes: Array<{ at: number; before: number; after: number }> = [];
  const first = zone.offset(from);
  let before = first;
  for (let hour = from; hour < to; hour += HOUR_MS) {
    const after = zone.offset(hour + HOUR_MS);
    if (after === before) continue;
    let [low, high] = [hour, hour + HOUR_MS]; // offset(low) = before, offset(high) = after
    while (high - low > 60_000) {
      const mid = low + Math.floor((high - low) / 120_000) * 60_000;
      if (zone.offset(mid) === before) low = mid;
      else high = mid;
    }
    changes.push({ at: high, before, after });
    before = after;
  }
  if (!changes.length) changes.push({ at: Infinity, before: first, after: first });
  const offsetAt = (ms: number) => {
    let offset = first;
    for (const change of changes) if (ms >= change.at) offset = change.after;
    return offset;
  };
  return Object.assign(offsetAt, { changes });
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
export function fitsInWindow(availability: WeeklyAvailability, zone: string, start: Date, durationMinutes: number, dateOverrides?: DateOverrides): boolean {
  const local = DateTime.fromJSDate(start, { zone });
  const day = local.startOf('day');
  const startMs = start.getTime();
  const endMs = startMs + durationMinutes * 60_000;
  const windows = windowsOfDay(availability, dateOverrides, day);
  if (!windows.length) return false;
  const clock = dayClock(day, zone);
  return windows.some((window) => {
    const opens = clock.at(window.start) ?? nextExisting(day, window.start, zone).toMillis();
    const closes = clock.at(window.end) ?? nextExisting(day, window.end, zone).toMillis();
    return opens <= startMs && endMs <= closes;
  });
}
