import { DateTime } from 'luxon';
import { Role } from '../../../src/common/auth/role.enum';
import type { ServiceResponse, SlotResponse } from '../../../src/services/dto/service.response';
import { AROUND_THE_CLOCK, book, bookingBody, gridStartIn } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { createService, uniqueCategory, validServiceBody } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

const EVERY_DAY = (window: string) =>
  Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [day, [window]]));
/** A UTC date `days` from today, `YYYY-MM-DD`. */
const dayIn = (days: number): string => DateTime.utc().plus({ days }).toISODate();
/** The last Sunday of `month` in `year`: the day Europe's clocks change in March and October. */
const lastSunday = (year: number, month: number): string => {
  let day = DateTime.utc(year, month, 1).endOf('month').startOf('day');
  while (day.weekday !== 7) day = day.minus({ days: 1 });
  return day.toISODate() as string;
};

/**
 * Availability v2 per service (issue 16 §6): date overrides, and the service's own minimum notice, booking
 * horizon and slot interval over the platform's, obeyed alike by /slots, the catalog's availableOn filter
 * (answered in PostgreSQL), booking and rescheduling.
 */
describe('availability v2: date overrides and per-service rules', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The daylight-saving days below lie next year: a horizon that reaches them (the platform's notice stays 0).
    t = await createTestApp({ BOOKING_HORIZON_DAYS: '800' });
  });
  afterAll(() => t.close());

  const slots = async (serviceId: string, from: string, to = from): Promise<SlotResponse[]> =>
    (await t.http.get(`/services/${serviceId}/slots`).query({ from, to }).expect(200)).body as SlotResponse[];
  const starts = async (serviceId: string, from: string, to = from): Promise<string[]> => (await slots(serviceId, from, to)).map((slot) => slot.start);
  const availableOn = async (category: string, date: string): Promise<string[]> =>
    ((await t.http.get('/services/').query({ category, availableOn: date }).expect(200)).body as ServiceResponse[]).map((s) => s.id);

  describe('date overrides', () => {
    it('a closed date ([]) has no slots, is not availableOn, and refuses a booking (422 OUTSIDE_AVAILABILITY); the days around it are untouched', async () => {
      const closed = dayIn(10);
      const category = uniqueCategory('closed');
      const { customer, service } = await createMarketplace(t, {
        service: { category, availability: EVERY_DAY('09:00-12:00'), durationMinutes: 60, dateOverrides: { [closed]: [] } },
      });
      expect(service.dateOverrides).toEqual({ [closed]: [] });
      expect(await slots(service.id, closed)).toEqual([]);
      expect(await starts(service.id, dayIn(11))).toHaveLength(5);
      expect(await availableOn(category, closed)).toEqual([]);
      expect(await availableOn(category, dayIn(11))).toEqual([service.id]);
      expectProblem(
        await t.http
          .post('/bookings/')
          .set(customer.auth)
          .send(bookingBody(service, `${closed}T10:00:00Z`)),
        422,
        'OUTSIDE_AVAILABILITY',
      );
      await book(t, customer, service, `${dayIn(11)}T10:00:00Z`);
    });

    it("an override's windows replace the weekday's that date, also on a weekday with no weekly windows", async () => {
      const category = uniqueCategory('override');
      // A date whose weekday has no weekly window: only the override opens it.
      const date = dayIn(12);
      const weekday = DateTime.fromISO(date, { zone: 'UTC' }).weekday;
      const otherDay = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'][weekday % 7];
      const { provider, customer, service } = await createMarketplace(t, {
        service: { category, availability: { [otherDay]: ['09:00-12:00'] }, durationMinutes: 60, slotIntervalMinutes: 60 },
      });
      expect(await slots(service.id, date)).toEqual([]);
      expect(await availableOn(category, date)).toEqual([]);

      const updated = (
        await t.http
          .put(`/services/${service.id}`)
          .set(provider.auth)
          .send({ dateOverrides: { [date]: ['15:00-17:00', '13:00-14:00'] } })
          .expect(200)
      ).body as ServiceResponse;
      // Stored sorted, like the weekly windows.
      expect(updated.dateOverrides).toEqual({ [date]: ['13:00-14:00', '15:00-17:00'] });
      expect(await starts(service.id, date)).toEqual([`${date}T13:00:00.000Z`, `${date}T15:00:00.000Z`, `${date}T16:00:00.000Z`]);
      expect(await availableOn(category, date)).toEqual([service.id]);
      expectProblem(
        await t.http
          .post('/bookings/')
          .set(customer.auth)
          .send(bookingBody(service, `${date}T10:00:00Z`)),
        422,
        'OUTSIDE_AVAILABILITY',
      );
      expectProblem(
        await t.http
          .post('/bookings/')
          .set(customer.auth)
          .send(bookingBody(service, `${date}T13:30:00Z`)),
        422,
        'OUTSIDE_AVAILABILITY',
      );
      await book(t, customer, service, `${date}T15:00:00Z`);
      expect(await starts(service.id, date)).toEqual([`${date}T13:00:00.000Z`, `${date}T16:00:00.000Z`]);

      // Replaced as a whole: {} removes every override, and the weekday is closed again.
      const cleared = (await t.http.put(`/services/${service.id}`).set(provider.auth).send({ dateOverrides: {} }).expect(200)).body as ServiceResponse;
      expect(cleared.dateOverrides).toEqual({});
      expect(await availableOn(category, date)).toEqual([]);
    });

    it('the weekly windows stand on a date another override does not name; an override on an open weekday narrows it', async () => {
      const category = uniqueCategory('narrow');
      const date = dayIn(9);
      const { service } = await createMarketplace(t, {
        service: { category, availability: EVERY_DAY('08:00-18:00'), durationMinutes: 60, slotIntervalMinutes: 60, dateOverrides: { [date]: ['10:00-11:00'] } },
      });
      expect(await starts(service.id, date)).toEqual([`${date}T10:00:00.000Z`]);
      expect(await starts(service.id, dayIn(8))).toHaveLength(10);
    });
  });

  describe("the service's own rules", () => {
    it('minimumNoticeMinutes: slots and bookings start no sooner (422 BOOKING_NOTICE_TOO_SHORT), and availableOn agrees', async () => {
      const category = uniqueCategory('notice');
      const { provider, customer, service } = await createMarketplace(t, {
        service: { category, availability: AROUND_THE_CLOCK, durationMinutes: 30, minimumNoticeMinutes: 3 * 1440 },
      });
      expect(service.minimumNoticeMinutes).toBe(3 * 1440);
      // Tomorrow is open all day, but within the service's three days of notice.
      expect(await slots(service.id, dayIn(1))).toEqual([]);
      expect(await availableOn(category, dayIn(1))).toEqual([]);
      const first = (await starts(service.id, dayIn(3), dayIn(4)))[0];
      expect(new Date(first).getTime()).toBeGreaterThan(Date.now() + 3 * 86_400_000 - 60_000);
      expect(new Date(first).getTime()).toBeLessThanOrEqual(Date.now() + 3 * 86_400_000 + 30 * 60_000);
      expect(await availableOn(category, dayIn(5))).toEqual([service.id]);
      expectProblem(
        await t.http
          .post('/bookings/')
          .set(customer.auth)
          .send(bookingBody(service, gridStartIn(48))),
        422,
        'BOOKING_NOTICE_TOO_SHORT',
      );
      await book(t, customer, service, gridStartIn(80));

      // null: the platform's notice (0) again.
      const reset = (await t.http.put(`/services/${service.id}`).set(provider.auth).send({ minimumNoticeMinutes: null }).expect(200)).body as ServiceResponse;
      expect(reset.minimumNoticeMinutes).toBeNull();
      expect(await availableOn(category, dayIn(1))).toEqual([service.id]);
      await book(t, customer, service, gridStartIn(48));
    });

    it('bookingHorizonDays: nothing offered or accepted beyond it (422 BEYOND_HORIZON), and availableOn agrees', async () => {
      const category = uniqueCategory('horizon');
      const { customer, service } = await createMarketplace(t, {
        service: { category, availability: AROUND_THE_CLOCK, durationMinutes: 60, bookingHorizonDays: 3 },
      });
      expect(await starts(service.id, dayIn(2))).toHaveLength(47);
      expect(await slots(service.id, dayIn(5))).toEqual([]);
      expect(await availableOn(category, dayIn(2))).toEqual([service.id]);
      expect(await availableOn(category, dayIn(5))).toEqual([]);
      const last = (await starts(service.id, dayIn(3), dayIn(4))).at(-1) as string;
      expect(new Date(last).getTime()).toBeLessThanOrEqual(Date.now() + 3 * 86_400_000 + 60_000);
      expectProblem(
        await t.http
          .post('/bookings/')
          .set(customer.auth)
          .send(bookingBody(service, `${dayIn(5)}T10:00:00Z`)),
        422,
        'BEYOND_HORIZON',
      );
      await book(t, customer, service, `${dayIn(2)}T10:00:00Z`);
    });

    it('slotIntervalMinutes: the grid of slots and of accepted starts (422 OFF_SLOT_GRID)', async () => {
      const date = dayIn(6);
      const fine = await createMarketplace(t, { service: { availability: EVERY_DAY('09:00-11:00'), durationMinutes: 60, slotIntervalMinutes: 15 } });
      expect(await starts(fine.service.id, date)).toEqual(['09:00', '09:15', '09:30', '09:45', '10:00'].map((at) => `${date}T${at}:00.000Z`));
      await book(t, fine.customer, fine.service, `${date}T09:15:00Z`);

      const coarse = await createMarketplace(t, { service: { availability: EVERY_DAY('09:00-11:00'), durationMinutes: 30, slotIntervalMinutes: 60 } });
      // min(interval, duration): a 30-minute service steps by 30 even with a 60-minute interval.
      expect(await starts(coarse.service.id, date)).toEqual(['09:00', '09:30', '10:00', '10:30'].map((at) => `${date}T${at}:00.000Z`));
      const hourly = await createMarketplace(t, { service: { availability: EVERY_DAY('09:00-12:00'), durationMinutes: 60, slotIntervalMinutes: 60 } });
      expect(await starts(hourly.service.id, date)).toEqual(['09:00', '10:00', '11:00'].map((at) => `${date}T${at}:00.000Z`));
      expectProblem(
        await t.http
          .post('/bookings/')
          .set(hourly.customer.auth)
          .send(bookingBody(hourly.service, `${date}T09:30:00Z`)),
        422,
        'OFF_SLOT_GRID',
      );
      await book(t, hourly.customer, hourly.service, `${date}T10:00:00Z`);
    });

    it('a reschedule obeys the same: the override, the notice, the horizon and the grid', async () => {
      const closed = dayIn(8);
      const { customer, service } = await createMarketplace(t, {
        service: {
          availability: EVERY_DAY('06:00-20:00'),
          durationMinutes: 60,
          dateOverrides: { [closed]: [] },
          minimumNoticeMinutes: 4 * 1440,
          bookingHorizonDays: 20,
          slotIntervalMinutes: 60,
        },
      });
      const booking = await book(t, customer, service, `${dayIn(10)}T10:00:00Z`);
      const moveTo = (scheduledAt: string) => t.http.put(`/bookings/${booking.id}`).set(customer.auth).send({ scheduledAt });
      expectProblem(await moveTo(`${closed}T10:00:00Z`), 422, 'OUTSIDE_AVAILABILITY');
      expectProblem(await moveTo(`${dayIn(2)}T10:00:00Z`), 422, 'BOOKING_NOTICE_TOO_SHORT');
      expectProblem(await moveTo(`${dayIn(25)}T10:00:00Z`), 422, 'BEYOND_HORIZON');
      expectProblem(await moveTo(`${dayIn(12)}T10:30:00Z`), 422, 'OFF_SLOT_GRID');
      expect((await moveTo(`${dayIn(12)}T11:00:00Z`).expect(200)).body).toMatchObject({ scheduledAt: `${dayIn(12)}T11:00:00.000Z` });
    });
  });

  describe('on the days the clocks change (Europe/Berlin)', () => {
    const year = DateTime.utc().year + 1;
    const spring = lastSunday(year, 3);
    const autumn = lastSunday(year, 10);

    it('spring forward: 09:00-12:00 gives 09:00, 10:00, 11:00 at +02:00; 01:00-04:00 skips the missing 02:00', async () => {
      const category = uniqueCategory('dstspring');
      const provider = await createUser(t, Role.PROVIDER);
      const morning = await createService(t, provider, {
        category,
        timezone: 'Europe/Berlin',
        availability: { sunday: ['14:00-16:00'] },
        durationMinutes: 60,
        slotIntervalMinutes: 60,
        dateOverrides: { [spring]: ['09:00-12:00'] },
      });
      expect(await slots(morning.id, spring)).toEqual(
        [7, 8, 9].map((hour) => ({
          start: `${spring}T0${hour}:00:00.000Z`,
          end: `${spring}T${String(hour + 1).padStart(2, '0')}:00:00.000Z`,
          localStart: `${spring}T${String(hour + 2).padStart(2, '0')}:00:00.000+02:00`,
          localEnd: `${spring}T${String(hour + 3).padStart(2, '0')}:00:00.000+02:00`,
          timezone: 'Europe/Berlin',
        })),
      );
      const night = await createService(t, provider, {
        category,
        timezone: 'Europe/Berlin',
        availability: { sunday: ['14:00-16:00'] },
        durationMinutes: 60,
        slotIntervalMinutes: 60,
        dateOverrides: { [spring]: ['01:00-04:00'] },
      });
      // 01:00 (+01:00) and 03:00 (+02:00): two real hours, the 02:00 that does not exist skipped.
      expect((await slots(night.id, spring)).map((slot) => [slot.start, slot.localStart])).toEqual([
        [`${spring}T00:00:00.000Z`, `${spring}T01:00:00.000+01:00`],
        [`${spring}T01:00:00.000Z`, `${spring}T03:00:00.000+02:00`],
      ]);
      const closed = await createService(t, provider, {
        category,
        timezone: 'Europe/Berlin',
        availability: { sunday: ['09:00-17:00'] },
        durationMinutes: 60,
        dateOverrides: { [spring]: [] },
      });
      expect(await slots(closed.id, spring)).toEqual([]);
      expect((await availableOn(category, spring)).sort()).toEqual([morning.id, night.id].sort());
    });

    it('fall back: 01:00-04:00 gives 01:00, 02:00 (the first, at +02:00) and 03:00 (+01:00), four real hours long', async () => {
      const category = uniqueCategory('dstautumn');
      const { customer, service } = await createMarketplace(t, {
        service: {
          category,
          timezone: 'Europe/Berlin',
          availability: { monday: ['09:00-17:00'] },
          durationMinutes: 60,
          slotIntervalMinutes: 60,
          dateOverrides: { [autumn]: ['01:00-04:00'] },
        },
      });
      const previous = DateTime.fromISO(autumn).minus({ days: 1 }).toISODate() as string;
      expect((await slots(service.id, autumn)).map((slot) => [slot.start, slot.end, slot.localStart])).toEqual([
        [`${previous}T23:00:00.000Z`, `${autumn}T00:00:00.000Z`, `${autumn}T01:00:00.000+02:00`],
        [`${autumn}T00:00:00.000Z`, `${autumn}T01:00:00.000Z`, `${autumn}T02:00:00.000+02:00`],
        [`${autumn}T02:00:00.000Z`, `${autumn}T03:00:00.000Z`, `${autumn}T03:00:00.000+01:00`],
      ]);
      expect(await availableOn(category, autumn)).toEqual([service.id]);
      // The repeated 02:00 (+01:00) is not a start of the grid; 03:00 (+01:00) is bookable.
      expectProblem(
        await t.http
          .post('/bookings/')
          .set(customer.auth)
          .send(bookingBody(service, `${autumn}T01:00:00Z`)),
        422,
        'OFF_SLOT_GRID',
      );
      await book(t, customer, service, `${autumn}T02:00:00Z`);
    });
  });

  describe('bad input answers 400 naming the field', () => {
    let provider: TestUser;
    beforeAll(async () => {
      provider = await createUser(t, Role.PROVIDER);
    });

    it.each([
      ['not an object', ['2030-01-07'], 'dateOverrides', /object keyed by date/],
      ['null', null, 'dateOverrides', /object keyed by date/],
      ['a date that does not exist', { '2030-02-30': [] }, 'dateOverrides', /2030-02-30 is not a real date/],
      ['a date in another format', { '07.01.2030': [] }, 'dateOverrides', /is not a real date/],
      ['windows that are not a list', { '2030-01-07': '09:00-12:00' }, 'dateOverrides', /must be a list/],
      ['a malformed window', { '2030-01-07': ['9:00-12:00'] }, 'dateOverrides', /"9:00-12:00" is not a "HH:MM-HH:MM" window/],
      ['a window ending before it starts', { '2030-01-07': ['12:00-09:00'] }, 'dateOverrides', /must start before it ends/],
      ['overlapping windows', { '2030-01-07': ['09:00-12:00', '11:00-13:00'] }, 'dateOverrides', /overlap/],
      [
        'too many windows',
        {
          '2030-01-07': Array.from(
            { length: 49 },
            (_, i) =>
              `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}-${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '59' : '29'}`,
          ),
        },
        'dateOverrides',
        /more than 48 windows/,
      ],
      [
        'too many dates',
        Object.fromEntries(Array.from({ length: 367 }, (_, i) => [DateTime.utc(2030, 1, 1).plus({ days: i }).toISODate() as string, []])),
        'dateOverrides',
        /more than 366 dates/,
      ],
    ])('dateOverrides: %s', async (_name, dateOverrides, field, message) => {
      expectFieldError(await t.http.post('/services/').set(provider.auth).send(validServiceBody({ dateOverrides })), field, message);
      const service = await createService(t, provider);
      expectFieldError(await t.http.put(`/services/${service.id}`).set(provider.auth).send({ dateOverrides }), field, message);
    });

    it.each([
      ['minimumNoticeMinutes', -1],
      ['minimumNoticeMinutes', 1.5],
      ['minimumNoticeMinutes', '60'],
      ['minimumNoticeMinutes', 60 * 24 * 365 + 1],
      ['bookingHorizonDays', 0],
      ['bookingHorizonDays', 3651],
      ['slotIntervalMinutes', 4],
      ['slotIntervalMinutes', 1441],
      ['slotIntervalMinutes', true],
    ])('%s: %p', async (field, value) => {
      expectFieldError(
        await t.http
          .post('/services/')
          .set(provider.auth)
          .send(validServiceBody({ [field]: value })),
        field,
      );
      const service = await createService(t, provider);
      expectFieldError(
        await t.http
          .put(`/services/${service.id}`)
          .set(provider.auth)
          .send({ [field]: value }),
        field,
      );
    });
  });
});
