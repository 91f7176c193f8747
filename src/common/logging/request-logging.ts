import type { FastifyInstance } from 'fastify';
import { Params, PinoLogger } from 'nestjs-pino';
import pinoHttp, { Options } from 'pino-http';

/**
 * Request logging from a Fastify hook: pino-http writes the line that closes each request, with its `reqId`.
 *
 * Three differences from nestjs-pino's own middleware. It runs as a plain `onRequest` hook rather than as Nest
 * middleware through @fastify/middie. pino-http only runs when its line can be written: it logs every request
 * at `useLevel` (info), so under LOG_LEVEL=warn it used to build three child loggers per request, one of them
 * serializing and redacting the whole request, only for nothing to be written. And no request is served inside
 * an AsyncLocalStorage context: on Node 20 that turns on promise hooks for every promise the process makes,
 * which cost about an eighth of the CPU of a catalog read (`npm run bench`). So a line logged while serving a
 * request names what it is about (a payment, a refund, a user) rather than the request; the request's own line,
 * the error log of an unexpected failure and every problem body carry the request id.
 */
export function registerRequestLogging(fastify: FastifyInstance, params: Params): void {
  // The options the root logger was built from, for a child of it: same serializers, redaction and line.
  // `[options, stream]` when the logger also writes LOG_DIR's files (config/logger.config.ts).
  const configured = (Array.isArray(params.pinoHttp) ? params.pinoHttp[0] : params.pinoHttp) as Options;
  const { transport: _transport, level: _level, ...options } = configured;
  const root = PinoLogger.root;
  const logRequest = pinoHttp({ ...options, logger: root });
  const lineLevel = options.useLevel ?? 'info';
  fastify.addHook('onRequest', (request, reply, done) => {
    if (options.customLogLevel || root.isLevelEnabled(lineLevel)) logRequest(request.raw, reply.raw);
    done();
  });
}
