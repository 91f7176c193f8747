import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appRoutes, OpenApiDocument, operationsOf, SchemaObject } from './helpers/openapi';
import { servedRoutes } from './helpers/routes';
import { createTestApp, TestApp } from './helpers/test-app';

interface SpectralResult {
  code: string;
  message: string;
  path: string[];
  /** 0 error, 1 warning, 2 information, 3 hint. */
  severity: number;
}

const ROOT = join(__dirname, '..');
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
        'owasp:api2:2023-short-lived-access-tokens',
        'owasp:api2:2023-write-restricted', // only for sign-in, registration and password reset
        'owasp:api4:2023-rate-limit', // replaced by rate-limited-operations-document-ratelimit-headers
      ]);
    });

    it('has no errors (warnings are printed)', async () => {
      const results = await lint(document);
      expect(errorsOf(results)).toEqual([]);
      const warnings = new Map<string, number>();
      for (const result of results.filter((candidate) => candidate.severity === 1)) warnings.set(result.code, (warnings.get(result.code) ?? 0) + 1);
      console.log(
        `Spectral: 0 errors, ${results.length} warnings\n${[...warnings].map(([code, count]) => `  ${String(count).padStart(4)} ${code}`).join('\n')}`,
      );
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
    /** Not API operations: the docs themselves, and what Fastify answers for every GET (HEAD) and CORS preflight (OPTIONS). */
    const isApiRoute = ({ method, path }: { method: string; path: string }) =>
      !['HEAD', 'OPTIONS'].includes(method) && !path.startsWith('/docs') && !path.startsWith('/redoc');
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
      const handlers = appRoutes(t).map(({ method, path }) => `${method} ${path}`);
      expect(handlers.length).toBeGreaterThanOrEqual(30);
      expect(handlers.filter((route) => !documented().includes(route))).toEqual([]);
    });
  });
});
