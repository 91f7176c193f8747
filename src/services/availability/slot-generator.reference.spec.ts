import fc from 'fast-check';
import { DateTime } from 'luxon';
import { fitsInWindow, generateSlots, localToInstant, SlotRequest } from './slot-generator';
import { WEEKDAYS, WeeklyAvailability, windowsOn } from './weekly-availability';

/**
 * The slot generator computes local times by arithmetic on days without a clock change. These specs hold it
 * to the plain Luxon computation it replaced (kept here as the reference), slot for slot and string for
 * string, across zones with summer time, half-hour offsets and clock changes at midnight.
 */
function referenceSlots(request: SlotRequest) {
  const step = Math.min(request.intervalMinutes, request.durationMinutes);
  const durationMs = request.durationMinutes * 60_000;
  const notBefore = request.notBefore.getTime();
  const last = DateTime.fromISO(request.toDate, { zone: request.timezone });
  const slots = [];
  for (let day = DateTime.fromISO(request.fromDate, { zone: request.timezone }); day <= last; day = day.plus({ days: 1 })) {
    for (const window of windowsOn(request.availability, WEEKDAYS[day.weekday - 1])) {
      const windowEnd = localToInstant(day, window.end, request.timezone) ?? referenceNextExisting(day, window.end, request.timezone);
      for (let minute = window.start; minute < window.end; minute += step) {
        const start = localToInstant(day, minute, request.timezone);
        if (!start) continue;
        const startMs = start.toMillis();
        const endMs = startMs + durationMs;
        if (endMs > windowEnd.toMillis()) break;
        if (startMs <= notBefore || request.busy.some((b) => startMs < b.end.getTime() && b.start.getTime() < endMs)) continue;
        const end = DateTime.fromMillis(endMs, { zone: request.timezone });
        slots.push({ start: new Date(startMs), end: new Date(endMs), localStart: start.toISO() as string, localEnd: end.toISO() as string });
      }
    }
  }
  return slots.sort((a, b) => a.start.getTime() - b.start.getTime());
}

function referenceNextExisting(day: DateTime, minuteOfDay: number, zone: string): DateTime {
  for (let minute = minuteOfDay; minute <= 1440; minute++) {
    const instant = localToInstant(day, minute, zone);
    if (instant) return instant;
  }
  return day.plus({ days: 1 }).startOf('day');
}

function referenceFits(availability: WeeklyAvailability, zone: string, start: Date, durationMinutes: number): boolean {
  const local = DateTime.fromJSDate(start, { zone });
  const day = local.startOf('day');
  const startMs = start.getTime();
  const endMs = startMs + durationMinutes * 60_000;
  return windowsOn(availability, WEEKDAYS[day.weekday - 1]).some((window) => {
    const opens = localToInstant(day, window.start, zone) ?? referenceNextExisting(day, window.start, zone);
    const closes = localToInstant(day, window.end, zone) ?? referenceNextExisting(day, window.end, zone);
    return opens.toMillis() <= startMs && endMs <= closes.toMillis();
  });
}

const ZONES = [
  'UTC',
  'Etc/UTC',
  'Etc/GMT+5',
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
  'America/Havana', // clocks change at midnight
  'America/Santiago',
  'America/St_Johns', // -03:30
  'Asia/Kolkata', // +05:30
  'Asia/Tokyo',
  'Australia/Lord_Howe', // a 30-minute change
  'Australia/Sydney',
  'Pacific/Chatham', // +12:45
  'Pacific/Kiritimati', // +14:00
  'Africa/Casablanca',
];

/** Days around the clock changes of 2030 (and ordinary ones), as local dates. */
const DAYS = ['2030-01-07', '2030-03-06', '2030-03-27', '2030-04-03', '2030-09-25', '2030-10-02', '2030-10-23', '2030-10-30'];

const windowText = (start: number, end: number) =>
  `${String(Math.floor(start / 60)).padStart(2, '0')}:${String(start % 60).padStart(2, '0')}-${end === 1440 ? '24:00' : `${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}`}`;

const availabilityArb = fc
  .array(
    fc.tuple(fc.integer({ min: 0, max: 47 }), fc.integer({ min: 1, max: 48 })).map(([a, b]) => [Math.min(a, b - 1) * 30, Math.max(a + 1, b) * 30] as const),
    { minLength: 1, maxLength: 3 },
  )
  .map((windows) => {
    const texts = windows.map(([start, end]) => windowText(start, end));
    return Object.fromEntries(WEEKDAYS.map((day) => [day, texts]));
  });

describe('slot generator agrees with the Luxon reference', () => {
  it('on every listed zone over a week around each clock change', () => {
    const availability = Object.fromEntries(WEEKDAYS.map((day) => [day, ['00:00-02:30', '09:00-11:00', '22:00-24:00']])) as WeeklyAvailability;
    for (const timezone of ZONES) {
      for (const fromDate of DAYS) {
        const toDate = DateTime.fromISO(fromDate).plus({ days: 6 }).toISODate() as string;
        for (const [durationMinutes, intervalMinutes] of [
          [60, 30],
          [90, 45],
        ]) {
          const request: SlotRequest = {
            availability,
            timezone,
            durationMinutes,
            intervalMinutes,
            fromDate,
            toDate,
            notBefore: new Date('2000-01-01T00:00:00Z'),
            busy: [],
          };
          expect(generateSlots(request)).toEqual(referenceSlots(request));
        }
      }
    }
  });

  it('on random windows, dates, durations and busy times', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        availabilityArb,
        fc.integer({ min: 0, max: 3650 }),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(15, 30, 45, 60, 90, 120, 1440),
        fc.constantFrom(5, 15, 30, 60),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 10 * 24 * 60 }), fc.integer({ min: 15, max: 600 })), { maxLength: 4 }),
        (timezone, availability, dayOffset, span, durationMinutes, intervalMinutes, busy) => {
          const from = DateTime.fromISO('2026-01-01', { zone: 'UTC' }).plus({ days: dayOffset });
          const fromDate = from.toISODate() as string;
          const toDate = from.plus({ days: span }).toISODate() as string;
          const base = from.toMillis();
          const request: SlotRequest = {
            availability,
            timezone,
            durationMinutes,
            intervalMinutes,
            fromDate,
            toDate,
            notBefore: new Date(base + 36 * 3_600_000),
            busy: busy.map(([at, length]) => ({ start: new Date(base + at * 60_000), end: new Date(base + (at + length) * 60_000) })),
          };
          expect(generateSlots(request)).toEqual(referenceSlots(request));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('decides whether a booking fits a window as the reference does', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        availabilityArb,
        fc.integer({ min: 0, max: 3650 * 24 * 4 }),
        fc.constantFrom(15, 30, 60, 90, 600),
        (timezone, availability, quarterHours, durationMinutes) => {
          const start = new Date(Date.UTC(2026, 0, 1) + quarterHours * 15 * 60_000);
          expect(fitsInWindow(availability, timezone, start, durationMinutes)).toBe(referenceFits(availability, timezone, start, durationMinutes));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
