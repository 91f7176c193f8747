import { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  HeaderObject,
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  RequestBodyObject,
  ResponseObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { ALL_ROLES } from '../auth/role.enum';
import { ROLES_EXTENSION } from '../decorators/roles.decorator';
import { NotFoundError, ValidationFailedError } from '../errors/domain.error';
import { RATE_LIMIT_EXTENSION } from '../rate-limit/rate-limit.decorator';
import { documentedProblems, FieldErrorResponse, platformProblem, problemExample, problemResponse, ProblemResponse, ProblemSource } from './problem.response';

const TAGS: Record<string, string> = {
  auth: 'Sign in and out (OAuth2 password flow or JSON)',
  users: 'Accounts: register, read, update, delete',
  'password-reset': 'Single-use reset links by e-mail',
  services: 'The catalog: services providers offer, their categories and free slots',
  bookings: 'Book and pay in one call, reschedule, complete, cancel',
  payments: 'Payments of bookings and their refunds',
  notifications: 'Your notifications, as a list and as a live stream',
  health: 'Liveness and readiness',
  admin: 'Operations for admins: background job queues',
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

/** Answers given before a rate limit is counted: they carry no RateLimit headers. */
const NOT_COUNTED = new Set(['401', '403', '413', '414', '415', '431']);

/** `/bookings/{id}/...` -> `Booking`: what a route's id names. */
const resourceOf = (path: string) => {
  const segment = path.split('/')[1] ?? '';
  return `${segment.charAt(0).toUpperCase()}${segment.slice(1).replace(/s$/, '')}`;
};

/** The first field of a request (a required body property first, else a query parameter): what a validation example names. */
function firstField(document: OpenAPIObject, operation: OperationObject, parameters: ParameterObject[]): string {
  const body = Object.values((operation.requestBody as RequestBodyObject | undefined)?.content ?? {})[0]?.schema;
  const name = body && isReference(body) ? body.$ref.split('/').pop() : undefined;
  const schema = name ? document.components?.schemas?.[name] : undefined;
  if (schema && !isReference(schema)) return schema.required?.[0] ?? Object.keys(schema.properties ?? {})[0] ?? 'body';
  return parameters.find((parameter) => parameter.in === 'query')?.name ?? 'body';
}

/** Methods whose body the app parses, whether or not the operation takes one (a defect in it is still refused). */
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);

/**
 * The problems the platform answers on any operation of a kind, whatever its handler does: invalid input
 * where there is input (a body, a query, an id that is not a UUID), a malformed URL, an id that names
 * nothing (or something not yours) or that is longer than the router takes, a body too large or of a type
 * not taken, headers over 16 KB, an unexpected error.
 */
function platformProblems(document: OpenAPIObject, path: string, method: string, operation: OperationObject): ProblemSource[] {
  const parameters = (operation.parameters ?? []).filter((parameter): parameter is ParameterObject => !isReference(parameter));
  const takesBody = BODY_METHODS.has(method);
  const takesFields = takesBody || parameters.some((parameter) => parameter.in === 'query');
  const takesId = parameters.some((parameter) => parameter.in === 'path');
  const field = takesFields ? firstField(document, operation, parameters) : '';
  return [
    ...(takesFields
      ? [
          new ValidationFailedError([
            { field, message: operation.requestBody || field !== 'body' ? `${field} should not be empty` : 'this route takes no body' },
          ]),
        ]
      : []),
    platformProblem(400, 'BAD_REQUEST', takesId ? 'Validation failed (uuid is expected)' : 'The URL is malformed.'),
    ...(takesId ? [new NotFoundError(resourceOf(path)), platformProblem(414, 'URI_TOO_LONG', 'A path segment is too long.')] : []),
    ...(takesBody
      ? [
          platformProblem(413, 'PAYLOAD_TOO_LARGE', 'Request body is too large'),
          platformProblem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type: text/plain'),
        ]
      : []),
    platformProblem(431, 'HEADERS_TOO_LARGE', 'The request headers are too large.'),
    platformProblem(500, 'INTERNAL_ERROR', 'An unexpected error occurred.'),
    // PostgreSQL (or another dependency the request needs) out of reach: never a 401 or a 500; Retry-After says when.
    platformProblem(503, 'SERVICE_UNAVAILABLE', 'A service this request needs is unavailable: try again after the time in Retry-After.'),
  ];
}

const SIGN_IN = 'a bearer token from `POST /auth/login`';

/** Who may call an operation, from the roles `@Roles(...)` names (`x-roles`) or its being public. */
function whoMayCall(operation: OperationObject & { [ROLES_EXTENSION]?: string[] }): string {
  const roles = operation[ROLES_EXTENSION];
  if (!roles) return operation.security?.length ? `Public: no token needed; ${SIGN_IN}, when sent, says who is asking.` : 'Public: no token needed.';
  if (ALL_ROLES.every((role) => roles.includes(role))) return `For any signed-in caller (${SIGN_IN}).`;
  return `For signed-in callers with the role ${roles.join(' or ')} (${SIGN_IN}).`;
}

/** Adds `sources` to the operation's problem responses (after the ones its decorators declared). */
function addProblems(responses: Record<string, ResponseObject | ReferenceObject>, sources: ProblemSource[]): void {
  for (const status of new Set(sources.map((source) => String(source.status)))) {
    const existing = responses[status];
    if (existing && isReference(existing)) continue;
    const documented = documentedProblems(existing);
    const known = new Set(documented.map((problem) => problem.code));
    const added = sources.filter((source) => String(source.status) === status && !known.has(source.code)).map(problemExample);
    responses[status] = { ...existing, ...problemResponse([...documented, ...added]) };
  }
}

/**
 * What decorators cannot say once without repeating it on every route and property: the headers every
 * response carries (and, on rate-limited routes, the RateLimit ones), the problems every operation of a kind
 * answers (a malformed URL, invalid input, the 404 of every route that takes an id: a foreign object answers
 * 404 too), and the length of UUIDs and dates.
 */
export function documentSharedResponses(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, headers: { ...document.components?.headers, ...HEADERS } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const responses = operation.responses as Record<string, ResponseObject | ReferenceObject>;
      addProblems(responses, platformProblems(document, path, method, operation));
      operation.description = [operation.description, whoMayCall(operation)].filter(Boolean).join('\n\n');
      // A `flag` rate limit answers no 429, but its answers carry the RateLimit headers all the same.
      const rateLimited = Boolean(responses['429'] || (operation as { [RATE_LIMIT_EXTENSION]?: string[] })[RATE_LIMIT_EXTENSION]);
      for (const [status, response] of Object.entries(responses)) {
        if (isReference(response)) continue;
        // The rate limit is counted after authentication and roles, and after Node and Fastify took the request
        // (headers, URL, body size and type): a 401, 403, 413, 414, 415 or 431 never got that far.
        const counted = rateLimited && /^(2|4)/.test(status) && !NOT_COUNTED.has(status);
        response.headers = {
          'X-Request-Id': ref('X-Request-Id'),
          'Access-Control-Allow-Origin': ref('Access-Control-Allow-Origin'),
          ...(counted ? { 'RateLimit-Policy': ref('RateLimit-Policy'), RateLimit: ref('RateLimit') } : {}),
          ...(status === '429' ? { 'Retry-After': ref('Retry-After') } : {}),
          ...response.headers,
        };
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
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: JWT_DESCRIPTION }, 'bearer');
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [ProblemResponse, FieldErrorResponse] });
  return documentSharedResponses(document);
}
