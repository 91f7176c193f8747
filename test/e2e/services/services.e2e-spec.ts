import { Role } from '../../../src/common/auth/role.enum';
import type { ServiceResponse } from '../../../src/services/dto/service.response';
import { createService, insertBooking, uniqueCategory, validServiceBody } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface ServiceRow {
  title: string;
  price: string;
  status: string;
  deleted_at: Date | null;
}

describe('services: create, read, update, delete', () => {
  let t: TestApp;
  let provider: TestUser;
  let otherProvider: TestUser;
  let customer: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    [provider, otherProvider, customer, admin] = await Promise.all([
      createUser(t, Role.PROVIDER),
      createUser(t, Role.PROVIDER),
      createUser(t, Role.CUSTOMER),
      createUser(t, Role.ADMIN),
    ]);
  });
  afterAll(() => t.close());

  const row = async (id: string): Promise<ServiceRow> => {
    const [found] = await t.dataSource.query<ServiceRow[]>('SELECT title, price, status, deleted_at FROM services WHERE id = $1', [id]);
    return found;
  };

  describe('POST /services/', () => {
    it('lets a provider offer a service and answers the full shape, price as a JSON number', async () => {
      const body = validServiceBody({ price: 89.5, timezone: 'Europe/Berlin' });
      const response = await t.http.post('/services/').set(provider.auth).send(body).expect(201);

      expect(Object.keys(response.body as object).sort()).toEqual(
        [
          'availability',
          'bufferAfterMinutes',
          'bufferBeforeMinutes',
          'bookingHorizonDays',
          'category',
          'createdAt',
          'currency',
          'dateOverrides',
          'description',
          'durationMinutes',
          'minimumNoticeMinutes',
          'slotIntervalMinutes',
          'id',
          'images',
          'instantBooking',
          'isActive',
          'price',
          'providerId',
          'status',
          'timezone',
          'title',
          'updatedAt',
        ].sort(),
      );
      expect(response.body).toEqual({
        id: expect.stringMatching(UUID),
        providerId: provider.id,
        title: body.title,
        description: body.description,
        category: body.category,
        price: 89.5,
        currency: 'USD',
        durationMinutes: 60,
        availability: body.availability,
        dateOverrides: {},
        minimumNoticeMinutes: null,
        bookingHorizonDays: null,
        slotIntervalMinutes: null,
        images: body.images,
        timezone: 'Europe/Berlin',
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
        status: 'ACTIVE',
        isActive: true,
        instantBooking: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(response.text).toMatch(/"price":89\.5[,}]/);
      const stored = await row((response.body as ServiceResponse).id);
      expect(stored).toMatchObject({ title: body.title, price: '89.50', status: 'ACTIVE', deleted_at: null });
    });

    it('defaults the time zone to UTC, a missing description to empty and images to none', async () => {
      const created = await createService(t, provider, { timezone: undefined, description: undefined, images: undefined });
      expect(created).toMatchObject({ timezone: 'UTC', description: '', images: [] });
    });

    it('creates an inactive service when isActive is false', async () => {
      const created = await createService(t, provider, { isActive: false });
      expect(created).toMatchObject({ status: 'INACTIVE', isActive: false });
      expect((await row(created.id)).status).toBe('INACTIVE');
    });

    it('stores weekday keys lower-case whatever their case, and the currency upper-case', async () => {
      const created = await createService(t, provider, {
        availability: { Monday: ['13:00-17:00', '09:00-12:00'], SATURDAY: ['10:00-14:00'] },
        currency: 'eur',
      });
      expect(created.availability).toEqual({ monday: ['09:00-12:00', '13:00-17:00'], saturday: ['10:00-14:00'] });
      expect(created.currency).toBe('EUR');
    });

    it('refuses customers (403) and anonymous callers (401), storing nothing', async () => {
      const category = uniqueCategory();
      expectProblem(await t.http.post('/services/').set(customer.auth).send(validServiceBody({ category })), 403);
      expectProblem(await t.http.post('/services/').send(validServiceBody({ category })), 401);
      expectProblem(await t.http.post('/services/').set({ Authorization: 'Bearer not-a-token' }).send(validServiceBody({ category })), 401);
      const [{ count }] = await t.dataSource.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM services WHERE category = $1', [category]);
      expect(count).toBe(0);
    });
  });

  describe('GET /services/{id}', () => {
    it('shows an active service to anyone', async () => {
      const created = await createService(t, provider);
      const response = await t.http.get(`/services/${created.id}`).expect(200);
      expect(response.body).toEqual(created);
      await t.http.get(`/services/${created.id}`).set(customer.auth).expect(200);
    });

    it('hides an inactive service (404) from the public, customers and other providers, not from its owner or admins', async () => {
      const created = await createService(t, provider, { isActive: false });
      expectProblem(await t.http.get(`/services/${created.id}`), 404, 'NOT_FOUND');
      expectProblem(await t.http.get(`/services/${created.id}`).set(customer.auth), 404, 'NOT_FOUND');
      expectProblem(await t.http.get(`/services/${created.id}`).set(otherProvider.auth), 404, 'NOT_FOUND');
      expect((await t.http.get(`/services/${created.id}`).set(provider.auth).expect(200)).body).toMatchObject({ id: created.id, status: 'INACTIVE' });
      expect((await t.http.get(`/services/${created.id}`).set(admin.auth).expect(200)).body).toMatchObject({ id: created.id, status: 'INACTIVE' });
    });

    it('hides a suspended service from the public, not from its owner or admins', async () => {
      const created = await createService(t, provider);
      await t.http.put(`/services/${created.id}`).set(admin.auth).send({ status: 'SUSPENDED' }).expect(200);
      expectProblem(await t.http.get(`/services/${created.id}`), 404, 'NOT_FOUND');
      expectProblem(await t.http.get(`/services/${created.id}`).set(otherProvider.auth), 404, 'NOT_FOUND');
      expect((await t.http.get(`/services/${created.id}`).set(provider.auth).expect(200)).body).toMatchObject({ status: 'SUSPENDED', isActive: false });
      await t.http.get(`/services/${created.id}`).set(admin.auth).expect(200);
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      expectProblem(await t.http.get('/services/00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
      expectProblem(await t.http.get('/services/not-a-uuid'), 400);
      expectProblem(await t.http.get('/services/not-a-uuid/slots'), 400);
      expectProblem(await t.http.put('/services/not-a-uuid').set(provider.auth).send({ title: 'Whatever' }), 400);
      expectProblem(await t.http.delete('/services/not-a-uuid').set(provider.auth), 400);
    });

    it('treats a bad token on these public routes as no token: anonymous, never 401', async () => {
      const listed = await createService(t, provider);
      const hidden = await createService(t, provider, { isActive: false });
      const bad = { Authorization: 'Bearer not-a-token' };
      await t.http.get(`/services/${listed.id}`).set(bad).expect(200);
      await t.http.get(`/services/${listed.id}/slots`).set(bad).expect(200);
      await t.http.get('/services/').set(bad).expect(200);
      expectProblem(await t.http.get(`/services/${hidden.id}`).set(bad), 404, 'NOT_FOUND');
      expectProblem(await t.http.get('/services/').query({ mine: true }).set(bad), 401);
    });

    it('hides the services of a deleted provider from the public', async () => {
      const leaving = await createUser(t, Role.PROVIDER);
      const created = await createService(t, leaving);
      await t.http.get(`/services/${created.id}`).expect(200);
      await t.http.delete(`/users/${leaving.id}`).set(leaving.auth).expect(204);
      expectProblem(await t.http.get(`/services/${created.id}`), 404, 'NOT_FOUND');
      expectProblem(await t.http.get(`/services/${created.id}/slots`), 404, 'NOT_FOUND');
      await t.http.get(`/services/${created.id}`).set(admin.auth).expect(200);
    });
  });

  describe('PUT /services/{id}', () => {
    it('lets the owner change some fields and keeps the others', async () => {
      const created = await createService(t, provider);
      const response = await t.http
        .put(`/services/${created.id}`)
        .set(provider.auth)
        .send({ title: 'Window cleaning', price: 120.25, availability: { TUESDAY: ['08:00-10:00'] } })
        .expect(200);
      expect(response.body).toEqual({
        ...created,
        title: 'Window cleaning',
        price: 120.25,
        availability: { tuesday: ['08:00-10:00'] },
        updatedAt: expect.any(String),
      });
      expect(await row(created.id)).toMatchObject({ title: 'Window cleaning', price: '120.25' });
      expect((await t.http.get(`/services/${created.id}`).expect(200)).body).toMatchObject({ title: 'Window cleaning', price: 120.25 });
    });

    it('lets an admin change any service', async () => {
      const created = await createService(t, provider);
      await t.http.put(`/services/${created.id}`).set(admin.auth).send({ title: 'Edited by an admin' }).expect(200);
      expect((await row(created.id)).title).toBe('Edited by an admin');
    });

    it('refuses other providers and customers (403) on a listed service, changing nothing', async () => {
      const created = await createService(t, provider);
      expectProblem(await t.http.put(`/services/${created.id}`).set(otherProvider.auth).send({ title: 'Hijacked' }), 403);
      expectProblem(await t.http.put(`/services/${created.id}`).set(customer.auth).send({ title: 'Hijacked' }), 403);
      expectProblem(await t.http.put(`/services/${created.id}`).send({ title: 'Hijacked' }), 401);
      expect((await row(created.id)).title).toBe(created.title);
    });

    it('answers 404 to another provider for a service they cannot see', async () => {
      const created = await createService(t, provider, { isActive: false });
      expectProblem(await t.http.put(`/services/${created.id}`).set(otherProvider.auth).send({ title: 'Hijacked' }), 404);
      expect((await row(created.id)).title).toBe(created.title);
    });

    it('maps isActive to the status: false -> INACTIVE, true -> ACTIVE', async () => {
      const created = await createService(t, provider);
      const off = await t.http.put(`/services/${created.id}`).set(provider.auth).send({ isActive: false }).expect(200);
      expect(off.body).toMatchObject({ status: 'INACTIVE', isActive: false });
      expect((await row(created.id)).status).toBe('INACTIVE');
      expectProblem(await t.http.get(`/services/${created.id}`), 404);

      const on = await t.http.put(`/services/${created.id}`).set(provider.auth).send({ isActive: true }).expect(200);
      expect(on.body).toMatchObject({ status: 'ACTIVE', isActive: true });
      await t.http.get(`/services/${created.id}`).expect(200);
    });

    it('refuses the status field from a provider (403), leaving the row unchanged', async () => {
      const created = await createService(t, provider, { isActive: false });
      for (const status of ['ACTIVE', 'SUSPENDED', 'INACTIVE']) {
        const response = await t.http.put(`/services/${created.id}`).set(provider.auth).send({ status, title: 'Sneaky change' });
        expectProblem(response, 403, 'STATUS_CHANGE_FORBIDDEN');
      }
      expect(await row(created.id)).toMatchObject({ status: 'INACTIVE', title: created.title });
    });

    it('lets only an admin suspend and lift a suspension; the provider cannot reactivate', async () => {
      const created = await createService(t, provider);
      const suspended = await t.http.put(`/services/${created.id}`).set(admin.auth).send({ status: 'SUSPENDED' }).expect(200);
      expect(suspended.body).toMatchObject({ status: 'SUSPENDED', isActive: false });

      expectProblem(await t.http.put(`/services/${created.id}`).set(provider.auth).send({ isActive: true }), 403, 'SERVICE_SUSPENDED');
      expectProblem(await t.http.put(`/services/${created.id}`).set(provider.auth).send({ status: 'ACTIVE' }), 403);
      expect((await row(created.id)).status).toBe('SUSPENDED');

      const lifted = await t.http.put(`/services/${created.id}`).set(admin.auth).send({ status: 'ACTIVE' }).expect(200);
      expect(lifted.body).toMatchObject({ status: 'ACTIVE', isActive: true });
      expect((await row(created.id)).status).toBe('ACTIVE');
    });

    it('refuses null for fields that cannot be cleared (400 naming the field, not a 500)', async () => {
      const created = await createService(t, provider);
      for (const field of [
        'title',
        'category',
        'price',
        'currency',
        'durationMinutes',
        'availability',
        'timezone',
        'images',
        'isActive',
        'description',
        'status',
      ]) {
        const response = await t.http
          .put(`/services/${created.id}`)
          .set(admin.auth)
          .send({ [field]: null });
        expect({ field, status: response.status }).toEqual({ field, status: 400 });
        expect((response.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toContain(field);
      }
      expect(await row(created.id)).toMatchObject({ title: created.title, status: 'ACTIVE' });
    });

    it('validates a partial update like a creation', async () => {
      const created = await createService(t, provider);
      const response = await t.http
        .put(`/services/${created.id}`)
        .set(provider.auth)
        .send({ price: 0, availability: { monday: ['10:00-09:00'] } });
      const problem = expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(problem.errors?.map((e) => e.field).sort()).toEqual(['availability', 'price']);
    });
  });

  describe('DELETE /services/{id}', () => {
    it('soft-deletes for the owner: gone from GET and the catalog, the row and its bookings kept (an open one cancelled)', async () => {
      const category = uniqueCategory('del');
      const created = await createService(t, provider, { category, title: 'Soon gone', price: 42.5 });
      const bookingId = await insertBooking(t, {
        customerId: customer.id,
        serviceId: created.id,
        providerId: provider.id,
        status: 'CONFIRMED',
        scheduledAt: '2031-06-02T10:00:00Z',
        durationMinutes: 60,
        totalAmount: 42.5,
      });

      await t.http.delete(`/services/${created.id}`).set(provider.auth).expect(204);

      expectProblem(await t.http.get(`/services/${created.id}`), 404, 'NOT_FOUND');
      expectProblem(await t.http.get(`/services/${created.id}`).set(customer.auth), 404, 'NOT_FOUND');
      const listed = await t.http.get('/services/').query({ category }).expect(200);
      expect(listed.body).toEqual([]);
      expect(listed.headers['x-total-count']).toBe('0');
      const mine = await t.http.get('/services/').query({ mine: true, category }).set(provider.auth).expect(200);
      expect(mine.body).toEqual([]);
      const categories = (await t.http.get('/services/categories').expect(200)).body as Array<{ category: string }>;
      expect(categories.map((c) => c.category)).not.toContain(category);

      const stored = await row(created.id);
      expect(stored).toMatchObject({ title: 'Soon gone', price: '42.50' });
      expect(stored.deleted_at).toBeInstanceOf(Date);
      const [booking] = await t.dataSource.query<Array<{ status: string; title: string; price: string }>>(
        `SELECT b.status, s.title, s.price FROM bookings b JOIN services s ON s.id = b.service_id WHERE b.id = $1`,
        [bookingId],
      );
      // Issue 12 §5: a deleted service keeps no CONFIRMED booking; it is cancelled in the deleting transaction.
      expect(booking).toEqual({ status: 'CANCELLED', title: 'Soon gone', price: '42.50' });
      // ...and the booking still answers to both parties.
      for (const party of [customer, provider]) {
        const found = await t.http.get(`/bookings/${bookingId}`).set(party.auth).expect(200);
        expect(found.body).toMatchObject({ id: bookingId, serviceId: created.id, status: 'CANCELLED', totalAmount: 42.5 });
      }
    });

    it('lets an admin delete any service', async () => {
      const created = await createService(t, provider);
      await t.http.delete(`/services/${created.id}`).set(admin.auth).expect(204);
      expect((await row(created.id)).deleted_at).toBeInstanceOf(Date);
    });

    it('refuses other providers and customers (403) and anonymous callers (401), deleting nothing', async () => {
      const created = await createService(t, provider);
      expectProblem(await t.http.delete(`/services/${created.id}`).set(otherProvider.auth), 403);
      expectProblem(await t.http.delete(`/services/${created.id}`).set(customer.auth), 403);
      expectProblem(await t.http.delete(`/services/${created.id}`), 401);
      expect((await row(created.id)).deleted_at).toBeNull();
    });

    it('answers 404 once deleted: no second delete, no update', async () => {
      const created = await createService(t, provider);
      await t.http.delete(`/services/${created.id}`).set(provider.auth).expect(204);
      expectProblem(await t.http.delete(`/services/${created.id}`).set(provider.auth), 404);
      expectProblem(await t.http.put(`/services/${created.id}`).set(provider.auth).send({ isActive: true }), 404);
      expect((await row(created.id)).status).toBe('ACTIVE');
    });
  });
});
