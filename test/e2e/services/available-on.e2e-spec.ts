import { DateTime } from 'luxon';
import { Role } from '../../../src/common/auth/role.enum';
import type { ServiceResponse } from '../../../src/services/dto/service.response';
import { WEEKDAYS } from '../../../src/services/availability/weekly-availability';
import { createService, insertBooking, uniqueCategory } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { createTestApp, TestApp } from '../../helpers/test-app';

/** A small seeded generator, so a failure can be replayed (the seed is in the test's name). */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
  return { next, int, pick };
}

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Havana', 'Pacific/Chatham'] as const;
/** Days with a clock change in one of the zones above (spring forward and fall back), and plain days. */
const CLOCK_CHANGES = [
  '2030-03-31',
  '2030-10-27',
  '2030-03-10',
  '2030-11-03',
  '2030-04-07',
  '2030-10-06',
  '2030-03-09',
  '2030-11-02',
  '2030-04-06',
  '2030-09-29',
];
const PLAIN_DAYS = ['2030-01-07', '2030-06-12', '2030-08-18'];
const NOTICE_MINUTES = 150;
const HORIZON_DAYS = 1900;

const hhmm = (minute: number) => (minute === 1440 ? '24:00' : `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`);

/** Random "HH:MM-HH:MM" windows of one day, in order, none overlapping (possibly none). */
function randomWindows(random: ReturnType<typeof generator>): string[] {
  const windows: string[] = [];
  let at = random.int(0, 20) * 30 + random.pick([0, 0, 15, 5]);
  for (let w = random.int(1, 3); w > 0 && at < 1440; w--) {
    const end = Math.min(1440, at + random.pick([30, 60, 90, 120, 180, 240, 600]));
    windows.push(`${hhmm(at)}-${hhmm(end)}`);
    at = end + random.pick([0, 0, 30, 60]);
  }
  return windows;
}

/**
 * `availableOn` is answered in PostgreSQL and `/slots` in TypeScript, both from BookableTime: on random
 * schedules (windows, date overrides given at creation or by a later PUT, durations, zones, the service's own
 * notice, horizon and slot interval or the platform's), random bookings of the provider on any of their
 * services, and dates that include clock changes, today (the notice) and the horizon's last day, a service is
 * listed as available on a day exactly when `/slots` offers it at least one slot that day.
 */
describe('availableOn agrees with /slots (random schedules and bookings)', () => {
  let t: TestApp;
  let customer: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ BOOKING_HORIZON_DAYS: String(HORIZON_DAYS), MIN_BOOKING_NOTICE_MINUTES: String(NOTICE_MINUTES), SLOT_INTERVAL_MINUTES: '30' });
    customer = await createUser(t, Role.CUSTOMER);
  });
  afterAll(() => t.close());

  it.each([1, 2, 3, 4, 5, 6])(
    'seed %i',
    async (seed) => {
      const random = generator(seed);
      const category = uniqueCategory('availseed');
      const today = DateTime.utc();
      const dates = [
        ...CLOCK_CHANGES,
        random.pick(PLAIN_DAYS),
        today.toISODate(),
        today.plus({ days: 1 }).toISODate(),
        today.minus({ days: 1 }).toISODate(),
        today.plus({ days: HORIZON_DAYS }).toISODate(),
        today.plus({ days: HORIZON_DAYS - 1 }).toISODate(),
      ];
      const services: ServiceResponse[] = [];
      for (let p = 0; p < 3; p++) {
        const provider = await createUser(t, Role.PROVIDER);
        const own: ServiceResponse[] = [];
        for (let n = 0; n < 4; n++) {
          const availability: Record<string, string[]> = {};
          for (const day of WEEKDAYS) {
            if (random.next() < 0.45) continue;
            const windows = randomWindows(random);
            if (windows.length) availability[day] = windows;
          }
          if (!Object.keys(availability).length) availability.sunday = ['00:00-24:00'];
          // Half the services have dates of their own among those asked ([] closes one), given now or by a later PUT.
          const dateOverrides: Record<string, string[]> = {};
          if (random.next() < 0.5) {
            for (const date of dates) if (random.next() < 0.4) dateOverrides[date] = random.next() < 0.3 ? [] : randomWindows(random);
          }
          const patchOverrides = random.next() < 0.5;
          const created = await createService(t, provider, {
            category,
            availability,
            durationMinutes: random.pick([5, 25, 30, 45, 60, 90, 120, 150]),
            timezone: random.pick(ZONES),
            dateOverrides: patchOverrides ? { '2029-02-28': ['10:00-11:00'] } : dateOverrides,
            minimumNoticeMinutes: random.pick([null, null, 0, 60, 600, 1500, 2 * 1440 + 30]),
            bookingHorizonDays: random.pick([null, null, 1, 2, 30, HORIZON_DAYS - 1, HORIZON_DAYS + 1]),
            slotIntervalMinutes: random.pick([null, null, 5, 15, 45, 60, 90]),
          });
          own.push(
            patchOverrides
              ? ((await t.http.put(`/services/${created.id}`).set(provider.auth).send({ dateOverrides }).expect(200)).body as ServiceResponse)
              : created,
          );
        }
        // Bookings on the provider's time (any of their services), a few per date, never overlapping each other.
        const taken: Array<[number, number]> = [];
        for (const date of dates) {
          for (let b = random.int(0, 3); b > 0; b--) {
            const service = random.pick(own);
            const start = DateTime.fromISO(date, { zone: service.timezone }).plus({ minutes: random.int(0, 47) * 30 });
            const duration = random.pick([30, 60, 120, 240]);
            const from = start.toMillis();
            const to = from + duration * 60_000;
            if (taken.some(([a, z]) => from < z && a < to)) continue;
            taken.push([from, to]);
            await insertBooking(t, {
              customerId: customer.id,
              serviceId: service.id,
              providerId: provider.id,
              status: random.pick(['PENDING', 'CONFIRMED', 'CONFIRMED', 'CANCELLED', 'COMPLETED'] as const),
              scheduledAt: start.toUTC().toISO() as string,
              durationMinutes: duration,
            });
          }
        }
        services.push(...own);
      }

      const mismatches: string[] = [];
      for (const date of dates) {
        const listed = await t.http.get('/services/').query({ category, availableOn: date, limit: 100 }).expect(200);
        const available = new Set((listed.body as ServiceResponse[]).map((s) => s.id));
        let expected = 0;
        for (const service of services) {
          const slots = await t.http.get(`/services/${service.id}/slots`).query({ from: date, to: date }).expect(200);
          const free = (slots.body as unknown[]).length > 0;
          if (free) expected++;
          if (free !== available.has(service.id)) {
            mismatches.push(
              `${date} ${service.timezone} ${service.durationMinutes} min ${JSON.stringify(service.availability)} ` +
                `${JSON.stringify(service.dateOverrides)} notice ${service.minimumNoticeMinutes} horizon ${service.bookingHorizonDays} ` +
                `interval ${service.slotIntervalMinutes}: /slots ${free}, availableOn ${available.has(service.id)}`,
            );
          }
        }
        expect(listed.headers['x-total-count']).toBe(String(expected));
      }
      expect(mismatches).toEqual([]);
    },
    120_000,
  );
});
