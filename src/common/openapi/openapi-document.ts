import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, HeaderObject, OpenAPIObject, ReferenceObject, ResponseObject, SwaggerModule } from '@nestjs/swagger';
import { FieldErrorResponse, problemContent, ProblemResponse } from './problem.response';

const TAGS: Record<string, string> = {
  auth: 'Sign in and out (OAuth2 password flow or JSON)',
  users: 'Accounts: register, read, update, delete',
  'password-reset': 'Single-use reset links by e-mail',
  services: 'The catalog: services providers offer, their categories and free slots',
  bookings: 'Book and pay in one call, reschedule, complete, cancel',
  payments: 'Payments of bookings and their refunds',
  notifications: 'Your notifications, as a list and as a live stream',
  health: 'Liveness and readiness',
};

const JWT_DESCRIPTION =
  'Access tokens are JWTs following RFC8725 (JSON Web Token Best Current Practices): HS256 with the algorithm pinned, ' +
  'signature, expiry and claims verified on every request. They expire after JWT_ACCESS_TOKEN_EXPIRE_MINUTES (30 by default) ' +
  'and are revoked by POST /auth/logout, a password change or the account being deleted.';

/** Response headers, declared once in `components.headers`. */
const HEADERS: Record<string, HeaderObject> = {
  'X-Request-Id': {
    description: 'The id of this request, also in problem documents and logs (yours if you sent a sane X-Request-Id)',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$', maxLength: 128 },
  },
  'Access-Control-Allow-Origin': {
    description: 'Only to browser origins listed in CORS_ORIGINS',
    schema: { type: 'string', format: 'uri', maxLength: 2048 },
  },
  // IETF draft-ietf-httpapi-ratelimit-headers, on the routes marked @RateLimit(...).
  'RateLimit-Policy': {
    description: 'The limits that apply to this route, e.g. `"login";q=5;w=3600`',
    schema: { type: 'string', pattern: '^"[A-Za-z]+";q=\\d+;w=\\d+(, "[A-Za-z]+";q=\\d+;w=\\d+)*$', maxLength: 200 },
  },
  RateLimit: {
    description: 'What is left of each limit and when it resets, e.g. `"login";r=4;t=3599`',
    schema: { type: 'string', pattern: '^"[A-Za-z]+";r=\\d+;t=\\d+(, "[A-Za-z]+";r=\\d+;t=\\d+)*$', maxLength: 200 },
  },
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 86_400 } },
};
const ref = (name: keyof typeof HEADERS): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

const isReference = (value: object): value is ReferenceObject => '$ref' in value;

/** Formats whose values have a length the format itself bounds (`+275760-09-13T00:00:00.000000+01:00` is 35). */
const FORMAT_MAX_LENGTH: Record<string, number> = { uuid: 36, date: 10, 'date-time': 35 };

/** Every string schema of a bounded format states that bound (OWASP API4: every string has a maximum length). */
function boundFormattedStrings(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(boundFormattedStrings);
  if (node === null || typeof node !== 'object') return;
  const schema = node as { type?: unknown; format?: unknown; maxLength?: unknown };
  if (schema.type === 'string' && typeof schema.format === 'string' && FORMAT_MAX_LENGTH[schema.format] && schema.maxLength === undefined) {
    schema.maxLength = FORMAT_MAX_LENGTH[schema.format];
  }
  Object.values(node).forEach(boundFormattedStrings);
}

/**
 * What decorators cannot say once without repeating it on every route and property: the headers every
 * response carries (and, on rate-limited routes, the RateLimit ones), problem documents as the body of
 * every error response, the 404 of every route that takes an id (a foreign object answers 404 too), and
 * the length of UUIDs and dates.
 */
export function documentSharedResponses(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, headers: { ...document.components?.headers, ...HEADERS } };
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.patch]) {
      if (!operation) continue;
      const responses = operation.responses as Record<string, ResponseObject | ReferenceObject>;
      const takesId = (operation.parameters ?? []).some((parameter) => !isReference(parameter) && parameter.in === 'path');
      if (takesId && !responses['404']) responses['404'] = { description: 'Not found, or not yours', content: problemContent() };
      const rateLimited = Boolean(responses['429']);
      for (const [status, response] of Object.entries(responses)) {
        if (isReference(response)) continue;
        // The rate limit is counted after authentication and roles: a 401 or 403 never got that far.
        const counted = rateLimited && /^(2|4)/.test(status) && status !== '401' && status !== '403';
        response.headers = {
          'X-Request-Id': ref('X-Request-Id'),
          'Access-Control-Allow-Origin': ref('Access-Control-Allow-Origin'),
          ...(counted ? { 'RateLimit-Policy': ref('RateLimit-Policy'), RateLimit: ref('RateLimit') } : {}),
          ...(status === '429' ? { 'Retry-After': ref('Retry-After') } : {}),
          ...response.headers,
        };
        if (Number(status) >= 400 && !response.content) response.content = problemContent();
      }
    }
  }
  boundFormattedStrings(document.paths);
  boundFormattedStrings(document.components);
  return document;
}

/** The OpenAPI 3 document of the app, as /docs-json serves it. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Service Marketplace API')
    .setDescription('Customers find, book and pay for services that providers offer. Errors are RFC 9457 problem details.')
    .setVersion('1.0')
    // Relative: the document describes the instance that serves it, whichever environment that is.
    .addServer('/', 'This instance (local, staging or production: wherever this document is served from)', undefined, { 'x-internal': false })
    .addOAuth2({ type: 'oauth2', description: JWT_DESCRIPTION, flows: { password: { tokenUrl: '/auth/login', scopes: {} } } }, 'oauth2')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: JWT_DESCRIPTION }, 'bearer')
    .addGlobalResponse(
      { status: 400, description: 'Malformed request, or invalid fields (listed in `errors`)', content: problemContent() },
      { status: 500, description: 'Unexpected error (logged with the request id; no details are disclosed)', content: problemContent() },
    );
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [ProblemResponse, FieldErrorResponse] });
  return documentSharedResponses(document);
}
