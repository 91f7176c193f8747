import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { Role } from '../../../src/common/auth/role.enum';
import { Sql } from '../../../src/common/database/sql';
import type { CategoryResponse, ServiceResponse } from '../../../src/services/dto/service.response';
import { createService, insertBooking, uniqueCategory } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { links } from '../../helpers/links';
import { expectFieldError, expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

/** A word no other data contains, for exact full-text matches. */
const uniqueWord = (): string =>
  `zq${randomUUID()
    .replace(/[^a-f]/g, '')
    .slice(0, 10)}`;

const ids = (response: Response): string[] => (response.body as ServiceResponse[]).map((s) => s.id);

describe('catalog: GET /services/ and /services/categories', () => {
  let t: TestApp;
  let customer: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    // The availableOn dates below lie in 2030: beyond the default booking horizon, so it is widened here.
    t = await createTestApp({ BOOKING_HORIZON_DAYS: '3650' });
    [customer, admin] = await Promise.all([createUser(t, Role.CUSTOMER), createUser(t, Role.ADMIN)]);
  });
  afterAll(() => t.close());

  describe('visibility', () => {
    let provider: TestUser;
    let active: ServiceResponse;
    let inactive: ServiceResponse;
    let suspended: ServiceResponse;
    let deleted: ServiceResponse;

    beforeAll(async () => {
      provider = await createUser(t, Role.PROVIDER);
      active = await createService(t, provider, { title: 'Active one' });
      inactive = await createService(t, provider, { title: 'Inactive one', isActive: false });
      suspended = await createService(t, provider, { title: 'Suspended one' });
      deleted = await createService(t, provider, { title: 'Deleted one' });
      await t.http.put(`/services/${suspended.id}`).set(admin.auth).send({ status: 'SUSPENDED' }).expect(200);
      await t.http.delete(`/services/${deleted.id}`).set(provider.auth).expect(204);
    });

    it('lists only ACTIVE, not deleted services publicly, as a JSON array with X-Total-Count', async () => {
      for (const caller of [{}, customer.auth, provider.auth]) {
        const response = await t.http.get('/services/').query({ providerId: provider.id }).set(caller).expect(200);
        expect(Array.isArray(response.body)).toBe(true);
        expect(ids(response)).toEqual([active.id]);
        expect(response.headers['x-total-count']).toBe('1');
        expect((response.body as ServiceResponse[])[0]).toEqual(active);
      }
    });

    it('answers on /services without the trailing slash too', async () => {
      const response = await t.http.get('/services').query({ providerId: provider.id }).expect(200);
      expect(ids(response)).toEqual([active.id]);
    });

    it('shows a provider their own services in every status with mine=true (deleted ones excluded)', async () => {
      const response = await t.http.get('/services/').query({ mine: true }).set(provider.auth).expect(200);
      expect(ids(response).sort()).toEqual([active.id, inactive.id, suspended.id].sort());
      expect(response.headers['x-total-count']).toBe('3');

      const onlyInactive = await t.http.get('/services/').query({ mine: true, status: 'INACTIVE' }).set(provider.auth).expect(200);
      expect(ids(onlyInactive)).toEqual([inactive.id]);
    });

    it('never shows another provider’s unlisted services through mine=true', async () => {
      const other = await createUser(t, Role.PROVIDER);
      const own = await createService(t, other, { isActive: false });
      const response = await t.http.get('/services/').query({ mine: true }).set(other.auth).expect(200);
      expect(ids(response)).toEqual([own.id]);
    });

    it('refuses mine=true without a token (401) and to customers (403)', async () => {
      expectProblem(await t.http.get('/services/').query({ mine: true }), 401);
      expectProblem(await t.http.get('/services/').query({ mine: true }).set(customer.auth), 403);
    });

    it('shows an admin every status, filterable with status=', async () => {
      const all = await t.http.get('/services/').query({ providerId: provider.id }).set(admin.auth).expect(200);
      expect(ids(all).sort()).toEqual([active.id, inactive.id, suspended.id].sort());

      for (const [status, expected] of [
        ['SUSPENDED', suspended],
        ['INACTIVE', inactive],
        ['ACTIVE', active],
      ] as const) {
        const response = await t.http.get('/services/').query({ providerId: provider.id, status }).set(admin.auth).expect(200);
        expect(ids(response)).toEqual([expected.id]);
        expect(response.headers['x-total-count']).toBe('1');
      }
    });

    it('refuses status= to the public and to customers (403)', async () => {
      expectProblem(await t.http.get('/services/').query({ status: 'SUSPENDED' }), 403);
      expectProblem(await t.http.get('/services/').query({ status: 'INACTIVE' }).set(customer.auth), 403);
    });

    it('drops the services of a deleted provider from the public catalog', async () => {
      const leaving = await createUser(t, Role.PROVIDER);
      const category = uniqueCategory('leaving');
      await createService(t, leaving, { category });
      expect(ids(await t.http.get('/services/').query({ providerId: leaving.id }).expect(200))).toHaveLength(1);

      await t.http.delete(`/users/${leaving.id}`).set(leaving.auth).expect(204);

      const response = await t.http.get('/services/').query({ providerId: leaving.id }).expect(200);
      expect(response.body).toEqual([]);
      expect(response.headers['x-total-count']).toBe('0');
      const categories = (await t.http.get('/services/categories').expect(200)).body as CategoryResponse[];
      expect(categories.map((c) => c.category)).not.toContain(category);
    });
  });

  describe('filters', () => {
    let provider: TestUser;
    let category: string;
    let word: string;
    let cheap: ServiceResponse;
    let middle: ServiceResponse;
    let dear: ServiceResponse;
    let elsewhere: ServiceResponse;

    beforeAll(async () => {
      provider = await createUser(t, Role.PROVIDER);
      category = uniqueCategory('filter');
      word = uniqueWord();
      cheap = await createService(t, provider, { category, title: `Gutter ${word} check`, price: 19.99 });
      middle = await createService(t, provider, { category, title: 'Lawn mowing', description: `Also ${word} edges.`, price: 50 });
      dear = await createService(t, provider, { category, title: 'Roof repair', price: 250 });
      elsewhere = await createService(t, provider, { category: uniqueCategory('other'), title: 'Piano lessons', price: 50 });
    });

    it('filters by category', async () => {
      const response = await t.http.get('/services/').query({ category }).expect(200);
      expect(ids(response).sort()).toEqual([cheap.id, middle.id, dear.id].sort());
      expect(response.headers['x-total-count']).toBe('3');
    });

    it('filters by provider', async () => {
      const response = await t.http.get('/services/').query({ providerId: provider.id }).expect(200);
      expect(ids(response).sort()).toEqual([cheap.id, middle.id, dear.id, elsewhere.id].sort());
      expect(ids(await t.http.get('/services/').query({ providerId: randomUUID() }).expect(200))).toEqual([]);
    });

    it('searches the title and the description (q), with stemming', async () => {
      const response = await t.http.get('/services/').query({ q: word }).expect(200);
      expect(ids(response).sort()).toEqual([cheap.id, middle.id].sort());
      expect(response.headers['x-total-count']).toBe('2');

      const stemmed = await t.http.get('/services/').query({ q: 'mowed', providerId: provider.id }).expect(200);
      expect(ids(stemmed)).toEqual([middle.id]);
      const phrase = await t.http
        .get('/services/')
        .query({ q: `${word} -gutter` })
        .expect(200);
      expect(ids(phrase)).toEqual([middle.id]);
    });

    it('filters by price range, bounds included', async () => {
      const range = await t.http.get('/services/').query({ category, minPrice: 19.99, maxPrice: 50 }).expect(200);
      expect(ids(range).sort()).toEqual([cheap.id, middle.id].sort());
      expect(ids(await t.http.get('/services/').query({ category, minPrice: 50.01 }).expect(200))).toEqual([dear.id]);
      expect(ids(await t.http.get('/services/').query({ category, maxPrice: 19.98 }).expect(200))).toEqual([]);
    });

    it('combines filters', async () => {
      const response = await t.http.get('/services/').query({ providerId: provider.id, maxPrice: 60, minPrice: 40 }).expect(200);
      expect(ids(response).sort()).toEqual([middle.id, elsewhere.id].sort());
      expect(ids(await t.http.get('/services/').query({ providerId: provider.id, category, q: word, minPrice: 20 }).expect(200))).toEqual([middle.id]);
    });

    it('refuses a minimum above the maximum', async () => {
      expectFieldError(await t.http.get('/services/').query({ minPrice: 60, maxPrice: 40 }), 'maxPrice');
    });
  });

  describe('sorting and paging', () => {
    let provider: TestUser;
    let created: ServiceResponse[];

    beforeAll(async () => {
      provider = await createUser(t, Role.PROVIDER);
      created = [];
      // One at a time so the creation times are distinct and in this order.
      for (const [title, price] of [
        ['Delta', 40],
        ['Alpha', 10.5],
        ['Echo', 30],
        ['Charlie', 99.99],
        ['Bravo', 20],
      ] as const) {
        created.push(await createService(t, provider, { title, price }));
      }
    });

    const titles = (response: Response): string[] => (response.body as ServiceResponse[]).map((s) => s.title);
    const list = (query: Record<string, unknown>) =>
      t.http
        .get('/services/')
        .query({ providerId: provider.id, ...query })
        .expect(200);

    it('defaults to the newest first', async () => {
      expect(ids(await list({}))).toEqual(created.map((s) => s.id).reverse());
      expect(ids(await list({ sort: '-createdAt' }))).toEqual(created.map((s) => s.id).reverse());
    });

    it.each([
      ['price', ['Alpha', 'Bravo', 'Echo', 'Delta', 'Charlie']],
      ['-price', ['Charlie', 'Delta', 'Echo', 'Bravo', 'Alpha']],
      ['createdAt', ['Delta', 'Alpha', 'Echo', 'Charlie', 'Bravo']],
      ['-createdAt', ['Bravo', 'Charlie', 'Echo', 'Alpha', 'Delta']],
      ['title', ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo']],
    ])('sorts by %s', async (sort, expected) => {
      expect(titles(await list({ sort }))).toEqual(expected);
    });

    it('pages with limit and offset, the total in X-Total-Count and next/prev in Link', async () => {
      const first = await list({ sort: 'title', limit: 2 });
      expect(titles(first)).toEqual(['Alpha', 'Bravo']);
      expect(first.headers['x-total-count']).toBe('5');
      const firstLinks = links(first);
      expect(Object.keys(firstLinks)).toEqual(['next']);
      const next = new URL(firstLinks.next);
      expect(next.origin).toBe('http://localhost:8000');
      expect(next.pathname).toBe('/services/');
      expect(Object.fromEntries(next.searchParams)).toEqual({ providerId: provider.id, sort: 'title', limit: '2', cursor: expect.any(String) });

      const second = await t.http.get(`${next.pathname}${next.search}`).expect(200);
      expect(titles(second)).toEqual(['Charlie', 'Delta']);
      // Reached by cursor: next carries the following cursor; no prev (keyset paging goes forward).
      const secondLinks = links(second);
      expect(Object.keys(secondLinks)).toEqual(['next']);
      expect(new URL(secondLinks.next).searchParams.get('offset')).toBeNull();

      const last = await t.http.get(new URL(secondLinks.next).pathname + new URL(secondLinks.next).search).expect(200);
      expect(titles(last)).toEqual(['Echo']);
      expect(last.headers['x-total-count']).toBe('5');
      expect(links(last)).toEqual({});

      // By offset (existing clients): prev by offset, next by cursor.
      const byOffset = await list({ sort: 'title', limit: 2, offset: 2 });
      expect(titles(byOffset)).toEqual(['Charlie', 'Delta']);
      expect(new URL(links(byOffset).prev).searchParams.get('offset')).toBe('0');
      expect(new URL(links(byOffset).next).searchParams.get('cursor')).toBe(new URL(secondLinks.next).searchParams.get('cursor'));
    });

    it('answers an empty page past the end, with the total and a prev link', async () => {
      const response = await list({ offset: 10 });
      expect(response.body).toEqual([]);
      expect(response.headers['x-total-count']).toBe('5');
      expect(Object.keys(links(response))).toEqual(['prev']);
    });

    it('has no Link header when everything fits on one page', async () => {
      const response = await list({});
      expect(response.headers['x-total-count']).toBe('5');
      expect(response.headers.link).toBeUndefined();
    });

    it('defaults the page size to 20 and allows up to 100', async () => {
      const many = await createUser(t, Role.PROVIDER);
      await t.dataSource.query(
        `INSERT INTO services (provider_id, title, category, price, currency, duration_minutes, availability)
         SELECT $1, 'Bulk ' || n, $2, 10, 'USD', 60, '{"monday": ["09:00-17:00"]}' FROM generate_series(1, 25) AS n`,
        [many.id, uniqueCategory('bulk')],
      );
      const byDefault = await t.http.get('/services/').query({ providerId: many.id }).expect(200);
      expect(byDefault.body).toHaveLength(20);
      expect(byDefault.headers['x-total-count']).toBe('25');
      expect(new URL(links(byDefault).next).searchParams.get('limit')).toBe('20');
      expect((await t.http.get('/services/').query({ providerId: many.id, limit: 100 }).expect(200)).body).toHaveLength(25);
    });
  });

  describe('public totals', () => {
    it('counts a filter once for concurrent requests, and afresh after a catalog write', async () => {
      const provider = await createUser(t, Role.PROVIDER);
      const category = uniqueCategory();
      await createService(t, provider, { category });
      // Observes the real statements; every call still goes to PostgreSQL.
      const sql = t.app.get(Sql);
      const rows = jest.spyOn(sql, 'rows');
      const counts = () => rows.mock.calls.filter(([statement]) => (typeof statement === 'string' ? statement : statement.text).includes('count(*)')).length;
      try {
        const responses = await Promise.all(Array.from({ length: 20 }, () => t.http.get('/services/').query({ category }).expect(200)));
        expect(responses.map((response) => response.headers['x-total-count'])).toEqual(Array(20).fill('1'));
        expect(counts()).toBe(1);

        await createService(t, provider, { category });
        const after = await t.http.get('/services/').query({ category }).expect(200);
        expect(after.headers['x-total-count']).toBe('2');
        expect(counts()).toBe(2);
      } finally {
        rows.mockRestore();
      }
    });
  });

  describe('availableOn', () => {
    // 2030-01-07 is a Monday, 2030-01-08 a Tuesday.
    const MONDAY = '2030-01-07';
    let provider: TestUser;
    let category: string;

    beforeAll(async () => {
      provider = await createUser(t, Role.PROVIDER);
      category = uniqueCategory('avail');
    });

    it('keeps only services with at least one free slot that day', async () => {
      const open = await createService(t, provider, { category, availability: { monday: ['09:00-11:00'] } });
      const tuesdays = await createService(t, provider, { category, availability: { tuesday: ['09:00-11:00'] } });
      const busyProvider = await createUser(t, Role.PROVIDER);
      await createService(t, busyProvider, { category, availability: { monday: ['14:00-16:00'] }, durationMinutes: 60 });
      const sibling = await createService(t, busyProvider, { category, availability: { friday: ['09:00-17:00'] } });
      // The whole Monday window is taken by a booking on another service of the same provider.
      await insertBooking(t, {
        customerId: customer.id,
        serviceId: sibling.id,
        providerId: busyProvider.id,
        status: 'CONFIRMED',
        scheduledAt: `${MONDAY}T14:00:00Z`,
        durationMinutes: 120,
      });

      const monday = await t.http.get('/services/').query({ category, availableOn: MONDAY }).expect(200);
      expect(ids(monday)).toEqual([open.id]);
      expect(monday.headers['x-total-count']).toBe('1');
      expect((monday.body as ServiceResponse[])[0]).toEqual(open);

      const tuesday = await t.http.get('/services/').query({ category, availableOn: '2030-01-08' }).expect(200);
      expect(ids(tuesday)).toEqual([tuesdays.id]);

      const friday = await t.http.get('/services/').query({ category, availableOn: '2030-01-11' }).expect(200);
      expect(ids(friday)).toEqual([sibling.id]);
      expect(ids(await t.http.get('/services/').query({ category, availableOn: '2030-01-09' }).expect(200))).toEqual([]);
    });

    it('counts a cancelled booking as free time', async () => {
      const own = await createUser(t, Role.PROVIDER);
      const cat = uniqueCategory('cancel');
      const service = await createService(t, own, { category: cat, availability: { monday: ['10:00-11:00'] }, durationMinutes: 60 });
      const bookingId = await insertBooking(t, {
        customerId: customer.id,
        serviceId: service.id,
        providerId: own.id,
        status: 'PENDING',
        scheduledAt: `${MONDAY}T10:00:00Z`,
        durationMinutes: 60,
      });
      expect(ids(await t.http.get('/services/').query({ category: cat, availableOn: MONDAY }).expect(200))).toEqual([]);

      await t.dataSource.query(`UPDATE bookings SET status = 'CANCELLED' WHERE id = $1`, [bookingId]);
      expect(ids(await t.http.get('/services/').query({ category: cat, availableOn: MONDAY }).expect(200))).toEqual([service.id]);
    });

    it('reads the day in each service’s time zone', async () => {
      const own = await createUser(t, Role.PROVIDER);
      const cat = uniqueCategory('zone');
      // 09:00-10:00 on Monday in Tokyo is Sunday 2030-01-06 in UTC; it is still "available on" Monday.
      const tokyo = await createService(t, own, { category: cat, timezone: 'Asia/Tokyo', availability: { monday: ['09:00-10:00'] } });
      expect(ids(await t.http.get('/services/').query({ category: cat, availableOn: MONDAY }).expect(200))).toEqual([tokyo.id]);
      expect(ids(await t.http.get('/services/').query({ category: cat, availableOn: '2030-01-06' }).expect(200))).toEqual([]);
    });

    it('offers nothing on a day in the past', async () => {
      const own = await createUser(t, Role.PROVIDER);
      const cat = uniqueCategory('past');
      await createService(t, own, { category: cat, availability: { monday: ['00:00-24:00'] } });
      expect(ids(await t.http.get('/services/').query({ category: cat, availableOn: '2020-01-06' }).expect(200))).toEqual([]);
      expect(ids(await t.http.get('/services/').query({ category: cat, availableOn: MONDAY }).expect(200))).toHaveLength(1);
    });

    it('sorts and pages the matches like the plain listing', async () => {
      const own = await createUser(t, Role.PROVIDER);
      const cat = uniqueCategory('pages');
      for (const price of [30, 10, 20]) await createService(t, own, { category: cat, price, availability: { monday: ['09:00-17:00'] } });
      await createService(t, own, { category: cat, price: 5, availability: { sunday: ['09:00-17:00'] } });

      const page = await t.http.get('/services/').query({ category: cat, availableOn: MONDAY, sort: 'price', limit: 2 }).expect(200);
      expect((page.body as ServiceResponse[]).map((s) => s.price)).toEqual([10, 20]);
      expect(page.headers['x-total-count']).toBe('3');
      expect(new URL(links(page).next).searchParams.get('availableOn')).toBe(MONDAY);
      const rest = await t.http.get('/services/').query({ category: cat, availableOn: MONDAY, sort: 'price', limit: 2, offset: 2 }).expect(200);
      expect((rest.body as ServiceResponse[]).map((s) => s.price)).toEqual([30]);
    });
  });

  describe('query validation', () => {
    it.each([
      [{ limit: 0 }, 'limit'],
      [{ limit: 101 }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ offset: -1 }, 'offset'],
      [{ sort: 'bogus' }, 'sort'],
      [{ sort: 'price; DROP TABLE services' }, 'sort'],
      [{ minPrice: 'abc' }, 'minPrice'],
      [{ maxPrice: -1 }, 'maxPrice'],
      [{ availableOn: '2030-02-30' }, 'availableOn'],
      [{ availableOn: '07/01/2030' }, 'availableOn'],
      [{ providerId: 'not-a-uuid' }, 'providerId'],
      [{ category: 'Not A Slug' }, 'category'],
      [{ mine: 'yes' }, 'mine'],
      [{ status: 'DELETED' }, 'status'],
      [{ unknown: 'x' }, 'unknown'],
    ])('refuses %j (400 naming %s)', async (query, field) => {
      expectFieldError(await t.http.get('/services/').query(query).set(admin.auth), field);
    });

    it('accepts the limits themselves', async () => {
      await t.http.get('/services/').query({ limit: 1 }).expect(200);
      await t.http.get('/services/').query({ limit: 100 }).expect(200);
    });

    it('copes with full-text syntax it does not understand', async () => {
      for (const q of ['"unterminated', '& | !', 'a:*', ' ']) {
        const response = await t.http.get('/services/').query({ q, providerId: randomUUID() });
        expect({ q, status: response.status }).toEqual({ q, status: 200 });
      }
    });
  });

  describe('GET /services/categories', () => {
    it('lists the categories in use with their count of active services', async () => {
      const provider = await createUser(t, Role.PROVIDER);
      const busy = uniqueCategory('busy');
      const quiet = uniqueCategory('quiet');
      const dormant = uniqueCategory('dormant');
      await createService(t, provider, { category: busy });
      await createService(t, provider, { category: busy });
      const hidden = await createService(t, provider, { category: busy });
      const gone = await createService(t, provider, { category: busy });
      await createService(t, provider, { category: quiet });
      await createService(t, provider, { category: dormant, isActive: false });
      await t.http.put(`/services/${hidden.id}`).set(admin.auth).send({ status: 'SUSPENDED' }).expect(200);
      await t.http.delete(`/services/${gone.id}`).set(provider.auth).expect(204);

      const response = await t.http.get('/services/categories').expect(200);
      const categories = response.body as CategoryResponse[];
      expect(categories.find((c) => c.category === busy)).toEqual({ category: busy, count: 2 });
      expect(categories.find((c) => c.category === quiet)).toEqual({ category: quiet, count: 1 });
      expect(categories.map((c) => c.category)).not.toContain(dormant);
      const names = categories.map((c) => c.category);
      expect(names.indexOf(busy)).toBeLessThan(names.indexOf(quiet)); // by name
      expect(categories.every((c) => Number.isInteger(c.count) && c.count > 0)).toBe(true);
    });
  });
});
