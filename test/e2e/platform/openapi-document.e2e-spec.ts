import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { SeedService } from '../../../src/database/seeds/seed.service';
import { EMAIL_LINK_PAGES } from '../../../src/config/email-links';
import { runMigrations } from '../../../src/database/migrate';
import { documentedCodes, undocumentedAnswers } from '../../helpers/answers';
import { appRoutes, OpenApiDocument, OperationObject, operationsOf, resolveSchema, SchemaObject } from '../../helpers/openapi';
import { servedRoutes } from '../../helpers/routes';
import { createTestApp, TestApp } from '../../helpers/test-app';

interface SpectralResult {
  code: string;
  message: string;
  path: string[];
  /** 0 error, 1 warning, 2 information, 3 hint. */
  severity: number;
}

const ROOT = join(__dirname, '../../..');
const RULESET = join(ROOT, '.spectral.yaml');
const SPECTRAL = require.resolve('@stoplight/spectral-cli/dist/index.js');

/** Lints a document with the project's ruleset through Spectral's own CLI (as CI and `npm run lint:openapi` do). */
async function lint(document: unknown): Promise<SpectralResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document, null, 2));
    // Spectral exits 1 when it finds errors; its report is on stdout either way.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [SPECTRAL, 'lint', file, '--ruleset', RULESET, '--format', 'json', '--quiet', '--fail-severity', 'hint'],
      {
        cwd: ROOT,
        maxBuffer: 64 * 1024 * 1024,
      },
    ).catch((error: { stdout?: string; stderr?: string }) => {
      if (!error.stdout?.trim().startsWith('[')) throw new Error(`Spectral failed: ${error.stderr ?? 'no output'}`);
      return { stdout: error.stdout };
    });
    return JSON.parse(stdout) as SpectralResult[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const describeResult = (result: SpectralResult) => `${result.code} at ${result.path.join('.')}: ${result.message}`;
const errorsOf = (results: SpectralResult[]) => results.filter((result) => result.severity === 0).map(describeResult);

describe('the OpenAPI document', () => {
  let t: TestApp;
  let document: OpenApiDocument;

  beforeAll(async () => {
    t = await createTestApp();
    document = (await t.http.get('/docs-json').expect(200)).body as OpenApiDocument;
  });
  afterAll(() => t.close());

  describe('lint (Spectral, spectral:oas and the OWASP API Security ruleset)', () => {
    it('the ruleset extends spectral:oas and the OWASP ruleset, and turns off only the rules it explains', () => {
      const ruleset = readFileSync(RULESET, 'utf8');
      expect(ruleset).toMatch(/^extends:\n\s+- spectral:oas\n\s+- '@stoplight\/spectral-owasp-ruleset'$/m);
      const off = [...ruleset.matchAll(/^\s+([\w:.-]+): '?off'?$/gm)].map((match) => match[1]).sort();
      expect(off).toEqual([
        'owasp:api2:2023-no-credentials-in-url', // only for the stream's ?access_token=
        'owasp:api2:2023-read-restricted', // only for the public reads (categories, services, slots, health)
        'owasp:api2:2023-short-lived-access-tokens',
        'owasp:api2:2023-write-restricted', // only for sign-in, refresh, registration and password reset
        'owasp:api3:2023-constrained-additionalProperties', // only for maps keyed by data (availability, date overrides, health, notification data)
        'owasp:api3:2023-no-additionalProperties', // the same maps
        'owasp:api4:2023-rate-limit', // replaced by rate-limited-operations-document-ratelimit-headers
        'owasp:api4:2023-rate-limit-responses-429', // only the @RateLimit routes answer 429, and document it
        'owasp:api4:2023-string-restricted', // free text, bounded by maxLength (string-limit, an error)
        'owasp:api5:2023-admin-security-unique', // only for /admin/jobs: one bearer token, the role checked per route
        'owasp:api8:2023-define-error-responses-401', // only for the public operations, which never answer 401
      ]);
    });

    it('has no errors and no warnings: a rule that does not apply is turned off where it does not, with the reason', async () => {
      const results = await lint(document);
      expect(errorsOf(results)).toEqual([]);
      expect(results.map(describeResult)).toEqual([]);
    }, 60_000);

    it('finds what it is there to find: an unbounded string, an unsecured write, rate-limit headers left out', async () => {
      const broken = structuredClone(document) as OpenApiDocument & {
        components: { schemas: Record<string, { properties: Record<string, { maxLength?: number }> }> };
      };
      delete broken.components.schemas.UserResponse.properties.email.maxLength;
      delete broken.paths['/services']?.post?.security;
      const created = broken.paths['/bookings'].post.responses['201'] as { headers: Record<string, unknown> };
      delete created.headers.RateLimit;
      const errors = errorsOf(await lint(broken));
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^owasp:api4:2023-string-limit at components\.schemas\.UserResponse\.properties\.email:/),
          expect.stringMatching(/^owasp:api2:2023-write-restricted at paths\.\/services\.post:/),
          expect.stringMatching(/^rate-limited-operations-document-ratelimit-headers at paths\.\/bookings\.post\.responses\.201\.headers:/),
        ]),
      );
      expect(errors).toHaveLength(3);
    }, 60_000);
  });

  it('problem documents stay within the bounds the document gives them, whatever the request quotes', async () => {
    const schema = (document.components.schemas ?? {}).ProblemResponse as { properties: Record<string, SchemaObject> };
    const fieldSchema = (document.components.schemas ?? {}).FieldErrorResponse as { properties: Record<string, SchemaObject> };
    const unknownFields = Object.fromEntries(Array.from({ length: 150 }, (_, index) => [`${'f'.repeat(300)}${index}`, 1]));
    const invalid = (await t.http.post('/users').send(unknownFields).expect(400)).body as { errors: Array<{ field: string; message: string }> };
    expect(invalid.errors).toHaveLength(schema.properties.errors.maxItems ?? -1);
    expect(Math.max(...invalid.errors.map((error) => error.field.length))).toBeLessThanOrEqual(fieldSchema.properties.field.maxLength ?? -1);
    expect(Math.max(...invalid.errors.map((error) => error.message.length))).toBeLessThanOrEqual(fieldSchema.properties.message.maxLength ?? -1);

    const unknownRoute = (await t.http.get(`/${'u'.repeat(5000)}`).expect(404)).body as { detail: string };
    expect(unknownRoute.detail.length).toBeLessThanOrEqual(schema.properties.detail.maxLength ?? -1);
    expect(unknownRoute.detail).toMatch(/^Cannot GET \/u+…$/);
  });

  describe('coverage', () => {
    /**
     * Not API operations: the docs themselves, the HTML pages e-mail links open (for people, not clients), and what
     * Fastify answers for every GET (HEAD) and CORS preflight (OPTIONS).
     */
    const isApiRoute = ({ method, path }: { method: string; path: string }) =>
      !['HEAD', 'OPTIONS'].includes(method) &&
      !path.startsWith('/docs') &&
      !path.startsWith('/redoc') &&
      !(EMAIL_LINK_PAGES as readonly string[]).includes(path);
    const documented = () => operationsOf(document).map(({ method, path }) => `${method.toUpperCase()} ${path}`);

    it('documents every route the router serves', () => {
      const served = servedRoutes(t.app)
        .filter(isApiRoute)
        .map(({ method, path }) => `${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
      expect(served.length).toBeGreaterThanOrEqual(30);
      expect(served).toEqual(expect.arrayContaining(['POST /bookings', 'GET /notifications/stream', 'GET /health/ready']));
      expect(served.filter((route) => !documented().includes(route))).toEqual([]);
      // ...and documents nothing else.
      expect(documented().filter((operation) => !served.includes(operation))).toEqual([]);
    });

    it('documents every handler Nest discovered', () => {
      const handlers = appRoutes(t)
        .filter(isApiRoute)
        .map(({ method, path }) => `${method} ${path}`);
      expect(handlers.length).toBeGreaterThanOrEqual(30);
      expect(handlers.filter((route) => !documented().includes(route))).toEqual([]);
    });
  });
  describe('errors', () => {
    const PROBLEM = 'application/problem+json';
    interface ExampleProblem {
      status: number;
      code: string;
      detail: string;
    }
    const problemOf = (operation: OperationObject, status: string) => operation.responses[status]?.content?.[PROBLEM];
    const examplesOf = (operation: OperationObject, status: string) =>
      Object.entries(problemOf(operation, status)?.examples ?? {}).map(([name, example]) => [name, example.value as ExampleProblem] as const);
    const codesOf = (method: string, path: string, status: string) => {
      const response = document.paths[path][method].responses[status];
      return response ? documentedCodes(response) : [];
    };

    it('every error response lists its codes as an enum, with an example of each, of that status and code', () => {
      const wrong: string[] = [];
      let responses = 0;
      for (const { method, path, operation } of operationsOf(document)) {
        for (const status of Object.keys(operation.responses).filter((candidate) => Number(candidate) >= 400)) {
          responses++;
          const where = `${method.toUpperCase()} ${path} ${status}`;
          const codes = documentedCodes(operation.responses[status]);
          const examples = examplesOf(operation, status);
          if (!codes.length) wrong.push(`${where}: no code enum`);
          if (examples.map(([name]) => name).join() !== codes.join())
            wrong.push(`${where}: examples ${examples.map(([name]) => name).join()} for codes ${codes.join()}`);
          for (const [name, value] of examples) {
            if (value.status !== Number(status) || value.code !== name) wrong.push(`${where}: example ${name} is a ${value.status} ${value.code}`);
          }
        }
      }
      expect(responses).toBeGreaterThan(150);
      expect(wrong).toEqual([]);
    });

    it('a payment declined shows a declined payment, not a validation failure', () => {
      const declined = problemOf(document.paths['/bookings'].post, '402');
      expect(examplesOf(document.paths['/bookings'].post, '402').map(([, value]) => value)).toEqual([
        expect.objectContaining({ status: 402, code: 'PAYMENT_DECLINED', detail: expect.stringMatching(/declined/) }),
      ]);
      expect(JSON.stringify(declined)).not.toMatch(/profile\.firstName|VALIDATION_FAILED/);
    });

    it.each([
      ['post', '/auth/login', '401', ['INVALID_CREDENTIALS']],
      ['post', '/users', '409', ['EMAIL_TAKEN']],
      ['post', '/bookings', '404', ['NOT_FOUND']],
      ['post', '/bookings', '409', ['SLOT_TAKEN', 'IDEMPOTENCY_KEY_IN_USE']],
      ['post', '/bookings', '422', ['AMOUNT_MISMATCH', 'OUTSIDE_AVAILABILITY', 'IDEMPOTENCY_KEY_REUSED']],
      ['put', '/bookings/{id}', '409', ['INVALID_TRANSITION', 'SLOT_TAKEN']],
      ['put', '/bookings/{id}', '422', ['BOOKING_IN_PAST', 'OUTSIDE_AVAILABILITY']],
      ['delete', '/bookings/{id}', '409', ['INVALID_TRANSITION']],
      ['post', '/payments/{id}/refund', '422', ['REFUND_EXCEEDS_PAYMENT']],
      ['post', '/payments/{id}/refund', '409', ['NOTHING_TO_REFUND']],
      ['put', '/users/{id}', '403', ['FORBIDDEN', 'ROLE_CHANGE_FORBIDDEN']],
      ['get', '/health/ready', '503', ['SERVICE_UNAVAILABLE']],
    ])('%s %s documents %s with %j', (method, path, status, codes) => {
      expect(codesOf(method, path, status)).toEqual(expect.arrayContaining(codes));
    });

    it('documents 403 only where a role is refused or the service refuses: not on routes open to every role that never refuse', () => {
      expect(document.paths['/notifications'].get.responses['403']).toBeUndefined();
      // EMAIL_NOT_VERIFIED: with REQUIRE_VERIFIED_EMAIL=true, an unverified customer.
      expect(codesOf('post', '/bookings', '403').sort()).toEqual(['EMAIL_NOT_VERIFIED', 'FORBIDDEN']);
    });

    it('a rate limit that only flags (password reset requests) documents its headers, but no 429: it never answers one', () => {
      const operation = document.paths['/password-reset/request'].post;
      expect(operation.responses['429']).toBeUndefined();
      expect(Object.keys(operation.responses['202'].headers ?? {})).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy']));
      expect(codesOf('post', '/auth/login', '429')).toEqual(['RATE_LIMITED']);
    });

    it('the answer check flags a status or a code an operation does not document, and passes documented ones', () => {
      const id = '5eed0000-0000-4000-8000-000000000002';
      expect(
        undocumentedAnswers(document, [
          { method: 'POST', path: '/bookings', status: 422, code: 'AMOUNT_MISMATCH' },
          { method: 'GET', path: '/users/me', status: 200 },
          { method: 'GET', path: `/services/${id}`, status: 404, code: 'NOT_FOUND' },
          { method: 'GET', path: '/no-such-route', status: 404, code: 'NOT_FOUND' },
          { method: 'POST', path: '/bookings', status: 422, code: 'NO_SUCH_CODE' },
          { method: 'GET', path: `/services/${id}`, status: 409, code: 'CONFLICT' },
          { method: 'GET', path: '/users/me', status: 404, code: 'NOT_FOUND' },
        ]),
      ).toEqual([
        'GET /services/{id} answered 409 CONFLICT, which the document does not list',
        'GET /users/me answered 404 NOT_FOUND, which the document does not list',
        'POST /bookings answered 422 NO_SUCH_CODE, which its 422 response does not list',
      ]);
    });
  });

  it('every operation has an operationId a generated client can use as a method name, each once', () => {
    const ids = operationsOf(document).map(({ operation }) => operation.operationId ?? '');
    expect(ids.filter((id) => !/^[a-z][a-zA-Z]+$/.test(id) || /Controller/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['createBooking', 'listServices', 'login', 'registerUser', 'refundPayment', 'cancelBooking']));
  });

  it('every operation says who may call it', () => {
    const described = operationsOf(document).map(({ method, path, operation }) => [
      `${method.toUpperCase()} ${path}`,
      (operation as { description?: string }).description ?? '',
    ]);
    expect(described.filter(([, description]) => !/Public: no token needed|signed-in caller/.test(description))).toEqual([]);
    expect(Object.fromEntries(described)['POST /bookings']).toContain('with the role CUSTOMER');
  });

  describe('"Try it out" examples, on a database with the seeded samples', () => {
    const database = `marketplace_docs_${randomUUID().replace(/-/g, '')}`;
    let server: string;
    let seeded: TestApp;

    const onServer = async (sql: string) => {
      const client = new Client({ connectionString: server });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };

    /** The request body Swagger UI fills in: the media type's first example, or one built from the schema's examples. */
    const exampleBody = (path: string, method: string): Record<string, unknown> => {
      const content = (
        document.paths[path][method] as { requestBody: { content: Record<string, { schema: SchemaObject; examples?: Record<string, { value: object }> }> } }
      ).requestBody.content['application/json'];
      const first = Object.values(content.examples ?? {})[0];
      if (first) return first.value as Record<string, unknown>;
      const build = (schema: SchemaObject): unknown => {
        const resolved = resolveSchema(document, schema);
        if (resolved.properties) return Object.fromEntries(Object.entries(resolved.properties).map(([name, property]) => [name, build(property)]));
        return resolved.example;
      };
      return build(content.schema) as Record<string, unknown>;
    };

    beforeAll(async () => {
      const url = new URL(process.env.E2E_DATABASE_URL as string);
      url.pathname = '/postgres';
      server = url.toString();
      await onServer(`CREATE DATABASE "${database}"`);
      url.pathname = `/${database}`;
      await runMigrations(url.toString());
      seeded = await createTestApp({}, { databaseUrl: url.toString() });
      await expect(seeded.app.get(SeedService).seedIfEmpty()).resolves.toBe(true);
    }, 60_000);
    afterAll(async () => {
      await seeded?.close();
      await onServer(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    });

    it('every sign-in example signs in, as JSON and as the OAuth2 form', async () => {
      const examples = (
        document.paths['/auth/login'].post as unknown as { requestBody: { content: Record<string, { examples: Record<string, { value: object }> }> } }
      ).requestBody.content;
      const logins = Object.values(examples['application/json'].examples).map(({ value }) => value);
      expect(logins).toHaveLength(3);
      for (const login of logins) await seeded.http.post('/auth/login').send(login).expect(200);
      for (const login of Object.values(examples['application/x-www-form-urlencoded'].examples).map(({ value }) => value))
        await seeded.http.post('/auth/login').type('form').send(login).expect(200);
    });

    it('the service id example names a seeded service, and the booking example books it', async () => {
      const parameter = document.paths['/services/{id}'].get.parameters?.find((candidate) => candidate.in === 'path') as {
        example?: string;
        schema?: SchemaObject;
      };
      const id = parameter.example ?? parameter.schema?.example;
      expect(id).toEqual(expect.any(String));
      await seeded.http.get(`/services/${String(id)}`).expect(200);

      const login = exampleBody('/auth/login', 'post');
      const token = ((await seeded.http.post('/auth/login').send(login).expect(200)).body as { access_token: string }).access_token;
      const booking = exampleBody('/bookings', 'post');
      expect(booking).toMatchObject({ serviceId: id });
      const created = await seeded.http.post('/bookings').set('authorization', `Bearer ${token}`).send(booking);
      expect({ status: created.status, body: created.body as unknown }).toMatchObject({ status: 201, body: { status: 'CONFIRMED' } });
    });
  });
});
