import { Role } from '../../../src/common/auth/role.enum';
import type { SlotResponse } from '../../../src/services/dto/service.response';
import type { SlotHoldResponse } from '../../../src/bookings/holds/dto/slot-hold.response';
import { AROUND_THE_CLOCK, book, bookingBody, gridStartIn, shift } from '../../factories/booking.factory';
import { createMarketplace, Marketplace } from '../../factories/marketplace.factory';
import { createService } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { fireAtOnce, listen, send, statusCounts } from '../../helpers/parallel';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';
import { waitUntil } from '../../helpers/wait';

const TTL_SECONDS = 600;

/** Holds a slot: the raw answer, for the tests that expect a problem. */
const holdRequest = (t: TestApp, user: TestUser, serviceId: string, scheduledAt: string) =>
  t.http.post('/bookings/holds').set(user.auth).send({ serviceId, scheduledAt });

async function hold(t: TestApp, user: TestUser, serviceId: string, scheduledAt: string): Promise<SlotHoldResponse> {
  const response = await holdRequest(t, user, serviceId, scheduledAt);
  if (response.status !== 201) throw new Error(`hold failed: ${response.status} ${response.text}`);
  return response.body as SlotHoldResponse;
}

/** The start times `/slots` offers on the UTC day of `at`. */
/**
 * A grid start about `hours` ahead whose hour-long slot, and the one after it, end on its own UTC day: the day
 * `offeredStarts` asks /slots for (a slot crossing midnight belongs to neither day's all-day window).
 */
function startOnOneDay(hours: number): string {
  const at = gridStartIn(hours);
  return new Date(at).getUTCHours() >= 22 ? gridStartIn(hours + 3) : at;
}

async function offeredStarts(t: TestApp, serviceId: string, at: string): Promise<string[]> {
  const day = new Date(at).toISOString().slice(0, 10);
  const response = await t.http.get(`/services/${serviceId}/slots`).query({ from: day, to: day }).expect(200);
  return (response.body as SlotResponse[]).map((slot) => slot.start);
}

const holdRows = async (t: TestApp, serviceId: string): Promise<number> =>
  (await t.dataSource.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM booking_holds WHERE service_id = $1', [serviceId]))[0].count;

/** Makes a hold expired as of now, without anything clearing it (as if its expiry job had not run yet). */
async function expireWithoutClearing(t: TestApp, holdId: string): Promise<void> {
  await t.dataSource.query(`UPDATE booking_holds SET expires_at = now() - interval '1 second' WHERE id = $1`, [holdId]);
  await t.dataSource.query(`UPDATE provider_time SET expires_at = now() - interval '1 second' WHERE hold_id = $1`, [holdId]);
}

describe('slot holds: POST /bookings/holds, DELETE /bookings/holds/{id}, POST /bookings/ with holdId', () => {
  let t: TestApp;
  let market: Marketplace;
  let other: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ BOOKING_HOLD_TTL_SECONDS: String(TTL_SECONDS) });
    market = await createMarketplace(t, { service: { availability: AROUND_THE_CLOCK } });
    other = await createUser(t, Role.CUSTOMER);
  });
  afterAll(() => t.close());

  it('holds a slot for BOOKING_HOLD_TTL_SECONDS: /slots stops offering it and nobody else can hold or book it', async () => {
    const at = startOnOneDay(50);
    expect(await offeredStarts(t, market.service.id, at)).toContain(new Date(at).toISOString());
    const before = Date.now();
    const held = await hold(t, market.customer, market.service.id, at);
    const after = Date.now();

    expect(held).toEqual({ id: expect.any(String), serviceId: market.service.id, scheduledAt: at, endsAt: shift(at, 60), expiresAt: expect.any(String) });
    const expiresAt = new Date(held.expiresAt).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + TTL_SECONDS * 1000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(after + TTL_SECONDS * 1000 + 1000);

    expect(await offeredStarts(t, market.service.id, at)).not.toContain(at);
    // Overlapping starts are hidden too; the next free start is still offered.
    expect(await offeredStarts(t, market.service.id, at)).not.toContain(shift(at, 30));
    expect(await offeredStarts(t, market.service.id, at)).toContain(shift(at, 60));
    expectProblem(await holdRequest(t, other, market.service.id, at), 409, 'SLOT_TAKEN');
    expectProblem(await holdRequest(t, other, market.service.id, shift(at, 30)), 409, 'SLOT_TAKEN');
    expectProblem(await t.http.post('/bookings/').set(other.auth).send(bookingBody(market.service, at)), 409, 'SLOT_TAKEN');
    // The provider's other services share the provider's time.
    const second = await createService(t, market.provider, { availability: AROUND_THE_CLOCK, timezone: 'UTC' });
    expectProblem(await holdRequest(t, other, second.id, at), 409, 'SLOT_TAKEN');
  });

  it('releases a hold (204): the slot is offered and bookable again at once', async () => {
    const at = startOnOneDay(54);
    const held = await hold(t, market.customer, market.service.id, at);
    await t.http.delete(`/bookings/holds/${held.id}`).set(market.customer.auth).expect(204);
    expect(await offeredStarts(t, market.service.id, at)).toContain(at);
    await book(t, other, market.service, at);
    expectProblem(await t.http.delete(`/bookings/holds/${held.id}`).set(market.customer.auth), 404, 'NOT_FOUND');
  });

  it('answers 404 for another customer’s hold, which keeps standing', async () => {
    const at = startOnOneDay(58);
    const held = await hold(t, market.customer, market.service.id, at);
    expectProblem(await t.http.delete(`/bookings/holds/${held.id}`).set(other.auth), 404, 'NOT_FOUND');
    expectProblem(
      await t.http
        .post('/bookings/')
        .set(other.auth)
        .send(bookingBody(market.service, at, { holdId: held.id })),
      404,
      'NOT_FOUND',
    );
    expectProblem(await holdRequest(t, other, market.service.id, at), 409, 'SLOT_TAKEN');
    expect(await holdRows(t, market.service.id)).toBeGreaterThanOrEqual(1);
    await t.http.delete(`/bookings/holds/${held.id}`).set(market.customer.auth).expect(204);
  });

  it('books a held slot with holdId, using the hold up in the booking’s transaction', async () => {
    const at = startOnOneDay(62);
    const held = await hold(t, market.customer, market.service.id, at);
    const booking = await book(t, market.customer, market.service, at, { holdId: held.id });
    expect(booking).toEqual(expect.objectContaining({ status: 'CONFIRMED', serviceId: market.service.id, scheduledAt: at }));
    const [{ count }] = await t.dataSource.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM booking_holds WHERE id = $1', [held.id]);
    expect(count).toBe(0);
    // The time is now the booking's: still taken, and the hold cannot be used twice.
    expect(await offeredStarts(t, market.service.id, at)).not.toContain(at);
    expectProblem(
      await t.http
        .post('/bookings/')
        .set(market.customer.auth)
        .send(bookingBody(market.service, at, { holdId: held.id })),
      404,
      'NOT_FOUND',
    );
  });

  it('refuses a holdId for another time or service (422 HOLD_MISMATCH) and an expired one (409 HOLD_EXPIRED)', async () => {
    const at = startOnOneDay(66);
    const held = await hold(t, market.customer, market.service.id, at);
    const mismatch = expectProblem(
      await t.http
        .post('/bookings/')
        .set(market.customer.auth)
        .send(bookingBody(market.service, shift(at, 120), { holdId: held.id })),
      422,
      'HOLD_MISMATCH',
    );
    expect(mismatch.errors).toEqual([{ field: 'holdId', message: expect.any(String) }]);
    await expireWithoutClearing(t, held.id);
    expectProblem(
      await t.http
        .post('/bookings/')
        .set(market.customer.auth)
        .send(bookingBody(market.service, at, { holdId: held.id })),
      409,
      'HOLD_EXPIRED',
    );
    // Without holdId, the time is free: the expired hold blocks nobody.
    await book(t, market.customer, market.service, at);
  });

  it('lets one customer hold at most MAX_ACTIVE_HOLDS_PER_CUSTOMER (3) unexpired slots at once (409 TOO_MANY_HOLDS)', async () => {
    const customer = await createUser(t, Role.CUSTOMER);
    const starts = [70, 71, 72, 73].map((hours) => gridStartIn(hours));
    const held = [];
    for (const at of starts.slice(0, 3)) held.push(await hold(t, customer, market.service.id, at));
    const refused = expectProblem(await holdRequest(t, customer, market.service.id, starts[3]), 409, 'TOO_MANY_HOLDS');
    expect(refused.detail).toMatch(/at most 3/);
    // Another customer is not limited by this one's holds.
    await hold(t, other, market.service.id, starts[3]).then((h) => t.http.delete(`/bookings/holds/${h.id}`).set(other.auth).expect(204));
    // Releasing one, or one expiring, makes room.
    await t.http.delete(`/bookings/holds/${held[0].id}`).set(customer.auth).expect(204);
    const fourth = await hold(t, customer, market.service.id, starts[3]);
    expectProblem(await holdRequest(t, customer, market.service.id, starts[0]), 409, 'TOO_MANY_HOLDS');
    await expireWithoutClearing(t, fourth.id);
    await hold(t, customer, market.service.id, starts[0]);
  });

  it('obeys the bookable-time rules and validates its input as problems naming the field', async () => {
    const at = startOnOneDay(80);
    expectFieldError(await t.http.post('/bookings/holds').set(other.auth).send({ scheduledAt: at }), 'serviceId');
    expectFieldError(await t.http.post('/bookings/holds').set(other.auth).send({ serviceId: 'nope', scheduledAt: at }), 'serviceId');
    expectFieldError(await t.http.post('/bookings/holds').set(other.auth).send({ serviceId: market.service.id }), 'scheduledAt');
    expectFieldError(
      await t.http.post('/bookings/holds').set(other.auth).send({ serviceId: market.service.id, scheduledAt: '2030-01-07T10:00' }),
      'scheduledAt',
    );
    expectFieldError(await t.http.post('/bookings/holds').set(other.auth).send({ serviceId: market.service.id, scheduledAt: at, extra: 1 }), 'extra');
    const midMorning = `${at.slice(0, 10)}T10:07:00.000Z`;
    expectProblem(await holdRequest(t, other, market.service.id, midMorning), 422, 'OFF_SLOT_GRID');
    expectProblem(await holdRequest(t, other, market.service.id, shift(gridStartIn(0), -60)), 422, 'BOOKING_IN_PAST');
    expectProblem(await holdRequest(t, other, market.service.id, shift(at, 400 * 24 * 60)), 422, 'BEYOND_HORIZON');
    expectProblem(await holdRequest(t, other, '00000000-0000-4000-8000-000000000000', at), 404, 'NOT_FOUND');
    expectProblem(await t.http.post('/bookings/holds').send({ serviceId: market.service.id, scheduledAt: at }), 401);
    expectProblem(await holdRequest(t, market.provider, market.service.id, at), 403);
    expectProblem(await t.http.delete('/bookings/holds/not-a-uuid').set(other.auth), 400);
    expectProblem(await t.http.delete('/bookings/holds/00000000-0000-4000-8000-000000000000').set(other.auth), 404, 'NOT_FOUND');
    expectFieldError(
      await t.http
        .post('/bookings/')
        .set(other.auth)
        .send(bookingBody(market.service, at, { holdId: 'nope' })),
      'holdId',
    );
  });

  it('lets a booking or a hold take the time of an expired hold not yet cleared, clearing it under the provider lock', async () => {
    const at = startOnOneDay(84);
    const first = await hold(t, market.customer, market.service.id, at);
    await expireWithoutClearing(t, first.id);
    // Readers ignore it at once.
    expect(await offeredStarts(t, market.service.id, at)).toContain(at);
    const taken = await hold(t, other, market.service.id, at);
    const [{ count }] = await t.dataSource.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM booking_holds WHERE id = $1', [first.id]);
    expect(count).toBe(0);
    await t.http.delete(`/bookings/holds/${taken.id}`).set(other.auth).expect(204);

    const second = await hold(t, market.customer, market.service.id, at);
    await expireWithoutClearing(t, second.id);
    await book(t, other, market.service, at);
  });

  it('50 customers holding one slot at once: exactly one gets it, 49 get 409 SLOT_TAKEN', async () => {
    const crowd = await createMarketplace(t, { service: { availability: AROUND_THE_CLOCK } });
    const customers = await Promise.all(Array.from({ length: 50 }, () => createUser(t, Role.CUSTOMER)));
    const url = await listen(t);
    const at = startOnOneDay(90);
    const answers = await fireAtOnce(50, (i) =>
      send(`${url}/bookings/holds`, { method: 'POST', headers: customers[i].auth, body: { serviceId: crowd.service.id, scheduledAt: at } }),
    );
    expect(statusCounts(answers)).toEqual({ 201: 1, 409: 49 });
    for (const answer of answers.filter((a) => a.status === 409)) expect((answer.body as { code: string }).code).toBe('SLOT_TAKEN');
    expect(await holdRows(t, crowd.service.id)).toBe(1);
  });
});

describe('slot holds expire: the job engine clears them', () => {
  const TTL = 3;
  let t: TestApp;
  let market: Marketplace;
  let other: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ BOOKING_HOLD_TTL_SECONDS: String(TTL), JOB_POLL_INTERVAL_MS: '500' });
    market = await createMarketplace(t, { service: { availability: AROUND_THE_CLOCK } });
    other = await createUser(t, Role.CUSTOMER);
  });
  afterAll(() => t.close());

  it('clears an expired hold without any other request, and its slot is offered and bookable again', async () => {
    const at = startOnOneDay(50);
    const held = await hold(t, market.customer, market.service.id, at);
    expect(await offeredStarts(t, market.service.id, at)).not.toContain(at);
    expectProblem(await holdRequest(t, other, market.service.id, at), 409, 'SLOT_TAKEN');
    // Cleared by its expiry job: the row goes, though nothing else touches this provider's schedule meanwhile.
    await waitUntil(
      async () =>
        (await t.dataSource.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM booking_holds WHERE id = $1', [held.id]))[0].count === 0,
      'the expired hold is cleared',
      (TTL + 10) * 1000,
    );
    const [{ claims }] = await t.dataSource.query<Array<{ claims: number }>>('SELECT count(*)::int AS claims FROM provider_time WHERE hold_id = $1', [held.id]);
    expect(claims).toBe(0);
    expect(await offeredStarts(t, market.service.id, at)).toContain(at);
    await book(t, other, market.service, at);
  });
});
