import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { FastifyCorsOptions } from '@fastify/cors';
import type { AppConfig } from '../../config/app.config';
import { securityHeaders } from './security-headers';

/** Every response carries its request id and the security headers. */
export function registerResponseHeaders(fastify: FastifyInstance): void {
  const security = securityHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    // pino-http reads the id from the raw request, so logs, errors and the response agree on it.
    (request.raw as IncomingMessage & { id?: string }).id = request.id;
    void reply.header('x-request-id', request.id).headers(security);
    done();
  });
}

/** Cross-origin access for the configured origins only. */
export function corsOptions(http: AppConfig['http']): FastifyCorsOptions {
  return {
    origin: http.corsOrigins.length ? http.corsOrigins : false,
    // @fastify/cors preflights only GET, HEAD and POST by default; the API also updates and deletes.
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    credentials: true,
    exposedHeaders: ['X-Request-Id', 'X-Total-Count', 'Link', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'Idempotent-Replayed'],
  };
}
