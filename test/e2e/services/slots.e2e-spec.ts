import { DateTime } from 'luxon';
import { Role } from '../../../src/common/auth/role.enum';
import type { SlotResponse } from '../../../src/services/dto/service.response';
import { createService, insertBooking } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

// 2030-01-07 is a Monday.
const MONDAY = '2030-01-07';
const EVERY_DAY = (window: string) =>
  Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [day, [window]]));

describe('slots: GET /services/{id}/slots', () => {
  let t: TestApp;
  let customer: TestUser;

  beforeAll(async () => {
    // The fixed dates below lie in 2030: beyond the default booking horizon, so it is widened here.
    t = await createTestApp({ BOOKING_HORIZON_DAYS: '3650' });
    customer = await createUser(t, Role.CUSTOMER);
  });
  afterAll(() => t.close());

  const slots = async (serviceId: string, query: Record<string, string> = {}): Promise<SlotResponse[]> =>
    (await t.http.get(`/services/${serviceId}/slots`).query(query).expect(200)).body as SlotResponse[];
  const starts = async (serviceId: string, query: Record<string, string>): Promise<string[]> => (await slots(serviceId, query)).map((slot) => slot.start);

  it('offers a start every 30 minutes inside a window, each ending inside it, with UTC and local times', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const service = await createService(t, provider, { availability: { monday: ['09:00-11:00'] }, durationMinutes: 60, timezone: 'UTC' });
    expect(await slots(service.id, { from: MONDAY, to: MONDAY })).toEqual([
      {
        start: '2030-01-07T09:00:00.000Z',
        end: '2030-01-07T10:00:00.000Z',
        localStart: '2030-01-07T09:00:00.000Z',
        localEnd: '2030-01-07T10:00:00.000Z',
        timezone: 'UTC',
      },
      {
        start: '2030-01-07T09:30:00.000Z',
        end: '2030-01-07T10:30:00.000Z',
        localStart: '2030-01-07T09:30:00.000Z',
        localEnd: '2030-01-07T10:30:00.000Z',
        timezone: 'UTC',
      },
      {
        start: '2030-01-07T10:00:00.000Z',
        end: '2030-01-07T11:00:00.000Z',
        localStart: '2030-01-07T10:00:00.000Z',
        localEnd: '2030-01-07T11:00:00.000Z',
        timezone: 'UTC',
      },
    ]);
  });

  it('reads windows in the service time zone and reports local times with their offset', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const service = await createService(t, provider, { availability: { monday: ['09:00-10:00'] }, durationMinutes: 60, timezone: 'Europe/Berlin' });
    expect(await slots(service.id, { from: MONDAY, to: MONDAY })).toEqual([
      {
        start: '2030-01-07T08:00:00.000Z',
        end: '2030-01-07T09:00:00.000Z',
        localStart: '2030-01-07T09:00:00.000+01:00',
        localEnd: '2030-01-07T10:00:00.000+01:00',
        timezone: 'Europe/Berlin',
      },
    ]);
  });

  it('steps by the duration when it is shorter than the interval', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const service = await createService(t, provider, { availability: { monday: ['09:00-10:00'] }, durationMinutes: 20 });
    expect(await starts(service.id, { from: MONDAY, to: MONDAY })).toEqual([
      '2030-01-07T09:00:00.000Z',
      '2030-01-07T09:20:00.000Z',
      '2030-01-07T09:40:00.000Z',
    ]);
  });

  it('never lets a slot run from one window into the next', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const service = await createService(t, provider, { availability: { monday: ['09:00-10:00', '10:00-11:00'] }, durationMinutes: 90 });
    expect(await slots(service.id, { from: MONDAY, to: MONDAY })).toEqual([]);
  });

  describe('the provider’s bookings', () => {
    let provider: TestUser;
    let serviceId: string;
    let siblingId: string;

    beforeAll(async () => {
      provider = await createUser(t, Role.PROVIDER);
      serviceId = (await createService(t, provider, { availability: { monday: ['09:00-13:00'] }, durationMinutes: 60 })).id;
      siblingId = (await createService(t, provider, { availability: { friday: ['09:00-17:00'] }, durationMinutes: 30 })).id;
    });

    const book = (status: 'PENDING' | 'CONFIRMED' | 'COMPLETED' | 'CANCELLED', scheduledAt: string, durationMinutes: number, onService = serviceId) =>
      insertBooking(t, { customerId: customer.id, serviceId: onService, providerId: provider.id, status, scheduledAt, durationMinutes });

    it('removes slots overlapping a booking on this service or on another service of the same provider', async () => {
      const before = await starts(serviceId, { from: MONDAY, to: MONDAY });
      expect(before).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00'].map((hm) => `${MONDAY}T${hm}:00.000Z`));

      await book('PENDING', `${MONDAY}T09:30:00Z`, 60);
      await book('CONFIRMED', `${MONDAY}T12:00:00Z`, 30, siblingId); // on the provider's other service

      expect(await starts(serviceId, { from: MONDAY, to: MONDAY })).toEqual([
        `${MONDAY}T10:30:00.000Z`, // right after the first booking
        `${MONDAY}T11:00:00.000Z`, // ends exactly when the second one starts
      ]);
    });

    it('frees the time of a cancelled booking and ignores completed ones', async () => {
      const nextMonday = '2030-01-14';
      await book('CANCELLED', `${nextMonday}T09:00:00Z`, 240);
      await book('COMPLETED', `${nextMonday}T10:00:00Z`, 60, siblingId);
      expect(await starts(serviceId, { from: nextMonday, to: nextMonday })).toHaveLength(7);

      const pending = await book('PENDING', `${nextMonday}T09:00:00Z`, 60);
      expect(await starts(serviceId, { from: nextMonday, to: nextMonday })).toHaveLength(5);
      await t.dataSource.query(`UPDATE bookings SET status = 'CANCELLED' WHERE id = $1`, [pending]);
      expect(await starts(serviceId, { from: nextMonday, to: nextMonday })).toHaveLength(7);
    });

    it('is not affected by another provider’s bookings', async () => {
      const other = await createUser(t, Role.PROVIDER);
      const theirs = await createService(t, other, { availability: { monday: ['09:00-13:00'] } });
      const day = '2030-01-21';
      await insertBooking(t, {
        customerId: customer.id,
        serviceId: theirs.id,
        providerId: other.id,
        status: 'CONFIRMED',
        scheduledAt: `${day}T09:00:00Z`,
        durationMinutes: 240,
      });
      expect(await starts(serviceId, { from: day, to: day })).toHaveLength(7);
      expect(await starts(theirs.id, { from: day, to: day })).toEqual([]);
    });
  });

  describe('daylight-saving time', () => {
    it('America/New_York on 2027-03-14 (spring forward) never offers 02:00-02:59 local', async () => {
      const provider = await createUser(t, Role.PROVIDER);
      const service = await createService(t, provider, {
        availability: { sunday: ['01:00-04:00'] },
        durationMinutes: 60,
        timezone: 'America/New_York',
      });
      const day = await slots(service.id, { from: '2027-03-14', to: '2027-03-14' });
      expect(day.map((s) => s.localStart)).toEqual([
        '2027-03-14T01:00:00.000-05:00',
        '2027-03-14T01:30:00.000-05:00', // one real hour later it is 03:30 EDT
        '2027-03-14T03:00:00.000-04:00',
      ]);
      expect(day.map((s) => s.start)).toEqual(['2027-03-14T06:00:00.000Z', '2027-03-14T06:30:00.000Z', '2027-03-14T07:00:00.000Z']);
      expect(day.map((s) => s.localEnd)).toEqual(['2027-03-14T03:00:00.000-04:00', '2027-03-14T03:30:00.000-04:00', '2027-03-14T04:00:00.000-04:00']);
      expect(day.some((s) => s.localStart.slice(11, 13) === '02')).toBe(false);
      expect(day.every((s) => s.timezone === 'America/New_York')).toBe(true);
    });

    it('America/New_York on 2027-11-07 (fall back) offers the repeated 01:00-01:59 once', async () => {
      const provider = await createUser(t, Role.PROVIDER);
      const service = await createService(t, provider, {
        availability: { sunday: ['01:00-02:00'] },
        durationMinutes: 30,
        timezone: 'America/New_York',
      });
      const day = await slots(service.id, { from: '2027-11-07', to: '2027-11-07' });
      // The first 01:00 (EDT) and 01:30; the same wall-clock times an hour later (EST) are not offered again.
      expect(day.map((s) => s.localStart)).toEqual(['2027-11-07T01:00:00.000-04:00', '2027-11-07T01:30:00.000-04:00']);
      expect(day.map((s) => s.start)).toEqual(['2027-11-07T05:00:00.000Z', '2027-11-07T05:30:00.000Z']);
    });

    it('counts a 31-day range across a clock change as 31 days', async () => {
      const provider = await createUser(t, Role.PROVIDER);
      const service = await createService(t, provider, { availability: EVERY_DAY('09:00-10:00'), durationMinutes: 60, timezone: 'America/New_York' });
      expect(await slots(service.id, { from: '2027-10-20', to: '2027-11-19' })).toHaveLength(31);
      expect(await slots(service.id, { from: '2027-03-01', to: '2027-03-31' })).toHaveLength(31);
      expectFieldError(await t.http.get(`/services/${service.id}/slots`).query({ from: '2027-10-20', to: '2027-11-20' }), 'to');
    });
  });

  describe('the range', () => {
    let serviceId: string;

    beforeAll(async () => {
      const provider = await createUser(t, Role.PROVIDER);
      serviceId = (await createService(t, provider, { availability: EVERY_DAY('09:00-10:00'), durationMinutes: 60 })).id;
    });

    it('defaults to the next 7 days, starting today in the service zone, only in the future', async () => {
      const today = DateTime.utc().startOf('day');
      const found = await slots(serviceId);
      const days = found.map((s) => s.localStart.slice(0, 10));
      const allowed = Array.from({ length: 7 }, (_, i) => today.plus({ days: i }).toISODate());
      expect(days.every((d) => allowed.includes(d))).toBe(true);
      expect(days).toEqual(expect.arrayContaining(allowed.slice(1)));
      expect(found.length).toBeGreaterThanOrEqual(6);
      expect(found.every((s) => Date.parse(s.start) > Date.now() - 60_000)).toBe(true);
    });

    it('covers 7 days from `from` when only `from` is given', async () => {
      const found = await slots(serviceId, { from: MONDAY });
      expect(found.map((s) => s.localStart.slice(0, 10))).toEqual([
        '2030-01-07',
        '2030-01-08',
        '2030-01-09',
        '2030-01-10',
        '2030-01-11',
        '2030-01-12',
        '2030-01-13',
      ]);
    });

    it('includes both ends of the range and allows 31 days', async () => {
      expect(await slots(serviceId, { from: MONDAY, to: '2030-01-09' })).toHaveLength(3);
      expect(await slots(serviceId, { from: '2030-01-01', to: '2030-01-31' })).toHaveLength(31);
    });

    it('offers nothing in the past', async () => {
      expect(await slots(serviceId, { from: '2020-01-06', to: '2020-01-12' })).toEqual([]);
    });

    it.each([
      [{ from: '2030-01-01', to: '2030-02-01' }, 'to'], // 32 days
      [{ from: '2030-01-10', to: '2030-01-09' }, 'to'],
      [{ from: '2030-02-30' }, 'from'],
      [{ from: '2030-1-7' }, 'from'],
      [{ to: 'tomorrow' }, 'to'],
      [{ from: MONDAY, to: '2030-02-31' }, 'to'],
      [{ from: MONDAY, extra: '1' }, 'extra'],
    ])('refuses %j (400 naming %s)', async (query, field) => {
      expectFieldError(await t.http.get(`/services/${serviceId}/slots`).query(query), field);
    });
  });

  describe('who may see them', () => {
    it('answers 404 to the public for an inactive or unknown service, and the slots to its owner', async () => {
      const provider = await createUser(t, Role.PROVIDER);
      const service = await createService(t, provider, { availability: { monday: ['09:00-10:00'] }, isActive: false });
      expectProblem(await t.http.get(`/services/${service.id}/slots`).query({ from: MONDAY, to: MONDAY }), 404, 'NOT_FOUND');
      expectProblem(await t.http.get('/services/00000000-0000-4000-8000-000000000000/slots'), 404, 'NOT_FOUND');
      const own = await t.http.get(`/services/${service.id}/slots`).query({ from: MONDAY, to: MONDAY }).set(provider.auth).expect(200);
      expect(own.body).toHaveLength(1);
    });
  });
});

describe('slots with SLOT_INTERVAL_MINUTES=45', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ SLOT_INTERVAL_MINUTES: '45', BOOKING_HORIZON_DAYS: '3650' });
  });
  afterAll(() => t.close());

  it('starts a slot every 45 minutes', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const service = await createService(t, provider, { availability: { monday: ['09:00-12:00'] }, durationMinutes: 60 });
    const response = await t.http.get(`/services/${service.id}/slots`).query({ from: MONDAY, to: MONDAY }).expect(200);
    expect((response.body as SlotResponse[]).map((s) => s.start)).toEqual(['2030-01-07T09:00:00.000Z', '2030-01-07T09:45:00.000Z', '2030-01-07T10:30:00.000Z']);
  });
});
