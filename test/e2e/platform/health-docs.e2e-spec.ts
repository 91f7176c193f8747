import { readFileSync } from 'node:fs';
import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';
import { Role } from '../../../src/common/auth/role.enum';
import { IS_PUBLIC_KEY } from '../../../src/common/decorators/public.decorator';
import { createUser } from '../../factories/user.factory';
import { createTestApp, describeWithRedis, e2eRedisUrl, TestApp } from '../../helpers/test-app';

interface Operation {
  security?: Array<Record<string, string[]>>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}
interface Route {
  method: string;
  path: string;
  isPublic: boolean;
}

/** Every route the app serves, read from Nest's own metadata (as the router does), with its @Public() flag. */
function appRoutes(t: TestApp): Route[] {
  const reflector = t.app.get(Reflector);
  const scanner = new MetadataScanner();
  const routes: Route[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller || Reflect.getMetadata(DECORATORS.API_EXCLUDE_CONTROLLER, controller)?.[0]) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, (...args: unknown[]) => unknown>)[name];
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (path === undefined || Reflect.getMetadata(DECORATORS.API_EXCLUDE_ENDPOINT, handler)?.disable) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase();
        const full = `/${[base, path].join('/')}`
          .replace(/\/+/g, '/')
          .replace(/(.)\/$/, '$1')
          .replace(/:(\w+)/g, '{$1}');
        routes.push({ method, path: full, isPublic: Boolean(reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [handler, controller])) });
      }
    }
  }
  return routes;
}

/*
 * Blocks run one after the other, each with its own app: apps in one process share Passport's strategy
 * registry, so their lifetimes must not overlap.
 */
describe('health', () => {
  describe('without REDIS_URL', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.close());

    it('GET /health is public liveness', async () => {
      const response = await t.http.get('/health').expect(200);
      expect(response.body).toEqual({ status: 'ok' });
    });

    it('GET /health/ready checks the database and the job engine, and only those', async () => {
      const response = await t.http.get('/health/ready').expect(200);
      expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, jobs: { status: 'up' } }, error: {} });
      expect(Object.keys((response.body as { details: object }).details)).toEqual(['database', 'jobs']);
    });
  });

  describeWithRedis('with REDIS_URL set to a running Redis', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ REDIS_URL: e2eRedisUrl() });
    });
    afterAll(() => t.close());

    it('GET /health/ready checks the database and Redis', async () => {
      const response = await t.http.get('/health/ready').expect(200);
      expect(response.body).toMatchObject({
        status: 'ok',
        info: { database: { status: 'up' }, redis: { status: 'up' } },
        error: {},
      });
    });
  });

  describe('with REDIS_URL set to a Redis that does not answer', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    });
    afterAll(() => t.close());

    it('GET /health/ready answers 200 degraded, naming Redis (it does not hang): the service serves without it', async () => {
      const response = await t.http.get('/health/ready');
      expect(response.status).toBe(200);
      // It names what is degraded, and only that.
      expect(response.body).toMatchObject({
        status: 'degraded',
        info: { database: { status: 'up' }, redis: { status: 'degraded', message: expect.stringContaining('Redis does not answer') } },
        error: {},
      });
    });

    it('GET /health (liveness) still answers 200: the process itself is fine', async () => {
      await t.http.get('/health').expect(200, { status: 'ok' });
    });
  });
});

describe('API docs', () => {
  let t: TestApp;
  let document: OpenApiDocument;

  beforeAll(async () => {
    t = await createTestApp();
    document = (
      await t.http
        .get('/docs-json')
        .expect(200)
        .expect('content-type', /^application\/json/)
    ).body as OpenApiDocument;
  });
  afterAll(() => t.close());

  it.each(['/docs', '/docs/'])('%s is Swagger UI, whose scripts and styles are all served from this origin', async (page) => {
    const response = await t.http
      .get(page)
      .expect(200)
      .expect('content-type', /^text\/html/);
    expect(response.text).toContain('swagger-ui');

    const assets = [...response.text.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      // Resolved the way a browser resolves it against the page's own URL.
      const url = new URL(asset, `http://app${page}`);
      expect(url.origin).toBe('http://app');
      const served = await t.http.get(url.pathname);
      expect({ asset: url.pathname, status: served.status }).toEqual({ asset: url.pathname, status: 200 });
    }
    // The Content-Security-Policy (script-src 'self') would block an inline script: there must be none.
    expect(response.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>\s*\S/);
  });

  it('/docs-json is an OpenAPI 3 document of this API', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe('Service Marketplace API');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/auth/login', '/password-reset/request', '/password-reset/confirm', '/health/ready']));
  });

  it('declares an OAuth2 password flow whose tokenUrl is /auth/login', () => {
    expect(document.components.securitySchemes.oauth2).toMatchObject({ type: 'oauth2', flows: { password: { tokenUrl: '/auth/login', scopes: {} } } });
  });

  it('the tokenUrl takes the OAuth2 password grant form and answers a bearer token', async () => {
    const user = await createUser(t, Role.CUSTOMER);
    const response = await t.http
      .post('/auth/login')
      .type('form')
      .send({ grant_type: 'password', username: user.email, password: user.password, scope: '' })
      .expect(200);
    expect(response.body).toMatchObject({ access_token: expect.any(String), token_type: 'bearer' });
  });

  it('every protected operation references the OAuth2 scheme', () => {
    const routes = appRoutes(t);
    const guarded = routes.filter((route) => !route.isPublic);
    expect(guarded.length).toBeGreaterThan(0);

    const wrong = guarded.flatMap((route) => {
      const operation = document.paths[route.path]?.[route.method];
      const name = `${route.method.toUpperCase()} ${route.path}`;
      if (!operation) return [`${name} is missing from the document`];
      return operation.security?.some((requirement) => 'oauth2' in requirement) ? [] : [`${name} does not reference the oauth2 scheme`];
    });
    expect(wrong).toEqual([]);
  });

  it.each([
    ['post', '/auth/login'],
    ['post', '/users'],
    ['post', '/password-reset/request'],
    ['post', '/password-reset/confirm'],
    ['get', '/health'],
    ['get', '/health/ready'],
  ])('the public operation %s %s requires no authentication', (method, path) => {
    expect(appRoutes(t)).toContainEqual({ method, path, isPublic: true });
    expect(document.paths[path][method].security ?? []).toEqual([]);
  });

  it('/redoc is a ReDoc page reading /docs-json, whose script is served from this origin (the redoc package)', async () => {
    const response = await t.http
      .get('/redoc')
      .expect(200)
      .expect('content-type', /^text\/html/);
    expect(response.text).toMatch(/<redoc spec-url="\/docs-json"><\/redoc>/);
    const scripts = [...response.text.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((match) => match[1]);
    expect(scripts).toEqual(['/redoc/redoc.standalone.js']);
    // Nothing from elsewhere is allowed, so nothing from elsewhere can be needed.
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self';/);
    expect(csp).not.toMatch(/https?:/);

    const script = await t.http
      .get(scripts[0])
      .expect(200)
      .expect('content-type', /^text\/javascript/);
    const installed = readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'), 'utf8');
    expect(script.text).toBe(installed);
  });
});
