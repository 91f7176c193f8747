import { randomUUID } from 'node:crypto';
import { ValidationError } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { IncomingMessage, Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger, Params, PARAMS_PROVIDER_TOKEN } from 'nestjs-pino';
import { AppModule, AppModuleOptions } from './app.module';
import { FieldError, ValidationFailedError } from './common/errors/domain.error';
import { QueryCachingValidationPipe } from './common/validation/query-caching-validation.pipe';
import { buildProblem, PROBLEM_CONTENT_TYPE } from './common/errors/problem';
import { sendProblem } from './common/filters/problem-details.filter';
import { setUpDocs } from './common/openapi/docs';
import { registerRequestLogging } from './common/logging/request-logging';
import { registerPagination } from './common/pagination/paginated';
import { securityHeaders } from './common/http/security-headers';
import { buildAppConfig } from './config/app.config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** No request body nests more than a few levels; class-transformer would overflow the stack on thousands (a 500). */
const MAX_JSON_DEPTH = 32;
/** `"\ud800"` is valid JSON but not text (I-JSON, RFC 7493, forbids it): validator's isEmail throws on one (a 500). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Why a parsed JSON body is refused (nested too deep, or a string or name that is not Unicode text), found without recursion. */
function bodyDefect(value: unknown): string | null {
  const pending: Array<[unknown, number]> = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node === 'string' && LONE_SURROGATE.test(node)) return 'contains a lone UTF-16 surrogate, which is not text';
    if (node === null || typeof node !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) return `nests more than ${MAX_JSON_DEPTH} levels deep`;
    for (const [name, child] of Object.entries(node)) pending.push([name, depth], [child, depth + 1]);
  }
  return null;
}

/** Flattens class-validator's tree into `{field, message}` with dotted paths (`profile.firstName`). */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const all = errors.flatMap((error): FieldError[] => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, '$1 is not an allowed field'),
    }));
    return own.concat(flattenValidationErrors(error.children ?? [], field));
  });
  const seen = new Set<string>();
  return all.filter(({ field, message }) => !seen.has(`${field}\n${message}`) && Boolean(seen.add(`${field}\n${message}`)));
}

export const validationPipe = new QueryCachingValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => new ValidationFailedError(flattenValidationErrors(errors)),
});

/**
 * What Node's HTTP parser refuses before Fastify sees a request (headers over 16 KB, a malformed request
 * line) is answered as a problem too; Fastify's default writes its own JSON shape.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const requestId = randomUUID();
  const body = JSON.stringify(buildProblem({ status, detail: status === 431 ? 'The request headers are too large.' : 'The request is malformed.', requestId }));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Builds the application exactly as it serves: main.ts and the e2e tests both call this, so tests
 * exercise the same platform, parsers, security headers, pipes, filters and docs.
 */
export async function createApp(options: AppModuleOptions): Promise<NestFastifyApplication> {
  const { http } = buildAppConfig(options.env);
  const adapter = new FastifyAdapter({
    bodyLimit: http.bodyLimitBytes,
    trustProxy: http.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // The router answers a malformed URL (400) or an over-long id (414) before any hook or filter runs.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('x-request-id', request.id);
      // Not the router's message, which quotes the whole URL back.
      const detail = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path segment is too long.' : 'The URL is malformed.';
      sendProblem(reply, buildProblem({ status: error.statusCode ?? 400, detail, requestId: request.id }));
    },
    clientErrorHandler: answerClientError,
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<Server>('application/json', { bodyLimit: http.bodyLimitBytes }, (request, body, done) =>
    parseJson(request, body.toString('utf8'), (error, value) => {
      if (error) return done(error, undefined);
      const defect = bodyDefect(value);
      if (defect) return done(new ValidationFailedError([{ field: 'body', message: defect }]), undefined);
      done(null, value);
    }),
  );
  const security = securityHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    // pino-http reads the id from the raw request, so logs, errors and the response agree on it.
    (request.raw as IncomingMessage & { id?: string }).id = request.id;
    void reply.header('x-request-id', request.id).headers(security);
    done();
  });
  registerRequestLogging(fastify, app.get<Params>(PARAMS_PROVIDER_TOKEN));
  registerPagination(fastify, http.appUrl);

  app.enableCors({
    origin: http.corsOrigins.length ? http.corsOrigins : false,
    // @fastify/cors preflights only GET, HEAD and POST by default; the API also updates and deletes.
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    credentials: true,
    exposedHeaders: ['X-Request-Id', 'X-Total-Count', 'Link', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'Idempotent-Replayed'],
  });
  app.useGlobalPipes(validationPipe);
  setUpDocs(app);
  return app;
}
