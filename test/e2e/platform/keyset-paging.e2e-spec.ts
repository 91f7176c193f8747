import { Role } from '../../../src/common/auth/role.enum';
import { MAX_OFFSET } from '../../../src/common/pagination/pagination';
import { createMarketplace, Marketplace } from '../../factories/marketplace.factory';
import { seedBookings, seedNotifications, seedPayments } from '../../factories/history.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { links } from '../../helpers/links';
import { expectFieldError } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

type Query = Record<string, string | number | boolean>;

/**
 * Every list pages by cursor: following `Link: rel="next"` from the first page visits every row once, in the
 * list's order, even while rows are added; `offset` still works up to its cap; a cursor that is not the
 * list's own (altered, of another list, sort or filter) is a 400 naming `cursor`.
 */
describe('keyset paging (cursor in Link rel="next")', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /** The ids of every page, following rel="next" from the first; `between` runs after each page. */
  async function walk(path: string, query: Query, auth: Record<string, string> = {}, between?: (page: number) => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    let response = await t.http.get(path).query(query).set(auth).expect(200);
    for (let page = 1; ; page++) {
      seen.push(...(response.body as Array<{ id: string }>).map((item) => item.id));
      const next = links(response).next;
      if (!next) return seen;
      const url = new URL(next);
      expect(url.searchParams.get('cursor')).toMatch(/^[\w-]+$/);
      expect(url.searchParams.get('offset')).toBeNull();
      await between?.(page);
      response = await t.http.get(`${url.pathname}${url.search}`).set(auth).expect(200);
    }
  }

  async function ids(sql: string, values: unknown[]): Promise<string[]> {
    return (await t.dataSource.query<Array<{ id: string }>>(sql, values)).map((row) => row.id);
  }

  /** The cursor of the first page's rel="next". */
  async function firstCursor(path: string, query: Query, auth: Record<string, string> = {}): Promise<string> {
    const response = await t.http.get(path).query(query).set(auth).expect(200);
    return new URL(links(response).next).searchParams.get('cursor') as string;
  }

  /** What every list answers to a cursor that is not its own and to an offset past the cap. */
  async function expectGuarded(path: string, query: Query, auth: Record<string, string>, otherQuery: Query): Promise<void> {
    const cursor = await firstCursor(path, query, auth);
    // Altered: one character changed, a value of the wrong shape, garbage, another list's filters or sort.
    const flipped = cursor.slice(0, 5) + (cursor[5] === 'A' ? 'B' : 'A') + cursor.slice(6);
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as string[];
    const wrongShape = Buffer.from(JSON.stringify([decoded[0], ...decoded.slice(1).map(() => "1'; DROP TABLE x; --")])).toString('base64url');
    for (const bad of [flipped, wrongShape, 'not_a_cursor', Buffer.from('[]').toString('base64url')]) {
      expectFieldError(
        await t.http
          .get(path)
          .query({ ...query, cursor: bad })
          .set(auth),
        'cursor',
      );
    }
    expectFieldError(
      await t.http
        .get(path)
        .query({ ...otherQuery, cursor })
        .set(auth),
      'cursor',
    );
    expectFieldError(
      await t.http
        .get(path)
        .query({ ...query, cursor: 'a+b/c=' })
        .set(auth),
      'cursor',
    );
    // A cursor says where the page starts: no offset with it.
    expectFieldError(
      await t.http
        .get(path)
        .query({ ...query, cursor, offset: 5 })
        .set(auth),
      'cursor',
    );
    // Offsets up to the cap keep working; past it, the problem points to the cursor.
    await t.http
      .get(path)
      .query({ ...query, offset: MAX_OFFSET })
      .set(auth)
      .expect(200);
    expectFieldError(
      await t.http
        .get(path)
        .query({ ...query, offset: MAX_OFFSET + 1 })
        .set(auth),
      'offset',
      /cursor/,
    );
  }

  describe('GET /services/', () => {
    let market: Marketplace;
    const orders: Record<string, string> = {
      price: 'price ASC, id ASC',
      '-price': 'price DESC, id DESC',
      createdAt: 'created_at ASC, id ASC',
      '-createdAt': 'created_at DESC, id DESC',
      title: 'title ASC, id ASC',
    };

    beforeAll(async () => {
      market = await createMarketplace(t);
      // Prices, titles and creation times that repeat (with microseconds), so the id must break the ties.
      await t.dataSource.query(
        `INSERT INTO services (provider_id, title, description, category, price, currency, duration_minutes, availability, created_at)
         SELECT $1, 'Paged ' || (n % 4), 'Seeded for paging', 'paging', 10 + (n % 3) * 5.25, 'USD', 60, '{"monday": ["09:00-17:00"]}',
                timestamptz '2029-01-01 00:00:00.000001+00' + (n / 2) * interval '1 second 1 microsecond'
           FROM generate_series(1, 17) AS n`,
        [market.provider.id],
      );
    });

    it.each(Object.keys(orders))('walks every service once in %s order, by cursor', async (sort) => {
      const walked = await walk('/services/', { providerId: market.provider.id, sort, limit: 4 });
      const expected = await ids(`SELECT id FROM services WHERE provider_id = $1 AND deleted_at IS NULL ORDER BY ${orders[sort]}`, [market.provider.id]);
      expect(expected).toHaveLength(18);
      expect(walked).toEqual(expected);
    });

    it('keeps its place while services are added: a new one after the cursor is listed once, one before it never', async () => {
      const provider = await createUser(t, Role.PROVIDER);
      const insert = (price: number) =>
        ids(
          `INSERT INTO services (provider_id, title, description, category, price, currency, duration_minutes, availability)
           VALUES ($1, 'Added', 'Added while paging', 'paging', $2, 'USD', 60, '{"monday": ["09:00-17:00"]}') RETURNING id`,
          [provider.id, price],
        );
      for (let n = 0; n < 9; n++) await insert(20 + n);
      const before = await ids(`SELECT id FROM services WHERE provider_id = $1 ORDER BY price, id`, [provider.id]);
      let behind: string[] = [];
      let ahead: string[] = [];
      const walked = await walk('/services/', { providerId: provider.id, sort: 'price', limit: 3 }, {}, async (page) => {
        if (page !== 1) return;
        behind = await insert(1); // sorts first: already passed
        ahead = await insert(99); // sorts last: still to come
      });
      expect(walked).toEqual([...before, ...ahead]);
      expect(walked).not.toContain(behind[0]);
    });

    it('refuses a cursor of another sort or filter, an altered one, and an offset past the cap', async () => {
      await expectGuarded('/services/', { providerId: market.provider.id, sort: 'price', limit: 2 }, {}, { providerId: market.provider.id, sort: 'title' });
      const cursor = await firstCursor('/services/', { providerId: market.provider.id, sort: 'price', limit: 2 });
      expectFieldError(await t.http.get('/services/').query({ providerId: market.provider.id, sort: '-price', cursor }), 'cursor');
      expectFieldError(await t.http.get('/services/').query({ providerId: market.provider.id, sort: 'price', category: 'other', cursor }), 'cursor');
      // The page size may change between pages.
      await t.http.get('/services/').query({ providerId: market.provider.id, sort: 'price', limit: 5, cursor }).expect(200);
    });
  });

  describe('GET /bookings/', () => {
    let market: Marketplace;
    const ORDER = `SELECT id FROM bookings WHERE customer_id = $1 ORDER BY scheduled_at, id`;

    beforeAll(async () => {
      market = await createMarketplace(t);
      await seedBookings(t, market.customer, market.service, 25);
    });

    it('walks every booking once in start order, while bookings are added', async () => {
      const before = await ids(ORDER, [market.customer.id]);
      expect(before).toHaveLength(25);
      const added = await createMarketplace(t);
      const walked = await walk('/bookings/', { limit: 4 }, market.customer.auth, async (page) => {
        if (page !== 2) return;
        // Same customer, another provider: one long before every listed start (passed), one long after (to come).
        await seedBookings(t, market.customer, added.service, 1, -100_000);
        await seedBookings(t, market.customer, added.service, 1, 100_000);
      });
      const after = await ids(ORDER, [market.customer.id]);
      expect(walked).toEqual(after.slice(1));
      expect(walked).toEqual([...before, after[after.length - 1]]);
      // The provider's view of the same rows pages alike.
      expect(await walk('/bookings/', { limit: 7 }, market.provider.auth)).toEqual(
        await ids(`SELECT id FROM bookings WHERE provider_id = $1 ORDER BY scheduled_at, id`, [market.provider.id]),
      );
    });

    it('refuses a cursor of another filter, an altered one, and an offset past the cap', async () => {
      await expectGuarded('/bookings/', { limit: 2 }, market.customer.auth, { status: 'COMPLETED' });
    });
  });

  describe('GET /payments/', () => {
    let market: Marketplace;
    const ORDER = `SELECT id FROM payments WHERE customer_id = $1 ORDER BY created_at DESC, id DESC`;

    beforeAll(async () => {
      market = await createMarketplace(t);
      await seedPayments(t, market.customer, market.service, 25);
    });

    it('walks every payment once, newest first, while payments are added', async () => {
      const before = await ids(ORDER, [market.customer.id]);
      expect(before).toHaveLength(25);
      const walked = await walk('/payments/', { limit: 4 }, market.customer.auth, async (page) => {
        if (page !== 2) return;
        await seedPayments(t, market.customer, market.service, 1, '2031-01-01 00:00:00+00'); // newest: passed
        await seedPayments(t, market.customer, market.service, 1, '2001-01-01 00:00:00+00'); // oldest: to come
      });
      const after = await ids(ORDER, [market.customer.id]);
      expect(walked).toEqual(after.slice(1));
      expect(walked).toEqual([...before, after[after.length - 1]]);
    });

    it('refuses a cursor of another filter, an altered one, and an offset past the cap', async () => {
      await expectGuarded('/payments/', { limit: 2 }, market.customer.auth, { status: 'SUCCESS' });
    });
  });

  describe('GET /notifications/', () => {
    let user: TestUser;

    beforeAll(async () => {
      user = await createUser(t);
      await seedNotifications(t, user, 30, 3);
    });

    it('walks every notification once, newest first, all or unread, while notifications arrive', async () => {
      const all = await ids(`SELECT id FROM notifications WHERE user_id = $1 ORDER BY seq DESC`, [user.id]);
      const walked = await walk('/notifications/', { limit: 4 }, user.auth, async (page) => {
        if (page === 2) await seedNotifications(t, user, 2, 3); // newer: passed
      });
      expect(walked).toEqual(all);
      const unread = await ids(`SELECT id FROM notifications WHERE user_id = $1 AND read_at IS NULL ORDER BY seq DESC`, [user.id]);
      expect(unread).toHaveLength(10);
      expect(await walk('/notifications/', { unread: true, limit: 3 }, user.auth)).toEqual(unread);
    });

    it('keeps exact totals and the unread count from the counter the writes keep', async () => {
      const other = await createUser(t);
      await seedNotifications(t, other, 12, 4); // 3 unread
      const total = async (query: Query) => (await t.http.get('/notifications/').query(query).set(other.auth).expect(200)).headers['x-total-count'];
      const unreadCount = async () => ((await t.http.get('/notifications/unread/count').set(other.auth).expect(200)).body as { count: number }).count;
      expect([await total({}), await total({ unread: true }), await unreadCount()]).toEqual(['12', '3', 3]);
      const [first] = (await t.http.get('/notifications/').query({ unread: true }).set(other.auth).expect(200)).body as Array<{ id: string }>;
      await t.http.put(`/notifications/${first.id}/read`).set(other.auth).expect(200);
      await t.http.put(`/notifications/${first.id}/read`).set(other.auth).expect(200); // again: no change
      expect([await total({ unread: true }), await unreadCount()]).toEqual(['2', 2]);
      await t.http.put('/notifications/read-all').set(other.auth).expect(200);
      expect([await total({}), await total({ unread: true }), await unreadCount()]).toEqual(['12', '0', 0]);
    });

    it('refuses a cursor of another filter, an altered one, and an offset past the cap', async () => {
      await expectGuarded('/notifications/', { limit: 2 }, user.auth, { unread: true });
    });
  });

  describe('GET /users (admins)', () => {
    let admin: TestUser;
    const tag = `keyset-${Date.now().toString(36)}`;
    const ORDER = `SELECT id FROM users WHERE email LIKE $1 AND deleted_at IS NULL ORDER BY created_at DESC, id DESC`;
    const account = (i: number | string) => createUser(t, Role.CUSTOMER, { email: `${tag}-${i}@example.com` });

    beforeAll(async () => {
      admin = await createUser(t, Role.ADMIN);
      for (let i = 0; i < 13; i++) await account(i);
      // Two accounts created in the same instant: the id orders them, and a page boundary between them splits nothing.
      await t.dataSource.query(`UPDATE users SET created_at = '2020-05-05 05:05:05.123456+00' WHERE email IN ($1, $2)`, [
        `${tag}-3@example.com`,
        `${tag}-4@example.com`,
      ]);
    });

    it('walks every account once, newest first, while accounts are added', async () => {
      const before = await ids(ORDER, [`${tag}-%`]);
      expect(before).toHaveLength(13);
      const walked = await walk('/users', { q: tag, limit: 4 }, admin.auth, async (page) => {
        if (page !== 2) return;
        await account('newest'); // before the cursor: passed
        const oldest = await account('oldest'); // after it: to come
        await t.dataSource.query(`UPDATE users SET created_at = '2001-01-01 00:00:00+00' WHERE id = $1`, [oldest.id]);
      });
      const after = await ids(ORDER, [`${tag}-%`]);
      expect(walked).toEqual(after.slice(1));
      expect(walked).toEqual([...before, after[after.length - 1]]);
    });

    it('refuses a cursor of another filter, an altered one, and an offset past the cap', async () => {
      await expectGuarded('/users', { q: tag, limit: 2 }, admin.auth, { q: tag, role: 'PROVIDER' });
    });
  });

  it('refuses one list’s cursor on another', async () => {
    const market = await createMarketplace(t);
    await seedBookings(t, market.customer, market.service, 3);
    await seedPayments(t, market.customer, market.service, 3);
    const cursor = await firstCursor('/bookings/', { limit: 1 }, market.customer.auth);
    expectFieldError(await t.http.get('/payments/').query({ limit: 1, cursor }).set(market.customer.auth), 'cursor');
  });
});
