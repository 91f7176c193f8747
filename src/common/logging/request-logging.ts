import type { FastifyInstance } from 'fastify';
import { Params, PinoLogger } from 'nestjs-pino';
import pinoHttp, { Options } from 'pino-http';

/**
 * Request logging, as nestjs-pino's middleware did it, from a Fastify hook: pino-http writes the line that
 * closes each request, and everything logged while serving it carries the request's `reqId`.
 *
 * Two differences, neither visible in the logs. It runs as a plain `onRequest` hook rather than as Nest
 * middleware through @fastify/middie. And pino-http only runs when its line can be written: it logs every
 * request at `useLevel` (info), so under LOG_LEVEL=warn it used to build three child loggers per request, one
 * of them serializing and redacting the whole request, only for nothing to be written (most of the CPU a
 * catalog read cost in Node).
 */
export function registerRequestLogging(fastify: FastifyInstance, params: Params, context: PinoLogger): void {
  // The options the root logger was built from, for a child of it: same serializers, redaction and line.
  const { transport: _transport, level: _level, ...options } = params.pinoHttp as Options;
  const root = PinoLogger.root;
  const logRequest = pinoHttp({ ...options, logger: root });
  const lineLevel = options.useLevel ?? 'info';
  fastify.addHook('onRequest', (request, reply, done) => {
    if (options.customLogLevel || root.isLevelEnabled(lineLevel)) logRequest(request.raw, reply.raw);
    context.runInContext(done, { bindings: { reqId: request.id } });
  });
}
