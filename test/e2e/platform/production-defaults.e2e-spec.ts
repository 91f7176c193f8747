import { SeedService } from '../../../src/database/seeds/seed.service';
import { createTestApp, TestApp } from '../../helpers/test-app';

/** NODE_ENV=production in-process: no API docs unless API_DOCS_ENABLED=true, and sample data is never seeded. */
describe('production defaults', () => {
  const DOCS = ['/docs', '/docs/', '/redoc', '/docs-json', '/docs-yaml'];

  describe('NODE_ENV=production', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ NODE_ENV: 'production' });
    });
    afterAll(() => t.close());

    it.each(DOCS)('%s answers 404', async (path) => {
      await t.http.get(path).expect(404);
    });

    it('serves the API all the same', async () => {
      await t.http.get('/services/categories').expect(200);
    });

    it('refuses to seed the sample accounts, whoever asks (npm run seed too)', async () => {
      await expect(t.app.get(SeedService).seedIfEmpty()).rejects.toThrow(/never seeded with NODE_ENV=production/);
    });
  });

  describe('NODE_ENV=production with API_DOCS_ENABLED=true', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ NODE_ENV: 'production', API_DOCS_ENABLED: 'true' });
    });
    afterAll(() => t.close());

    it.each(['/docs', '/redoc', '/docs-json'])('%s answers 200', async (path) => {
      await t.http.get(path).expect(200);
    });
  });
});
