import { randomUUID } from 'node:crypto';
import { Controller, Get, Post, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_PATH, PATH_METADATA } from '@nestjs/common/constants';
import { ApplicationConfig, DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { HTTPMethods } from 'fastify';
import { Role } from '../../../src/common/auth/role.enum';
import { IS_PUBLIC_KEY, Public } from '../../../src/common/decorators/public.decorator';
import { AnyRole, ROLES_KEY, Roles } from '../../../src/common/decorators/roles.decorator';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

interface Route {
  /** `METHOD /path` with Fastify's `:param` syntax, e.g. `GET /users/:id`. */
  name: string;
  method: HTTPMethods;
  path: string;
  handler: string;
  isPublic: boolean;
  roles: Role[] | undefined;
}

interface ControllerToWalk {
  metatype: Type;
  /** Global prefix and RouterModule path, already joined. */
  prefix: string;
}

const reflector = new Reflector();
const scanner = new MetadataScanner();

const asList = (value: string | string[] | undefined): string[] => (Array.isArray(value) ? value : [value ?? '']);
const joinPath = (...parts: string[]): string =>
  '/' +
  parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/');

/** `@All()` answers every method; GET stands for it. */
const httpMethod = (method: RequestMethod): HTTPMethods => (method === RequestMethod.ALL ? 'GET' : RequestMethod[method]);

/** Every route handler of the given controllers, with its guard metadata read handler-first, as the global guards read it. */
function walk(controllers: ControllerToWalk[]): Route[] {
  return controllers.flatMap(({ metatype, prefix }) => {
    const prototype = metatype.prototype as Record<string, (...args: unknown[]) => unknown>;
    return scanner.getAllMethodNames(prototype).flatMap((methodName) => {
      const handler = prototype[methodName];
      const methodPaths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (methodPaths === undefined) return []; // a helper, not a route
      const method = httpMethod(Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod);
      const targets = [handler, metatype];
      const isPublic = reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets) === true;
      const roles = reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
      const controllerPaths = asList(Reflect.getMetadata(PATH_METADATA, metatype) as string | string[] | undefined);
      return controllerPaths.flatMap((controllerPath) =>
        asList(methodPaths).map((methodPath) => {
          const path = joinPath(prefix, controllerPath, methodPath);
          return { name: `${method} ${path}`, method, path, handler: `${metatype.name}.${methodName}`, isPublic, roles };
        }),
      );
    });
  });
}

/** The controllers the app registered, module by module, with the prefix Nest mounts each under. */
function controllersOf(t: TestApp): ControllerToWalk[] {
  const modules = t.app.get(ModulesContainer);
  const globalPrefix = t.app.get(ApplicationConfig).getGlobalPrefix();
  const discovery = new DiscoveryService(modules);
  return [...modules.values()].flatMap((module) => {
    const modulePath =
      (Reflect.getMetadata(MODULE_PATH + modules.applicationId, module.metatype) as string | undefined) ??
      (Reflect.getMetadata(MODULE_PATH, module.metatype) as string | undefined) ??
      '';
    return discovery
      .getControllers({}, [module])
      .filter((wrapper) => wrapper.metatype)
      .map((wrapper) => ({ metatype: wrapper.metatype as Type, prefix: joinPath(globalPrefix, modulePath) }));
  });
}

/** Routes that are neither `@Public()` nor narrowed by a non-empty `@Roles(...)`. */
const unguarded = (routes: Route[]): string[] =>
  routes.filter((route) => !route.isPublic && !route.roles?.length).map((route) => `${route.name} (${route.handler})`);

/** A concrete URL for a route: every `:param` becomes a random UUID, a wildcard a plain segment. */
const concreteUrl = (path: string): string => path.replace(/:[^/]+/g, () => randomUUID()).replace(/\*/g, 'anything');

describe('route security', () => {
  let t: TestApp;
  let routes: Route[];

  beforeAll(async () => {
    t = await createTestApp();
    routes = walk(controllersOf(t));
  });
  afterAll(() => t.close());

  it('walks every controller of the app, and each walked route is one Fastify serves', () => {
    const names = routes.map((route) => route.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /users',
        'GET /users/me',
        'GET /users/:id',
        'PUT /users/:id',
        'DELETE /users/:id',
        'POST /auth/login',
        'POST /auth/logout',
        'GET /health',
      ]),
    );
    for (const { metatype } of controllersOf(t)) {
      expect(routes.some((route) => route.handler.startsWith(`${metatype.name}.`))).toBe(true);
    }
    // If this fails, Nest mounts routes where the walk does not look (versioning, a new prefix rule): teach `walk` about it.
    const fastify = t.app.getHttpAdapter().getInstance();
    expect(routes.filter((route) => !fastify.hasRoute({ method: route.method, url: route.path })).map((route) => route.name)).toEqual([]);
  });

  it('finds no route that is neither @Public() nor narrowed by @Roles(...)', () => {
    expect(unguarded(routes)).toEqual([]);
  });

  it('answers 401 problem+json to an anonymous request on every route that is not public', async () => {
    const guarded = routes.filter((route) => !route.isPublic);
    expect(guarded.length).toBeGreaterThan(0);
    const answers: string[] = [];
    for (const route of guarded) {
      const response = await t.http[route.method.toLowerCase() as 'get'](concreteUrl(route.path));
      answers.push(`${route.name} -> ${response.status}`);
      if (response.status === 401) expectProblem(response, 401, 'UNAUTHORIZED');
    }
    expect(answers).toEqual(guarded.map((route) => `${route.name} -> 401`));
  });

  it('answers 401 on every route that is not public to a token that is not signed by this app', async () => {
    const forged = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: randomUUID(), role: Role.ADMIN, jti: randomUUID(), iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 }),
    ).toString('base64url')}.`;
    const guarded = routes.filter((route) => !route.isPublic);
    const answers: string[] = [];
    for (const route of guarded) {
      const response = await t.http[route.method.toLowerCase() as 'get'](concreteUrl(route.path)).set('Authorization', `Bearer ${forged}`);
      answers.push(`${route.name} -> ${response.status}`);
    }
    expect(answers).toEqual(guarded.map((route) => `${route.name} -> 401`));
  });

  describe('the walk itself', () => {
    @Controller('fixture')
    class FixtureController {
      @Public() @Get('open') open() {}
      @Roles(Role.ADMIN) @Get('admins') admins() {}
      @AnyRole() @Post(['signed-in', 'also-signed-in']) signedIn() {}
      @Get('forgotten') forgotten() {}
      @Roles() @Get('nobody') nobody() {}
      helper() {}
    }

    @Public()
    @Controller(['public-class', 'alias'])
    class PublicController {
      @Get() index() {}
    }

    @Roles(Role.PROVIDER)
    @Controller('roles-class')
    class RolesController {
      @Get() index() {}
      @Roles() @Get('emptied') emptied() {}
      @Roles(Role.ADMIN) @Get('narrowed') narrowed() {}
    }

    const fixtures = walk([FixtureController, PublicController, RolesController].map((metatype) => ({ metatype, prefix: '/api' })));

    it('reads paths, methods and metadata handler-first, then class', () => {
      const byName = Object.fromEntries(fixtures.map((route) => [route.name, { isPublic: route.isPublic, roles: route.roles }]));
      expect(byName).toEqual({
        'GET /api/fixture/open': { isPublic: true, roles: undefined },
        'GET /api/fixture/admins': { isPublic: false, roles: [Role.ADMIN] },
        'POST /api/fixture/signed-in': { isPublic: false, roles: [Role.CUSTOMER, Role.PROVIDER, Role.ADMIN] },
        'POST /api/fixture/also-signed-in': { isPublic: false, roles: [Role.CUSTOMER, Role.PROVIDER, Role.ADMIN] },
        'GET /api/fixture/forgotten': { isPublic: false, roles: undefined },
        'GET /api/fixture/nobody': { isPublic: false, roles: [] },
        'GET /api/public-class': { isPublic: true, roles: undefined },
        'GET /api/alias': { isPublic: true, roles: undefined },
        'GET /api/roles-class': { isPublic: false, roles: [Role.PROVIDER] },
        'GET /api/roles-class/emptied': { isPublic: false, roles: [] },
        'GET /api/roles-class/narrowed': { isPublic: false, roles: [Role.ADMIN] },
      });
    });

    it('flags a handler without @Public() or @Roles(...), and one whose @Roles() is empty', () => {
      expect(unguarded(fixtures)).toEqual([
        'GET /api/fixture/forgotten (FixtureController.forgotten)',
        'GET /api/fixture/nobody (FixtureController.nobody)',
        'GET /api/roles-class/emptied (RolesController.emptied)',
      ]);
    });
  });
});
