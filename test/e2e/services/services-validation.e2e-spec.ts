import { Role } from '../../../src/common/auth/role.enum';
import { createService, uniqueCategory, validServiceBody } from '../../factories/service.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { expectFieldError } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

const https = (n: number) => Array.from({ length: n }, (_, i) => `https://images.example.com/${i}.jpg`);

describe('services: body validation (400 problem naming the field, never a 500)', () => {
  let t: TestApp;
  let provider: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    provider = await createUser(t, Role.PROVIDER);
  });
  afterAll(() => t.close());

  const countIn = async (category: string): Promise<number> => {
    const [{ count }] = await t.dataSource.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM services WHERE category = $1', [category]);
    return count;
  };

  it.each([
    ['title', { title: 'ab' }],
    ['title', { title: '   ab   ' }],
    ['title', { title: 'x'.repeat(121) }],
    ['title', { title: 42 }],
    ['title', { title: undefined }],
    ['description', { description: 'x'.repeat(5001) }],
    ['description', { description: null }],
    ['category', { category: 'Home Services' }],
    ['category', { category: 'home__services' }],
    ['category', { category: '_home' }],
    ['category', { category: undefined }],
    ['price', { price: 0 }],
    ['price', { price: -5 }],
    ['price', { price: 10.123 }],
    ['price', { price: 1_000_000 }],
    ['price', { price: '89.50' }],
    ['price', { price: undefined }],
    ['currency', { currency: 'XYZ' }],
    ['currency', { currency: 'US' }],
    ['currency', { currency: 840 }],
    ['durationMinutes', { durationMinutes: 4 }],
    ['durationMinutes', { durationMinutes: 1441 }],
    ['durationMinutes', { durationMinutes: 30.5 }],
    ['durationMinutes', { durationMinutes: '60' }],
    ['availability', { availability: { funday: ['09:00-10:00'] } }],
    ['availability', { availability: { monday: ['9-10'] } }],
    ['availability', { availability: { monday: ['25:00-26:00'] } }],
    ['availability', { availability: { monday: ['10:00-09:00'] } }],
    ['availability', { availability: { monday: ['10:00-10:00'] } }],
    ['availability', { availability: { monday: ['09:00-11:00', '10:30-12:00'] } }],
    ['availability', { availability: { monday: [] } }],
    ['availability', { availability: {} }],
    ['availability', { availability: { monday: '09:00-10:00' } }],
    ['availability', { availability: ['09:00-10:00'] }],
    ['availability', { availability: { Monday: ['09:00-10:00'], monday: ['11:00-12:00'] } }],
    ['availability', { availability: undefined }],
    ['timezone', { timezone: 'Mars/Olympus_Mons' }],
    ['timezone', { timezone: 'CET+25' }],
    ['timezone', { timezone: '' }],
    ['images', { images: https(11) }],
    ['images', { images: ['http://images.example.com/a.jpg'] }],
    ['images', { images: ['not a url'] }],
    ['images', { images: 'https://images.example.com/a.jpg' }],
    ['isActive', { isActive: 'yes' }],
    ['status', { status: 'ACTIVE' }],
    ['providerId', { providerId: '00000000-0000-4000-8000-000000000000' }],
  ])('refuses a bad %s: %j', async (field, overrides) => {
    const category = uniqueCategory('invalid');
    const response = await t.http
      .post('/services/')
      .set(provider.auth)
      .send(validServiceBody({ category, ...overrides }));
    expectFieldError(response, field);
    expect(await countIn(category)).toBe(0);
  });

  it('names the offending day and window', async () => {
    const response = await t.http
      .post('/services/')
      .set(provider.auth)
      .send(validServiceBody({ availability: { monday: ['09:00-11:00', '10:30-12:00'] } }));
    expectFieldError(response, 'availability', /monday.*"09:00-11:00" and "10:30-12:00" overlap/);
  });

  it('accepts the limits themselves', async () => {
    const created = await createService(t, provider, {
      title: 'x'.repeat(120),
      description: 'd'.repeat(5000),
      price: 999_999.99,
      durationMinutes: 1440,
      images: https(10),
      availability: { sunday: ['00:00-24:00'], MONDAY: ['09:00-10:00', '10:00-11:00'] },
      timezone: 'America/Argentina/Buenos_Aires',
    });
    expect(created).toMatchObject({ price: 999_999.99, durationMinutes: 1440, timezone: 'America/Argentina/Buenos_Aires' });
    expect(created.images).toHaveLength(10);
    expect(created.availability).toEqual({ sunday: ['00:00-24:00'], monday: ['09:00-10:00', '10:00-11:00'] });
    const short = await createService(t, provider, { title: 'abc', price: 0.01, durationMinutes: 5 });
    expect(short).toMatchObject({ title: 'abc', price: 0.01, durationMinutes: 5 });
  });

  it('answers a malformed JSON body with a 400 problem', async () => {
    const response = await t.http.post('/services/').set(provider.auth).set('content-type', 'application/json').send('{"title": ');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('validates updates the same way', async () => {
    const created = await createService(t, provider);
    for (const [field, value] of [
      ['price', 10.001],
      ['currency', 'ABC'],
      ['timezone', 'Nowhere/Special'],
      ['images', https(11)],
      ['availability', { monday: ['09:00-10:00'], holiday: ['10:00-11:00'] }],
      ['durationMinutes', 0],
      ['category', 'Not a slug'],
      ['title', ''],
    ] as const) {
      expectFieldError(
        await t.http
          .put(`/services/${created.id}`)
          .set(provider.auth)
          .send({ [field]: value }),
        field,
      );
    }
    expect((await t.http.get(`/services/${created.id}`).expect(200)).body).toEqual(created);
  });
});
