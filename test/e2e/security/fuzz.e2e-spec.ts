import { randomUUID } from 'node:crypto';
import { Agent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwtService } from '@nestjs/jwt';
import fc from 'fast-check';
import { SignInLinks } from '../../../src/auth/sign-in-link.service';
import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import { Role } from '../../../src/common/auth/role.enum';
import type { ServiceResponse } from '../../../src/services/dto/service.response';
import { book, nextLocal } from '../../factories/booking.factory';
import { notify } from '../../factories/notification.factory';
import { createService } from '../../factories/service.factory';
import { createUser, TestUser, uniqueEmail } from '../../factories/user.factory';
import { answerLog } from '../../helpers/answers';
import { linkOf, resetTokenOf, waitForMail } from '../../helpers/mail';
import { AppRoute, appRoutes, OpenApiDocument, operationsOf, ParameterObject, resolveSchema, SchemaObject } from '../../helpers/openapi';
import { createTestApp, TEST_JWT_SECRET, TestApp } from '../../helpers/test-app';

/*
 * Property-based fuzzing driven by the OpenAPI document. Every documented operation gets FUZZ_RUNS (200)
 * requests: a well-formed one (from the document's examples, with real ids and tokens) with none, one or a
 * few mutations drawn from its parameters and body schema (wrong types, limits and one past them, huge and
 * unicode strings, NUL, RTL, bad dates and ids, missing and unknown fields, raw junk bodies, other media
 * types) and from its callers (anonymous, garbage, forged, expired, alg:none tokens, every role). No answer
 * may be a 5xx; every 4xx is an RFC 9457 problem. FUZZ_SEED replays a run (the seed is printed with the counts).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

type Actor = 'anonymous' | 'garbage' | 'forged' | 'expired' | 'unknownUser' | 'algNone' | 'customer' | 'stranger' | 'provider' | 'admin';
const ROLE_ACTOR: Record<Role, Actor> = { [Role.CUSTOMER]: 'customer', [Role.PROVIDER]: 'provider', [Role.ADMIN]: 'admin' };

/** One world per run of an operation: its own users, service, booking, payment and notifications, so runs never interfere. */
interface World {
  users: Record<'customer' | 'stranger' | 'provider' | 'admin', TestUser>;
  service: ServiceResponse;
  booking: BookingResponse;
  /** The customer's slot hold on `service`. */
  holdId: string;
  paymentId: string;
  notificationIds: Record<'customer' | 'stranger' | 'provider' | 'admin', string>;
  authorization: Record<Actor, string | undefined>;
}

interface Operation {
  key: string;
  method: string;
  path: string;
  pathParams: ParameterObject[];
  queryParams: ParameterObject[];
  headerParams: ParameterObject[];
  body?: SchemaObject;
  stream: boolean;
  /** The media type its success answer is documented as (application/json unless the document says otherwise). */
  media: string;
  route: AppRoute;
}

interface RawRequest {
  actor: Actor;
  method: string;
  /** Path and query, already encoded. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

let t: TestApp;
let document: OpenApiDocument;
let operations: Operation[];
let agent: Agent;
let port: number;
const counts = new Map<string, { good: number; fuzz: number; fuzz2xx: number; ms: number }>();
const worldProviders: string[] = [];
const worldCustomers: string[] = [];

const countOf = (key: string) => counts.get(key) ?? counts.set(key, { good: 0, fuzz: 0, fuzz2xx: 0, ms: 0 }).get(key)!;

/** Sends the request; every answer also goes to the answer log, held against the document after the run. */
async function send(request: RawRequest): Promise<RawResponse> {
  const response = await exchange(request);
  answerLog.record({ method: request.method, url: request.url, status: response.status, contentType: response.headers['content-type'], text: response.body });
  return response;
}

function exchange(request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const outgoing = httpRequest({ host: '127.0.0.1', port, method: request.method, path: request.url, headers, agent }, (response) => {
      const isStream = String(response.headers['content-type']).startsWith('text/event-stream');
      if (isStream) {
        // An open stream never ends: what matters is that it opened; drop the connection at once.
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: '' });
        response.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.setTimeout(20_000, () => outgoing.destroy(new Error(`no answer in 20 s to ${request.method} ${request.url}`)));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** What is wrong with an answer: a 5xx, or a 4xx that is not a complete problem document. */
function defectOf(response: RawResponse): string | null {
  if (response.status >= 500) return `answered ${response.status}`;
  if (response.status < 400) return null;
  const type = String(response.headers['content-type']);
  if (!type.startsWith('application/problem+json')) return `${response.status} with content-type ${type}`;
  let problem: Record<string, unknown>;
  try {
    problem = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    return `${response.status} problem body is not JSON`;
  }
  const wrong = ['type', 'title', 'detail', 'code', 'requestId'].filter((member) => typeof problem[member] !== 'string' || problem[member] === '');
  if (wrong.length) return `${response.status} problem lacks ${wrong.join(', ')}`;
  if (problem.status !== response.status) return `${response.status} problem says status ${String(problem.status)}`;
  if (problem.requestId !== response.headers['x-request-id']) return `${response.status} problem requestId differs from X-Request-Id`;
  return null;
}

const clip = (text: string, length = 300) => (text.length > length ? `${text.slice(0, length)}...(${text.length} chars)` : text);
const describeExchange = (request: RawRequest, response: RawResponse) =>
  [
    `${request.method} ${clip(request.url)} as ${request.actor}`,
    `  headers ${clip(JSON.stringify(request.headers))}`,
    `  body ${clip(String(request.body))}`,
    `  -> ${response.status} ${clip(response.body)}`,
  ].join('\n');

// ---------------------------------------------------------------------------------------------------------
// The world: real users of every role, real objects, and every kind of bad token.
// ---------------------------------------------------------------------------------------------------------

async function newWorld(): Promise<World> {
  const [customer, stranger, provider, admin] = await Promise.all([
    createUser(t, Role.CUSTOMER),
    createUser(t, Role.CUSTOMER),
    createUser(t, Role.PROVIDER),
    createUser(t, Role.ADMIN),
  ]);
  const service = await createService(t, provider);
  const booking = await book(t, customer, service, nextLocal('UTC', 'monday', '10:00'));
  const hold = await t.http
    .post('/bookings/holds')
    .set(customer.auth)
    .send({ serviceId: service.id, scheduledAt: nextLocal('UTC', 'monday', '11:00') })
    .expect(201);
  const payments = await t.http.get('/payments/').set(customer.auth).expect(200);
  const users = { customer, stranger, provider, admin };
  const notificationIds = {} as World['notificationIds'];
  for (const [name, user] of Object.entries(users) as Array<[keyof World['users'], TestUser]>) {
    await notify(t, user);
    const list = await t.http.get('/notifications/?limit=1').set(user.auth).expect(200);
    notificationIds[name] = (list.body as Array<{ id: string }>)[0].id;
  }
  worldProviders.push(provider.id);
  worldCustomers.push(customer.id, stranger.id);

  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: customer.id, role: Role.CUSTOMER, jti: randomUUID() };
  const signed = (secret: string, payload: object) => new JwtService({ secret }).sign(payload, { algorithm: 'HS256' });
  const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    users,
    service,
    booking,
    holdId: (hold.body as { id: string }).id,
    paymentId: (payments.body as Array<{ id: string }>)[0].id,
    notificationIds,
    authorization: {
      anonymous: undefined,
      garbage: 'Bearer garbage.token.value',
      forged: `Bearer ${signed('not-the-secret-but-long-enough-0123456789abcdef', { ...claims, exp: now + 600 })}`,
      expired: `Bearer ${signed(TEST_JWT_SECRET, { ...claims, iat: now - 7200, exp: now - 3600 })}`,
      unknownUser: `Bearer ${signed(TEST_JWT_SECRET, { ...claims, sub: randomUUID(), exp: now + 600 })}`,
      algNone: `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims, iat: now, exp: now + 600 })}.`,
      customer: customer.auth.Authorization,
      stranger: stranger.auth.Authorization,
      provider: provider.auth.Authorization,
      admin: admin.auth.Authorization,
    },
  };
}

/** The world's object a `{id}` in this path names, as seen by `actor` (their own account, their own notification). */
function objectId(path: string, actor: Actor, world: World): string {
  if (path.startsWith('/bookings/holds/')) return world.holdId;
  const resource = path.split('/')[1];
  const own = actor === 'customer' || actor === 'stranger' || actor === 'provider' || actor === 'admin' ? actor : 'customer';
  switch (resource) {
    case 'users':
      return world.users[own].id;
    case 'services':
      return world.service.id;
    case 'bookings':
      return world.booking.id;
    case 'payments':
      return world.paymentId;
    case 'notifications':
      return world.notificationIds[own];
    case 'auth':
      // /auth/sessions/{id}: the session of the actor's own token (each write runs in a world of its own).
      return (JSON.parse(Buffer.from(world.users[own].token.split('.')[1], 'base64url').toString()) as { sid: string }).sid;
    case 'admin':
      // /admin/jobs/{queue}: a queue every instance declares.
      return 'email.send';
    default:
      throw new Error(`No object for ${path}: teach the fuzz suite about this resource`);
  }
}

/** Every real id of the world, for requests that aim one kind of id at another route. */
const worldIds = (world: World): string[] => [
  ...Object.values(world.users).map((user) => user.id),
  world.service.id,
  world.booking.id,
  world.holdId,
  world.paymentId,
  ...Object.values(world.notificationIds),
];

// ---------------------------------------------------------------------------------------------------------
// Well-formed requests, from the document's examples.
// ---------------------------------------------------------------------------------------------------------

/** A value the schema accepts, from its examples (properties without one are left out unless required). */
function exampleOf(schema: SchemaObject | undefined, world: World, name = ''): unknown {
  const resolved = resolveSchema(document, schema);
  if (resolved.example !== undefined) return resolved.example;
  if (resolved.default !== undefined) return resolved.default;
  if (resolved.enum?.length) return resolved.enum[0];
  if (resolved.format === 'uuid') {
    const ids: Record<string, string> = {
      serviceId: world.service.id,
      bookingId: world.booking.id,
      providerId: world.users.provider.id,
      customerId: world.users.customer.id,
    };
    return ids[name] ?? world.service.id;
  }
  if (resolved.type === 'object' && resolved.properties) {
    const value: Record<string, unknown> = {};
    for (const [property, propertySchema] of Object.entries(resolved.properties)) {
      const example = exampleOf(propertySchema, world, property);
      if (example !== undefined && (resolved.required?.includes(property) || hasExample(propertySchema))) value[property] = example;
    }
    return value;
  }
  return undefined;
}

const hasExample = (schema: SchemaObject): boolean => {
  const resolved = resolveSchema(document, schema);
  return resolved.example !== undefined || (resolved.type === 'object' && Boolean(resolved.properties));
};

interface GoodRequest {
  actor: Actor;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  form?: boolean;
}

/**
 * Where the examples alone cannot make a request succeed: a unique e-mail, real credentials, a reset token
 * from the mail, one action per booking update. Every other operation uses `exampleRequests`.
 */
const GOOD_REQUESTS: Record<string, (world: World, examples: GoodRequest[]) => Promise<GoodRequest[]> | GoodRequest[]> = {
  'POST /users': (_world, [example]) => [{ ...example, body: { ...(example.body as object), email: uniqueEmail('fuzz') } }],
  'POST /auth/login': ({ users: { customer } }) => [
    { actor: 'anonymous', body: { email: customer.email, password: customer.password } },
    { actor: 'anonymous', form: true, body: { grant_type: 'password', username: customer.email, password: customer.password } },
  ],
  // A refresh token comes from a sign-in.
  'POST /auth/refresh': async ({ users: { customer } }) => {
    const response = await t.http.post('/auth/login').send({ email: customer.email, password: customer.password }).expect(200);
    return [{ actor: 'anonymous', body: { refresh_token: (response.body as { refresh_token: string }).refresh_token } }];
  },
  'POST /password-reset/confirm': async ({ users: { customer } }, [example]) => {
    await t.http.post('/password-reset/request').send({ email: customer.email }).expect(202);
    const [mail] = await waitForMail(t.mailDir, 'password_reset', customer.email);
    return [{ ...example, body: { ...(example.body as object), token: resetTokenOf(mail.body) } }];
  },
  // A sign-in link is e-mailed only to the owner of an account under attack: this one is sent as that e-mail would be.
  'POST /auth/sign-in-link': async ({ users: { customer } }) => {
    t.app.get(SignInLinks).offer({ id: customer.id, email: customer.email, firstName: 'Fuzz' });
    const [mail] = await waitForMail(t.mailDir, 'sign_in_link', customer.email);
    return [{ actor: 'anonymous', body: { token: /\/sign-in\?token=([A-Za-z0-9_.-]+)/.exec(mail.body)?.[1] } }];
  },
  // The links e-mailed about an address: read from the mail, as their owner would.
  'POST /users/verify-email': async ({ users: { customer } }) => {
    const [mail] = await waitForMail(t.mailDir, 'email_verification', customer.email);
    return [{ actor: 'anonymous', body: { token: linkOf(mail.body, '/verify-email').token } }];
  },
  // Admins (made by create-admin) are verified already: 409.
  'POST /users/me/verification-email': (_world, examples) => examples.filter((example) => example.actor !== 'admin'),
  'POST /users/email-change/confirm': async ({ users: { customer } }) => {
    const newEmail = uniqueEmail('fuzz-moved');
    await t.http.put(`/users/${customer.id}`).set(customer.auth).send({ email: newEmail, currentPassword: customer.password }).expect(200);
    const [mail] = await waitForMail(t.mailDir, 'email_change_confirmation', newEmail);
    return [{ actor: 'anonymous', body: { token: linkOf(mail.body, '/confirm-email-change').token } }];
  },
  'POST /users/email-change/revert': async ({ users: { customer } }, [example]) => {
    const newEmail = uniqueEmail('fuzz-moved');
    await t.http.put(`/users/${customer.id}`).set(customer.auth).send({ email: newEmail, currentPassword: customer.password }).expect(200);
    const [confirmation] = await waitForMail(t.mailDir, 'email_change_confirmation', newEmail);
    await t.http
      .post('/users/email-change/confirm')
      .send({ token: linkOf(confirmation.body, '/confirm-email-change').token })
      .expect(200);
    const [notice] = await waitForMail(t.mailDir, 'email_change_notice', customer.email);
    return [{ ...example, body: { ...(example.body as object), token: linkOf(notice.body, '/revert-email-change').token } }];
  },
  // The catalog is shared with every other suite (thousands of services): the examples' filters, narrowed to this world's provider.
  'GET /services': (world, examples) => examples.map((example) => ({ ...example, query: { ...example.query, providerId: world.users.provider.id } })),
  'PUT /users/{id}': (_world, examples) => examples.map((example) => ({ ...example, body: { profile: { firstName: 'Grace' } } })),
  'PUT /bookings/{id}': () => [
    { actor: 'customer', body: { notes: 'Gate code 1234' } },
    { actor: 'admin', body: { notes: 'Moved by support' } },
  ],
  // The examples book a seeded sample service (so that "Try it out" works on a seeded database): here, this world's, at its price.
  'POST /bookings': (world, examples) =>
    examples.map((example) => {
      const body = example.body as { payment: object };
      return { ...example, body: { ...body, serviceId: world.service.id, payment: { ...body.payment, amount: world.service.price } } };
    }),
  'POST /bookings/holds': (world, examples) => examples.map((example) => ({ ...example, body: { ...(example.body as object), serviceId: world.service.id } })),
  // Refunds are for the booking's provider and admins (the route admits customers to tell them so: 403).
  'POST /payments/{id}/refund': (_world, examples) => examples.filter((example) => example.actor !== 'customer'),
};

/** One request per role the route admits (anonymous for a public one), with the document's examples. */
function exampleRequests(operation: Operation, world: World): GoodRequest[] {
  const actors: Actor[] = operation.route.isPublic ? ['anonymous'] : operation.route.roles.map((role) => ROLE_ACTOR[role]);
  return actors.map((actor) => {
    const query: Record<string, string> = {};
    for (const parameter of operation.queryParams) {
      const example = resolveSchema(document, parameter.schema).example ?? resolveSchema(document, parameter.schema).default;
      if (example !== undefined) query[parameter.name] = asText(example);
    }
    return {
      actor,
      params: Object.fromEntries(operation.pathParams.map((parameter) => [parameter.name, objectId(operation.path, actor, world)])),
      query,
      body: operation.body ? exampleOf(operation.body, world) : undefined,
    };
  });
}

async function goodsFor(operation: Operation, world: World): Promise<GoodRequest[]> {
  const examples = exampleRequests(operation, world);
  return (await GOOD_REQUESTS[operation.key]?.(world, examples)) ?? examples;
}

// ---------------------------------------------------------------------------------------------------------
// Malformed and boundary input.
// ---------------------------------------------------------------------------------------------------------

const HUGE = 'x'.repeat(2 * 1024 * 1024);
const BIG = 'y'.repeat(100_000);
const NASTY_STRINGS = [
  '',
  ' ',
  '   padded   ',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '0',
  '-0',
  '1e309',
  '0x1F',
  '1_000',
  '١٢٣',
  '12abc',
  '\u0000',
  'a\u0000b',
  '\u202Egnp.exe',
  '\u200B\u200B',
  '\uFEFF',
  '𝕏😀👩‍👩‍👧',
  '\uD800',
  '\uDFFF',
  'עברית RTL',
  "' OR '1'='1",
  '"; DROP TABLE users; --',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://x/a}',
  '%00',
  '%s%s%n',
  '2030-02-30',
  '99999-01-01',
  'now',
  '2030-01-07T25:00:00Z',
  '2030-13-01',
  '2030-01-07T09:00:00+99:99',
  '1970-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '2030-01-07',
  'true',
  'false',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-4FFF-8FFF-FFFFFFFFFFFF',
  '{d9428888-122b-11e1-b85c-61cd3cbb3210}',
  'd9428888122b11e1b85c61cd3cbb3210',
  'a'.repeat(255),
  'b'.repeat(10_001),
  BIG,
];
const NASTY_NUMBERS = [-1, 0, -0, 0.001, 1.005, 0.1 + 0.2, 1e308, -1e308, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 99_999_999_999, 5e-324];

const stringArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.uuid() },
);
const scalarArb = fc.oneof(stringArb, fc.constantFrom<unknown>(...NASTY_NUMBERS), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const junkValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: scalarArb },
  { weight: 1, arbitrary: fc.array(scalarArb, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), scalarArb, { maxKeys: 4 }) },
);

/** Values at and just past the schema's limits, and its type's usual impostors. */
function boundaryValues(schema: SchemaObject): unknown[] {
  switch (schema.type ?? '') {
    case 'string': {
      const values: unknown[] = ['', 12, true, ['a'], { a: 1 }];
      if (schema.maxLength !== undefined) values.push('m'.repeat(schema.maxLength), 'm'.repeat(schema.maxLength + 1));
      if (schema.minLength !== undefined && schema.minLength > 0) values.push('m'.repeat(schema.minLength - 1));
      for (const value of schema.enum ?? []) if (typeof value === 'string') values.push(value.toLowerCase(), ` ${value}`, `${value}x`);
      return values;
    }
    case 'integer':
    case 'number': {
      const values: unknown[] = ['12', 'NaN', 'Infinity', '', true, null, [1], 1.5, 0.001, -1];
      if (schema.minimum !== undefined) values.push(schema.minimum, schema.minimum - 1, schema.minimum - 0.001);
      if (schema.maximum !== undefined) values.push(schema.maximum, schema.maximum + 1, schema.maximum + 0.001);
      return values;
    }
    case 'boolean':
      return ['true', 'false', 1, 0, 'yes', null];
    case 'array':
      return ['a', {}, [null], [[]], Array.from({ length: (schema.maxItems ?? 100) + 1 }, () => 'https://a.example/x.jpg')];
    case 'object':
      return [[], 'x', 1, null, {}];
    default:
      return [null, '', 0];
  }
}

/** A value for this schema: usually a valid one, often a boundary one, sometimes anything at all. */
function valueArb(schema: SchemaObject | undefined, world: World, depth: number): fc.Arbitrary<unknown> {
  const resolved = resolveSchema(document, schema);
  return fc.oneof(
    { weight: 5, arbitrary: validValueArb(resolved, world, depth) },
    { weight: 3, arbitrary: fc.constantFrom(...boundaryValues(resolved)) },
    { weight: 2, arbitrary: junkValueArb },
  );
}

function validValueArb(schema: SchemaObject, world: World, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const examples = schema.example === undefined ? [] : [fc.constant(schema.example)];
  switch (schema.type ?? '') {
    case 'object':
      if (schema.properties && depth < 4) return objectArb(schema, world, depth + 1);
      return examples[0] ?? fc.constant({});
    case 'array':
      return fc.array(schema.items ? validValueArb(resolveSchema(document, schema.items), world, depth + 1) : scalarArb, {
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'integer':
      return fc.oneof(...examples, fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 }));
    case 'number':
      return fc.oneof(...examples, fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true }));
    case 'boolean':
      return fc.boolean();
    case 'string':
      if (schema.format === 'uuid') return fc.oneof(fc.constantFrom(...worldIds(world)), fc.uuid());
      if (schema.format === 'date-time')
        return fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((date) => date.toISOString());
      return fc.oneof(...examples, fc.string({ maxLength: schema.maxLength ?? 40 }));
    default:
      return examples[0] ?? junkValueArb;
  }
}

const OMIT = Symbol('omit');
const EXTRA_KEYS = ['isAdmin', 'role', 'id', 'createdAt', 'status', 'deletedAt', 'providerId', 'customerId', 'price', '', 'a.b', '$where', 'k'.repeat(300)];

/** The schema's object with each property kept valid, made boundary or junk, or left out; sometimes with fields it does not know. */
function objectArb(schema: SchemaObject, world: World, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.entries(schema.properties ?? {});
  const fields = Object.fromEntries(
    properties.map(([name, property]) => [
      name,
      fc.oneof({ weight: 5, arbitrary: valueArb(property, world, depth) }, { weight: 1, arbitrary: fc.constant(OMIT) }),
    ]),
  );
  return fc
    .tuple(fc.record(fields), fc.option(fc.dictionary(fc.constantFrom(...EXTRA_KEYS), junkValueArb, { maxKeys: 2 }), { freq: 4 }))
    .map(([record, extra]) => {
      const value: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(record)) if (field !== OMIT) value[name] = field;
      return { ...value, ...(extra ?? {}) };
    });
}

const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const deepObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const RAW_BODIES = [
  '',
  'null',
  '[]',
  '{}',
  '"text"',
  '42',
  'true',
  '{',
  '{"a":',
  "{'single':'quotes'}",
  '{"a":1,"a":2}',
  '\u0000',
  '\uFEFF{}',
  deepArray(33),
  deepArray(2000),
  deepArray(300_000),
  deepObject(3000),
  `{"__proto__":{"role":"ADMIN","isAdmin":true}}`,
  `{"constructor":{"prototype":{"polluted":true}}}`,
  HUGE,
  `"${BIG}"`,
];
const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=----fuzz',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'application/json; charset=iso-8859-1',
  'application/vnd.api+json',
  'application/problem+json',
  'foo/bar',
  ';;;',
];

/** Visible ASCII and Latin-1: what an HTTP client may put in a header value. */
const headerStringArb = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 60 }),
  fc.string({ unit: fc.integer({ min: 0xa0, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength: 10 }),
  fc.constantFrom('', ' ', 'a'.repeat(300), 'x'.repeat(8000), 'x'.repeat(20_000), '-1', 'null', '0', '../../', '%00'),
);
const ODD_AUTHORIZATIONS = [
  'Bearer',
  'Bearer ',
  'Basic dXNlcjpwYXNzd29yZA==',
  'Digest username="a"',
  'bearer',
  'Token abc',
  'Bearer a.b',
  'Bearer ' + 'e'.repeat(5000),
];
const RAW_SEGMENTS = ['%ZZ', '%', '%00', '..', '.', '%2e%2e', '%2F', 'a%2Fb', '%E2%80%AE', 'c'.repeat(250), ';', '*', '%20'];
const RAW_QUERIES = [
  '%',
  '%ZZ',
  '&&&',
  '=',
  '==&=x',
  'a[b]=c',
  'a[__proto__][x]=1',
  '__proto__=x',
  'constructor[prototype]=y',
  'limit=1&limit=2',
  `q=${'z'.repeat(5000)}`,
];
const EXTRA_QUERY_NAMES = ['foo', 'id', 'access_token', 'userId', 'role', '__proto__', 'sort[$ne]'];

/** A request under construction: a well-formed one, then mutated. */
interface Draft {
  actor: Actor;
  authorization?: string;
  params: Record<string, string>;
  query: Array<[string, string]>;
  rawQuery?: string;
  headers: Record<string, string>;
  json?: unknown;
  raw?: string;
  form?: boolean;
  contentType?: string | null;
}
type Mutation = (draft: Draft) => void;

let freshSlot = 0;
/** Changes that keep a repeated well-formed request well-formed: a new e-mail, the next free slot, a refund small enough to repeat. */
const FRESHEN: Record<string, (body: Record<string, unknown>) => void> = {
  'POST /users': (body) => (body.email = uniqueEmail('fuzz')),
  'POST /bookings': (body) => {
    // The examples' service hours: Mondays 09:00-12:00 UTC, one-hour slots, from 2030-01-07 on.
    const slot = freshSlot++;
    body.scheduledAt = new Date(Date.UTC(2030, 0, 7 + 7 * Math.floor(slot / 3), 9 + (slot % 3))).toISOString();
  },
  'POST /payments/{id}/refund': (body) => (body.amount = 0.01),
};
// A hold takes the next free slot the same way (the counter is shared, so holds and bookings never meet).
FRESHEN['POST /bookings/holds'] = FRESHEN['POST /bookings'];

function toDraft(operation: Operation, world: World, good: GoodRequest): Draft {
  const json = good.body === undefined ? undefined : structuredClone(good.body);
  if (json && typeof json === 'object') FRESHEN[operation.key]?.(json as Record<string, unknown>);
  return {
    actor: good.actor,
    params: Object.fromEntries(
      operation.pathParams.map(({ name }) => [name, encodeURIComponent(good.params?.[name] ?? objectId(operation.path, good.actor, world))]),
    ),
    query: Object.entries(good.query ?? {}),
    headers: { accept: operation.stream ? 'text/event-stream' : 'application/json' },
    json,
    form: good.form,
  };
}

function fromDraft(operation: Operation, world: World, draft: Draft): RawRequest {
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => draft.params[name]);
  const query = [new URLSearchParams(draft.query).toString(), draft.rawQuery].filter(Boolean).join('&');
  const headers = { ...draft.headers };
  const authorization = draft.authorization ?? world.authorization[draft.actor];
  if (authorization !== undefined) headers.authorization = authorization;
  let body = draft.raw;
  if (body === undefined && draft.json !== undefined) body = draft.form ? toForm(draft.json) : (JSON.stringify(draft.json) ?? 'null');
  const contentType = draft.contentType === undefined ? (draft.form ? 'application/x-www-form-urlencoded' : 'application/json') : draft.contentType;
  if (body !== undefined && contentType !== null) headers['content-type'] = contentType;
  return {
    actor: draft.authorization === undefined ? draft.actor : 'garbage',
    method: operation.method,
    url: query ? `${path}?${query}` : path,
    headers,
    body,
  };
}

const toForm = (value: unknown): string =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? new URLSearchParams(
        Object.entries(value).map(([key, field]): [string, string] => [key, typeof field === 'object' ? (JSON.stringify(field) ?? '') : String(field)]),
      ).toString()
    : String(value);

/** Every property of a body schema, nested ones and first array items included, with its schema. */
function fieldPaths(
  schema: SchemaObject | undefined,
  prefix: Array<string | number> = [],
  depth = 0,
): Array<{ path: Array<string | number>; schema: SchemaObject }> {
  const resolved = resolveSchema(document, schema);
  if (depth > 4) return [];
  if (resolved.type === 'array' && resolved.items)
    return [{ path: [...prefix, 0], schema: resolved.items }, ...fieldPaths(resolved.items, [...prefix, 0], depth + 1)];
  return Object.entries(resolved.properties ?? {}).flatMap(([name, property]) => [
    { path: [...prefix, name], schema: property },
    ...fieldPaths(property, [...prefix, name], depth + 1),
  ]);
}

/** Sets (or, with OMIT, deletes) the value at `path`, making the objects on the way where the body has none. */
function setAt(draft: Draft, path: Array<string | number>, value: unknown): void {
  if (!path.length) {
    draft.json = value;
    return;
  }
  if (draft.json === null || typeof draft.json !== 'object') draft.json = {};
  let node = draft.json as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    if (node[key] === null || typeof node[key] !== 'object') node[key] = typeof key === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (value === OMIT) delete node[last];
  else node[last] = value;
}

const asText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
const mutation = <T>(arbitrary: fc.Arbitrary<T>, apply: (draft: Draft, value: T) => void): fc.Arbitrary<Mutation> =>
  arbitrary.map((value) => (draft: Draft) => apply(draft, value));

/** The ways one request can go wrong, weighted towards what the operation takes (a body, ids, query parameters). */
function mutationArb(operation: Operation, world: World): fc.Arbitrary<Mutation> {
  const actors = Object.keys(world.authorization) as Actor[];
  const weighted: Array<{ weight: number; arbitrary: fc.Arbitrary<Mutation> }> = [
    { weight: 3, arbitrary: mutation(fc.constantFrom(...actors), (draft, actor) => (draft.actor = actor)) },
    { weight: 1, arbitrary: mutation(fc.constantFrom(...ODD_AUTHORIZATIONS), (draft, authorization) => (draft.authorization = authorization)) },
    {
      weight: 1,
      arbitrary: mutation(fc.constant(null), (draft) => (draft.authorization = world.authorization[draft.actor]?.replace(/^Bearer /, 'bearer '))),
    },
    {
      weight: 2,
      arbitrary: mutation(
        fc.tuple(
          fc.constantFrom('accept', 'x-request-id', 'if-none-match', 'origin', ...operation.headerParams.map(({ name }) => name.toLowerCase())),
          fc.oneof(headerStringArb, fc.uuid()),
        ),
        (draft, [name, value]) => (draft.headers[name] = value),
      ),
    },
    { weight: 1, arbitrary: mutation(fc.tuple(fc.constantFrom(...EXTRA_QUERY_NAMES), stringArb), (draft, pair) => draft.query.push(pair)) },
    { weight: 1, arbitrary: mutation(fc.constantFrom(...RAW_QUERIES), (draft, raw) => (draft.rawQuery = raw)) },
  ];
  if (operation.pathParams.length) {
    const encode = (value: string) => {
      try {
        return encodeURIComponent(value);
      } catch {
        return '%ED%A0%80'; // a lone surrogate, as its UTF-8 bytes
      }
    };
    const segment = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...worldIds(world)) },
      { weight: 2, arbitrary: fc.uuid() },
      { weight: 3, arbitrary: stringArb.filter((value) => value.length < 5000).map(encode) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    );
    weighted.push({
      weight: 4,
      arbitrary: mutation(
        fc.tuple(fc.constantFrom(...operation.pathParams.map(({ name }) => name)), segment),
        (draft, [name, value]) => (draft.params[name] = value),
      ),
    });
  }
  for (const parameter of operation.queryParams) {
    const set = (draft: Draft, values: string[]) => {
      draft.query = draft.query.filter(([name]) => name !== parameter.name);
      for (const value of values) draft.query.push([parameter.name, value]);
    };
    weighted.push(
      { weight: 2, arbitrary: mutation(valueArb(parameter.schema, world, 0), (draft, value) => set(draft, [asText(value)])) },
      { weight: 1, arbitrary: mutation(fc.constant(null), (draft) => set(draft, [])) },
      { weight: 1, arbitrary: mutation(fc.tuple(stringArb, stringArb), (draft, values) => set(draft, values)) },
    );
  }
  if (operation.body) {
    for (const { path, schema } of fieldPaths(operation.body)) {
      weighted.push(
        { weight: 3, arbitrary: mutation(valueArb(schema, world, 1), (draft, value) => setAt(draft, path, value)) },
        { weight: 1, arbitrary: mutation(fc.constant(null), (draft) => setAt(draft, path, OMIT)) },
      );
    }
    const objectPaths = [
      [],
      ...fieldPaths(operation.body)
        .filter(({ schema }) => resolveSchema(document, schema).properties)
        .map(({ path }) => path),
    ];
    weighted.push(
      {
        weight: 2,
        arbitrary: mutation(fc.tuple(fc.constantFrom(...objectPaths), fc.constantFrom(...EXTRA_KEYS), junkValueArb), (draft, [path, key, value]) =>
          setAt(draft, [...path, key], value),
        ),
      },
      { weight: 2, arbitrary: mutation(valueArb(operation.body, world, 0), (draft, value) => (draft.json = value)) },
      { weight: 1, arbitrary: mutation(fc.constant(null), (draft) => (draft.form = !draft.form)) },
    );
  } else {
    weighted.push({ weight: 1, arbitrary: mutation(junkValueArb, (draft, value) => (draft.json = value)) });
  }
  weighted.push(
    { weight: 2, arbitrary: mutation(fc.constantFrom(...RAW_BODIES), (draft, raw) => (draft.raw = raw)) },
    { weight: 1, arbitrary: mutation(fc.constantFrom<string | null>(...CONTENT_TYPES, null), (draft, type) => (draft.contentType = type)) },
  );
  return fc.oneof(...weighted);
}

/** A well-formed request of the operation with none, one or a few mutations. */
function fuzzArb(operation: Operation, world: World, goods: GoodRequest[]): fc.Arbitrary<RawRequest> {
  const mutations = mutationArb(operation, world);
  const count = fc.oneof(
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 5, arbitrary: fc.constant(1) },
    { weight: 3, arbitrary: fc.constant(2) },
    { weight: 2, arbitrary: fc.constant(4) },
  );
  return fc
    .tuple(
      fc.constantFrom(...goods),
      count.chain((length) => fc.array(mutations, { minLength: length, maxLength: length })),
    )
    .map(([good, changes]) => {
      const draft = toDraft(operation, world, good);
      for (const change of changes) change(draft);
      return fromDraft(operation, world, draft);
    });
}

// ---------------------------------------------------------------------------------------------------------

describe('fuzzing every operation of the OpenAPI document', () => {
  beforeAll(async () => {
    // The documents' example times lie in 2030, beyond the default booking horizon: widened so they stay bookable.
    t = await createTestApp({ RATE_LIMIT_ENABLED: 'false', BOOKING_HORIZON_DAYS: '3650' });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    agent = new Agent({ keepAlive: true, maxSockets: 4 });
    document = (await t.http.get('/docs-json').expect(200)).body as OpenApiDocument;
    const routes = appRoutes(t);
    operations = operationsOf(document).map(({ method, path, operation }) => {
      const parameters = operation.parameters ?? [];
      const content = operation.requestBody?.content ?? {};
      const route = routes.find((candidate) => candidate.method === method.toUpperCase() && candidate.path === path);
      if (!route) throw new Error(`${method.toUpperCase()} ${path} is documented but not routed`);
      return {
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((parameter) => parameter.in === 'path'),
        queryParams: parameters.filter((parameter) => parameter.in === 'query'),
        headerParams: parameters.filter((parameter) => parameter.in === 'header'),
        body: content['application/json']?.schema,
        stream: Object.values(operation.responses).some((response) => Object.keys(response.content ?? {}).includes('text/event-stream')),
        media:
          Object.keys(Object.entries(operation.responses).find(([status]) => status.startsWith('2'))?.[1].content ?? {}).find(
            (type) => type !== 'application/json',
          ) ?? 'application/json',
        route,
      };
    });
  });

  afterAll(async () => {
    agent?.destroy();
    const rows = [...counts.entries()].map(
      ([key, count]) =>
        `${key.padEnd(42)} ${String(count.good).padStart(4)} ${String(count.fuzz).padStart(6)} ${String(count.fuzz2xx).padStart(6)} ${String(count.ms).padStart(7)}`,
    );
    const total = [...counts.values()].reduce((sum, count) => sum + count.good + count.fuzz, 0);
    console.log(`Fuzz seed ${SEED}: ${counts.size} operations, ${total} requests\n${'operation'.padEnd(42)} good   fuzz  (2xx)      ms\n${rows.join('\n')}`);
    await t?.close();
  });

  it('the document has operations, each routed', () => {
    expect(operations.length).toBeGreaterThanOrEqual(30);
    expect(operations.map((operation) => operation.key)).toEqual(
      expect.arrayContaining(['POST /bookings', 'GET /services/{id}/slots', 'GET /notifications/stream']),
    );
  });

  it('well-formed requests from the examples succeed for every role the operation admits', async () => {
    const failures: string[] = [];
    for (const operation of operations) {
      let world = await newWorld();
      let goods = await goodsFor(operation, world);
      if (!goods.length) failures.push(`${operation.key}: no well-formed request`);
      for (let index = 0; index < goods.length; index++) {
        if (index > 0 && operation.method !== 'GET') {
          // Each write in its own world: one may delete what the next needs (an account, a token, a booking).
          world = await newWorld();
          goods = await goodsFor(operation, world);
        }
        const request = fromDraft(operation, world, toDraft(operation, world, goods[index]));
        const response = await send(request);
        countOf(operation.key).good++;
        const type = String(response.headers['content-type']);
        if (response.status < 200 || response.status > 299) failures.push(`${operation.key}: expected 2xx\n  ${describeExchange(request, response)}`);
        else if (response.status !== 204 && !type.startsWith(operation.media)) failures.push(`${operation.key}: ${response.status} as ${type}`);
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it(`${RUNS} malformed or boundary requests per operation: never a 5xx, every 4xx a problem document`, async () => {
    const failures: string[] = [];
    for (const operation of operations) {
      const world = await newWorld();
      const started = Date.now();
      const result = await fc.check(
        fc.asyncProperty(fuzzArb(operation, world, await goodsFor(operation, world)), async (request) => {
          countOf(operation.key).fuzz++;
          const response = await send(request);
          if (response.status < 300) countOf(operation.key).fuzz2xx++;
          const defect = defectOf(response);
          if (defect) throw new Error(`${defect}\n  ${describeExchange(request, response)}`);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      countOf(operation.key).ms = Date.now() - started;
      if (result.failed)
        failures.push(`${operation.key}: ${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`);
    }
    expect(failures).toEqual([]);
    for (const operation of operations)
      expect({ operation: operation.key, fuzz: countOf(operation.key).fuzz >= RUNS }).toEqual({ operation: operation.key, fuzz: true });
  }, 600_000);

  it('answers the inputs the fuzzing once broke with problems, not 500s or bare JSON', async () => {
    const world = await newWorld();
    const { customer, provider, admin } = world.users;
    const cases: Array<{ name: string; request: RawRequest; status: number; detail?: RegExp }> = [
      // Nest's own exceptions (ParseUUIDPipe, unknown routes) were once described as failed readiness checks.
      {
        name: 'an id that is not a UUID',
        request: { actor: 'customer', method: 'GET', url: '/bookings/not-a-uuid', headers: customer.auth },
        status: 400,
        detail: /uuid is expected/,
      },
      {
        name: 'a route that does not exist',
        request: { actor: 'anonymous', method: 'GET', url: '/no-such-route', headers: {} },
        status: 404,
        detail: /^Cannot GET \/no-such-route$/,
      },
      {
        name: 'malformed percent-encoding in the path',
        request: { actor: 'customer', method: 'GET', url: '/bookings/%ZZ', headers: { authorization: customer.auth.Authorization } },
        status: 400,
      },
      {
        name: 'an id longer than the router takes',
        request: { actor: 'customer', method: 'GET', url: `/bookings/${'c'.repeat(250)}`, headers: customer.auth },
        status: 414,
      },
      { name: 'headers over 16 KB', request: { actor: 'anonymous', method: 'GET', url: '/health', headers: { 'x-padding': 'p'.repeat(20_000) } }, status: 431 },
      { name: 'a URL over 16 KB', request: { actor: 'anonymous', method: 'GET', url: `/services/?q=${'q'.repeat(20_000)}`, headers: {} }, status: 431 },
      {
        name: 'a JSON body nested 2,000 deep',
        request: { actor: 'anonymous', method: 'POST', url: '/users', headers: { 'content-type': 'application/json' }, body: deepArray(2000) },
        status: 400,
      },
      {
        name: 'an object nested 3,000 deep behind an Idempotency-Key',
        request: {
          actor: 'customer',
          method: 'POST',
          url: '/bookings',
          headers: { ...customer.auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: deepObject(3000),
        },
        status: 400,
      },
      {
        name: 'a price printed in exponent form',
        request: {
          actor: 'provider',
          method: 'PUT',
          url: `/services/${world.service.id}`,
          headers: { ...provider.auth, 'content-type': 'application/json' },
          body: '{"price":1e-7}',
        },
        status: 400,
      },
      {
        name: 'a refund amount printed in exponent form',
        request: {
          actor: 'admin',
          method: 'POST',
          url: `/payments/${world.paymentId}/refund`,
          headers: { ...admin.auth, 'content-type': 'application/json' },
          body: '{"reason":"x","amount":5e-324}',
        },
        status: 400,
      },
      {
        name: 'an e-mail that is a lone UTF-16 surrogate',
        request: {
          actor: 'anonymous',
          method: 'POST',
          url: '/password-reset/request',
          headers: { 'content-type': 'application/json' },
          body: '{"email":"\\ud800"}',
        },
        status: 400,
        detail: /invalid fields/,
      },
      {
        name: 'names outside the BMP (surrogate pairs) are still text',
        request: {
          actor: 'anonymous',
          method: 'POST',
          url: '/users',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: uniqueEmail('fuzz'), password: 'SecurePass123!', role: 'CUSTOMER', profile: { firstName: 'Ada 😀', lastName: '𝕏' } }),
        },
        status: 201,
      },
      {
        name: 'a profile that is an empty array',
        request: {
          actor: 'anonymous',
          method: 'POST',
          url: '/users',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: uniqueEmail('fuzz'), password: 'SecurePass123!', role: 'CUSTOMER', profile: [] }),
        },
        status: 400,
      },
    ];
    for (const { name, request, status, detail } of cases) {
      const response = await send(request);
      expect({ name, status: response.status, defect: defectOf(response) }).toEqual({ name, status, defect: null });
      if (detail) expect({ name, detail: (JSON.parse(response.body) as { detail: string }).detail }).toEqual({ name, detail: expect.stringMatching(detail) });
    }
  });

  it('leaves the database consistent: no half-made checkout, no orphan payment, no overlapping bookings', async () => {
    const query = <T>(sql: string, parameters: unknown[] = []) => t.dataSource.query<T[]>(sql, parameters);
    // A PENDING booking is a slot held while its PENDING payment is charged: never one without the other,
    // and once the run's checkouts have all answered, none left holding a slot.
    const halfMade = await query<{ id: string }>(
      `SELECT b.id FROM bookings b WHERE b.status = 'PENDING' AND b.provider_id = ANY($1)
          AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id AND p.status = 'PENDING')`,
      [worldProviders],
    );
    expect(halfMade).toEqual([]);
    const held = await query<{ id: string }>(`SELECT b.id FROM bookings b WHERE b.status = 'PENDING' AND b.provider_id = ANY($1)`, [worldProviders]);
    expect(held).toEqual([]);
    const pendingPayments = await query<{ id: string }>(`SELECT p.id FROM payments p WHERE p.status = 'PENDING' AND p.provider_id = ANY($1)`, [worldProviders]);
    expect(pendingPayments).toEqual([]);
    const orphans = await query<{ id: string }>(
      `SELECT p.id FROM payments p LEFT JOIN bookings b ON b.id = p.booking_id
        WHERE (p.booking_id IS NOT NULL AND b.id IS NULL) OR (p.booking_id IS NULL AND p.status <> 'FAILED' AND p.customer_id = ANY($1))`,
      [worldCustomers],
    );
    expect(orphans).toEqual([]);
    const unpaid = await query<{ id: string }>(
      `SELECT b.id FROM bookings b WHERE b.status IN ('CONFIRMED', 'COMPLETED') AND b.provider_id = ANY($1)
          AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id AND p.status IN ('SUCCESS', 'PARTIALLY_REFUNDED', 'REFUNDED'))`,
      [worldProviders],
    );
    expect(unpaid).toEqual([]);
    const overlaps = await query<{ a: string; b: string }>(
      `SELECT x.id AS a, y.id AS b FROM bookings x JOIN bookings y
          ON x.provider_id = y.provider_id AND x.id < y.id
         AND tstzrange(x.scheduled_at, x.ends_at, '[)') && tstzrange(y.scheduled_at, y.ends_at, '[)')
       WHERE x.status IN ('PENDING', 'CONFIRMED') AND y.status IN ('PENDING', 'CONFIRMED')`,
    );
    expect(overlaps).toEqual([]);
    // The checks looked at the run's own rows.
    expect(worldProviders.length).toBeGreaterThanOrEqual(operations.length);
  });
});
