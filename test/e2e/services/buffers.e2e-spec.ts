import { Role } from '../../../src/common/auth/role.enum';
import type { ServiceResponse, SlotResponse } from '../../../src/services/dto/service.response';
import { bookingBody } from '../../factories/booking.factory';
import { createService, insertBooking, uniqueCategory, validServiceBody } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

// 2030-01-07 is a Monday.
const MONDAY = '2030-01-07';
const at = (time: string, date = MONDAY) => `${date}T${time}:00.000Z`;

/**
 * Buffers (`bufferBeforeMinutes`, `bufferAfterMinutes`): time kept free around each booking of a service. A
 * booking claims [start - before, end + after) with its service's buffers, the exclusion constraint keeps
 * claims apart, and a slot is offered when its own buffered range meets no claim.
 */
describe('service buffers', () => {
  let t: TestApp;
  let customer: TestUser;

  beforeAll(async () => {
    // The fixed dates lie beyond the default booking horizon.
    t = await createTestApp({ BOOKING_HORIZON_DAYS: '3650' });
    customer = await createUser(t, Role.CUSTOMER);
  });
  afterAll(() => t.close());

  const starts = async (serviceId: string, date = MONDAY): Promise<string[]> =>
    ((await t.http.get(`/services/${serviceId}/slots`).query({ from: date, to: date }).expect(200)).body as SlotResponse[]).map((slot) => slot.start);
  const localStarts = async (serviceId: string, date: string): Promise<string[]> =>
    ((await t.http.get(`/services/${serviceId}/slots`).query({ from: date, to: date }).expect(200)).body as SlotResponse[]).map((slot) =>
      slot.localStart.slice(11, 16),
    );
  const bookDirect = (service: ServiceResponse, start: string) =>
    insertBooking(t, {
      customerId: customer.id,
      serviceId: service.id,
      providerId: service.providerId,
      status: 'CONFIRMED',
      scheduledAt: start,
      durationMinutes: service.durationMinutes,
    });

  it('defaults to 0, takes 0..1440 in create and update, and refuses anything else naming the field', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const plain = await createService(t, provider);
    expect(plain).toEqual(expect.objectContaining({ bufferBeforeMinutes: 0, bufferAfterMinutes: 0 }));
    const buffered = await createService(t, provider, { bufferBeforeMinutes: 15, bufferAfterMinutes: 1440 });
    expect(buffered).toEqual(expect.objectContaining({ bufferBeforeMinutes: 15, bufferAfterMinutes: 1440 }));
    const updated = await t.http.put(`/services/${plain.id}`).set(provider.auth).send({ bufferAfterMinutes: 30 }).expect(200);
    expect(updated.body).toEqual(expect.objectContaining({ bufferBeforeMinutes: 0, bufferAfterMinutes: 30 }));
    expect((await t.http.get(`/services/${plain.id}`).expect(200)).body).toEqual(expect.objectContaining({ bufferAfterMinutes: 30 }));

    for (const [field, value] of [
      ['bufferBeforeMinutes', -1],
      ['bufferAfterMinutes', 1441],
      ['bufferBeforeMinutes', 1.5],
      ['bufferAfterMinutes', '10'],
      ['bufferBeforeMinutes', null],
    ] as const) {
      expectFieldError(
        await t.http
          .post('/services/')
          .set(provider.auth)
          .send(validServiceBody({ [field]: value })),
        field,
      );
      expectFieldError(
        await t.http
          .put(`/services/${plain.id}`)
          .set(provider.auth)
          .send({ [field]: value }),
        field,
      );
    }
  });

  it('hides the slots whose buffered range meets a booking’s buffered range', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const service = await createService(t, provider, {
      availability: { monday: ['09:00-17:00'] },
      durationMinutes: 60,
      bufferAfterMinutes: 30,
      timezone: 'UTC',
    });
    await bookDirect(service, at('12:00'));
    // The booking claims 12:00-13:30. A slot needs 90 minutes clear (its hour and its 30 minutes after):
    // it may end by 12:00 (start by 10:30) or start at 13:30.
    expect(await starts(service.id)).toEqual(
      ['09:00', '09:30', '10:00', '10:30', '13:30', '14:00', '14:30', '15:00', '15:30', '16:00'].map((time) => at(time)),
    );

    // A buffer before: a booking at 14:00 with 45 minutes before claims 13:15-15:00. A slot needs the 45
    // minutes before it and its hour clear: it may end by 13:15 (start by 12:15) or start at 15:45.
    const another = await createUser(t, Role.PROVIDER);
    const before = await createService(t, another, {
      availability: { monday: ['09:00-17:00'] },
      durationMinutes: 60,
      bufferBeforeMinutes: 45,
      timezone: 'UTC',
    });
    await bookDirect(before, at('14:00'));
    expect(await starts(before.id)).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '16:00'].map((time) => at(time)));
  });

  it('refuses a second booking whose buffered range overlaps (409 via the API, and the constraint refuses a direct INSERT)', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const service = await createService(t, provider, {
      availability: { monday: ['09:00-17:00'] },
      durationMinutes: 60,
      bufferAfterMinutes: 30,
      timezone: 'UTC',
    });
    await bookDirect(service, at('12:00'));
    // 13:00 does not meet the booking itself (12:00-13:00), only its buffer (13:00-13:30).
    expectProblem(
      await t.http
        .post('/bookings/')
        .set(customer.auth)
        .send(bookingBody(service, at('13:00'))),
      409,
      'SLOT_TAKEN',
    );
    expectProblem(
      await t.http
        .post('/bookings/holds')
        .set(customer.auth)
        .send({ serviceId: service.id, scheduledAt: at('13:00') }),
      409,
      'SLOT_TAKEN',
    );
    await expect(bookDirect(service, at('13:00'))).rejects.toMatchObject({ driverError: { code: '23P01', constraint: 'provider_time_no_overlap' } });
    // Right after the buffer is free.
    await t.http
      .post('/bookings/')
      .set(customer.auth)
      .send(bookingBody(service, at('13:30')))
      .expect(201);
  });

  it('keeps a booking’s buffers when it is rescheduled, and frees them when it is cancelled', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const service = await createService(t, provider, {
      availability: { monday: ['09:00-17:00'] },
      durationMinutes: 60,
      bufferAfterMinutes: 30,
      timezone: 'UTC',
    });
    const first = await t.http
      .post('/bookings/')
      .set(customer.auth)
      .send(bookingBody(service, at('09:00')))
      .expect(201);
    await t.http
      .post('/bookings/')
      .set(customer.auth)
      .send(bookingBody(service, at('12:00')))
      .expect(201);
    // Moving the first to 11:00 would put its buffer (12:00-12:30) on the second booking.
    expectProblem(
      await t.http
        .put(`/bookings/${(first.body as { id: string }).id}`)
        .set(customer.auth)
        .send({ scheduledAt: at('11:00') }),
      409,
      'SLOT_TAKEN',
    );
    await t.http
      .put(`/bookings/${(first.body as { id: string }).id}`)
      .set(customer.auth)
      .send({ scheduledAt: at('10:30') })
      .expect(200);
    expect(await starts(service.id)).toEqual(['09:00', '13:30', '14:00', '14:30', '15:00', '15:30', '16:00'].map((time) => at(time)));
    await t.http
      .delete(`/bookings/${(first.body as { id: string }).id}`)
      .set(customer.auth)
      .expect(200);
    expect(await starts(service.id)).toContain(at('10:30'));
  });

  it('availableOn agrees with /slots: the only slot blocked by the service’s own buffer lists the service as not available', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const category = uniqueCategory('buffers');
    const common = { category, durationMinutes: 60, timezone: 'UTC' };
    const buffered = await createService(t, provider, { ...common, availability: { monday: ['09:00-10:00'] }, bufferAfterMinutes: 30 });
    const unbuffered = await createService(t, provider, { ...common, availability: { monday: ['09:00-10:00'] } });
    const bufferedBefore = await createService(t, provider, { ...common, availability: { monday: ['09:00-10:00'] }, bufferBeforeMinutes: 15 });
    const other = await createService(t, provider, { ...common, availability: { monday: ['06:00-12:00'], tuesday: ['00:00-24:00'] } });
    // The provider is busy 10:00-11:00 on another service, and until 08:50 (a booking of the other service).
    await bookDirect(other, at('10:00'));
    await bookDirect(other, at('07:50'));
    const listed = async (date: string) =>
      ((await t.http.get('/services/').query({ category, availableOn: date, limit: 100 }).expect(200)).body as ServiceResponse[]).map((s) => s.id).sort();

    expect(await starts(buffered.id)).toEqual([]);
    expect(await starts(unbuffered.id)).toEqual([at('09:00')]);
    expect(await starts(bufferedBefore.id)).toEqual([]);
    expect(await listed(MONDAY)).toEqual([unbuffered.id, other.id].sort());
    // Every service, on a day without bookings, agrees too.
    for (const service of [buffered, unbuffered, bufferedBefore]) expect(await starts(service.id, '2030-01-14')).toEqual([at('09:00', '2030-01-14')]);
    expect(await listed('2030-01-14')).toEqual([buffered.id, unbuffered.id, bufferedBefore.id, other.id].sort());
  });

  it('availableOn agrees with /slots when only a buffer reaches into the day: busy time the day before blocks the first slot', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const category = uniqueCategory('buffers');
    const edge = await createService(t, provider, {
      category,
      durationMinutes: 60,
      timezone: 'UTC',
      availability: { monday: ['00:00-01:00'] },
      bufferBeforeMinutes: 1440,
    });
    const plain = await createService(t, provider, { category, durationMinutes: 60, timezone: 'UTC', availability: { monday: ['00:00-01:00'] } });
    // Sunday 02:00-03:00 UTC: nothing of Monday is busy in any zone (even at UTC+14 Monday starts Sunday 10:00 UTC),
    // but the Monday 00:00 slot's day before is.
    await bookDirect(plain, '2030-01-06T02:00:00.000Z');
    expect(await starts(edge.id)).toEqual([]);
    expect(await starts(plain.id)).toEqual([at('00:00')]);
    const listed = ((await t.http.get('/services/').query({ category, availableOn: MONDAY }).expect(200)).body as ServiceResponse[]).map((s) => s.id);
    expect(listed).toEqual([plain.id]);
  });

  it('on a daylight-saving change day (Europe/Berlin, 2027-03-28) offers the slots a person expects around a buffered booking', async () => {
    const provider = await createUser(t, Role.PROVIDER);
    const service = await createService(t, provider, {
      availability: { sunday: ['00:00-08:00'] },
      durationMinutes: 60,
      bufferAfterMinutes: 30,
      timezone: 'Europe/Berlin',
    });
    // At 02:00 the clocks jump to 03:00: the window is 7 real hours. A booking at 04:00 local (02:00 UTC) claims
    // until 05:30 local with its buffer. A slot needs its hour and 30 minutes free: the ones ending by 04:00
    // local (01:30, which ends at 03:30 summer time) and the ones from 05:30 on.
    await bookDirect(service, '2027-03-28T04:00:00+02:00');
    expect(await localStarts(service.id, '2027-03-28')).toEqual(['00:00', '00:30', '01:00', '01:30', '05:30', '06:00', '06:30', '07:00']);
  });
});
