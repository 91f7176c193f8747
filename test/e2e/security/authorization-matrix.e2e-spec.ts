import { randomUUID } from 'node:crypto';
import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import { Role } from '../../../src/common/auth/role.enum';
import { EMAIL_LINK_PAGES } from '../../../src/config/email-links';
import type { ServiceResponse } from '../../../src/services/dto/service.response';
import { book, bookingBody, nextLocal, shift, startBooking } from '../../factories/booking.factory';
import { createService, validServiceBody } from '../../factories/service.factory';
import { createUser, TestUser, uniqueEmail } from '../../factories/user.factory';
import { resetTokenOf, waitForMail } from '../../helpers/mail';
import { listen } from '../../helpers/parallel';
import { ServedRoute, servedRoutes } from '../../helpers/routes';
import { SseClient } from '../../helpers/sse';
import { createTestApp, TestApp } from '../../helpers/test-app';

/**
 * Every route the router serves, called by six callers, each answer's status compared with the contract
 * below. The objects a route takes by id belong to `customer` (account, booking, payment, notification) or
 * `provider` (service; the booking is of one of its services): the "other" callers are strangers to them.
 */
const CALLERS = ['anonymous', 'customer', 'otherCustomer', 'provider', 'otherProvider', 'admin'] as const;
type Caller = (typeof CALLERS)[number];
type Expected = Record<Caller, number>;

const everyone = (status: number): Expected => ({
  anonymous: status,
  customer: status,
  otherCustomer: status,
  provider: status,
  otherProvider: status,
  admin: status,
});
const signedIn = (status: number): Expected => ({ ...everyone(status), anonymous: 401 });
/** The customer's own account: anyone else but an admin is refused outright. */
const accountOwner = (status: number): Expected => ({ anonymous: 401, customer: status, otherCustomer: 403, provider: 403, otherProvider: 403, admin: status });
/** A booking or payment: its customer, its provider and admins see it; to anyone else it does not exist. */
const parties = (status: number): Expected => ({ anonymous: 401, customer: status, otherCustomer: 404, provider: status, otherProvider: 404, admin: status });
/** A listed service: its provider and admins change it; other signed-in users see it, so they are refused. */
const serviceOwner = (status: number): Expected => ({ anonymous: 401, customer: 403, otherCustomer: 403, provider: status, otherProvider: 403, admin: status });

/** The contract. A route the router serves without an entry here fails the test. */
const EXPECTED: Record<string, Expected> = {
  // Public: documentation, health, sign-up and sign-in, password reset, the catalog.
  'GET /docs': everyone(200),
  'GET /docs/*': everyone(200),
  'GET /docs/docs/swagger-ui-init.js': everyone(200),
  'GET /docs/swagger-ui-init.js': everyone(200),
  'GET /docs/index.html': everyone(200),
  // Served by @nestjs/swagger, but swagger-ui-dist ships no LICENSE file: a 404 for everyone alike.
  'GET /docs/LICENSE': everyone(404),
  'GET /docs-json': everyone(200),
  'GET /docs-yaml': everyone(200),
  'GET /redoc': everyone(200),
  'GET /redoc/redoc.standalone.js': everyone(200),
  'GET /health': everyone(200),
  'GET /health/ready': everyone(200),
  'GET /admin/jobs': { anonymous: 401, customer: 403, otherCustomer: 403, provider: 403, otherProvider: 403, admin: 200 },
  'POST /admin/jobs/:queue/retry': { anonymous: 401, customer: 403, otherCustomer: 403, provider: 403, otherProvider: 403, admin: 200 },
  // The CORS preflight handler: with no CORS_ORIGINS there is nothing to grant, to anyone.
  'OPTIONS /*': everyone(404),
  'POST /users': everyone(201),
  'POST /auth/login': everyone(200),
  // Without a link's token (only the owner's mailbox has one) it is refused alike for everyone.
  'POST /auth/sign-in-link': everyone(400),
  'POST /password-reset/request': everyone(202),
  'POST /password-reset/confirm': everyone(200),
  // The same for the links e-mailed about an address (verify it, confirm or revert a change).
  'POST /users/verify-email': everyone(400),
  'POST /users/email-change/confirm': everyone(400),
  'POST /users/email-change/revert': everyone(400),
  // The pages those links open (HTML for people, served without FRONTEND_URL): without the link's token, 400 alike.
  ...Object.fromEntries(EMAIL_LINK_PAGES.flatMap((page) => [`GET ${page}`, `POST ${page}`]).map((route) => [route, everyone(400)])),
  'GET /services': everyone(200),
  'GET /services/categories': everyone(200),
  'GET /services/:id': everyone(200),
  'GET /services/:id/slots': everyone(200),

  'POST /auth/logout': signedIn(204),
  // A refresh token is the credential: the caller's bearer token, if any, plays no part.
  'POST /auth/refresh': everyone(200),
  'POST /auth/logout-all': signedIn(204),
  'GET /auth/sessions': signedIn(200),
  // The customer's session: nobody else's, an admin's neither.
  'DELETE /auth/sessions/:id': { ...everyone(404), anonymous: 401, customer: 204 },
  'GET /users/me': signedIn(200),
  'GET /users/:id': accountOwner(200),
  'PUT /users/:id': accountOwner(200),
  'DELETE /users/:id': accountOwner(204),
  // Admins only: every other role is refused outright.
  'GET /users': { ...everyone(403), anonymous: 401, admin: 200 },
  'GET /users/:id/audit': { ...everyone(403), anonymous: 401, admin: 200 },
  // Admins (made by create-admin) are verified already.
  'POST /users/me/verification-email': { ...signedIn(202), admin: 409 },

  'POST /services': { anonymous: 401, customer: 403, otherCustomer: 403, provider: 201, otherProvider: 201, admin: 403 },
  'PUT /services/:id': serviceOwner(200),
  'DELETE /services/:id': serviceOwner(204),

  'POST /bookings': { anonymous: 401, customer: 201, otherCustomer: 201, provider: 403, otherProvider: 403, admin: 403 },
  'GET /bookings': signedIn(200),
  'GET /bookings/:id': parties(200),
  'GET /bookings/:id/cancellation-quote': parties(200),
  'GET /bookings/:id/history': parties(200),
  'GET /bookings/:id/calendar.ics': parties(200),
  // Editing the notes (the body sent): the customer's or an admin's business; the provider sees the booking but may not.
  'PUT /bookings/:id': { ...parties(200), provider: 403 },
  'DELETE /bookings/:id': parties(200),
  // Slot holds are the customers' own: nobody else's exists for a customer; other roles cannot hold.
  'POST /bookings/holds': { anonymous: 401, customer: 201, otherCustomer: 201, provider: 403, otherProvider: 403, admin: 403 },
  'DELETE /bookings/holds/:id': { anonymous: 401, customer: 204, otherCustomer: 404, provider: 403, otherProvider: 403, admin: 403 },

  'GET /payments': signedIn(200),
  'GET /payments/:id': parties(200),
  'POST /payments/:id/refund': { ...parties(200), customer: 403 },

  'GET /notifications': signedIn(200),
  'GET /notifications/unread/count': signedIn(200),
  'GET /notifications/stream': signedIn(200),
  'PUT /notifications/read-all': signedIn(200),
  // Nobody else's notification exists for the caller, an admin's neither.
  'PUT /notifications/:id/read': { ...everyone(404), anonymous: 401, customer: 200 },
};

/**
 * The same routes against objects in another state, or with another change asked for: `id` names the
 * object (default: the route's usual one), `body` what is sent (default: the route's usual body).
 */
interface Variant {
  route: string;
  label: string;
  expected: Expected;
  id?: (t: TestApp, world: World) => Promise<string>;
  body?: (world: World) => Record<string, unknown>;
}

/** A service its provider has taken off the catalog: to anyone but the provider and admins it does not exist. */
const unlisted = (status: number): Expected => ({ ...everyone(404), anonymous: 401, provider: status, admin: status });

async function inactiveService(t: TestApp, world: World): Promise<string> {
  return (await createService(t, world.provider, { isActive: false })).id;
}

const VARIANTS: Variant[] = [
  { route: 'GET /services/:id', label: 'inactive service', id: inactiveService, expected: { ...unlisted(200), anonymous: 404 } },
  { route: 'GET /services/:id/slots', label: 'inactive service', id: inactiveService, expected: { ...unlisted(200), anonymous: 404 } },
  { route: 'PUT /services/:id', label: 'inactive service', id: inactiveService, expected: { ...unlisted(200), customer: 403, otherCustomer: 403 } },
  { route: 'DELETE /services/:id', label: 'inactive service', id: inactiveService, expected: { ...unlisted(204), customer: 403, otherCustomer: 403 } },
  {
    route: 'PUT /bookings/:id',
    label: 'status COMPLETED',
    expected: { ...parties(200), customer: 403 },
    // Only a booking that has started can be completed: the world's booking has.
    id: async (t, world) => {
      await startBooking(t, world.booking.id);
      return world.booking.id;
    },
    body: () => ({ status: 'COMPLETED' }),
  },
  { route: 'PUT /bookings/:id', label: 'status CANCELLED', expected: parties(200), body: () => ({ status: 'CANCELLED' }) },
  { route: 'PUT /bookings/:id', label: 'reschedule', expected: { ...parties(200), provider: 403 }, body: (world) => ({ scheduledAt: world.freeAt }) },
];

/** The people and objects one set of calls runs against. */
interface World {
  customer: TestUser;
  otherCustomer: TestUser;
  provider: TestUser;
  otherProvider: TestUser;
  admin: TestUser;
  /** The provider's listed service. */
  service: ServiceResponse;
  /** The customer's CONFIRMED, paid booking of `service`. */
  booking: BookingResponse;
  paymentId: string;
  /** One of the customer's notifications. */
  notificationId: string;
  /** A time `service` is still free, for a new booking. */
  freeAt: string;
  /** The customer's slot hold on `service` (at 13:00, another free time). */
  holdId: string;
}

interface Call {
  url: string;
  body?: Record<string, unknown>;
}

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

interface Deviation {
  route: string;
  caller: Caller;
  expected: number | string;
  actual: number | string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

describe('authorization matrix', () => {
  let t: TestApp;
  let baseUrl: string;
  let routes: ServedRoute[];

  beforeAll(async () => {
    t = await createTestApp();
    baseUrl = await listen(t);
    routes = servedRoutes(t.app);
  });
  afterAll(() => t.close());

  async function buildWorld(): Promise<World> {
    const [customer, otherCustomer, provider, otherProvider, admin] = await Promise.all([
      createUser(t, Role.CUSTOMER),
      createUser(t, Role.CUSTOMER),
      createUser(t, Role.PROVIDER),
      createUser(t, Role.PROVIDER),
      createUser(t, Role.ADMIN),
    ]);
    const service = await createService(t, provider, { timezone: 'UTC' });
    const at = nextLocal('UTC', 'monday', '10:00');
    const booking = await book(t, customer, service, at);
    const [payment] = await t.dataSource.query<Array<{ id: string }>>('SELECT id FROM payments WHERE booking_id = $1', [booking.id]);
    const [notification] = await t.dataSource.query<Array<{ id: string }>>('SELECT id FROM notifications WHERE user_id = $1 LIMIT 1', [customer.id]);
    if (!payment || !notification) throw new Error('The booking left no payment or no notification for the customer');
    const hold = await t.http
      .post('/bookings/holds')
      .set(customer.auth)
      .send({ serviceId: service.id, scheduledAt: shift(at, 180) })
      .expect(201);
    return {
      customer,
      otherCustomer,
      provider,
      otherProvider,
      admin,
      service,
      booking,
      paymentId: payment.id,
      notificationId: notification.id,
      freeAt: shift(at, 60),
      holdId: (hold.body as { id: string }).id,
    };
  }

  /** The id a `:id` stands for: the object of that kind the world's customer or provider owns. */
  function idFor(path: string, world: World): string {
    if (path.startsWith('/bookings/holds/')) return world.holdId;
    const kind = path.split('/')[1];
    const ids: Record<string, string> = {
      users: world.customer.id,
      auth: (JSON.parse(Buffer.from(world.customer.token.split('.')[1], 'base64url').toString()) as { sid: string }).sid,
      services: world.service.id,
      bookings: world.booking.id,
      payments: world.paymentId,
      notifications: world.notificationId,
      // /admin/jobs/:queue: a queue every instance declares.
      admin: 'email.send',
    };
    const id = ids[kind];
    if (!id) throw new Error(`No object to put in ${path}: teach idFor about it`);
    return id;
  }

  /** Bodies that pass validation, so an answer is about who is asking, not about what was sent. */
  const BODIES: Record<string, (world: World) => Promise<Record<string, unknown>> | Record<string, unknown>> = {
    'POST /users': () => ({ email: uniqueEmail('matrix'), password: 'Test123!', role: Role.CUSTOMER, profile: { firstName: 'Matrix', lastName: 'Caller' } }),
    'PUT /users/:id': () => ({ profile: { firstName: 'Renamed' } }),
    'POST /auth/login': (world) => ({ email: world.customer.email, password: world.customer.password }),
    'POST /auth/refresh': async (world) => {
      const response = await t.http.post('/auth/login').send({ email: world.customer.email, password: world.customer.password }).expect(200);
      return { refresh_token: (response.body as { refresh_token: string }).refresh_token };
    },
    'POST /password-reset/request': (world) => ({ email: world.customer.email }),
    'POST /password-reset/confirm': async (world) => {
      await t.http.post('/password-reset/request').send({ email: world.customer.email }).expect(202);
      const [mail] = await waitForMail(t.mailDir, 'password_reset', world.customer.email);
      return { token: resetTokenOf(mail.body), newPassword: 'Matrix-Reset-1' };
    },
    'POST /services': () => validServiceBody(),
    'PUT /services/:id': () => ({ title: 'Renamed service' }),
    'POST /bookings': (world) => bookingBody(world.service, world.freeAt),
    'POST /bookings/holds': (world) => ({ serviceId: world.service.id, scheduledAt: world.freeAt }),
    'PUT /bookings/:id': () => ({ notes: 'Ring twice' }),
    'POST /payments/:id/refund': () => ({ reason: 'Matrix refund' }),
  };

  /** One row of the matrix: a route, and what to send it. */
  interface Case {
    name: string;
    route: ServedRoute;
    expected: Expected;
    id?: Variant['id'];
    body?: Variant['body'];
  }

  async function callFor(row: Case, world: World, id?: string): Promise<Call> {
    const { route } = row;
    const objectId = id ?? (route.path.includes(':') ? await (row.id?.(t, world) ?? idFor(route.path, world)) : undefined);
    const url = route.path
      .replace(/:[^/]+/g, () => objectId as string)
      .replace(/^\/docs\/\*$/, '/docs/swagger-ui.css')
      .replace(/^\/\*$/, '/users/me');
    return { url, body: row.body ? row.body(world) : await BODIES[route.name]?.(world) };
  }

  async function send(route: ServedRoute, call: Call, caller: TestUser | undefined): Promise<Answer> {
    if (route.name === 'GET /notifications/stream') {
      // A stream stays open: its status is all there is to compare.
      const stream = await SseClient.open(baseUrl, call.url, { token: caller?.token });
      const answer = {
        status: stream.status,
        contentType: String(stream.headers['content-type']),
        body: stream.status === 200 ? undefined : JSON.parse(await stream.body),
      };
      await stream.close();
      return answer;
    }
    let request = t.http[route.method.toLowerCase() as 'get'](call.url);
    if (caller) request = request.set(caller.auth);
    if (route.method === 'OPTIONS') request = request.set('Origin', 'https://somewhere.example.com').set('Access-Control-Request-Method', 'GET');
    const response = call.body ? await request.send(call.body) : await request;
    return { status: response.status, contentType: String(response.headers['content-type']), body: response.body };
  }

  /** Calls the row's route as `caller` and says how the answer deviates from the contract, if it does. */
  async function check(row: Case, caller: Caller, world: World): Promise<Deviation[]> {
    const expected = row.expected[caller];
    const user = caller === 'anonymous' ? undefined : world[caller];
    const answer = await send(row.route, await callFor(row, world), user);
    const deviations: Deviation[] = [];
    if (answer.status !== expected) deviations.push({ route: row.name, caller, expected, actual: answer.status });
    const isPage = (EMAIL_LINK_PAGES as readonly string[]).includes(row.route.path);
    if (answer.status >= 400 && !answer.contentType.startsWith(isPage ? 'text/html' : 'application/problem+json')) {
      deviations.push({ route: row.name, caller, expected: 'problem+json', actual: answer.contentType });
    }
    if (answer.status === 404 && row.route.path.includes(':')) {
      // "As if it did not exist": the same answer as for an id nothing has.
      const missing = await send(row.route, await callFor(row, world, randomUUID()), user);
      const shape = (body: unknown) => JSON.stringify({ ...(body as object), requestId: undefined });
      if (missing.status !== 404 || shape(missing.body) !== shape(answer.body)) {
        deviations.push({ route: row.name, caller, expected: `404 ${shape(missing.body)}`, actual: `404 ${shape(answer.body)}` });
      }
    }
    return deviations;
  }

  /** Runs `tasks` `width` at a time. */
  async function pooled<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
    const results: T[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < tasks.length) {
          const index = next++;
          results[index] = await tasks[index]();
        }
      }),
    );
    return results;
  }

  it('has an expected answer for every route the router serves, and none for a route it does not', () => {
    const served = routes.map((route) => route.name);
    expect(served.filter((name) => !EXPECTED[name])).toEqual([]);
    expect(Object.keys(EXPECTED).filter((name) => !served.includes(name))).toEqual([]);
    expect(VARIANTS.map((variant) => variant.route).filter((name) => !served.includes(name))).toEqual([]);
    expect(served.length).toBeGreaterThan(35);
  });

  // A few hundred calls: the timeout only keeps a hang from going unnoticed when every suite runs at once.
  it('answers every route x caller as the contract says (0 deviations)', async () => {
    const rows: Case[] = [
      ...routes.filter((route) => EXPECTED[route.name]).map((route) => ({ name: route.name, route, expected: EXPECTED[route.name] })),
      ...VARIANTS.flatMap((variant) => {
        const route = routes.find((served) => served.name === variant.route);
        return route ? [{ ...variant, name: `${variant.route} [${variant.label}]`, route }] : [];
      }),
    ];
    // Reads share one world; every state-changing call gets a world of its own, so no call can change another's answer.
    const shared = await buildWorld();
    const tasks = rows.flatMap((row) =>
      CALLERS.map((caller) => async () => check(row, caller, SAFE_METHODS.has(row.route.method) ? shared : await buildWorld())),
    );
    const deviations = (await pooled(tasks, 4)).flat();
    const table = deviations.map((d) => `${d.route.padEnd(48)} ${d.caller.padEnd(14)} expected ${String(d.expected).padEnd(4)} got ${d.actual}`);
    if (table.length) console.log(`${table.length} deviation(s) in ${rows.length} rows x ${CALLERS.length} callers:\n${table.join('\n')}`);
    expect(table).toEqual([]);
    expect(tasks.length).toBe(rows.length * CALLERS.length);
  }, 300_000);
});
